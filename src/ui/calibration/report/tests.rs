//! Stage JSON round trip, the comparison line, workload changes and the history.

use super::*;
use chrono::{TimeDelta, TimeZone};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 12, 18, 0, 0).unwrap()
}

fn stage(n: u32, hr: f64, speak: Speak, sing: Option<bool>, workload: &str) -> StageResult {
    let start = t0() + TimeDelta::seconds(180 + 120 * (i64::from(n) - 1));
    StageResult {
        stage: n,
        start,
        end: start + TimeDelta::seconds(120),
        hr: Some(hr),
        readings: 30,
        gap_s: 0.0,
        speak: Some(speak),
        sing,
        workload: Some(workload.to_owned()),
    }
}

#[test]
fn a_stage_survives_json_and_has_the_interface_keys() {
    let s = StageResult {
        gap_s: 11.0,
        readings: 20,
        ..stage(2, 131.25, Speak::Equivocal, None, "5 km/h 2 %")
    };
    let v = stage_json(&s);
    for key in ["stage", "start", "end", "hr", "speak", "sing", "workload"] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    assert_eq!(v["start"], "2026-09-12T18:05:00.000Z");
    assert_eq!(v["speak"], "equivocal");
    assert_eq!(v["sing"], Value::Null);
    assert_eq!(stage_from_json(&v), Some(s));
    assert_eq!(stage_from_json(&json!({"stage": "one"})), None);
    assert!(stages_from_text("not json").is_empty());
}

#[test]
fn the_comparison_line_reads_as_the_issue_has_it() {
    let r = TalkResults {
        talk_ok_max_hr: Some(142.4),
        cannot_talk_hr: None,
        sing_ok_max_hr: None,
    };
    assert_eq!(
        comparison_line(&r, Some(139.2)),
        "talk test: comfortable up to 142 bpm; alpha1 says 139 bpm"
    );
    assert_eq!(
        comparison_line(&TalkResults::default(), None),
        "talk test: no stage was comfortable"
    );
    assert!(!usable(&r));
}

#[test]
fn workload_changes_are_worked_out_in_shared_units() {
    assert_eq!(
        workload_change("6.5 km/h 4 %", "5 km/h 4 %").as_deref(),
        Some("+1.5 km/h")
    );
    assert_eq!(
        workload_change("5 km/h, 8 %", "5 km/h, 6 %").as_deref(),
        Some("+2 % grade")
    );
    assert_eq!(workload_change("150W", "175 w").as_deref(), Some("-25 W"));
    assert_eq!(workload_change("level 6", "level 4"), None);
    assert_eq!(workload_change("150 W", "5 km/h"), None);
    assert_eq!(workload_change("150 W", "150 W"), None);
}

#[test]
fn the_history_gives_each_test_and_its_change_since_the_one_before() {
    let older = HistoryEntry {
        calibration: 1,
        session: 10,
        t: t0(),
        modality: "walk".into(),
        stopped: "negative".into(),
        stages: vec![
            stage(1, 120.0, Speak::Yes, Some(true), "5 km/h 0 %"),
            stage(2, 142.0, Speak::Yes, Some(false), "5 km/h 2 %"),
            stage(3, 160.0, Speak::No, None, "5 km/h 4 %"),
        ],
        results: TalkResults {
            talk_ok_max_hr: Some(142.0),
            cannot_talk_hr: Some(160.0),
            sing_ok_max_hr: Some(120.0),
        },
        hr_at_alpha1_075: None,
        hr_at_alpha1_050: None,
    };
    let newer = HistoryEntry {
        calibration: 2,
        session: 11,
        t: t0() + TimeDelta::days(61),
        stages: vec![
            stage(1, 121.0, Speak::Yes, Some(true), "5 km/h 0 %"),
            stage(2, 146.0, Speak::Yes, Some(false), "6.5 km/h 2 %"),
            stage(3, 165.0, Speak::No, None, "6.5 km/h 4 %"),
        ],
        results: TalkResults {
            talk_ok_max_hr: Some(146.0),
            cannot_talk_hr: Some(165.0),
            sing_ok_max_hr: Some(121.0),
        },
        hr_at_alpha1_075: Some(143.0),
        ..older.clone()
    };
    // A test stopped in the warm-up, between the two, hides nothing.
    let stopped = HistoryEntry {
        calibration: 5,
        t: t0() + TimeDelta::days(30),
        stopped: "user".into(),
        stages: Vec::new(),
        results: TalkResults::default(),
        ..older.clone()
    };
    let entries = [newer, stopped, older];
    let v = history_json(&entries);
    assert_eq!(v[0]["calibration"], 2);
    assert_eq!(v[0]["stages"], 3);
    assert_eq!(v[0]["talk_ok_workload"], "6.5 km/h 2 %");
    assert_eq!(v[0]["cannot_talk_workload"], "6.5 km/h 4 %");
    assert_eq!(v[0]["sing_ok_workload"], "5 km/h 0 %");
    assert_eq!(v[0]["change"]["since"], 1);
    assert_eq!(v[0]["change"]["talk_ok_max_hr"], 4.0);
    assert_eq!(v[0]["change"]["cannot_talk_hr"], 5.0);
    assert_eq!(v[0]["change"]["talk_ok_workload"], "+1.5 km/h");
    assert_eq!(v[1]["change"]["since"], 1);
    assert_eq!(v[1]["change"]["talk_ok_max_hr"], Value::Null);
    assert_eq!(v[2]["change"], Value::Null);
    let text = history_text(&entries);
    assert!(
        text.contains("comfortable up to 146 bpm, +4 since 12 Sep 2026, at +1.5 km/h"),
        "{text}"
    );
    assert!(text.contains("alpha1 0.75 at 143 bpm"), "{text}");
    assert!(history_text(&[]).contains("talkzone calibrate"));
}
