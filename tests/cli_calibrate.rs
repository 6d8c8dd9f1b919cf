//! The talk-test calibration through the real binary: answers scripted from the heart rate each
//! question gives (the simulated person of `source::simulated_heart`: VT1 140 bpm, VT2 162
//! bpm), with `--simulate --fast` or a replayed capture; the results, each stage's heart rate and
//! times checked against the recorded session; nonsense answers asked again; standard input
//! closed mid-test; a strap dropout in a stage's reading window; the 95 % HRmax stop; two
//! calibrations in the history.

use std::io::{BufRead, BufReader, Write};
use std::process::{ExitStatus, Stdio};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use talkzone::event::Packet;
use talkzone::protocol::capture::packet_line;
use talkzone::protocol::heart_rate::encode;
use talkzone::source::simulated_heart::SimulatedPerson;
use talkzone::source::simulator::{talk_test_plan, Workout};

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::Sandbox;

/// What a scripted test saw.
struct Run {
    questions: Vec<Value>,
    result: Value,
    status: ExitStatus,
    stderr: String,
}

/// Runs `calibrate` with `args`; `answer` gets each question and returns the lines to send
/// (`None`: close standard input).
fn calibrate(
    sb: &Sandbox,
    args: &[&str],
    mut answer: impl FnMut(&Value) -> Option<Vec<String>>,
) -> Run {
    let mut child = sb
        .talkzone()
        .arg("calibrate")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut questions = Vec::new();
    let mut last = Value::Null;
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if v.get("ask").is_some() {
            questions.push(v.clone());
            match answer(&v) {
                Some(lines) => {
                    if let Some(w) = stdin.as_mut() {
                        for l in lines {
                            writeln!(w, "{l}").unwrap();
                        }
                        w.flush().unwrap();
                    }
                }
                None => stdin = None,
            }
        }
        last = v;
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    Run {
        questions,
        result: last,
        status: out.status,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The simulated person's answers: comfortable below VT1, "not quite" up to VT2, "no" from
/// there; singing below VT1 - 22 bpm.
fn by_heart_rate(q: &Value) -> Option<Vec<String>> {
    let hr = q["hr"].as_f64().unwrap();
    let p = SimulatedPerson::default();
    let a = match q["ask"].as_str().unwrap() {
        "speak" if hr < p.vt1_bpm => "1",
        "speak" if hr < p.vt2_bpm => "eq",
        "speak" => "no",
        _ if hr < p.vt1_bpm - 22.0 => "y",
        _ => "n",
    };
    Some(vec![a.to_owned()])
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn hr_of(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The expected results from the answers given: the last stage answered yes, the first no,
/// the last sung.
fn expected(stages: &[Value]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let (mut ok, mut no, mut sing) = (None, None, None);
    for s in stages {
        match s["speak"].as_str() {
            Some("yes") => ok = hr_of(&s["hr"]),
            Some("no") => {
                no = hr_of(&s["hr"]);
                break;
            }
            _ => {}
        }
        if s["sing"] == Value::Bool(true) {
            sing = hr_of(&s["hr"]);
        }
    }
    (ok, no, sing)
}

/// Each stage's HR is the mean of the stored readings in its last 30 s, and its start and end
/// are the session's laps (the warm-up's end, then each stage's end).
fn check_against_the_recording(sb: &Sandbox, result: &Value) {
    let session = result["session"].as_i64().unwrap().to_string();
    let export = sb.json(&["export", &session, "--format", "json"]);
    let readings: Vec<(DateTime<Utc>, f64)> = export["readings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (time(&r["t"]), r["hr"].as_f64().unwrap()))
        .collect();
    let laps: Vec<DateTime<Utc>> = export["laps"]
        .as_array()
        .unwrap()
        .iter()
        .map(time)
        .collect();
    let stages = result["stages"].as_array().unwrap();
    assert!(!stages.is_empty());
    // The warm-up (180 s) starts at the first reading, on the recording's clock.
    assert_eq!(
        time(&stages[0]["start"]),
        readings[0].0 + chrono::Duration::seconds(180)
    );
    assert_eq!(laps[0], time(&stages[0]["start"]));
    for (i, s) in stages.iter().enumerate() {
        let (start, end) = (time(&s["start"]), time(&s["end"]));
        assert_eq!(end - start, chrono::Duration::seconds(120), "{s}");
        assert_eq!(laps[i + 1], end, "stage {} ends at a lap", i + 1);
        let window: Vec<f64> = readings
            .iter()
            .filter(|(t, _)| *t >= end - chrono::Duration::seconds(30) && *t < end)
            .map(|(_, hr)| *hr)
            .collect();
        let mean = window.iter().sum::<f64>() / window.len() as f64;
        assert!(
            (s["hr"].as_f64().unwrap() - mean).abs() < 1e-9,
            "stage {}: {} against the readings' {mean}",
            i + 1,
            s["hr"]
        );
        assert_eq!(s["readings"].as_u64().unwrap() as usize, window.len());
    }
}

#[test]
fn scripted_answers_find_the_simulated_persons_thresholds() {
    let sb = Sandbox::new();
    let run = calibrate(&sb, &["--simulate", "--fast", "--json"], by_heart_rate);
    assert!(run.status.success(), "{}", run.stderr);
    let r = &run.result;
    assert_eq!(r["stopped"], "negative", "{r}");
    let stages = r["stages"].as_array().unwrap();
    // Stage n of the simulated ramp is set at 104 + 8 (n - 1) bpm: the first at or above VT2
    // (162) is stage 9 (168).
    assert_eq!(stages.len(), 9, "{r}");
    let (ok, no, sing) = expected(stages);
    assert_eq!(hr_of(&r["talk_ok_max_hr"]), ok);
    assert_eq!(hr_of(&r["cannot_talk_hr"]), no);
    assert_eq!(hr_of(&r["sing_ok_max_hr"]), sing);
    assert!(ok.unwrap() < 140.0 && no.unwrap() >= 162.0);
    // Every question's heart rate is its stage's; the speaking question comes once per stage.
    let speak: Vec<&Value> = run
        .questions
        .iter()
        .filter(|q| q["ask"] == "speak")
        .collect();
    assert_eq!(speak.len(), 9);
    for (q, s) in speak.iter().zip(stages) {
        assert_eq!(q["stage"], s["stage"]);
        assert_eq!(q["hr"], s["hr"]);
        assert!(q["passage"].as_str().unwrap().split_whitespace().count() >= 90);
    }
    // DFA alpha1 over the same test sits near the simulated person's thresholds.
    let a075 = r["hr_at_alpha1_075"].as_f64().unwrap();
    let a050 = r["hr_at_alpha1_050"].as_f64().unwrap();
    assert!((130.0..=150.0).contains(&a075), "alpha1 0.75 at {a075}");
    assert!((152.0..=172.0).contains(&a050), "alpha1 0.5 at {a050}");
    check_against_the_recording(&sb, r);
    // The test is a session like any other.
    let session = r["session"].as_i64().unwrap().to_string();
    let summary = sb.json(&["summary", &session, "--json"]);
    assert!(summary["readings"].as_u64().unwrap() > 1000);
    let thresholds = sb.json(&["thresholds", &session, "--json"]);
    assert_eq!(thresholds["ramp"], true);
    // And it is listed.
    let list = sb.json(&["calibrations", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["calibration"], r["calibration"]);
    assert_eq!(list[0]["talk_ok_max_hr"], r["talk_ok_max_hr"]);
    assert_eq!(list[0]["stages"], 9);
}

#[test]
fn nonsense_answers_are_asked_again_with_the_same_line() {
    let sb = Sandbox::new();
    let mut tries = 0;
    let run = calibrate(&sb, &["--simulate", "--fast", "--json"], |q| {
        tries += 1;
        match tries {
            1 => Some(vec!["maybe".into()]),
            2 => Some(vec!["4".into()]),
            // "y" is a singing answer, not a speaking one.
            3 => Some(vec!["y".into()]),
            4 => Some(vec!["yes".into()]),
            // The singing question: "1" is not one of its answers.
            5 => Some(vec!["1".into()]),
            6 => Some(vec!["Y".into()]),
            _ if q["stage"] == 2 => None,
            _ => by_heart_rate(q),
        }
    });
    assert!(run.status.success(), "{}", run.stderr);
    let q = &run.questions;
    assert_eq!(q[0], q[1]);
    assert_eq!(q[1], q[2]);
    assert_eq!(q[2], q[3]);
    assert_eq!(
        (q[3]["ask"].as_str(), q[3]["stage"].as_u64()),
        (Some("speak"), Some(1))
    );
    assert_eq!(q[4]["ask"], "sing");
    assert_eq!(q[4], q[5]);
    assert_eq!(q[6]["stage"], 2);
    let stages = run.result["stages"].as_array().unwrap();
    assert_eq!(stages[0]["speak"], "yes");
    assert_eq!(stages[0]["sing"], true);
}

#[test]
fn standard_input_closing_mid_test_is_a_user_stop_that_keeps_everything() {
    let sb = Sandbox::new();
    let run = calibrate(&sb, &["--simulate", "--fast", "--json"], |q| {
        if q["stage"] == 4 {
            None
        } else {
            by_heart_rate(q)
        }
    });
    assert!(run.status.success(), "{}", run.stderr);
    let r = &run.result;
    assert_eq!(r["stopped"], "user");
    let stages = r["stages"].as_array().unwrap();
    // Three answered stages and the fourth, ended but not answered.
    assert_eq!(stages.len(), 4);
    assert_eq!(stages[3]["speak"], Value::Null);
    assert!(r["talk_ok_max_hr"].is_f64());
    assert_eq!(r["cannot_talk_hr"], Value::Null);
    check_against_the_recording(&sb, r);
    // Stored: the session with every reading up to the stop, and the calibration.
    let session = r["session"].as_i64().unwrap().to_string();
    let summary = sb.json(&["summary", &session, "--json"]);
    let end = time(&stages[3]["end"]);
    assert!(time(&summary["end"]) >= end);
    let list = sb.json(&["calibrations", "--json"]);
    assert_eq!(list[0]["stopped"], "user");
}

#[test]
fn the_test_stops_at_95_percent_of_a_known_hrmax() {
    let sb = Sandbox::new();
    let config = sb.path("config.toml");
    // 0.95 x 170 = 161.5: stage 8 (set at 160) stays under it, stage 9 (168) does not.
    std::fs::write(&config, "[profile]\nmax_hr = 170\n").unwrap();
    let config = config.display().to_string();
    let run = calibrate(
        &sb,
        // No --json: standard input is not a terminal, so the questions are JSON lines anyway.
        &["--config", &config, "--simulate", "--fast"],
        |q| Some(vec![if q["ask"] == "speak" { "1" } else { "y" }.to_owned()]),
    );
    assert!(run.status.success(), "{}", run.stderr);
    let r = &run.result;
    assert_eq!(r["stopped"], "hr_limit", "{r}");
    let stages = r["stages"].as_array().unwrap();
    let last = stages.last().unwrap()["hr"].as_f64().unwrap();
    assert!(last >= 161.5, "{last}");
    for s in &stages[..stages.len() - 1] {
        assert!(s["hr"].as_f64().unwrap() < 161.5, "{s}");
    }
    assert_eq!(r["cannot_talk_hr"], Value::Null);
    assert_eq!(r["talk_ok_max_hr"], stages.last().unwrap()["hr"]);
}

/// A capture of the simulated calibration starting at `start`, without the packets whose
/// offsets (seconds) are in `missing`.
fn write_capture(path: &std::path::Path, start: DateTime<Utc>, missing: std::ops::Range<u64>) {
    let plan = talk_test_plan(
        &SimulatedPerson::default(),
        std::time::Duration::from_secs(180),
        std::time::Duration::from_secs(120),
        15,
    );
    let mut text = String::new();
    for p in Workout::new(plan, 3) {
        if missing.contains(&p.offset.as_secs()) {
            continue;
        }
        let packet = Packet {
            t: start + chrono::Duration::from_std(p.offset).unwrap(),
            bytes: encode(&p.measurement),
        };
        text.push_str(&packet_line(&packet));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_replayed_test_with_a_dropout_uses_what_arrived_and_shows_the_gap() {
    let sb = Sandbox::new();
    let capture = sb.path("calibration.jsonl");
    let start = Utc.with_ymd_and_hms(2026, 11, 12, 17, 0, 0).unwrap();
    // The first packet is at 1 s: the warm-up ends at 181 s, stage 2 at 421 s; its reading
    // window is 391..421 s. Packets 400..410 s are lost: the silence runs from 399 to 410.
    write_capture(&capture, start, 400..410);
    let path = capture.display().to_string();
    let run = calibrate(&sb, &["--replay", &path, "--fast", "--json"], by_heart_rate);
    assert!(run.status.success(), "{}", run.stderr);
    let r = &run.result;
    let stages = r["stages"].as_array().unwrap();
    assert_eq!(
        time(&stages[0]["start"]),
        start + chrono::Duration::seconds(181)
    );
    assert_eq!(stages[1]["gap_s"], 11.0);
    assert_eq!(stages[1]["readings"], 20);
    assert_eq!(stages[0]["gap_s"], 0.0);
    assert_eq!(r["stopped"], "negative");
    assert!(
        run.stderr
            .contains("stage 2: 11 s without data while reading"),
        "{}",
        run.stderr
    );
    check_against_the_recording(&sb, r);
}

#[test]
fn two_calibrations_make_a_history_with_the_change_between_them() {
    let sb = Sandbox::new();
    let mut ids = Vec::new();
    for (seed, speed) in [("1", 5), ("2", 6)] {
        let run = calibrate(
            &sb,
            &["--simulate", "--fast", "--json", "--seed", seed],
            |q| {
                let mut lines = Vec::new();
                if q["ask"] == "speak" {
                    let grade = 2 * (q["stage"].as_u64().unwrap() - 1);
                    lines.push(format!("workload {speed} km/h {grade} %"));
                }
                lines.extend(by_heart_rate(q)?);
                Some(lines)
            },
        );
        assert!(run.status.success(), "{}", run.stderr);
        assert_eq!(
            run.result["stages"][0]["workload"],
            format!("{speed} km/h 0 %")
        );
        ids.push(run.result["calibration"].clone());
    }
    let list = sb.json(&["calibrations", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["calibration"], ids[1]);
    assert_eq!(list[1]["calibration"], ids[0]);
    let change = &list[0]["change"];
    assert_eq!(change["since"], ids[0]);
    let d =
        list[0]["talk_ok_max_hr"].as_f64().unwrap() - list[1]["talk_ok_max_hr"].as_f64().unwrap();
    assert!((change["talk_ok_max_hr"].as_f64().unwrap() - d).abs() < 1e-9);
    assert!(change["talk_ok_workload"]
        .as_str()
        .unwrap()
        .contains("+1 km/h"));
    assert_eq!(list[1]["change"], Value::Null);
    let text = sb.ok(&["calibrations"]);
    assert!(text.contains("comfortable up to"), "{text}");
    assert!(text.contains("at +1 km/h"), "{text}");
}

/// The zone starting at `id` in `zones --json`.
fn zone_start(z: &Value, id: &str) -> f64 {
    z["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|zone| zone["id"] == id)
        .unwrap()["min_bpm"]
        .as_f64()
        .unwrap()
}

#[test]
fn zones_auto_take_a_test_that_reached_a_no_and_never_a_partial_one() {
    let sb = Sandbox::new();
    let before = sb.json(&["zones", "--json"]);
    assert_eq!(before["model"], "hrmax");
    assert!(
        before["basis"].as_str().unwrap().starts_with("auto: hrmax"),
        "{before}"
    );
    assert_eq!(before["calibration"], Value::Null);
    // A partial test (stopped at stage 3) changes nothing.
    let partial = calibrate(&sb, &["--simulate", "--fast", "--json"], |q| {
        (q["stage"] != 3).then(|| by_heart_rate(q)).flatten()
    });
    assert_eq!(partial.result["stopped"], "user");
    assert_eq!(sb.json(&["zones", "--json"]), before);
    // A test that reached a "no" sets them.
    let run = calibrate(&sb, &["--simulate", "--fast", "--json"], by_heart_rate);
    let r = &run.result;
    assert_eq!(r["stopped"], "negative");
    let after = sb.json(&["zones", "--json"]);
    assert_eq!(after["model"], "talk_test", "{after}");
    assert_eq!(after["calibration"], r["calibration"]);
    assert!(
        after["basis"]
            .as_str()
            .unwrap()
            .contains("your talk test of"),
        "{after}"
    );
    assert_eq!(
        zone_start(&after, "vigorous"),
        r["talk_ok_max_hr"].as_f64().unwrap()
    );
    assert_eq!(
        zone_start(&after, "near_max"),
        r["cannot_talk_hr"].as_f64().unwrap()
    );
    let sing = r["sing_ok_max_hr"].as_f64().unwrap();
    assert_eq!(zone_start(&after, "moderate"), sing);
    let light = zone_start(&after, "light");
    assert!(light < sing, "light {light} below the singing line {sing}");
    let text = sb.ok(&["zones"]);
    assert!(text.contains("your talk test of"), "{text}");
    // Typed-in thresholds win, and `zones` says so.
    let config = sb.path("config.toml");
    std::fs::write(
        &config,
        "[zones]\ntalk_ok_max_hr = 150\ncannot_talk_hr = 170\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let typed = sb.json(&["--config", &config, "zones", "--json"]);
    assert_eq!(typed["model"], "talk_test");
    assert_eq!(zone_start(&typed, "vigorous"), 150.0);
    assert!(
        typed["basis"]
            .as_str()
            .unwrap()
            .contains("win over your talk test"),
        "{typed}"
    );
    // An explicit model is obeyed.
    std::fs::write(&config, "[zones]\nmodel = \"hrmax\"\n").unwrap();
    let explicit = sb.json(&["--config", &config, "zones", "--json"]);
    assert_eq!(explicit["model"], "hrmax");
    assert_eq!(
        zone_start(&explicit, "vigorous"),
        zone_start(&before, "vigorous")
    );
}

#[test]
fn a_stage_shorter_than_two_minutes_is_a_usage_error() {
    let sb = Sandbox::new();
    let out = sb.run(&["calibrate", "--simulate", "--fast", "--stage-seconds", "60"]);
    assert_eq!(out.status.code(), Some(2));
    let err = sandbox::stderr(&out);
    assert!(
        err.contains("--stage-seconds") && err.contains("120"),
        "{err}"
    );
    let out = sb.run(&["calibrate", "--simulate", "--modality", "rowing"]);
    assert_eq!(out.status.code(), Some(2));
}
