//! Morning checks: round trips, NaN metrics, dates, out-of-range answers, impossible values,
//! and the v2 migration that added them.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::*;
use crate::physiology::person::Posture;
use crate::reading::{RrInterval, Source};
use crate::store::db::schema::MIGRATIONS;
use crate::store::db::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn metrics(k: f64) -> MorningMetricsRow {
    MorningMetricsRow {
        resting_hr: 52.5 + k,
        ln_rmssd: 4.1 + k / 10.0,
        rmssd_ms: 60.25 + k,
        sdnn_ms: 70.5 + k,
        pnn50: 0.375,
        mean_nn_ms: 1050.125,
        rr_used: 170 + k as u32,
        artifact_share: 0.0125,
    }
}

/// A check on `date` starting `s` seconds after [`at`]'s origin, with metrics.
fn morning_check(s: i64, date: NaiveDate) -> NewMorningCheck {
    NewMorningCheck {
        t: at_ms(s * 1000 + 123),
        date,
        source: Source::Ble,
        posture: Posture::Supine,
        duration_s: 240.0,
        settle_s: 60.0,
        rr: (0..300u16)
            .map(|i| RrInterval::Ticks(1000 + i % 40))
            .collect(),
        metrics: Some(metrics(0.0)),
        metrics_json: Some(r#"{"rmssd_ms":60.25}"#.into()),
        wellness: WellnessRow::default(),
        refused: None,
    }
}

fn stored(id: i64, c: &NewMorningCheck) -> MorningCheckRow {
    MorningCheckRow {
        id,
        t: c.t,
        date: c.date,
        source: c.source,
        posture: c.posture,
        duration_s: c.duration_s,
        settle_s: c.settle_s,
        rr: c.rr.clone(),
        metrics: c.metrics,
        metrics_json: c.metrics_json.clone(),
        wellness: c.wellness,
        refused: c.refused.clone(),
    }
}

#[test]
fn migrates_a_version_2_file_keeps_its_data_and_adds_morning_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    {
        // A database as the release with schema version 2 left it, written by hand.
        let c = Connection::open(&path).unwrap();
        c.execute_batch(&format!(
            "{}{}
             PRAGMA user_version = 2;
             PRAGMA application_id = {APPLICATION_ID};
             INSERT INTO sessions (id, start_ms, source, status, zones_json)
                 VALUES (3, {}, 'simulator', 'complete', '{{}}');
             INSERT INTO readings (session_id, t_ms, hr, contact, energy_kj, rr)
                 VALUES (3, {}, 99, NULL, NULL, x'0004');
             INSERT INTO laps (session_id, t_ms) VALUES (3, {});
             INSERT INTO strength_days (day) VALUES ({});",
            MIGRATIONS[0],
            MIGRATIONS[1],
            at(0).timestamp_millis(),
            at(1).timestamp_millis(),
            at(2).timestamp_millis(),
            super::strength::epoch_day(day(2024, 4, 30)),
        ))
        .unwrap();
        assert!(
            c.prepare("SELECT * FROM morning_checks").is_err(),
            "version 2 has no morning checks"
        );
    }
    let mut db = Db::open_file(&path).unwrap();
    assert_eq!(pragma_i64(&db.conn, "user_version"), SCHEMA_VERSION);
    assert_eq!(
        pragma_i64(&db.conn, "application_id"),
        i64::from(APPLICATION_ID)
    );
    let s = db.session(3).unwrap().unwrap();
    assert_eq!(s.source, Source::Simulator);
    assert_eq!(s.status, SessionStatus::Complete);
    assert_eq!(db.readings(3).unwrap()[0].rr, vec![RrInterval::Ticks(1024)]);
    assert_eq!(db.laps(3).unwrap(), vec![at(2)]);
    assert_eq!(
        db.strength_days(NaiveDate::MIN, NaiveDate::MAX).unwrap(),
        vec![day(2024, 4, 30)]
    );
    // Version 3's table and its index are there and usable.
    let index: i64 = db
        .conn
        .query_row(
            "SELECT count(*) FROM pragma_index_list('morning_checks') \
             WHERE name = 'morning_checks_by_date'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 1);
    assert_eq!(db.last_morning_check().unwrap(), None);
    let c = morning_check(0, day(2024, 5, 1));
    let id = db.add_morning_check(&c).unwrap();
    drop(db);
    // Reopening a current file migrates nothing and keeps everything.
    let db = Db::open_file(&path).unwrap();
    assert_eq!(db.last_morning_check().unwrap(), Some(stored(id, &c)));
    assert_eq!(db.readings(3).unwrap().len(), 1);
}

#[test]
fn morning_checks_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();

    // Accepted, every answer given.
    let mut accepted = morning_check(0, day(2024, 5, 1));
    accepted.wellness = WellnessRow {
        sleep_quality: Some(5),
        soreness: Some(1),
        ill: Some(false),
        workout_felt_harder: Some(true),
    };
    // Refused: no metrics, its RR kept, nothing answered.
    let mut refused = morning_check(86_400, day(2024, 5, 2));
    refused.source = Source::Simulator;
    refused.posture = Posture::Seated;
    refused.metrics = None;
    refused.metrics_json = None;
    refused.rr = vec![
        RrInterval::Ticks(0),
        RrInterval::Ticks(u16::MAX),
        RrInterval::Ticks(900),
    ];
    refused.refused = Some("poor strap contact: wet the electrodes and try again".into());
    // Extreme values: a perfectly constant series (ln RMSSD minus infinity), no RR at all,
    // the other ends of the scales.
    let mut extreme = morning_check(2 * 86_400, day(2024, 5, 3));
    extreme.posture = Posture::Standing;
    extreme.source = Source::Import;
    extreme.rr = Vec::new();
    extreme.metrics = Some(MorningMetricsRow {
        ln_rmssd: f64::NEG_INFINITY,
        rmssd_ms: 0.0,
        rr_used: u32::MAX,
        ..metrics(1.0)
    });
    extreme.wellness = WellnessRow {
        sleep_quality: Some(1),
        soreness: Some(5),
        ill: Some(true),
        workout_felt_harder: Some(false),
    };

    let ids: Vec<i64> = [&accepted, &refused, &extreme]
        .iter()
        .map(|c| db.add_morning_check(c).unwrap())
        .collect();
    drop(db);
    let db = Db::open(tmp.path()).unwrap();
    let all = db
        .morning_checks(NaiveDate::MIN, NaiveDate::MAX, true)
        .unwrap();
    assert_eq!(
        all,
        vec![
            stored(ids[0], &accepted),
            stored(ids[1], &refused),
            stored(ids[2], &extreme)
        ]
    );
    assert_eq!(
        db.last_morning_check().unwrap(),
        Some(stored(ids[2], &extreme))
    );

    // Wellness from the answers: unanswered yes/no questions are "no".
    let w: crate::physiology::readiness::Wellness = refused.wellness.into();
    assert_eq!(w, Default::default());
    let w: crate::physiology::readiness::Wellness = accepted.wellness.into();
    assert!(w.workout_felt_harder && !w.ill);
    assert_eq!(w.sleep_quality, Some(5));
}

#[test]
fn a_nan_metric_comes_back_as_nan() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let mut c = morning_check(0, day(2024, 5, 1));
    c.metrics = Some(MorningMetricsRow {
        sdnn_ms: f64::NAN,
        ..metrics(0.0)
    });
    db.add_morning_check(&c).unwrap();
    let m = db.last_morning_check().unwrap().unwrap().metrics.unwrap();
    assert!(m.sdnn_ms.is_nan());
    assert_eq!(m.rmssd_ms, metrics(0.0).rmssd_ms);
}

#[test]
fn morning_checks_by_local_date_with_and_without_rr() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    assert_eq!(db.last_morning_check().unwrap(), None);
    // Stored out of order; two checks on May 3 (a retake); a late-evening check (UTC) that
    // counts for the next local date.
    let checks = [
        morning_check(3 * 86_400, day(2024, 5, 4)),
        morning_check(86_400, day(2024, 5, 2)),
        morning_check(2 * 86_400 + 600, day(2024, 5, 3)),
        morning_check(2 * 86_400, day(2024, 5, 3)),
        morning_check(-86_400, day(2024, 4, 30)),
        morning_check(-20_000, day(2024, 5, 1)),
    ];
    let ids: Vec<i64> = checks
        .iter()
        .map(|c| db.add_morning_check(c).unwrap())
        .collect();
    let dates = |from, to, with_rr| -> Vec<(i64, NaiveDate)> {
        db.morning_checks(from, to, with_rr)
            .unwrap()
            .iter()
            .map(|r| (r.id, r.date))
            .collect()
    };
    // Bounds included, in order of time.
    assert_eq!(
        dates(day(2024, 5, 1), day(2024, 5, 3), true),
        vec![
            (ids[5], day(2024, 5, 1)),
            (ids[1], day(2024, 5, 2)),
            (ids[3], day(2024, 5, 3)),
            (ids[2], day(2024, 5, 3)),
        ]
    );
    assert_eq!(
        dates(day(2024, 5, 3), day(2024, 5, 3), false),
        vec![(ids[3], day(2024, 5, 3)), (ids[2], day(2024, 5, 3))]
    );
    assert!(dates(day(2024, 5, 5), day(2024, 6, 1), true).is_empty());
    assert!(dates(day(2024, 5, 3), day(2024, 5, 2), true).is_empty());

    // Without RR: everything but the intervals.
    let with = db
        .morning_checks(day(2024, 4, 1), day(2024, 5, 31), true)
        .unwrap();
    let without = db
        .morning_checks(day(2024, 4, 1), day(2024, 5, 31), false)
        .unwrap();
    assert_eq!(with.len(), 6);
    for (w, wo) in with.iter().zip(&without) {
        assert_eq!(w.rr.len(), 300);
        assert!(wo.rr.is_empty());
        assert_eq!(
            &MorningCheckRow {
                rr: Vec::new(),
                ..w.clone()
            },
            wo
        );
    }
    assert_eq!(db.last_morning_check().unwrap().unwrap().id, ids[0]);
}

#[test]
fn answers_out_of_range_are_not_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    for wellness in [
        WellnessRow {
            sleep_quality: Some(0),
            ..Default::default()
        },
        WellnessRow {
            soreness: Some(6),
            ..Default::default()
        },
    ] {
        let mut c = morning_check(0, day(2024, 5, 1));
        c.wellness = wellness;
        let e = db.add_morning_check(&c).unwrap_err();
        assert!(matches!(e, StoreError::Sqlite { .. }), "{e:?}");
    }
    let mut c = morning_check(0, day(2024, 5, 1));
    c.duration_s = f64::NAN;
    assert!(db.add_morning_check(&c).is_err());
    assert_eq!(db.last_morning_check().unwrap(), None);
}

#[test]
fn impossible_morning_check_values_are_errors_naming_table_and_row() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db
        .add_morning_check(&morning_check(0, day(2024, 5, 1)))
        .unwrap();
    // What the sqlite3 shell could do to the file, CHECK constraints or not.
    db.conn
        .pragma_update(None, "ignore_check_constraints", true)
        .unwrap();
    let all = |db: &Db, with_rr| db.morning_checks(NaiveDate::MIN, NaiveDate::MAX, with_rr);
    let mut bad = |set: &str, needle: &str| {
        let good = db.last_morning_check().unwrap().unwrap();
        db.conn
            .execute(&format!("UPDATE morning_checks SET {set}"), [])
            .unwrap();
        for e in [
            all(&db, true).unwrap_err(),
            db.last_morning_check().unwrap_err(),
        ] {
            assert!(
                matches!(
                    e,
                    StoreError::BadRow {
                        table: "morning_checks",
                        ..
                    }
                ),
                "{set}: {e:?}"
            );
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("table morning_checks, id {id}")),
                "{msg}"
            );
            assert!(msg.contains(needle), "{set}: {msg}");
        }
        // Put the row back as it was.
        db.conn.execute("DELETE FROM morning_checks", []).unwrap();
        let mut c = morning_check(0, day(2024, 5, 1));
        c.rr = good.rr;
        assert_eq!(db.add_morning_check(&c).unwrap(), id);
    };
    bad("posture = 'lying'", "posture = \"lying\" is unknown");
    bad("posture = x'01'", "posture is a blob");
    bad("sleep_quality = 0", "sleep_quality = 0");
    bad("sleep_quality = 6", "sleep_quality = 6");
    bad("soreness = 'sore'", "soreness is text");
    bad("ill = 2", "ill = 2");
    bad("workout_felt_harder = -1", "workout_felt_harder = -1");
    bad("rr = x'200334'", "odd length 3");
    bad("rr = 'abc'", "rr is text");
    bad("source = 'ant'", "source = \"ant\" is unknown");
    bad("t_ms = 9223372036854775807", "not a valid time");
    bad("duration_s = 'long'", "duration_s is text");
    bad("rr_used = -1", "rr_used = -1 is out of range");
    bad("rr_used = NULL", "rr_used is NULL");
    bad("refused = x'00'", "refused is a blob");

    // A date past chrono's range is outside every range query, but not the last check.
    db.conn
        .execute("UPDATE morning_checks SET date_days = 1 << 40", [])
        .unwrap();
    assert!(all(&db, true).unwrap().is_empty());
    let e = db.last_morning_check().unwrap_err().to_string();
    assert!(
        e.contains("date_days = 1099511627776 is not a valid date"),
        "{e}"
    );
    db.conn
        .execute("UPDATE morning_checks SET date_days = 0", [])
        .unwrap();

    // Without RR, a bad blob is not read at all; anything else still is.
    db.conn
        .execute("UPDATE morning_checks SET rr = x'01'", [])
        .unwrap();
    assert_eq!(all(&db, false).unwrap().len(), 1);
    db.conn
        .execute("UPDATE morning_checks SET posture = 'upside down'", [])
        .unwrap();
    assert!(all(&db, false).unwrap_err().to_string().contains("upside"));
}
