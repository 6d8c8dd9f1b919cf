//! A heart-rate chest strap emulator: a BLE peripheral on a BlueZ adapter for end-to-end tests.
//!
//! Registers, through BlueZ's standard peripheral API (so it works on the bluezoo mock and on a
//! real BlueZ with a real adapter):
//! - Heart Rate Service 0x180D with Heart Rate Measurement 0x2A37 (notify) and Body Sensor
//!   Location 0x2A38 (read, 0x01 = chest);
//! - Battery Service 0x180F with Battery Level 0x2A19 (read, 87 % unless the scenario says
//!   otherwise);
//! - an LE advertisement of 0x180D with the given local name, marked discoverable (bluezoo only
//!   reports discoverable advertisements).
//!
//! ```text
//! strap_emulator [--adapter hci0] [--name "TZ Strap"] [--scenario FILE.json] [--ready-file PATH]
//! ```
//!
//! Once the application and the advertisement are registered it prints `READY` on stdout (and
//! writes `READY` to `--ready-file`, when given, atomically), so tests synchronise on it instead of
//! sleeping. Every packet actually handed to BlueZ is printed as `SENT <hex>`; a few other lines
//! (`SUBSCRIBED`, `UNSUBSCRIBED`, `SLEEP <ms>`, `STALL <ms>`, `EXIT <code>`, `END`) say what the
//! strap is doing. Errors go to stderr.
//!
//! # Scenario file
//!
//! ```json
//! {
//!   "interval_ms": 1000,
//!   "loop": false,
//!   "battery_percent": 87,
//!   "body_location": 1,
//!   "steps": [
//!     {"hr": 72},
//!     {"hr": 300, "u16": true, "contact": true, "energy": 123, "rr": [800, 812]},
//!     {"hex": "16485401ec02"},
//!     {"sleep_ms": 500},
//!     {"stall_ms": 8000},
//!     {"repeat": 3, "steps": [{"hr": 80, "contact": false}]},
//!     {"exit": 0}
//!   ]
//! }
//! ```
//!
//! - `{"hex": "..."}`: raw packet bytes, sent as they are (also for malformed packets; `""` sends
//!   an empty value).
//! - `{"hr": N, "u16": bool, "contact": true|false|null, "energy": N, "rr": [raw, ...]}`: a Heart
//!   Rate Measurement encoded per HRS 1.0 (docs/science.md §8). `u16` (default false) selects the
//!   16-bit heart-rate format; `contact` absent or `null` means "not supported"; `energy` (kJ) is
//!   omitted when absent; `rr` holds RR intervals in raw 1/1024 s units, `[]` sets the RR flag
//!   with no interval, absent clears it.
//! - `{"sleep_ms": N}`: pause N ms on top of the interval (part of the normal rhythm).
//! - `{"stall_ms": N}`: stop sending for N ms without any disconnect, like a strap gone silent.
//! - `{"exit": code}`: exit the process at once with `code`, without unregistering anything, like
//!   a strap whose battery died.
//! - `{"repeat": N, "steps": [...]}`: the nested steps N times.
//!
//! Top level: `interval_ms` (default 1000) is the pause after every packet; `loop` (default
//! false) plays the steps again from the start after the last one, otherwise the strap stays
//! connected and silent; `battery_percent` (default 87) and `body_location` (default 1, chest)
//! are the values of 0x2A19 and 0x2A38; `heart_rate_service` (default true) set to false makes a
//! device that is no heart-rate strap: only the Battery Service, served and advertised.
//!
//! Playback starts when a client subscribes to 0x2A37. Pauses are wall-clock deadlines and the
//! position in the scenario survives the client: if it unsubscribes or disconnects and
//! subscribes again, playback continues with the step it had reached, not from the start, so a
//! reconnect test sees continuity. A packet whose notification fails is sent again to the next
//! subscriber. Without `--scenario` the strap sends 72 bpm with contact and one RR interval every
//! second, forever.
//!
//! Ctrl-C or SIGTERM unregisters and exits 0. Exit code 2 means bad arguments or a bad scenario,
//! 1 a Bluetooth error.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bluer::adv::Advertisement;
use bluer::gatt::local::{
    Application, Characteristic, CharacteristicNotifier, CharacteristicNotify,
    CharacteristicNotifyMethod, CharacteristicRead, Service,
};
use bluer::Uuid;
use futures::FutureExt;
use serde_json::{Map, Value};
use talkzone::protocol::heart_rate::{encode, from_hex, to_hex, HrFormat, Measurement};
use talkzone::reading::{Contact, RrInterval};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::Mutex;
use tokio::time::Instant;

const HEART_RATE_SERVICE: u16 = 0x180D;
const HEART_RATE_MEASUREMENT: u16 = 0x2A37;
const BODY_SENSOR_LOCATION: u16 = 0x2A38;
const BATTERY_SERVICE: u16 = 0x180F;
const BATTERY_LEVEL: u16 = 0x2A19;
/// GAP appearance "Heart Rate Sensor: Heart Rate Belt".
const APPEARANCE_HEART_RATE_BELT: u16 = 0x0341;

const USAGE: &str = "usage: strap_emulator [--adapter hci0] [--name NAME] [--scenario FILE.json] \
                     [--ready-file PATH]";

/// A 16-bit SIG UUID on the Bluetooth base UUID 0000xxxx-0000-1000-8000-00805f9b34fb.
fn sig_uuid(short: u16) -> Uuid {
    Uuid::from_u128((u128::from(short) << 96) | 0x0000_1000_8000_0080_5f9b_34fb)
}

/// Command-line settings.
struct Args {
    adapter: String,
    name: String,
    scenario: Option<PathBuf>,
    ready_file: Option<PathBuf>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        adapter: "hci0".into(),
        name: "TZ Strap".into(),
        scenario: None,
        ready_file: None,
    };
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--adapter" => parsed.adapter = value,
            "--name" => parsed.name = value,
            "--scenario" => parsed.scenario = Some(value.into()),
            "--ready-file" => parsed.ready_file = Some(value.into()),
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

/// One thing the strap does, after `repeat`s are unrolled.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    Send(Vec<u8>),
    Sleep(Duration),
    Stall(Duration),
    Exit(i32),
}

/// A parsed scenario file.
#[derive(Debug, Clone, PartialEq)]
struct Scenario {
    actions: Vec<Action>,
    interval: Duration,
    looping: bool,
    battery_percent: u8,
    body_location: u8,
    /// false: a device that is no heart-rate strap (only a Battery Service, advertised as such).
    heart_rate_service: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        let steady = Measurement {
            hr: 72,
            hr_format: HrFormat::U8,
            contact: Contact::Detected,
            energy_kj: None,
            rr_present: true,
            rr: vec![RrInterval::Ticks(853)],
        };
        Scenario {
            actions: vec![Action::Send(encode(&steady))],
            interval: Duration::from_secs(1),
            looping: true,
            battery_percent: 87,
            body_location: 1,
            heart_rate_service: true,
        }
    }
}

fn parse_scenario(text: &str) -> Result<Scenario, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = root
        .as_object()
        .ok_or("the scenario must be a JSON object with \"steps\"")?;
    only_keys(
        obj,
        &[
            "steps",
            "interval_ms",
            "loop",
            "battery_percent",
            "body_location",
            "heart_rate_service",
        ],
        "the scenario",
    )?;
    let interval_ms = opt_u64(obj, "interval_ms", "the scenario")?.unwrap_or(1000);
    let looping = match obj.get("loop") {
        None => false,
        Some(v) => v.as_bool().ok_or("\"loop\" must be true or false")?,
    };
    let byte = |key: &str, default: u8| -> Result<u8, String> {
        opt_u64(obj, key, "the scenario")?
            .map(|v| u8::try_from(v).map_err(|_| format!("{key:?} must be 0..=255")))
            .transpose()
            .map(|v| v.unwrap_or(default))
    };
    let heart_rate_service = match obj.get("heart_rate_service") {
        None => true,
        Some(v) => v
            .as_bool()
            .ok_or("\"heart_rate_service\" must be true or false")?,
    };
    let battery_percent = byte("battery_percent", 87)?;
    let body_location = byte("body_location", 1)?;
    let steps = obj
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("the scenario needs a \"steps\" array")?;
    let mut actions = Vec::new();
    parse_steps(steps, "steps", &mut actions)?;
    Ok(Scenario {
        actions,
        interval: Duration::from_millis(interval_ms),
        looping,
        battery_percent,
        body_location,
        heart_rate_service,
    })
}

fn parse_steps(steps: &[Value], at: &str, out: &mut Vec<Action>) -> Result<(), String> {
    for (i, step) in steps.iter().enumerate() {
        let at = format!("{at}[{i}]");
        let obj = step
            .as_object()
            .ok_or_else(|| format!("{at}: a step must be a JSON object"))?;
        if let Some(hex) = obj.get("hex") {
            only_keys(obj, &["hex"], &at)?;
            let hex = hex
                .as_str()
                .ok_or_else(|| format!("{at}: \"hex\" must be a string"))?;
            out.push(Action::Send(
                from_hex(hex).map_err(|e| format!("{at}: {e}"))?,
            ));
        } else if obj.contains_key("hr") {
            only_keys(obj, &["hr", "u16", "contact", "energy", "rr"], &at)?;
            out.push(Action::Send(encode(&measurement(obj, &at)?)));
        } else if obj.contains_key("sleep_ms") {
            only_keys(obj, &["sleep_ms"], &at)?;
            let ms = opt_u64(obj, "sleep_ms", &at)?.unwrap_or_default();
            out.push(Action::Sleep(Duration::from_millis(ms)));
        } else if obj.contains_key("stall_ms") {
            only_keys(obj, &["stall_ms"], &at)?;
            let ms = opt_u64(obj, "stall_ms", &at)?.unwrap_or_default();
            out.push(Action::Stall(Duration::from_millis(ms)));
        } else if let Some(code) = obj.get("exit") {
            only_keys(obj, &["exit"], &at)?;
            let code = code
                .as_i64()
                .and_then(|c| i32::try_from(c).ok())
                .ok_or_else(|| format!("{at}: \"exit\" must be an exit code"))?;
            out.push(Action::Exit(code));
        } else if obj.contains_key("repeat") {
            only_keys(obj, &["repeat", "steps"], &at)?;
            let times = opt_u64(obj, "repeat", &at)?.unwrap_or_default();
            let nested = obj
                .get("steps")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("{at}: \"repeat\" needs a \"steps\" array"))?;
            let mut once = Vec::new();
            parse_steps(nested, &format!("{at}.steps"), &mut once)?;
            for _ in 0..times {
                out.extend(once.iter().cloned());
            }
        } else {
            return Err(format!(
                "{at}: unknown step (expected hex, hr, sleep_ms, stall_ms, exit or repeat)"
            ));
        }
    }
    Ok(())
}

fn measurement(obj: &Map<String, Value>, at: &str) -> Result<Measurement, String> {
    let u16_value = |v: &Value, what: &str| -> Result<u16, String> {
        v.as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| format!("{at}: {what} must be an integer 0..=65535"))
    };
    let hr = u16_value(&obj["hr"], "\"hr\"")?;
    let wide = match obj.get("u16") {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| format!("{at}: \"u16\" must be true or false"))?,
    };
    let contact = match obj.get("contact") {
        None | Some(Value::Null) => Contact::NotSupported,
        Some(Value::Bool(true)) => Contact::Detected,
        Some(Value::Bool(false)) => Contact::NotDetected,
        Some(_) => return Err(format!("{at}: \"contact\" must be true, false or null")),
    };
    let energy_kj = match obj.get("energy") {
        None | Some(Value::Null) => None,
        Some(v) => Some(u16_value(v, "\"energy\"")?),
    };
    let rr = match obj.get("rr") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| u16_value(v, "each \"rr\" value").map(RrInterval::Ticks))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(format!("{at}: \"rr\" must be an array of raw 1/1024 s")),
    };
    Ok(Measurement {
        hr,
        hr_format: if wide { HrFormat::U16 } else { HrFormat::U8 },
        contact,
        energy_kj,
        rr_present: rr.is_some(),
        rr: rr.unwrap_or_default(),
    })
}

fn only_keys(obj: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "{at}: unknown key {k:?} (allowed: {})",
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

fn opt_u64(obj: &Map<String, Value>, key: &str, at: &str) -> Result<Option<u64>, String> {
    obj.get(key)
        .map(|v| {
            v.as_u64()
                .ok_or_else(|| format!("{at}: {key:?} must be a non-negative integer"))
        })
        .transpose()
}

/// Where playback stands; shared by successive notification sessions so a resubscribing
/// client continues where the last one stopped.
struct Player {
    scenario: Scenario,
    position: usize,
    /// Nothing is sent before this instant (the interval after a packet, a sleep, a stall).
    not_before: Instant,
}

impl Player {
    /// Plays to one subscriber until it unsubscribes (or the scenario ends without `loop`).
    async fn serve(&mut self, mut notifier: CharacteristicNotifier) {
        let stopped = notifier.stopped();
        tokio::pin!(stopped);
        loop {
            if self.position >= self.scenario.actions.len() {
                if self.scenario.looping && !self.scenario.actions.is_empty() {
                    self.position = 0;
                } else {
                    say("END");
                    stopped.as_mut().await;
                    return;
                }
            }
            tokio::select! {
                () = tokio::time::sleep_until(self.not_before) => {}
                () = stopped.as_mut() => return,
            }
            match &self.scenario.actions[self.position] {
                Action::Send(bytes) => {
                    if notifier.notify(bytes.clone()).await.is_err() {
                        // Not delivered: the next subscriber gets this packet.
                        return;
                    }
                    say(&format!("SENT {}", to_hex(bytes)));
                    self.not_before = Instant::now() + self.scenario.interval;
                }
                Action::Sleep(pause) => {
                    say(&format!("SLEEP {}", pause.as_millis()));
                    self.not_before = self.not_before.max(Instant::now()) + *pause;
                }
                Action::Stall(pause) => {
                    say(&format!("STALL {}", pause.as_millis()));
                    self.not_before = self.not_before.max(Instant::now()) + *pause;
                }
                Action::Exit(code) => {
                    say(&format!("EXIT {code}"));
                    // Abrupt on purpose: no unregistering, like a strap that lost power.
                    std::process::exit(*code);
                }
            }
            self.position += 1;
        }
    }
}

/// One line on stdout, flushed at once: tests read it while the emulator runs.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn read_only(value: u8) -> CharacteristicRead {
    CharacteristicRead {
        read: true,
        fun: Box::new(move |_req| async move { Ok(vec![value]) }.boxed()),
        ..Default::default()
    }
}

fn application(
    player: Arc<Mutex<Player>>,
    battery: u8,
    location: u8,
    heart_rate_service: bool,
) -> Application {
    let measurement = Characteristic {
        uuid: sig_uuid(HEART_RATE_MEASUREMENT),
        notify: Some(CharacteristicNotify {
            notify: true,
            method: CharacteristicNotifyMethod::Fun(Box::new(move |notifier| {
                let player = player.clone();
                async move {
                    tokio::spawn(async move {
                        say("SUBSCRIBED");
                        // A new session waits for the previous one to notice it was stopped.
                        player.lock().await.serve(notifier).await;
                        say("UNSUBSCRIBED");
                    });
                }
                .boxed()
            })),
            ..Default::default()
        }),
        ..Default::default()
    };
    let location = Characteristic {
        uuid: sig_uuid(BODY_SENSOR_LOCATION),
        read: Some(read_only(location)),
        ..Default::default()
    };
    let battery = Characteristic {
        uuid: sig_uuid(BATTERY_LEVEL),
        read: Some(read_only(battery)),
        ..Default::default()
    };
    let mut services = vec![Service {
        uuid: sig_uuid(BATTERY_SERVICE),
        primary: true,
        characteristics: vec![battery],
        ..Default::default()
    }];
    if heart_rate_service {
        services.insert(
            0,
            Service {
                uuid: sig_uuid(HEART_RATE_SERVICE),
                primary: true,
                characteristics: vec![measurement, location],
                ..Default::default()
            },
        );
    }
    Application {
        services,
        ..Default::default()
    }
}

fn write_ready_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, "READY\n")?;
    std::fs::rename(&tmp, path)
}

/// Registers the strap and serves it until Ctrl-C or SIGTERM. Errors say what was being done.
async fn run(args: Args, scenario: Scenario) -> Result<(), String> {
    let name = &args.adapter;
    let session = bluer::Session::new()
        .await
        .map_err(|e| format!("cannot reach BlueZ on the system bus: {e}"))?;
    let known = session
        .adapter_names()
        .await
        .map_err(|e| format!("cannot list Bluetooth adapters: {e}"))?;
    if !known.contains(name) {
        return Err(format!(
            "no Bluetooth adapter {name:?} (found: {})",
            known.join(", ")
        ));
    }
    let adapter = session
        .adapter(name)
        .map_err(|e| format!("cannot open adapter {name}: {e}"))?;
    let powered = adapter.is_powered().await.unwrap_or(false);
    if !powered {
        adapter
            .set_powered(true)
            .await
            .map_err(|e| format!("cannot power on {name}: {e}"))?;
    }
    let (battery, location) = (scenario.battery_percent, scenario.body_location);
    let heart_rate_service = scenario.heart_rate_service;
    let player = Arc::new(Mutex::new(Player {
        scenario,
        position: 0,
        not_before: Instant::now(),
    }));
    let _app = adapter
        .serve_gatt_application(application(player, battery, location, heart_rate_service))
        .await
        .map_err(|e| format!("cannot register the GATT application on {name}: {e}"))?;
    let _advertisement = adapter
        .advertise(Advertisement {
            service_uuids: BTreeSet::from([sig_uuid(if heart_rate_service {
                HEART_RATE_SERVICE
            } else {
                BATTERY_SERVICE
            })]),
            local_name: Some(args.name.clone()),
            appearance: Some(APPEARANCE_HEART_RATE_BELT),
            discoverable: Some(true),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("cannot advertise on {name}: {e}"))?;

    if let Some(path) = &args.ready_file {
        write_ready_file(path)
            .map_err(|e| format!("cannot write ready file {}: {e}", path.display()))?;
    }
    say("READY");

    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    // Dropping the handles unregisters the advertisement and the application.
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("strap_emulator: {e}");
            std::process::exit(2);
        }
    };
    let scenario = match &args.scenario {
        None => Scenario::default(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| parse_scenario(&text))
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!("strap_emulator: scenario {}: {e}", path.display());
                std::process::exit(2);
            }
        },
    };
    if let Err(e) = run(args, scenario).await {
        eprintln!("strap_emulator: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_encode_per_hrs() {
        let s = parse_scenario(
            r#"{"steps": [
                {"hr": 72, "contact": true, "rr": [340, 748]},
                {"hr": 180, "u16": true, "contact": true, "energy": 513, "rr": [336]},
                {"hr": 80, "contact": false},
                {"hr": 60, "rr": []},
                {"hex": ""}
            ]}"#,
        )
        .unwrap();
        let sent: Vec<String> = s
            .actions
            .iter()
            .map(|a| match a {
                Action::Send(b) => to_hex(b),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(sent, ["16485401ec02", "1fb40001025001", "0450", "103c", ""]);
        assert_eq!(s.interval, Duration::from_millis(1000));
        assert!(!s.looping);
        assert_eq!((s.battery_percent, s.body_location), (87, 1));
    }

    #[test]
    fn repeat_pauses_and_exit_unroll_in_order() {
        let s = parse_scenario(
            r#"{"interval_ms": 5, "loop": true, "battery_percent": 50, "steps": [
                {"repeat": 2, "steps": [{"hex": "0048"}, {"sleep_ms": 10}]},
                {"stall_ms": 8000},
                {"exit": 3}
            ]}"#,
        )
        .unwrap();
        let ms = Duration::from_millis;
        assert_eq!(
            s.actions,
            [
                Action::Send(vec![0x00, 0x48]),
                Action::Sleep(ms(10)),
                Action::Send(vec![0x00, 0x48]),
                Action::Sleep(ms(10)),
                Action::Stall(ms(8000)),
                Action::Exit(3),
            ]
        );
        assert_eq!(s.interval, ms(5));
        assert!(s.looping);
        assert_eq!(s.battery_percent, 50);
    }

    #[test]
    fn mistakes_are_named() {
        let err = |text: &str| parse_scenario(text).unwrap_err();
        assert!(err("{}").contains("\"steps\""));
        assert!(err(r#"{"steps": [{"hr": 70, "rrr": []}]}"#).contains("steps[0]: unknown key"));
        assert!(err(r#"{"steps": [{"hex": "123"}]}"#).contains("odd number"));
        assert!(err(r#"{"steps": [{"hr": 70000}]}"#).contains("0..=65535"));
        assert!(err(r#"{"steps": [{"hr": 70, "contact": 1}]}"#).contains("contact"));
        assert!(err(r#"{"steps": [{"repeat": 2, "steps": [{"nap": 1}]}]}"#)
            .contains("steps[0].steps[0]: unknown step"));
        assert!(err(r#"{"steps": [], "battery_percent": 300}"#).contains("0..=255"));
    }

    #[test]
    fn arguments() {
        let args = |v: &[&str]| parse_args(v.iter().map(|s| s.to_string()));
        let a = args(&["--adapter", "hci1", "--name", "X", "--scenario", "s.json"]).unwrap();
        assert_eq!((a.adapter.as_str(), a.name.as_str()), ("hci1", "X"));
        assert_eq!(a.scenario, Some(PathBuf::from("s.json")));
        assert!(a.ready_file.is_none());
        assert!(args(&["--adapter"]).is_err());
        assert!(args(&["--colour", "red"]).is_err());
    }

    #[test]
    fn sig_uuids_sit_on_the_base_uuid() {
        assert_eq!(
            sig_uuid(0x180D).to_string(),
            "0000180d-0000-1000-8000-00805f9b34fb"
        );
    }
}
