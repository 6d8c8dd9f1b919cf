//! DFA alpha1 through the real binary (issue 11): a replayed ramp gives, live and afterwards,
//! the windows and thresholds that the independent reference (`scripts/dfa_reference.py`,
//! fixture `tests/data/dfa/sim_ramp.reference.json`) computed from the same RR; a session
//! without RR is refused with a message naming them.

#[path = "support/sandbox.rs"]
mod sandbox;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use sandbox::{stderr, Sandbox};
use serde_json::Value;
use talkzone::event::Packet;
use talkzone::protocol::capture::{format_time, packet_line};
use talkzone::protocol::heart_rate::{encode, HrFormat, Measurement};
use talkzone::reading::{Contact, RrInterval};

const TOLERANCE: f64 = 1e-9;

fn fixture() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/dfa/sim_ramp.reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The fixture's session as a capture: one 0x2A37 packet per reading, carrying its RR (every
/// one a whole number of 1/1024 s, checked) and the HR of its beats.
fn write_capture(fx: &Value, path: &Path) {
    let s = &fx["session"];
    let start: DateTime<Utc> = s["start"].as_str().unwrap().parse().unwrap();
    let rr: Vec<f64> = s["rr_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let mut next = 0;
    let mut lines = vec![format!(
        r#"{{"t":"{}","event":"connected","address":"SIM","name":"ramp"}}"#,
        format_time(start)
    )];
    for r in s["readings"].as_array().unwrap() {
        let n = r[1].as_u64().unwrap() as usize;
        let beats = &rr[next..next + n];
        next += n;
        let ticks: Vec<RrInterval> = beats
            .iter()
            .map(|&ms| {
                let t = RrInterval::Ticks((ms * 1.024).round() as u16);
                assert_eq!(t.ms(), ms, "RR {ms} ms is a whole number of 1/1024 s");
                t
            })
            .collect();
        let hr = if beats.is_empty() {
            100
        } else {
            (60_000.0 * n as f64 / beats.iter().sum::<f64>()).round() as u16
        };
        let bytes = encode(&Measurement {
            hr,
            hr_format: HrFormat::U8,
            contact: Contact::Detected,
            energy_kj: None,
            rr_present: true,
            rr: ticks,
        });
        lines.push(packet_line(&Packet {
            t: start + Duration::milliseconds(r[0].as_i64().unwrap()),
            bytes,
        }));
    }
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn close(what: &str, got: &Value, want: &Value) {
    match (got.as_f64(), want.as_f64()) {
        (Some(a), Some(b)) => assert!((a - b).abs() <= TOLERANCE, "{what}: {a} vs {b}"),
        _ => assert_eq!(got, want, "{what}"),
    }
}

/// `live --replay --fast --json` writes one `alpha1` line per window, equal to the reference
/// windows; then `thresholds last --json` over the recorded session gives the reference's
/// windows and HR at alpha1 0.75 and 0.5; the summary names the thresholds.
#[test]
fn a_replayed_ramp_gives_the_reference_alpha1_live_and_afterwards() {
    let fx = fixture();
    let sb = Sandbox::new();
    let cap = sb.path("ramp.jsonl");
    write_capture(&fx, &cap);
    let cap = cap.to_str().unwrap();

    let out = sb.run(&["live", "--replay", cap, "--fast", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let alpha1: Vec<&Value> = lines.iter().filter(|v| v["event"] == "alpha1").collect();
    let want = fx["windows"].as_array().unwrap();
    assert_eq!(alpha1.len(), want.len(), "one alpha1 line per window");
    for (i, (got, w)) in alpha1.iter().zip(want).enumerate() {
        let got_t: DateTime<Utc> = got["t"].as_str().unwrap().parse().unwrap();
        let want_t: DateTime<Utc> = w["end"].as_str().unwrap().parse().unwrap();
        assert_eq!(got_t, want_t, "window {i}: t");
        for key in ["alpha1", "hr", "artifact_share"] {
            close(&format!("window {i}: {key}"), &got[key], &w[key]);
        }
        assert_eq!(got["reliable"], w["reliable"], "window {i}: reliable");
        assert_eq!(got["beats"], w["beats"], "window {i}: beats");
    }
    // An alpha1 line follows the first reading after its window's end (the one that tells
    // the window is complete), before any later reading.
    let first = lines.iter().position(|v| v["event"] == "alpha1").unwrap();
    let t = |v: &Value| v["t"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    assert!(t(&lines[first - 1]) > t(alpha1[0]));
    assert!(t(&lines[first - 2]) <= t(alpha1[0]));

    let th = sb.json(&["thresholds", "last", "--json"]);
    let ref_th = &fx["thresholds"];
    for key in ["hr_at_alpha1_075", "hr_at_alpha1_050"] {
        close(key, &th[key], &ref_th[key]);
    }
    assert_eq!(th["reliable_windows"], ref_th["reliable_windows"]);
    assert_eq!(th["ramp"], true);
    let windows = th["windows"].as_array().unwrap();
    assert_eq!(windows.len(), want.len());
    for (i, (got, w)) in windows.iter().zip(want).enumerate() {
        for key in ["beats", "first_beat", "last_beat", "excluded", "reliable"] {
            assert_eq!(got[key], w[key], "thresholds window {i}: {key}");
        }
        for key in ["alpha1", "hr", "artifact_share"] {
            close(&format!("thresholds window {i}: {key}"), &got[key], &w[key]);
        }
    }
    let vt1 = ref_th["hr_at_alpha1_075"].as_f64().unwrap();
    let verdict = th["verdict"].as_str().unwrap();
    assert!(
        verdict.contains(&format!(
            "from this ramp: aerobic threshold about {vt1:.0} bpm"
        )),
        "{verdict}"
    );
    let text = sb.ok(&["thresholds"]);
    assert!(text.contains(&format!("{vt1:.0} bpm")), "{text}");
    let vt2 = ref_th["hr_at_alpha1_050"].as_f64().unwrap();
    let summary = sb.ok(&["summary", "last"]);
    assert!(
        summary.contains(&format!(
            "a ramp: aerobic threshold (alpha1 0.75) {vt1:.0} bpm, alpha1 0.5 {vt2:.0} bpm"
        )),
        "{summary}"
    );
    let plot = sb.path("ramp.svg");
    sb.ok(&["summary", "last", "--plot", plot.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&plot).unwrap();
    let reliable = want.iter().filter(|w| w["reliable"] == true).count();
    assert_eq!(svg.matches(r#"class="alpha1 reliable""#).count(), reliable);
    let alpha1_time = &fx["alpha1_time"];
    let js = sb.json(&["summary", "last", "--json"]);
    for key in ["above_075_s", "between_s", "below_050_s"] {
        close(key, &js["alpha1"][key], &alpha1_time[key]);
    }
}

/// The plain lines show each window in words.
#[test]
fn plain_live_lines_say_what_alpha1_means() {
    let fx = fixture();
    let sb = Sandbox::new();
    let cap = sb.path("ramp.jsonl");
    write_capture(&fx, &cap);
    let out = sb.run(&[
        "live",
        "--replay",
        cap.to_str().unwrap(),
        "--fast",
        "--plain",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    // "07:02:01  alpha1 0.93  below your aerobic threshold (105 bpm, 0 % artifacts)"
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.get(8..17) == Some("  alpha1 "))
        .collect();
    assert_eq!(lines.len(), fx["windows"].as_array().unwrap().len());
    assert!(lines
        .iter()
        .any(|l| l.contains("below your aerobic threshold")));
    assert!(lines.iter().any(|l| l.contains("above VT2")));
}

/// A session without RR: a non-zero exit naming the missing RR intervals.
#[test]
fn thresholds_of_a_session_without_rr_name_what_is_missing() {
    let sb = Sandbox::new();
    let cap = sb.path("no-rr.jsonl");
    let t0: DateTime<Utc> = "2024-05-01T07:00:00Z".parse().unwrap();
    let lines: Vec<String> = (0..300)
        .map(|s| {
            packet_line(&Packet {
                t: t0 + Duration::seconds(s),
                bytes: encode(&Measurement {
                    hr: 120,
                    hr_format: HrFormat::U8,
                    contact: Contact::Detected,
                    energy_kj: None,
                    rr_present: false,
                    rr: vec![],
                }),
            })
        })
        .collect();
    std::fs::write(&cap, lines.join("\n")).unwrap();
    sb.ok(&[
        "live",
        "--replay",
        cap.to_str().unwrap(),
        "--fast",
        "--plain",
    ]);
    let out = sb.run(&["thresholds", "last", "--json"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("no RR intervals"), "{err}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {:?}", out.stdout);
}

/// FIT `hrv` RR stay in whole milliseconds through `import` and `export` (issue 11 item 4), so
/// alpha1 of an imported file equals alpha1 of the file's own numbers: the RR that the
/// standalone FIT walker read (fixture `rr_ms`) come back exactly, and alpha1 over them equals
/// the reference's to 1e-9.
#[test]
fn imported_fit_rr_are_the_files_own_numbers_and_give_its_alpha1() {
    use talkzone::physiology::dfa;
    for name in [
        "garmin-fenix-5-run",
        "garmin-fenix-5-walk",
        "garmin-edge-820-bike",
    ] {
        let fx_path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/data/dfa/{name}.reference.json"));
        let fx: Value = serde_json::from_str(&std::fs::read_to_string(fx_path).unwrap()).unwrap();
        let sb = Sandbox::new();
        let fit =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/real/{name}.fit"));
        sb.ok(&["import", fit.to_str().unwrap()]);
        let export = sb.json(&["export", "last", "--format", "json"]);
        let rr: Vec<f64> = export["readings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["rr_ms"].as_array().unwrap().clone())
            .map(|v| v.as_f64().unwrap())
            .collect();
        let want: Vec<f64> = fx["rr_ms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(rr, want, "{name}: RR exactly as in the file");
        let got = dfa::analyse_beats(&rr);
        close(
            &format!("{name}: alpha1"),
            &serde_json::json!(got.alpha1),
            &fx["whole_series"]["alpha1"],
        );
    }
}
