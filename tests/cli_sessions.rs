//! CLI tests of recording and reading back sessions: `live` records (simulator and replay),
//! `sessions`, `summary`, `week`, `log strength`, `delete`, `zones`; a recording killed
//! mid-session is recovered; bad databases are refused untouched; two processes at once.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::{stderr, Sandbox};

#[test]
fn a_simulated_workout_is_recorded_and_summarised() {
    let sb = Sandbox::new();
    let text = sb.ok(&["live", "--simulate", "--fast"]);
    assert!(text.contains("Moderate session:"), "{text}");
    assert!(text.contains("where you could talk but not sing"), "{text}");

    let list = sb.json(&["sessions", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "complete");
    assert_eq!(list[0]["class"], "moderate");
    assert_eq!(list[0]["source"], "simulator");

    let s = sb.json(&["summary", "last", "--json"]);
    for key in [
        "id",
        "start",
        "duration_s",
        "active_s",
        "avg_hr",
        "max_hr",
        "time_in_zone_s",
        "class",
        "moderate_equivalent_min",
        "trimp",
        "flags",
    ] {
        assert!(s.get(key).is_some(), "summary lacks {key}: {s}");
    }
    assert_eq!(s["id"], list[0]["id"]);
    // 2400 packets 1 s apart: 2399 s between the first and the last, all of it active.
    assert_eq!(s["duration_s"], 2399.0);
    assert_eq!(s["active_s"], 2399.0);
    let tiz = s["time_in_zone_s"].as_object().unwrap();
    let total: f64 = tiz.values().map(|v| v.as_f64().unwrap()).sum();
    assert_eq!(total, 2399.0);
    let (moderate, vig, near) = (
        tiz["moderate"].as_f64().unwrap(),
        tiz["vigorous"].as_f64().unwrap(),
        tiz["near_max"].as_f64().unwrap(),
    );
    let meq = s["moderate_equivalent_min"].as_f64().unwrap();
    assert!((meq - (moderate + 2.0 * (vig + near)) / 60.0).abs() < 1e-9);
    assert_eq!(
        sb.json(&["summary", &s["id"].to_string(), "--json"])["trimp"],
        s["trimp"]
    );

    let week = sb.json(&["week", "--json"]);
    assert!((week["moderate_equivalent_min"].as_f64().unwrap() - meq).abs() < 1e-9);
    assert_eq!(week["days_trained"], 1);

    // Plots: SVG files, owner-only.
    let (hr, wk) = (sb.path("hr.svg"), sb.path("week.svg"));
    sb.ok(&["summary", "--plot", hr.to_str().unwrap()]);
    sb.ok(&["week", "--plot", wk.to_str().unwrap()]);
    for (path, needle) in [(&hr, "Moderate"), (&wk, "Wed")] {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{}",
            &svg[..80]
        );
        assert!(svg.trim_end().ends_with("</svg>") && svg.contains(needle));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}

#[test]
fn a_replayed_session_keeps_the_capture_times() {
    let sb = Sandbox::new();
    let cap = sb.path("c.jsonl");
    let mut text = String::new();
    // Ten minutes at 1 Hz, at 130 bpm, on 2026-11-24 from 07:00:00 UTC.
    for i in 0..600 {
        text.push_str(&format!(
            "{{\"t\":\"2026-11-24T07:{:02}:{:02}.000Z\",\"hex\":\"0682\"}}\n",
            i / 60,
            i % 60
        ));
    }
    std::fs::write(&cap, text).unwrap();
    sb.ok(&["live", "--replay", cap.to_str().unwrap(), "--fast"]);
    let s = sb.json(&["summary", "--json"]);
    assert_eq!(s["start"].as_str().unwrap(), "2026-11-24T07:00:00Z");
    assert_eq!(s["duration_s"], 599.0);
    assert_eq!(s["avg_hr"], 130.0);
    let week = sb.json(&["week", "--date", "2026-11-24", "--json"]);
    assert_eq!(week["monday"], "2026-11-23");
    assert_eq!(week["days_trained"], 1);
    let other_week = sb.json(&["week", "--date", "2026-11-30", "--json"]);
    assert_eq!(other_week["days_trained"], 0);
}

#[test]
fn strength_days_and_delete() {
    let sb = Sandbox::new();
    assert!(sb
        .ok(&["log", "strength", "--date", "2026-11-24"])
        .starts_with("Logged"));
    assert!(sb
        .ok(&["log", "strength", "--date", "2026-11-24"])
        .starts_with("Already logged"));
    sb.ok(&["log", "strength", "--date", "2026-11-26"]);
    assert_eq!(
        sb.json(&["week", "--date", "2026-11-25", "--json"])["strength_days"],
        2
    );

    sb.ok(&["live", "--simulate", "--fast", "--no-record"]);
    assert_eq!(
        sb.json(&["sessions", "--json"]).as_array().unwrap().len(),
        0
    );
    sb.ok(&["live", "--simulate", "--fast"]);
    let id = sb.json(&["sessions", "--json"])[0]["id"].to_string();
    // No terminal to ask on: refuses without --yes, and keeps the session.
    let out = sb.run(&["delete", &id]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert_eq!(
        sb.json(&["sessions", "--json"]).as_array().unwrap().len(),
        1
    );
    sb.ok(&["delete", &id, "--yes"]);
    assert_eq!(
        sb.json(&["sessions", "--json"]).as_array().unwrap().len(),
        0
    );
    let out = sb.run(&["summary", &id]);
    assert_eq!(out.status.code(), Some(11));
    assert!(
        stderr(&out).contains(&format!("no session {id}")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn zones_show_model_sources_and_thresholds() {
    let sb = Sandbox::new();
    let cfg = sb.path("config.toml");
    std::fs::write(
        &cfg,
        "[profile]\nage = 40\nresting_hr = 60\n[zones]\nmodel = \"hrr\"\n",
    )
    .unwrap();
    let out = sb
        .talkzone()
        .arg("--config")
        .arg(&cfg)
        .args(["zones", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let z: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(z["model"], "hrr");
    assert_eq!(z["max_hr"], 180.0);
    assert_eq!(z["resting_hr"], 60.0);
    // Karvonen: 60 + f x 120 for f = 0.30, 0.40, 0.60, 0.90.
    let mins: Vec<f64> = z["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["min_bpm"].as_f64().unwrap())
        .collect();
    assert_eq!(mins, [0.0, 96.0, 108.0, 132.0, 168.0]);
    let ids: Vec<&str> = z["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["very_light", "light", "moderate", "vigorous", "near_max"]
    );

    std::fs::write(&cfg, "[profile]\nage = 40\n[zones]\nmodel = \"hrr\"\n").unwrap();
    let out = sb
        .talkzone()
        .arg("--config")
        .arg(&cfg)
        .arg("zones")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("resting_hr"), "{}", stderr(&out));
}

#[test]
fn a_killed_recording_is_recovered_at_the_next_start() {
    let sb = Sandbox::new();
    // Real time, so the recording is mid-way when it is killed.
    let mut child = sb
        .talkzone()
        .args(["live", "--simulate", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait for three readings on screen: the first is committed within a second of arriving,
    // and the third arrives two seconds after the first.
    for _ in 0..3 {
        lines.next().unwrap().unwrap();
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let list = sb.json(&["sessions", "--json"]);
    let row = &list.as_array().unwrap()[0];
    assert_eq!(row["status"], "recovered");
    let s = sb.json(&["summary", "--json"]);
    assert!(s["readings"].as_u64().unwrap() >= 1, "{s}");
    assert_eq!(s["status"], "recovered");
}

#[test]
fn foreign_and_corrupt_databases_are_refused_untouched() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.path("data")).unwrap();
    let db = sb.path("data/talkzone.db");
    let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&db, &junk).unwrap();
    let out = sb.run(&["sessions"]);
    assert_eq!(out.status.code(), Some(10), "{}", stderr(&out));
    assert!(stderr(&out).contains("talkzone.db"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&db).unwrap(), junk);
    let out = sb.run(&["live", "--simulate", "--fast"]);
    assert_eq!(out.status.code(), Some(10));
    assert_eq!(std::fs::read(&db).unwrap(), junk);
}

#[test]
fn two_recordings_at_once_both_land() {
    let sb = Sandbox::new();
    let spawn = |seed: &str| {
        sb.talkzone()
            .args(["live", "--simulate", "--fast", "--seed", seed])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("1"), spawn("2"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let list = sb.json(&["sessions", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|r| r["status"] == "complete"));
}

/// An empty week reads naturally: no "-0" minutes, no "150 min to go to 150".
#[test]
fn an_empty_week_says_nothing_yet() {
    let sb = Sandbox::new();
    let text = sb.ok(&["week", "--date", "2026-11-25"]);
    assert!(text.contains(": 0 moderate-equivalent min"), "{text}");
    assert!(!text.contains("-0"), "{text}");
    assert!(text.contains("nothing yet this week"), "{text}");
    let v = sb.json(&["week", "--date", "2026-11-25", "--json"]);
    assert_eq!(v["moderate_equivalent_min"], 0.0);
}

/// A session being recorded holds its recording lock: `delete` refuses it (before, the delete
/// went through and the recording then died blaming the disk), and deletes it once the
/// recording is gone. Synchronised on the recording's own output lines.
#[test]
fn a_session_being_recorded_is_not_deleted() {
    let sb = Sandbox::new();
    let mut child = sb
        .talkzone()
        .args(["live", "--simulate", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The first line is printed after the recording started (it starts at the first event).
    lines.next().unwrap().unwrap();
    let list = sb.json(&["sessions", "--json"]);
    let row = &list.as_array().unwrap()[0];
    assert_eq!(row["status"], "recording");
    let id = row["id"].to_string();

    let out = sb.run(&["delete", &id, "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("session {id} is being recorded right now")),
        "{}",
        stderr(&out)
    );
    // The recording goes on: more readings arrive, and the session is still there.
    lines.next().unwrap().unwrap();
    assert_eq!(sb.json(&["sessions", "--json"])[0]["status"], "recording");

    child.kill().unwrap();
    child.wait().unwrap();
    // Nobody records it now: the next start recovers it, and then it can be deleted.
    assert!(sb.ok(&["delete", &id, "--yes"]).contains("Deleted session"));
    assert!(sb
        .json(&["sessions", "--json"])
        .as_array()
        .unwrap()
        .is_empty());
}

/// Sixty finished sessions a day apart (written straight into the file, as talkzone's own
/// rows): `sessions` shows the latest 50 and says so, `--all` all, `--since` those from a day.
#[test]
fn sessions_lists_the_latest_fifty_unless_told_otherwise() {
    let sb = Sandbox::new();
    sb.ok(&["sessions"]);
    {
        let c = rusqlite::Connection::open(sb.path("data/talkzone.db")).unwrap();
        // 2026-01-01T08:00:00Z, then a day later each time.
        let day0 = 1_767_225_600_000_i64 + 8 * 3_600_000;
        for i in 0..60_i64 {
            c.execute(
                "INSERT INTO sessions (start_ms, end_ms, source, status, zones_json) \
                 VALUES (?1, ?2, 'simulator', 'complete', '{}')",
                [day0 + i * 86_400_000, day0 + i * 86_400_000 + 1_800_000],
            )
            .unwrap();
        }
    }
    let latest = sb.json(&["sessions", "--json"]);
    let latest = latest.as_array().unwrap();
    assert_eq!(latest.len(), 50);
    assert_eq!(latest[0]["start"], "2026-03-01T08:00:00.000Z");
    assert_eq!(latest[49]["start"], "2026-01-11T08:00:00.000Z");
    let text = sb.ok(&["sessions"]);
    assert_eq!(text.lines().count(), 1 + 50 + 1, "{text}");
    assert!(
        text.ends_with("(the latest 50; 10 older not shown: --all lists every session, --since YYYY-MM-DD those since a day)\n"),
        "{text}"
    );
    assert_eq!(
        sb.json(&["sessions", "--all", "--json"])
            .as_array()
            .unwrap()
            .len(),
        60
    );
    let since = sb.json(&["sessions", "--since", "2026-02-20", "--json"]);
    let since = since.as_array().unwrap();
    assert_eq!(since.len(), 10, "20 Feb to 1 Mar");
    assert_eq!(since[9]["start"], "2026-02-20T08:00:00.000Z");
    assert!(!sb
        .ok(&["sessions", "--since", "2026-02-20"])
        .contains("older not shown"));
    let out = sb.run(&["sessions", "--all", "--since", "2026-02-20"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--all and --since do not go together"
    );
}
