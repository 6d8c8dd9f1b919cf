//! Calibrations: stored and read back whole, newest first, gone with their session, a stop
//! reason outside the protocol's refused, a damaged row an error naming it.

use super::*;

fn calibration(session_id: SessionId, t: DateTime<Utc>, stopped: &str) -> CalibrationRow {
    CalibrationRow {
        id: 0,
        session_id,
        t,
        modality: "walk".into(),
        warmup_s: 180.0,
        stage_s: 120.0,
        stopped: stopped.into(),
        talk_ok_max_hr: Some(142.5),
        cannot_talk_hr: Some(161.25),
        sing_ok_max_hr: None,
        hr_at_alpha1_075: Some(139.0),
        hr_at_alpha1_050: None,
        stages_json: r#"[{"stage":1}]"#.into(),
    }
}

#[test]
fn calibrations_come_back_whole_and_newest_first() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let s1 = db.start_session(&new_session(at(0))).unwrap();
    let s2 = db.start_session(&new_session(at(86_400))).unwrap();
    let a = db
        .add_calibration(&calibration(s1, at(0), "negative"))
        .unwrap();
    let b = db
        .add_calibration(&calibration(s2, at(86_400), "user"))
        .unwrap();
    let rows = db.calibrations().unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b, a]);
    assert_eq!(
        rows[1],
        CalibrationRow {
            id: a,
            ..calibration(s1, at(0), "negative")
        }
    );
}

#[test]
fn deleting_the_session_deletes_its_calibration() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let s = db.start_session(&new_session(at(0))).unwrap();
    db.add_calibration(&calibration(s, at(0), "max_stages"))
        .unwrap();
    assert!(db.delete_session(s).unwrap());
    assert!(db.calibrations().unwrap().is_empty());
}

#[test]
fn a_stop_reason_outside_the_protocol_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let s = db.start_session(&new_session(at(0))).unwrap();
    let e = db
        .add_calibration(&calibration(s, at(0), "bored"))
        .unwrap_err();
    assert!(matches!(e, StoreError::Sqlite { .. }), "{e:?}");
}

#[test]
fn a_damaged_row_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let s = db.start_session(&new_session(at(0))).unwrap();
    let id = db
        .add_calibration(&calibration(s, at(0), "negative"))
        .unwrap();
    db.conn
        .execute(
            "UPDATE calibrations SET talk_ok_max_hr = 'fast' WHERE id = ?1",
            [id],
        )
        .unwrap();
    let e = db.calibrations().unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("calibrations") && text.contains(&format!("id {id}")),
        "{text}"
    );
    assert!(text.contains("talk_ok_max_hr"), "{text}");
}
