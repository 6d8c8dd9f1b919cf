//! CLI tests of `talkzone live` without Bluetooth: the real binary with the simulator and replay
//! sources, capture files, bad input files and config errors. Each test runs in its own
//! temporary HOME and data dir.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::{stderr, Sandbox};

/// Every stdout line as JSON, without the closing `summary` object and the DFA alpha1 windows
/// (their own tests: tests/cli_alpha1.rs).
fn json_lines(out: &Output) -> Vec<Value> {
    let all: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    all.into_iter()
        .filter(|v| v["event"] != "summary" && v["event"] != "alpha1")
        .collect()
}

/// The `alpha1` event lines.
fn alpha1_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "alpha1")
        .collect()
}

/// The closing `summary` object.
fn summary_line(out: &Output) -> Value {
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    let v: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(v["event"], "summary", "{v}");
    v
}

#[test]
fn simulated_workout_streams_json_readings() {
    let sb = Sandbox::new();
    let out = sb.run(&["live", "--simulate", "--fast", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The simulated heart sends RR: DFA alpha1 windows every 20 s after the first 120 s.
    let alpha1 = alpha1_lines(&out);
    assert!(alpha1.len() >= 100, "{} alpha1 lines", alpha1.len());
    for a in &alpha1 {
        for key in ["t", "alpha1", "hr", "artifact_share", "reliable"] {
            assert!(a.get(key).is_some(), "{key} missing in {a}");
        }
    }
    let lines = json_lines(&out);
    assert!(
        lines.len() >= 2000,
        "a ~40 min workout at 1 Hz, got {}",
        lines.len()
    );
    for l in &lines {
        for key in [
            "t",
            "hr",
            "contact",
            "energy_kj",
            "rr_ms",
            "rr_raw",
            "source",
        ] {
            assert!(l.get(key).is_some(), "{key} missing in {l}");
        }
        assert_eq!(l["source"], "simulator");
        assert_eq!(l["contact"], true);
    }
    let max = lines
        .iter()
        .map(|l| l["hr"].as_u64().unwrap())
        .max()
        .unwrap();
    let min = lines
        .iter()
        .map(|l| l["hr"].as_u64().unwrap())
        .min()
        .unwrap();
    assert!(
        max >= 150 && min <= 90,
        "warm-up to a vigorous interval: {min}..{max}"
    );
    // rr_ms is rr_raw x 1000 / 1024 exactly.
    for l in lines.iter().take(50) {
        let raw = l["rr_raw"].as_array().unwrap();
        let ms = l["rr_ms"].as_array().unwrap();
        assert_eq!(raw.len(), ms.len());
        for (r, m) in raw.iter().zip(ms) {
            assert_eq!(r.as_f64().unwrap() * 1000.0 / 1024.0, m.as_f64().unwrap());
        }
    }
    assert!(stderr(&out).contains("session ended: "), "{}", stderr(&out));
}

#[test]
fn a_capture_replays_to_the_same_readings() {
    let sb = Sandbox::new();
    let cap = sb.path("workout.jsonl");
    let cap_s = cap.to_str().unwrap();
    let live = sb.run(&["live", "--simulate", "--fast", "--json", "--capture", cap_s]);
    assert!(live.status.success(), "{}", stderr(&live));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cap).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "captures are health data: owner-only");
    }
    let first = std::fs::read_to_string(&cap).unwrap();
    let first_line: Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert!(first_line["hex"].is_string() && first_line["t"].is_string());

    let replay = sb.run(&["live", "--replay", cap_s, "--fast", "--json"]);
    assert!(replay.status.success(), "{}", stderr(&replay));
    let strip = |v: Vec<Value>| -> Vec<Value> {
        v.into_iter()
            .map(|mut l| {
                l.as_object_mut().unwrap().remove("source");
                l
            })
            .collect()
    };
    let (a, b) = (strip(json_lines(&live)), strip(json_lines(&replay)));
    assert_eq!(a.len(), b.len());
    assert!(a == b, "replay keeps the capture's timestamps and bytes");
    // And so the same session: the same summary, but for its id.
    let (mut sa, mut sb) = (summary_line(&live), summary_line(&replay));
    assert_eq!(sa["id"], 1);
    assert_eq!(sb["id"], 2);
    sa.as_object_mut().unwrap().remove("id");
    sb.as_object_mut().unwrap().remove("id");
    assert!(sa == sb, "{sa}\n{sb}");
}

const HAND_CAPTURE: &str = r#"{"t":"2026-11-25T07:00:00.000Z","hex":"16485401ec02"}
{"t":"2026-11-25T07:00:01.000Z","hex":"0148"}
{"t":"2026-11-25T07:00:02.000Z","hex":"1f b4"}
{"t":"2026-11-25T07:00:02.500Z","hex":"1fb4000102500 1"}
{"t":"2026-11-25T07:00:03.000Z","event":"disconnected","reason":"watchdog"}
{"t":"2026-11-25T07:00:10.000Z","event":"reconnected","gap_s":7.0}
{"t":"2026-11-25T07:00:10.500Z","hex":"1fb40001025001"}
{"t":"2026-11-25T07:00:11.000Z","hex":""}
"#;

#[test]
fn replay_reports_bad_packets_and_link_changes_and_goes_on() {
    let sb = Sandbox::new();
    let cap = sb.path("hand.jsonl");
    std::fs::write(&cap, HAND_CAPTURE).unwrap();
    let out = sb.run(&[
        "live",
        "--replay",
        cap.to_str().unwrap(),
        "--fast",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    let kinds: Vec<String> = lines
        .iter()
        .map(|l| {
            l.get("event")
                .and_then(Value::as_str)
                .unwrap_or("reading")
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "reading",
            "bad_packet",
            "disconnected",
            "reconnected",
            "reading",
            "bad_packet"
        ]
    );
    assert_eq!(lines[0]["hr"], 72);
    assert_eq!(lines[0]["rr_raw"], serde_json::json!([340, 748]));
    assert_eq!(lines[0]["t"], "2026-11-25T07:00:00.000Z");
    assert_eq!(lines[1]["hex"], "0148");
    assert!(lines[1]["error"].as_str().unwrap().contains("truncated"));
    assert_eq!(lines[2]["reason"], "watchdog");
    assert_eq!(lines[3]["gap_s"], 7.0);
    assert_eq!(lines[4]["hr"], 180);
    assert_eq!(lines[4]["energy_kj"], 513);
    assert_eq!(lines[4]["contact"], true);
    assert_eq!(lines[5]["hex"], "");
    // Lines 3 and 4 hold bad hex: named with their line numbers, skipped.
    let err = stderr(&out);
    assert!(
        err.contains("hand.jsonl: line 3:") && err.contains("hand.jsonl: line 4:"),
        "{err}"
    );

    let plain = sb.run(&[
        "live",
        "--replay",
        cap.to_str().unwrap(),
        "--fast",
        "--plain",
    ]);
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(
        text.contains("strap lost (no data), reconnecting..."),
        "{text}"
    );
    assert!(text.contains("back after 7 s"), "{text}");
    assert!(text.contains("skipped a malformed packet (0148)"), "{text}");
    assert!(
        text.contains(
            "session ended: 2 readings, 2 malformed packets skipped, 1 gaps (7 s without data)"
        ),
        "{text}"
    );
}

#[test]
fn unreadable_replay_files_exit_9_naming_the_file() {
    let sb = Sandbox::new();
    let out = sb.run(&[
        "live",
        "--replay",
        sb.path("missing.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(9));
    assert!(
        stderr(&out).contains("missing.jsonl: cannot read the capture"),
        "{}",
        stderr(&out)
    );

    let foreign = sb.path("notes.txt");
    std::fs::write(&foreign, "shopping list\n").unwrap();
    let out = sb.run(&["live", "--replay", foreign.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(9));
    assert!(stderr(&out).contains("no usable line"), "{}", stderr(&out));
}

#[test]
fn config_mistakes_exit_3_naming_file_line_and_key() {
    let sb = Sandbox::new();
    let cfg = sb.path("config.toml");
    std::fs::write(&cfg, "[profile]\nage = 40\nmax_hr = \"fast\"\n").unwrap();
    let out = sb
        .talkzone()
        .arg("--config")
        .arg(&cfg)
        .args(["live", "--simulate", "--fast"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("config.toml:3") && err.contains("max_hr"),
        "{err}"
    );

    // The same through $TALKZONE_CONFIG, with an unknown key.
    std::fs::write(&cfg, "[device]\nwatchdog = 5\n").unwrap();
    let out = sb
        .talkzone()
        .env("TALKZONE_CONFIG", &cfg)
        .args(["live", "--simulate", "--fast"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("config.toml:2") && stderr(&out).contains("watchdog"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_shipped_config_example_is_accepted() {
    let sb = Sandbox::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
    let out = sb
        .talkzone()
        .arg("--config")
        .arg(&example)
        .args(["live", "--simulate", "--fast", "--duration", "0.5"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn without_bluetooth_live_and_scan_say_how_to_check() {
    let sb = Sandbox::new();
    for args in [
        &["scan", "--timeout", "1"][..],
        &["live", "--scan-timeout", "1"][..],
    ] {
        let out = sb.run(args);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("Bluetooth service not reachable")
                && err.contains("systemctl status bluetooth"),
            "{err}"
        );
        assert!(err.contains("--simulate"), "{err}");
    }
}

#[test]
fn help_documents_exit_codes_and_usage_errors_exit_2() {
    let sb = Sandbox::new();
    let out = sb.run(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Exit codes:") && text.contains("6  no heart-rate strap found"),
        "{text}"
    );
    let out = sb.run(&["live", "--simulate", "--replay", "x.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let out = sb.run(&["live", "--fast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--fast only applies"),
        "{}",
        stderr(&out)
    );
}

/// Ctrl-C (SIGINT) and SIGTERM end a live session cleanly: exit 0, the session summarised and
/// stored.
#[cfg(unix)]
#[test]
fn ctrl_c_and_sigterm_end_cleanly_with_a_summary() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let sb = Sandbox::new();
        // Real time, so the session is still running when the signal comes.
        let mut child = sb
            .talkzone()
            .args(["live", "--simulate", "--plain"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for _ in 0..2 {
            lines.next().unwrap().unwrap();
        }
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
        let status = child.wait().unwrap();
        assert!(status.success(), "signal {signal}: {status}");
        let text = rest.join("\n");
        assert!(
            text.contains("session ended:") && text.contains("Session 1 ·"),
            "{text}"
        );
        let list = sb.json(&["sessions", "--json"]);
        assert_eq!(list[0]["status"], "complete", "{list}");
    }
}

/// Bad flag values are usage errors (exit 2) naming the flag, whether clap can check them
/// alone or they depend on another flag or the config.
#[test]
fn bad_flag_values_exit_2_naming_the_flag() {
    let sb = Sandbox::new();
    for (args, needle) in [
        (&["live", "--simulate", "--duration", "0"][..], "--duration"),
        (&["live", "--simulate", "--duration=-5"][..], "--duration"),
        (
            &["live", "--simulate", "--duration", "nan"][..],
            "--duration",
        ),
        (
            &["live", "--simulate", "--duration", "1e30"][..],
            "--duration",
        ),
        (&["live", "--scan-timeout", "0"][..], "--scan-timeout"),
        (&["live", "--watchdog", "0.5"][..], "--watchdog"),
        (&["scan", "--timeout", "x"][..], "--timeout"),
        (
            &["morning", "--simulate", "--duration", "30"][..],
            "--duration",
        ),
        (
            &["morning", "--simulate", "--settle", "301"][..],
            "--settle",
        ),
        (
            &[
                "morning",
                "--simulate",
                "--duration",
                "120",
                "--settle",
                "120",
            ][..],
            "--settle",
        ),
        (
            &["morning", "--simulate", "--settle", "200"][..],
            "duration_seconds",
        ),
    ] {
        let out = sb.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

/// A strap's glitch (16-bit HR 65535 in one packet) is kept in the stream and the recording,
/// but counts as no signal: the summary's maximum and average are those of the real beats, and
/// the summary flags it.
#[test]
fn an_implausible_heart_rate_counts_as_no_signal() {
    let sb = Sandbox::new();
    let cap = sb.path("glitch.jsonl");
    let mut text = String::new();
    for s in 0..20 {
        // flags 0x00 (uint8 HR), 120 bpm; at 10 s flags 0x01 (uint16) 0xFFFF.
        let hex = if s == 10 { "01ffff" } else { "0078" };
        text.push_str(&format!(
            "{{\"t\":\"2026-11-25T07:00:{s:02}.000Z\",\"hex\":\"{hex}\"}}\n"
        ));
    }
    std::fs::write(&cap, text).unwrap();
    let out = sb.run(&[
        "live",
        "--replay",
        cap.to_str().unwrap(),
        "--fast",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines[10]["hr"], 65535, "stored and shown as received");
    assert_eq!(lines[10]["zone"], Value::Null, "but in no zone");
    let summary = summary_line(&out);
    assert_eq!(summary["max_hr"], 120, "{summary}");
    assert_eq!(summary["avg_hr"], 120.0, "{summary}");
    let flags = summary["flags"].as_array().unwrap();
    assert!(
        flags.iter().any(|f| f == "implausible_heart_rate"),
        "{summary}"
    );
    let id = summary["id"].to_string();
    let stored = sb.json(&["summary", &id, "--json"]);
    assert_eq!(stored["max_hr"], 120);
    assert_eq!(stored["implausible_readings"], 1, "{stored}");
}

/// A capture of `n` readings of HR 100 (uint8, no flags), one per second from `start`.
fn steady_capture(start: &str, n: usize) -> String {
    let t0 = chrono::DateTime::parse_from_rfc3339(start).unwrap();
    (0..n)
        .map(|i| {
            let t = (t0 + chrono::Duration::seconds(i as i64)).with_timezone(&chrono::Utc);
            format!(
                "{{\"t\":\"{}\",\"hex\":\"0064\"}}\n",
                t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            )
        })
        .collect()
}

/// The session listed by `sessions --json` and its `summary --json` agree on start and length.
fn assert_sessions_and_summary_agree(sb: &Sandbox) -> (Value, Value) {
    let sessions = sb.json(&["sessions", "--json"]);
    let row = sessions.as_array().unwrap()[0].clone();
    let summary = sb.json(&["summary", "last", "--json"]);
    let instant = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("{v}"))).unwrap()
    };
    assert_eq!(
        instant(&row["start"]),
        instant(&summary["start"]),
        "{row}\n{summary}"
    );
    assert_eq!(
        instant(&row["end"]),
        instant(&summary["end"]),
        "{row}\n{summary}"
    );
    assert_eq!(row["duration_s"], summary["duration_s"], "{row}\n{summary}");
    (row, summary)
}

/// Issue 14 item 6: a capture is read as bytes. A line that is not UTF-8 is skipped and named
/// (it used to make the whole capture unreadable, exit 9); a byte-order mark is stripped (it
/// used to cost line 1); a line over 64 KiB is skipped and named.
#[test]
fn capture_lines_are_read_as_bytes() {
    let sb = Sandbox::new();
    let good = steady_capture("2026-11-25T07:00:00Z", 6);
    let lines: Vec<&str> = good.lines().collect();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(lines[0].as_bytes());
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(lines[1].as_bytes());
    bytes.extend_from_slice(b"\n{\"t\":\"2026-11-25T07:00:01.500Z\",\"hex\":\"00\xff\xfe\"}\n");
    bytes.extend_from_slice(lines[2].as_bytes());
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(format!("{{\"t\":\"{}\"}}\n", "x".repeat(100 * 1024)).as_bytes());
    for l in &lines[3..] {
        bytes.extend_from_slice(l.as_bytes());
        bytes.extend_from_slice(b"\n");
    }
    let cap = sb.path("bytes.jsonl");
    std::fs::write(&cap, &bytes).unwrap();
    let out = sb.run(&[
        "live",
        "--replay",
        cap.to_str().unwrap(),
        "--fast",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let readings = json_lines(&out);
    assert_eq!(readings.len(), 6, "every good line, line 1 too");
    assert_eq!(readings[0]["t"], "2026-11-25T07:00:00.000Z");
    let err = stderr(&out);
    assert!(err.contains("bytes.jsonl: line 3: not UTF-8 text"), "{err}");
    assert!(
        err.contains("bytes.jsonl: line 5: longer than 64 KiB"),
        "{err}"
    );
}

/// Issue 14 item 5: a capture that starts at 0001-01-01 (times no strap recorded) has those
/// lines refused, named; one that jumps to the year 9999 has that line refused and replays in
/// real time without waiting for it; a capture that jumps back an hour gives a session on
/// which `sessions` and `summary` agree.
#[test]
fn replayed_captures_keep_to_plausible_times() {
    let sb = Sandbox::new();
    let cap = sb.path("year1.jsonl");
    let text = format!(
        "{}{}",
        steady_capture("0001-01-01T00:00:00Z", 3),
        steady_capture("2026-11-25T07:00:00Z", 5)
    );
    std::fs::write(&cap, text).unwrap();
    let out = sb.run(&[
        "live",
        "--replay",
        cap.to_str().unwrap(),
        "--fast",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_lines(&out).len(), 5);
    let err = stderr(&out);
    assert!(
        err.contains(
            "year1.jsonl: lines 1-3: times (the first 0001-01-01T00:00:00Z) are before 2000-01-01"
        ),
        "{err}"
    );
    let (row, _) = assert_sessions_and_summary_agree(&sb);
    assert_eq!(row["start"], "2026-11-25T07:00:00.000Z");
    assert_eq!(row["duration_s"], 4.0);

    // The year 9999 in real time: refused, and the rest replays (3 s of readings).
    let sb = Sandbox::new();
    let cap = sb.path("y9999.jsonl");
    let mut text = steady_capture("2026-11-25T07:00:00Z", 2);
    text.push_str("{\"t\":\"9999-12-31T23:59:59.000Z\",\"hex\":\"0064\"}\n");
    text.push_str(&steady_capture("2026-11-25T07:00:02Z", 2));
    std::fs::write(&cap, text).unwrap();
    let mut child = sb
        .talkzone()
        .args(["live", "--replay", cap.to_str().unwrap(), "--json"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A guard against hanging for ever, not a timing assertion: the replay takes about 3 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("a real-time replay of a capture that jumps to 9999 did not end");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_lines(&out).len(), 4);
    assert!(
        stderr(&out).contains(
            "y9999.jsonl: line 3: time 9999-12-31T23:59:59Z is more than a day after now"
        ),
        "{}",
        stderr(&out)
    );

    // Back an hour (a wall clock corrected): one session, 07:00:00 to 07:00:04 and
    // 06:00:05 to 06:00:09; both commands say it started at 06:00:05 and lasted 3,599 s.
    let sb = Sandbox::new();
    let cap = sb.path("back.jsonl");
    let text = format!(
        "{}{}",
        steady_capture("2026-11-25T07:00:00Z", 5),
        steady_capture("2026-11-25T06:00:05Z", 5)
    );
    std::fs::write(&cap, text).unwrap();
    let out = sb.run(&[
        "live",
        "--replay",
        cap.to_str().unwrap(),
        "--fast",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (row, _) = assert_sessions_and_summary_agree(&sb);
    assert_eq!(row["start"], "2026-11-25T06:00:05.000Z");
    assert_eq!(row["duration_s"], 3_599.0);
}
