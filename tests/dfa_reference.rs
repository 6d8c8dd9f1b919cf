//! DFA alpha1 against an independent reference implementation.
//!
//! `scripts/dfa_reference.py` (numpy, dense solves, `polyfit`) re-implements, from the words of
//! the module documentation of `src/physiology/dfa.rs`, the windows, the artifact rule, alpha1,
//! the window HR, the HR-on-alpha1 fit and the time in the alpha1 bands, and stored its results
//! as JSON fixtures in tests/data/dfa/ (provenance in PROVENANCE.md there):
//! - MIT-BIH records 100 and 1003 made into 1 Hz sessions of readings (and record 100 with a
//!   16 s gap): every window must agree: the same windows, the same beat ranges and excluded
//!   indexes exactly, alpha1 and HR to 1e-9, and the thresholds and band times;
//! - the RR of three FIT files with `hrv` messages, each as one series;
//! - a simulated ramp (written by `regenerate_sim_ramp_session` below, from the simulator's
//!   `ramp_plan`), whose HR at alpha1 0.75 and 0.5 the reference computed from the same windows.
//!
//! Regenerate the fixtures with `target/ref-venv/bin/python scripts/dfa_reference.py` after a
//! deliberate change of the definition.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use talkzone::physiology::dfa::{self, DfaOptions, DfaWindow};
use talkzone::reading::{Contact, Reading, RrInterval, Source};

const TOLERANCE: f64 = 1e-9;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dfa")
        .join(name)
}

fn fixture(name: &str) -> Value {
    let path = data(&format!("{name}.reference.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| usize::try_from(x.as_u64().expect("index")).expect("usize"))
        .collect()
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// The fixture's session as readings. Every RR in it is a whole number of 1/1024 s, so it is
/// held exactly (checked).
fn session(fx: &Value) -> Vec<Reading> {
    let s = &fx["session"];
    let start = time(&s["start"]);
    let rr = f64s(&s["rr_ms"]);
    let mut next = 0;
    s["readings"]
        .as_array()
        .expect("readings")
        .iter()
        .map(|r| {
            let t_ms = r[0].as_i64().expect("t");
            let n = usize::try_from(r[1].as_u64().expect("n")).expect("n");
            let beats: Vec<RrInterval> = rr[next..next + n]
                .iter()
                .map(|&ms| {
                    let x = RrInterval::from_ms(ms);
                    assert_eq!(x.ms(), ms, "RR {ms} ms is not held exactly");
                    x
                })
                .collect();
            next += n;
            Reading {
                t: start + Duration::milliseconds(t_ms),
                hr: 0,
                contact: Contact::Detected,
                energy_kj: None,
                rr: beats,
                source: Source::Import,
            }
        })
        .collect()
}

fn close(what: &str, rust: Option<f64>, reference: &Value) {
    match (rust, reference.as_f64()) {
        (None, None) => {}
        (Some(a), Some(b)) => assert!(
            (a - b).abs() <= TOLERANCE,
            "{what}: rust {a} vs reference {b} (diff {:e})",
            (a - b).abs()
        ),
        (a, _) => panic!("{what}: rust {a:?} vs reference {reference}"),
    }
}

fn check_windows(name: &str, rust: &[DfaWindow], reference: &Value) {
    let reference = reference.as_array().expect("windows");
    assert_eq!(rust.len(), reference.len(), "{name}: number of windows");
    for (i, (w, r)) in rust.iter().zip(reference).enumerate() {
        let at = format!("{name} window {i} ({})", w.end);
        assert_eq!(w.end, time(&r["end"]), "{at}: end");
        assert_eq!(
            w.beats,
            r["beats"].as_u64().unwrap() as usize,
            "{at}: beats"
        );
        assert_eq!(
            w.first_beat,
            r["first_beat"].as_u64().unwrap() as usize,
            "{at}"
        );
        assert_eq!(
            w.last_beat,
            r["last_beat"].as_u64().unwrap() as usize,
            "{at}"
        );
        assert_eq!(w.excluded, usizes(&r["excluded"]), "{at}: excluded");
        assert_eq!(
            w.reliable,
            r["reliable"].as_bool().unwrap(),
            "{at}: reliable"
        );
        close(&format!("{at}: alpha1"), w.alpha1, &r["alpha1"]);
        close(&format!("{at}: hr"), w.hr, &r["hr"]);
        close(
            &format!("{at}: artifact_share"),
            Some(w.artifact_share),
            &r["artifact_share"],
        );
    }
}

/// The Rust analysis of the fixture's session, serialised, against the reference's numbers.
fn check_session(name: &str) -> Value {
    let fx = fixture(name);
    let readings = session(&fx);
    let a = dfa::analyse(&readings, &DfaOptions::default());
    assert_eq!(
        a.rr_count,
        fx["rr_count"].as_u64().unwrap() as usize,
        "{name}"
    );
    check_windows(name, &a.windows, &fx["windows"]);
    let rust = serde_json::to_value(&a).unwrap();
    let th = &fx["thresholds"];
    assert_eq!(rust["reliable_windows"], th["reliable_windows"], "{name}");
    for key in ["hr_at_alpha1_075", "hr_at_alpha1_050"] {
        close(&format!("{name}: {key}"), rust[key].as_f64(), &th[key]);
        let missing = format!("{key}_missing");
        assert_eq!(
            rust[&missing]["reason"], th[&missing]["reason"],
            "{name}: {missing}"
        );
    }
    if th["fit"].is_null() {
        assert!(rust["fit"].is_null(), "{name}: fit");
    } else {
        for key in ["slope", "intercept", "r_squared"] {
            close(
                &format!("{name}: fit {key}"),
                rust["fit"][key].as_f64(),
                &th["fit"][key],
            );
        }
    }
    assert_eq!(
        rust["alpha1_time"], fx["alpha1_time"],
        "{name}: alpha1_time"
    );
    fx
}

#[test]
fn mitdb100_windows_equal_the_reference() {
    let fx = check_session("mitdb100");
    assert!(fx["windows"].as_array().unwrap().len() > 80);
}

#[test]
fn mitdb100_with_a_gap_equals_the_reference() {
    let fx = check_session("mitdb100_gap");
    // No window overlaps the gap (600 s, 615 s].
    let start = time(&fx["session"]["start"]);
    for w in fx["windows"].as_array().unwrap() {
        let end = (time(&w["end"]) - start).num_seconds();
        assert!(
            end <= 600 || end - 120 >= 616,
            "window ending {end} s spans the gap"
        );
    }
}

#[test]
fn mitdb1003_windows_equal_the_reference() {
    check_session("mitdb1003");
}

#[test]
fn fit_file_rr_series_equal_the_reference() {
    for name in [
        "garmin-fenix-5-run",
        "garmin-fenix-5-walk",
        "garmin-edge-820-bike",
    ] {
        let fx = fixture(name);
        let rr = f64s(&fx["rr_ms"]);
        close(
            &format!("{name}: alpha1 without the artifact rule"),
            dfa::alpha1(&rr),
            &fx["alpha1_without_artifact_rule"],
        );
        let r = dfa::analyse_beats(&rr);
        let want = &fx["whole_series"];
        close(&format!("{name}: alpha1"), r.alpha1, &want["alpha1"]);
        close(&format!("{name}: hr"), r.hr, &want["hr"]);
        assert_eq!(r.excluded, usizes(&want["excluded"]), "{name}: excluded");
        assert_eq!(r.reliable, want["reliable"].as_bool().unwrap(), "{name}");
    }
}

#[test]
fn simulated_ramp_thresholds_equal_the_reference() {
    let fx = check_session("sim_ramp");
    // The reference found both thresholds on the ramp.
    assert!(fx["thresholds"]["hr_at_alpha1_075"].is_f64());
    assert!(fx["thresholds"]["hr_at_alpha1_050"].is_f64());
}

/// Writes tests/data/dfa/sim_ramp.session.json from the simulator's ramp (seed 1). Run
/// deliberately: `cargo test --test dfa_reference -- --ignored regenerate_sim_ramp_session`,
/// then `target/ref-venv/bin/python scripts/dfa_reference.py`.
#[test]
#[ignore = "writes the fixture's input; run by hand"]
fn regenerate_sim_ramp_session() {
    use talkzone::source::simulated_heart::SimulatedPerson;
    use talkzone::source::simulator::{person_ramp_plan, Workout};

    let person = SimulatedPerson::default();
    let start = "2024-05-01T07:00:00Z";
    let readings: Vec<Value> = Workout::new(person_ramp_plan(&person), 1)
        .map(|p| {
            let t_ms = u64::try_from(p.offset.as_millis()).unwrap();
            let rr: Vec<f64> = p.measurement.rr.iter().map(|r| r.ms()).collect();
            serde_json::json!([t_ms, rr])
        })
        .collect();
    let out = serde_json::json!({
        "made_by": "tests/dfa_reference.rs regenerate_sim_ramp_session",
        "command": "cargo test --test dfa_reference -- --ignored regenerate_sim_ramp_session",
        "how": format!(
            "talkzone simulator, person_ramp_plan(&SimulatedPerson::default()), seed 1: VT1 {} bpm, \
             VT2 {} bpm; one reading per packet (1 Hz) with its RR (ms, whole 1/1024 s)",
            person.vt1_bpm, person.vt2_bpm
        ),
        "start": start,
        "readings": readings,
    });
    std::fs::write(
        data("sim_ramp.session.json"),
        serde_json::to_string(&out).unwrap() + "\n",
    )
    .unwrap();
}
