//! End to end over the real btleplug path: the `talkzone` binary as the central on bluezoo's
//! hci1, the strap emulator as the peripheral on hci0 (see tests/support/ble_world.rs and
//! docs/ble-testing.md). Each test builds its own world, so they run in parallel.
//!
//! Waits are conditions with generous deadlines, never sleeps, and nothing asserts on timing.
//! The one exception is the silent-stall test, where a timed gap *is* the injected fault.
//! Needs `scripts/test` (bluezoo venv, dbus-daemon); without it these tests fail, never skip.

#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::ble_world::{BleWorld, Running, CENTRAL_ADAPTER, STRAP_ADDRESS, STRAP_NAME};
use talkzone::protocol::heart_rate::{decode, from_hex};

/// Deadline for anything "eventually seen": connection, reconnection, a reading.
const PATIENCE: Duration = Duration::from_secs(60);

const STEADY: &str = include_str!("data/scenarios/steady.json");
const DECODING: &str = include_str!("data/scenarios/decoding.json");
const STALL: &str = include_str!("data/scenarios/stall.json");
const MALFORMED: &str = include_str!("data/scenarios/malformed.json");

fn is_reading(v: &Value) -> bool {
    v.get("hr").is_some()
}

fn is_event(name: &'static str) -> impl Fn(&Value) -> bool {
    move |v| v["event"] == name
}

/// `talkzone live --json` against the emulated strap, for `duration` seconds.
fn live(world: &BleWorld, duration: u32, extra: &[&str]) -> Running {
    let mut cmd = world.talkzone();
    cmd.args([
        "live",
        "--adapter",
        CENTRAL_ADAPTER,
        "--device",
        STRAP_ADDRESS,
    ])
    .args(["--json", "--duration", &duration.to_string()])
    .args(extra);
    world.spawn(cmd)
}

/// Waits for `n` readings after line `from`; returns the index of the last one.
fn wait_readings(run: &Running, from: usize, n: usize) -> usize {
    let mut at = from;
    for i in 0..n {
        let what = format!("reading {} of {n} after line {from}", i + 1);
        at = run.wait_for_json(at, PATIENCE, &what, is_reading).0 + 1;
    }
    at - 1
}

/// The heart rates the emulator sent that decode as readings, in order.
fn sent_heart_rates(world: &BleWorld) -> Vec<u64> {
    world
        .emulator_sent()
        .iter()
        .filter_map(|hex| decode(&from_hex(hex).ok()?).ok())
        .map(|m| u64::from(m.hr))
        .collect()
}

/// True if `part` appears in `whole` in order (not necessarily adjacent).
fn is_subsequence(part: &[u64], whole: &[u64]) -> bool {
    let mut rest = whole.iter();
    part.iter().all(|p| rest.any(|w| w == p))
}

fn received_heart_rates(run: &Running) -> Vec<u64> {
    run.json()
        .iter()
        .filter(|v| is_reading(v))
        .map(|v| v["hr"].as_u64().expect("hr is a number"))
        .collect()
}

#[test]
fn scan_lists_the_emulated_strap() {
    let world = BleWorld::start(STEADY);
    let out = world
        .talkzone()
        .args([
            "scan",
            "--adapter",
            CENTRAL_ADAPTER,
            "--timeout",
            "5",
            "--json",
        ])
        .output()
        .expect("run talkzone scan");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scan failed ({}): {stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Value = serde_json::from_str(&stdout).expect("scan --json prints one JSON array");
    let straps = found.as_array().expect("a JSON array");
    let strap = straps
        .iter()
        .find(|s| s["address"] == STRAP_ADDRESS)
        .unwrap_or_else(|| panic!("{STRAP_ADDRESS} not in {found}"));
    assert_eq!(strap["name"], STRAP_NAME);
    assert!(strap.get("rssi").is_some(), "no rssi key in {strap}");
}

#[test]
fn live_decodes_every_field_exactly() {
    let world = BleWorld::start(DECODING);
    let capture = world.dir().join("capture.jsonl");
    let capture_arg = capture.to_str().expect("utf-8 temp path");
    let mut run = live(&world, 15, &["--watchdog", "30", "--capture", capture_arg]);

    let (_, connected) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    assert_eq!(connected["address"], STRAP_ADDRESS);
    assert_eq!(connected["name"], STRAP_NAME);
    assert_eq!(connected["battery_percent"], 87);
    assert_eq!(connected["body_location"], "chest");

    // Hand-decoded from tests/data/scenarios/decoding.json (HRS 1.0, docs/science.md §8):
    // (hr, contact, energy_kj, rr_raw, rr_ms); rr_ms = raw * 1000 / 1024, exact in binary.
    let expected = [
        (
            72,
            json!(true),
            json!(null),
            json!([820]),
            json!([800.78125]),
        ),
        (65, json!(null), json!(null), json!([]), json!([])),
        (80, json!(false), json!(null), json!([]), json!([])),
        // 16-bit format: 07 2c 01 = 300 bpm, which 8 bits cannot hold.
        (300, json!(true), json!(null), json!([]), json!([])),
        // 16-bit format with a small value and energy: 09 48 00 02 01.
        (72, json!(null), json!(258), json!([]), json!([])),
        // Energy shifts the RR start; three RR in one packet.
        (
            140,
            json!(true),
            json!(16),
            json!([437, 432, 429]),
            json!([426.7578125, 421.875, 418.9453125]),
        ),
        // The raw example from the issue: 16 48 54 01 ec 02.
        (
            72,
            json!(true),
            json!(null),
            json!([340, 748]),
            json!([332.03125, 730.46875]),
        ),
        // Every flag with a 16-bit HR: 1f b4 00 01 02 50 01.
        (180, json!(true), json!(513), json!([336]), json!([328.125])),
        // RR flag set with no interval: a reading without RR, not an error.
        (60, json!(null), json!(null), json!([]), json!([])),
        (
            255,
            json!(false),
            json!(null),
            json!([1024, 1023, 2048]),
            json!([1000.0, 999.0234375, 2000.0]),
        ),
        // Reserved flag bits (e6) are ignored: contact detected, 80 bpm.
        (80, json!(true), json!(null), json!([]), json!([])),
        (95, json!(null), json!(65535), json!([]), json!([])),
    ];
    wait_readings(&run, 0, expected.len());
    let readings: Vec<Value> = run.json().into_iter().filter(is_reading).collect();
    // The emulator sends its first packet the moment the subscription starts.
    assert_eq!(
        readings[0]["hr"], 72,
        "the strap's first packet is missing: talkzone must open its notification stream before \
         it subscribes, or a packet sent right after subscribing is lost; readings: {readings:#?}"
    );
    for (i, (hr, contact, energy, rr_raw, rr_ms)) in expected.iter().enumerate() {
        let r = &readings[i];
        let what = format!("reading {i}: {r}");
        assert_eq!(r["hr"], *hr, "{what}");
        assert_eq!(r["contact"], *contact, "{what}");
        assert_eq!(r["energy_kj"], *energy, "{what}");
        assert_eq!(r["rr_raw"], *rr_raw, "{what}");
        assert_eq!(r["rr_ms"], *rr_ms, "{what}");
        assert_eq!(r["source"], "ble", "{what}");
        assert!(r["t"].is_string(), "{what}");
    }
    let bad: Vec<Value> = run
        .json()
        .into_iter()
        .filter(is_event("bad_packet"))
        .collect();
    assert!(
        bad.is_empty(),
        "no packet of this scenario is malformed: {bad:?}"
    );

    let status = run.wait_exit(PATIENCE);
    assert!(
        status.success(),
        "live should exit 0 at the end of --duration: {status}"
    );

    // The capture holds the strap's bytes exactly, in the order sent.
    let captured: Vec<String> = std::fs::read_to_string(&capture)
        .expect("--capture wrote a file")
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["hex"].as_str().map(str::to_owned))
        .collect();
    let sent = world.emulator_sent();
    assert!(captured.len() >= expected.len(), "capture: {captured:?}");
    assert_eq!(
        captured[..],
        sent[..captured.len()],
        "the capture must equal what the strap sent"
    );
}

#[test]
fn link_loss_is_reported_and_recovered() {
    let world = BleWorld::start(STEADY);
    let run = live(&world, 120, &["--watchdog", "30"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    let before = wait_readings(&run, connected, 5);

    world.disconnect_central();

    let (lost, event) = run.wait_for_json(
        before,
        PATIENCE,
        "the disconnected event",
        is_event("disconnected"),
    );
    assert_eq!(event["reason"], "disconnected", "{event}");
    let (back, event) = run.wait_for_json(
        lost,
        PATIENCE,
        "the reconnected event",
        is_event("reconnected"),
    );
    assert!(event["gap_s"].as_f64().is_some_and(|g| g >= 0.0), "{event}");
    wait_readings(&run, back, 5);

    // One session with a gap: no second "connected", and every reading is a packet the strap
    // sent, in order (the emulator continues its scenario across the reconnect).
    let events: Vec<Value> = run
        .json()
        .into_iter()
        .filter(|v| v.get("event").is_some())
        .collect();
    assert_eq!(
        events.iter().filter(|e| e["event"] == "connected").count(),
        1,
        "{events:?}"
    );
    let subscriptions = world
        .emulator_lines()
        .iter()
        .filter(|l| *l == "SUBSCRIBED")
        .count();
    assert!(
        subscriptions >= 2,
        "talkzone should have subscribed again on the same strap"
    );
    let received = received_heart_rates(&run);
    // The emulator logs a packet after it went out, so talkzone may print it first: wait for
    // the log line of the last packet received before reading what was sent.
    if let Some(&last) = received.last() {
        world.wait_for_emulator(PATIENCE, |l| {
            l.strip_prefix("SENT ")
                .and_then(|hex| decode(&from_hex(hex).ok()?).ok())
                .is_some_and(|m| u64::from(m.hr) == last)
        });
    }
    let sent = sent_heart_rates(&world);
    assert!(
        is_subsequence(&received, &sent),
        "received {received:?}, sent {sent:?}"
    );
}

#[test]
fn watchdog_notices_a_strap_that_dies_silently() {
    let mut world = BleWorld::start(STEADY);
    let run = live(&world, 120, &["--watchdog", "3"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    let before = wait_readings(&run, connected, 5);

    // The fault: the strap vanishes without a disconnect (bluezoo reports none) and comes back
    // about 8 s later. This wait is the injected gap, not synchronisation.
    world.kill_emulator();
    std::thread::sleep(Duration::from_secs(8));
    world.restart_emulator(STEADY);

    let (lost, event) = run.wait_for_json(
        before,
        PATIENCE,
        "the watchdog disconnect",
        is_event("disconnected"),
    );
    assert_eq!(event["reason"], "watchdog", "{event}");
    let (back, _) = run.wait_for_json(
        lost,
        PATIENCE,
        "the reconnected event",
        is_event("reconnected"),
    );
    wait_readings(&run, back, 5);
}

#[test]
fn watchdog_recovers_from_a_stall_without_disconnect() {
    let world = BleWorld::start(STALL);
    let run = live(&world, 120, &["--watchdog", "3"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    // The scenario sends five packets of 70 bpm before its stall; see a few of them.
    let before = wait_readings(&run, connected, 3);
    assert_eq!(received_heart_rates(&run)[..3], [70, 70, 70]);

    // The strap stays connected and alive but sends nothing for 8 s (stall_ms in the scenario).
    let (lost, event) = run.wait_for_json(
        before,
        PATIENCE,
        "the watchdog disconnect",
        is_event("disconnected"),
    );
    assert_eq!(event["reason"], "watchdog", "{event}");
    run.wait_for_json(
        lost,
        PATIENCE,
        "the reconnected event",
        is_event("reconnected"),
    );
    run.wait_for_json(lost, PATIENCE, "readings after the stall", |v| {
        v["hr"] == 90
    });
}

/// The end of a session that ran into trouble: SIGTERM ends it with exit 0 and its summary,
/// and nothing was printed that a person should not see (a panic, a backtrace).
fn terminate_cleanly(mut run: Running) {
    run.terminate();
    let status = run.wait_exit(PATIENCE);
    let err = run.stderr();
    assert!(status.success(), "{status}: {err}");
    assert!(
        run.json().iter().any(|v| v["event"] == "summary"),
        "a summary at the end: {:?}",
        run.lines().last()
    );
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{err}"
    );
}

/// The system bus, and BlueZ with it, goes away mid-session and comes back on the same address
/// (a restarted dbus or bluetoothd): a lost link, not an error. The BLE side is started again
/// on a new connection and the same session goes on.
#[test]
fn the_bluetooth_service_going_away_and_back_is_a_lost_link() {
    let mut world = BleWorld::start(STEADY);
    let run = live(&world, 600, &["--watchdog", "3"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    let before = wait_readings(&run, connected, 5);

    world.kill_bus();
    // The fault's length: the bus is gone for a few seconds. An injected gap, not a wait for
    // anything.
    std::thread::sleep(Duration::from_secs(4));
    world.restart_bus(STEADY);

    let (lost, _) = run.wait_for_json(
        before,
        PATIENCE,
        "the disconnected event",
        is_event("disconnected"),
    );
    let (back, event) = run.wait_for_json(
        lost,
        PATIENCE,
        "the reconnected event",
        is_event("reconnected"),
    );
    assert!(event["gap_s"].as_f64().unwrap() > 0.0, "{event}");
    wait_readings(&run, back, 5);
    // One session throughout: a single connected event, the first.
    let connects = run
        .json()
        .iter()
        .filter(|v| v["event"] == "connected")
        .count();
    assert_eq!(connects, 1);
    terminate_cleanly(run);
}

/// With the bus gone for good, SIGTERM still ends the session (exit 0, the summary of what was
/// recorded), whatever the Bluetooth library's calls are waiting for; and the session said
/// what happened.
#[test]
fn without_the_bus_sigterm_still_ends_the_session() {
    let mut world = BleWorld::start(STEADY);
    let run = live(&world, 600, &["--watchdog", "3"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    let before = wait_readings(&run, connected, 3);
    world.kill_bus();
    run.wait_for_json(
        before,
        PATIENCE,
        "the disconnected event",
        is_event("disconnected"),
    );
    terminate_cleanly(run);
}

/// ... and `--duration` ends it too.
#[test]
fn without_the_bus_duration_still_ends_the_session() {
    let mut world = BleWorld::start(STEADY);
    let mut run = live(&world, 12, &["--watchdog", "3"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    wait_readings(&run, connected, 3);
    world.kill_bus();
    let status = run.wait_exit(PATIENCE);
    assert!(status.success(), "{status}: {}", run.stderr());
    assert!(run.json().iter().any(|v| v["event"] == "summary"));
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
}

#[test]
fn malformed_packets_are_reported_and_good_ones_still_arrive() {
    let world = BleWorld::start(MALFORMED);
    let run = live(&world, 120, &["--watchdog", "30"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    run.wait_for_json(connected, PATIENCE, "the last good reading (66 bpm)", |v| {
        v["hr"] == 66
    });

    // The scenario's first pass, in order: empty, flags only, truncated uint16 HR, energy flag
    // without its bytes, a dangling RR byte, each between good packets.
    let expected = [
        json!({"hr": 61}),
        json!({"bad": ""}),
        json!({"hr": 62}),
        json!({"bad": "00"}),
        json!({"hr": 63}),
        json!({"bad": "0148"}),
        json!({"hr": 64}),
        json!({"bad": "0848"}),
        json!({"hr": 65}),
        json!({"bad": "104854"}),
        json!({"hr": 66}),
    ];
    let items: Vec<Value> = run
        .json()
        .iter()
        .skip_while(|v| v["event"] != "connected")
        .filter(|v| is_reading(v) || v["event"] == "bad_packet")
        .take(expected.len())
        .cloned()
        .collect();
    assert_eq!(items.len(), expected.len(), "data items: {items:#?}");
    assert_eq!(
        items[0]["hr"], 61,
        "the strap's first packet (sent as soon as the subscription starts) is missing: {items:#?}"
    );
    for (item, want) in items.iter().zip(&expected) {
        if let Some(hr) = want.get("hr") {
            assert_eq!(
                item["hr"], *hr,
                "expected a reading of {hr}, got {item}; all: {items:#?}"
            );
        } else {
            assert_eq!(
                item["event"], "bad_packet",
                "expected {want}, got {item}; all: {items:#?}"
            );
            assert_eq!(item["hex"], want["bad"], "{item}");
            assert!(
                item["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{item}"
            );
        }
    }
}

/// A morning check over the real BLE path: the emulator sends one RR per packet, alternating
/// raw 1003 and 1096 (1/1024 s) = 979.4921875 and 1070.3125 ms. Hand-computed (Task Force 1996):
/// every successive difference is 90.8203125 ms, so RMSSD = 90.8203125 ms and pNN50 = 1; mean
/// NN is (979.4921875 + 1070.3125) / 2 = 1024.90234375 ms when the count is even. The check
/// records 65 s on the readings' clock with no settling time, so at least 60 s of clean RR.
#[test]
fn a_morning_check_over_ble_computes_hrv_exactly() {
    let world = BleWorld::start(include_str!("data/scenarios/morning.json"));
    let mut cmd = world.talkzone();
    cmd.args([
        "morning",
        "--adapter",
        CENTRAL_ADAPTER,
        "--device",
        STRAP_ADDRESS,
        "--duration",
        "65",
        "--settle",
        "0",
        "--json",
        "--no-questions",
    ]);
    let mut run = world.spawn(cmd);
    let status = run.wait_exit(Duration::from_secs(180));
    assert!(status.success(), "morning failed: {status}");
    let out = run.json();
    let v = out.last().expect("one JSON object");
    assert!(
        (v["rmssd_ms"].as_f64().unwrap() - 90.8203125).abs() < 1e-9,
        "{v}"
    );
    assert!(
        (v["ln_rmssd"].as_f64().unwrap() - 90.8203125f64.ln()).abs() < 1e-9,
        "{v}"
    );
    assert_eq!(v["pnn50"], 1.0, "{v}");
    assert_eq!(v["artifact_share"], 0.0, "{v}");
    let used = v["rr_used"].as_u64().unwrap();
    assert!(used >= 60, "{v}");
    let mean = v["mean_nn_ms"].as_f64().unwrap();
    assert!((1020.0..1030.0).contains(&mean), "{v}");
    assert_eq!(v["date"].as_str().unwrap().len(), 10);
    for key in ["resting_hr", "sdnn_ms", "readiness"] {
        assert!(v.get(key).is_some(), "{key} missing: {v}");
    }
}

/// Errors a user can act on, over the real BlueZ D-Bus path: an adapter that does not exist
/// lists the ones that do; a powered-off adapter says how to turn it on (exit 5); a strap that
/// is not there says how to wake it (exit 6).
#[test]
fn actionable_errors_for_adapters_and_missing_straps() {
    let world = BleWorld::start(STEADY);
    let out = world
        .talkzone()
        .args(["live", "--adapter", "hci7", "--json", "--no-record"])
        .output()
        .expect("run talkzone");
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hci7") && err.contains("hci1"), "{err}");

    let out = world
        .talkzone()
        .args([
            "live",
            "--adapter",
            CENTRAL_ADAPTER,
            "--device",
            "11:22:33:44:55:66",
        ])
        .args(["--scan-timeout", "3", "--json", "--no-record"])
        .output()
        .expect("run talkzone");
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("wet the electrodes") && err.contains("11:22:33:44:55:66"),
        "{err}"
    );

    world.power_off(CENTRAL_ADAPTER);
    let out = world
        .talkzone()
        .args(["scan", "--adapter", CENTRAL_ADAPTER, "--timeout", "2"])
        .output()
        .expect("run talkzone");
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("bluetoothctl power on"));
}

/// A device that is no heart-rate strap (only a Battery Service): named explicitly, talkzone
/// connects, finds no Heart Rate Measurement and says so (exit 7).
#[test]
fn a_device_without_the_heart_rate_service_is_named_as_such() {
    let world = BleWorld::start(r#"{"heart_rate_service": false, "steps": [{"hr": 60}]}"#);
    let out = world
        .talkzone()
        .args([
            "live",
            "--adapter",
            CENTRAL_ADAPTER,
            "--device",
            STRAP_ADDRESS,
        ])
        .args(["--scan-timeout", "20", "--json", "--no-record"])
        .output()
        .expect("run talkzone");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(
        err.contains("no Heart Rate Service (0x180D)") && err.contains(STRAP_ADDRESS),
        "{err}"
    );
}

/// DFA alpha1 live over the real BLE path (issue 11): the emulator sends 140 bpm with two RR a
/// packet that wander by a few 1/1024 s; once 120 s of readings exist, `live --json` writes an
/// `alpha1` line, and it equals the batch definition (`dfa::analyse`) over the very readings
/// the same run printed before it.
#[test]
fn alpha1_lines_appear_live_over_ble_and_equal_the_definition() {
    use talkzone::physiology::dfa::{self, DfaOptions};
    use talkzone::reading::{Contact, Reading, RrInterval, Source};

    let mut x: u32 = 7;
    let steps: Vec<Value> = (0..400)
        .map(|_| {
            let rr: Vec<u32> = (0..2)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    435 + (x >> 16) % 10
                })
                .collect();
            json!({"hr": 140, "contact": true, "rr": rr})
        })
        .collect();
    let scenario = json!({"interval_ms": 1000, "steps": steps}).to_string();
    let world = BleWorld::start(&scenario);
    let mut cmd = world.talkzone();
    cmd.args([
        "live",
        "--adapter",
        CENTRAL_ADAPTER,
        "--device",
        STRAP_ADDRESS,
        "--json",
        "--no-record",
    ]);
    let mut run = world.spawn(cmd);
    let (at, line) = run.wait_for_json(0, Duration::from_secs(240), "an alpha1 line", |v| {
        v["event"] == "alpha1"
    });
    run.terminate();
    let status = run.wait_exit(PATIENCE);
    assert!(status.success(), "live after SIGTERM: {status}");

    let readings: Vec<Reading> = run.lines()[..at]
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("hr").is_some() && v.get("event").is_none())
        .map(|v| Reading {
            t: v["t"].as_str().unwrap().parse().unwrap(),
            hr: v["hr"].as_u64().unwrap() as u16,
            contact: Contact::Detected,
            energy_kj: None,
            rr: v["rr_raw"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| RrInterval::Ticks(r.as_u64().unwrap() as u16))
                .collect(),
            source: Source::Ble,
        })
        .collect();
    let analysis = dfa::analyse(&readings, &DfaOptions::default());
    let first = analysis
        .windows
        .first()
        .expect("a window in the printed readings");
    let t: chrono::DateTime<chrono::Utc> = line["t"].as_str().unwrap().parse().unwrap();
    assert_eq!(t, first.end, "{line}");
    let a = line["alpha1"].as_f64().expect("an alpha1");
    assert!(
        (a - first.alpha1.unwrap()).abs() < 1e-9,
        "{line} vs {first:?}"
    );
    assert_eq!(line["reliable"], true, "{line}");
    assert_eq!(line["artifact_share"], 0.0, "{line}");
    assert_eq!(line["beats"], first.beats, "{line}");
}

/// Measurement, not a test (run by hand; the figures go in the closing note of issue 14):
/// how long after its `--duration` a session ends when the bus went away, and how long
/// SIGTERM takes then. `cargo test --test e2e_ble -- --ignored --nocapture measure_`
#[test]
#[ignore = "a measurement: prints timings, asserts none"]
fn measure_session_end_without_the_bus() {
    use std::time::Instant;
    let mut world = BleWorld::start(STEADY);
    let started = Instant::now();
    let mut run = live(&world, 15, &["--watchdog", "3"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    wait_readings(&run, connected, 3);
    world.kill_bus();
    run.wait_exit(PATIENCE);
    println!(
        "live --duration 15, bus killed after 3 readings: ended {:.1} s after start",
        started.elapsed().as_secs_f64()
    );

    let mut world = BleWorld::start(STEADY);
    let run = live(&world, 600, &["--watchdog", "3"]);
    let (connected, _) =
        run.wait_for_json(0, PATIENCE, "the connected event", is_event("connected"));
    let before = wait_readings(&run, connected, 3);
    world.kill_bus();
    run.wait_for_json(
        before,
        PATIENCE,
        "the disconnected event",
        is_event("disconnected"),
    );
    let mut run = run;
    let sent = Instant::now();
    run.terminate();
    run.wait_exit(PATIENCE);
    println!(
        "SIGTERM with the bus gone: exited {:.2} s after the signal",
        sent.elapsed().as_secs_f64()
    );
}
