//! Sessions, their readings, gaps and laps; the recorder's commits; two handles at once;
//! deleting; the strength log; impossible stored values.

use std::time::{Duration, Instant};

use chrono::NaiveDate;

use super::*;
use crate::event::{DeviceInfo, LossReason};
use crate::reading::{Contact, Reading, RrInterval, RrUnit, Source};
use crate::store::db::*;

#[test]
fn sessions_readings_gaps_and_laps_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();

    let older = db.start_session(&new_session(at(-3600))).unwrap();
    let mut first = new_session(at(0));
    first.source = Source::Ble;
    let id = db.start_session(&first).unwrap();
    let strap = DeviceInfo {
        name: Some("Polar H10 1234".into()),
        address: "A0:9E:1A:00:11:22".into(),
        battery_percent: Some(80),
        body_location: None,
    };
    db.set_device(id, &strap).unwrap();

    // Every RR count 0..=3, every contact state, energy absent and present.
    let contacts = [
        Contact::NotSupported,
        Contact::NotDetected,
        Contact::Detected,
    ];
    let mut sent = Vec::new();
    for i in 0..12u16 {
        sent.push(Reading {
            t: at_ms(i64::from(i) * 1000 + 7),
            hr: 60 + i,
            contact: contacts[usize::from(i % 3)],
            energy_kj: (i % 2 == 1).then_some(i * 100),
            rr: (0..i % 4)
                .map(|k| RrInterval::Ticks(700 + k * 13 + i))
                .collect(),
            source: Source::Ble,
        });
    }
    sent.push(Reading {
        hr: u16::MAX,
        energy_kj: Some(u16::MAX),
        rr: vec![RrInterval::Ticks(0), RrInterval::Ticks(u16::MAX)],
        ..sent[11].clone()
    });
    let now = Instant::now();
    let mut rec = db.recorder(id).unwrap();
    // Pushed out of order: read back in time order.
    rec.push(&sent[1], now).unwrap();
    rec.push(&sent[0], now).unwrap();
    rec.gap_started(at(2), LossReason::Watchdog).unwrap();
    rec.gap_ended(at_ms(2500)).unwrap();
    for r in &sent[2..] {
        rec.push(r, now).unwrap();
    }
    rec.lap(at(5)).unwrap();
    rec.lap(at(10)).unwrap();
    rec.gap_started(at(11), LossReason::Disconnected).unwrap();
    rec.flush().unwrap();
    drop(rec);

    assert_eq!(db.readings(id).unwrap(), sent);
    assert_eq!(
        db.gaps(id).unwrap(),
        vec![
            Gap {
                start: at(2),
                end: Some(at_ms(2500)),
                reason: LossReason::Watchdog
            },
            Gap {
                start: at(11),
                end: None,
                reason: LossReason::Disconnected
            },
        ]
    );
    assert_eq!(db.laps(id).unwrap(), vec![at(5), at(10)]);

    let unfinished: Vec<_> = db
        .unfinished_sessions()
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(unfinished, vec![id, older]);

    let listing = Listing {
        class: Some("moderate".into()),
        avg_hr: Some(131.5),
        max_hr: Some(160),
        active_s: Some(1800.0),
        moderate_equivalent_min: Some(30.0),
        trimp: Some(42.25),
    };
    db.finish_session(id, at(12), SessionStatus::Complete, r#"{"ok":1}"#, &listing)
        .unwrap();
    db.finish_session(
        older,
        at(-3000),
        SessionStatus::Recovered,
        "{}",
        &Listing::default(),
    )
    .unwrap();

    let row = db.session(id).unwrap().unwrap();
    assert_eq!(
        row,
        SessionRow {
            id,
            start: at(0),
            end: Some(at(12)),
            source: Source::Ble,
            device_name: Some("Polar H10 1234".into()),
            device_address: Some("A0:9E:1A:00:11:22".into()),
            status: SessionStatus::Complete,
            zones_json: r#"{"talk_max":140}"#.into(),
            summary_json: Some(r#"{"ok":1}"#.into()),
            class: Some("moderate".into()),
            avg_hr: Some(131.5),
            max_hr: Some(160),
            active_s: Some(1800.0),
            moderate_equivalent_min: Some(30.0),
            trimp: Some(42.25),
        }
    );
    let old = db.session(older).unwrap().unwrap();
    assert_eq!(old.status, SessionStatus::Recovered);
    assert_eq!(old.class, None);
    assert_eq!(old.device_name, None);

    assert!(db.unfinished_sessions().unwrap().is_empty());
    let all: Vec<_> = db.sessions().unwrap().iter().map(|s| s.id).collect();
    assert_eq!(all, vec![id, older], "newest first");
    assert_eq!(db.last_session().unwrap().unwrap().id, id);
    let between: Vec<_> = db
        .sessions_between(at(-3600), at(0))
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(between, vec![older], "[from, to)");

    assert_eq!(db.session(9999).unwrap(), None);
    assert!(db.readings(9999).unwrap().is_empty());
    assert!(matches!(
        db.set_device(9999, &strap),
        Err(StoreError::NoSuchSession { id: 9999, .. })
    ));
    assert!(matches!(
        db.finish_session(9999, at(1), SessionStatus::Complete, "{}", &listing),
        Err(StoreError::NoSuchSession { .. })
    ));
    assert!(matches!(
        db.recorder(9999),
        Err(StoreError::NoSuchSession { .. })
    ));
}

#[test]
fn recorder_commits_once_a_second_has_passed_and_not_before() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    // What another process would see.
    let other = Db::open(tmp.path()).unwrap();
    let visible = || other.readings(id).unwrap().len();

    let t0 = Instant::now();
    let ms = |n: u64| t0 + Duration::from_millis(n);
    let mut rec = db.recorder(id).unwrap();
    rec.push(&reading(at(0), 100), ms(0)).unwrap();
    assert_eq!(visible(), 0);
    rec.push(&reading(at(1), 101), ms(500)).unwrap();
    rec.push(&reading(at(2), 102), ms(999)).unwrap();
    assert_eq!(visible(), 0, "not before 1 s");
    rec.push(&reading(at(3), 103), ms(1000)).unwrap();
    assert_eq!(visible(), 4, "all buffered readings, once 1 s has passed");

    rec.push(&reading(at(4), 104), ms(1500)).unwrap();
    rec.tick(ms(2499)).unwrap();
    assert_eq!(visible(), 4);
    rec.tick(ms(2500)).unwrap();
    assert_eq!(visible(), 5, "a tick commits without a new reading");

    // Markers commit at once, with what is buffered.
    rec.push(&reading(at(5), 105), ms(2600)).unwrap();
    assert_eq!(visible(), 5);
    rec.lap(at(5)).unwrap();
    assert_eq!(visible(), 6);
    assert_eq!(other.laps(id).unwrap(), vec![at(5)]);

    rec.push(&reading(at(6), 106), ms(2700)).unwrap();
    rec.flush().unwrap();
    assert_eq!(visible(), 7);
    rec.push(&reading(at(7), 107), ms(2800)).unwrap();
    drop(rec);
    assert_eq!(visible(), 8, "drop flushes");
}

#[test]
fn two_handles_record_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    // Both create, check and migrate the same new file at once, then record side by side.
    let dir = tmp.path().join("data");
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        for worker in 0..2i64 {
            let (dir, barrier) = (&dir, &barrier);
            s.spawn(move || {
                barrier.wait();
                let mut db = Db::open(dir).unwrap();
                for n in 0..10 {
                    let start = at(worker * 100_000 + n * 1000);
                    let id = db.start_session(&new_session(start)).unwrap();
                    let mut rec = db.recorder(id).unwrap();
                    let t0 = Instant::now();
                    for i in 0..50 {
                        let t = start + chrono::Duration::seconds(i);
                        rec.push(&reading(t, 120), t0 + Duration::from_secs(i as u64))
                            .unwrap();
                    }
                    rec.flush().unwrap();
                    drop(rec);
                    db.finish_session(
                        id,
                        start + chrono::Duration::seconds(50),
                        SessionStatus::Complete,
                        "{}",
                        &Listing::default(),
                    )
                    .unwrap();
                }
            });
        }
    });
    let db = Db::open(&dir).unwrap();
    let sessions = db.sessions().unwrap();
    assert_eq!(sessions.len(), 20);
    for s in sessions {
        assert_eq!(s.status, SessionStatus::Complete);
        assert_eq!(db.readings(s.id).unwrap().len(), 50);
    }
    let check: String = db
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn delete_removes_the_session_and_everything_in_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let mut ids = Vec::new();
    for k in 0..2 {
        let id = db.start_session(&new_session(at(k * 1000))).unwrap();
        let mut rec = db.recorder(id).unwrap();
        for i in 0..5 {
            rec.push(&reading(at(k * 1000 + i), 110), Instant::now())
                .unwrap();
        }
        rec.gap_started(at(k * 1000 + 5), LossReason::Watchdog)
            .unwrap();
        rec.gap_ended(at(k * 1000 + 6)).unwrap();
        rec.lap(at(k * 1000 + 7)).unwrap();
        ids.push(id);
    }
    let (gone, kept) = (ids[0], ids[1]);
    assert!(db.delete_session(gone).unwrap());
    assert_eq!(db.session(gone).unwrap(), None);
    // The 5 readings are one block.
    for table in ["reading_blocks", "gaps", "laps"] {
        assert_eq!(count(&db, table, gone), 0, "{table}");
        assert_eq!(count(&db, table, kept), 1, "{table}");
    }
    assert!(db.readings(gone).unwrap().is_empty());
    assert_eq!(db.readings(kept).unwrap().len(), 5);
    assert!(!db.delete_session(gone).unwrap(), "already gone");
    assert_eq!(db.sessions().unwrap().len(), 1);
}

#[test]
fn strength_log_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
    {
        let mut db = Db::open(tmp.path()).unwrap();
        assert!(db.log_strength(day(2)).unwrap());
        assert!(!db.log_strength(day(2)).unwrap(), "already logged");
        assert!(db.log_strength(day(9)).unwrap());
        assert!(db.log_strength(day(1)).unwrap());
    }
    let db = Db::open(tmp.path()).unwrap();
    assert_eq!(
        db.strength_days(day(1), day(9)).unwrap(),
        vec![day(1), day(2), day(9)]
    );
    assert_eq!(db.strength_days(day(2), day(8)).unwrap(), vec![day(2)]);
    assert!(db.strength_days(day(10), day(31)).unwrap().is_empty());
}

#[test]
fn impossible_stored_values_are_errors_naming_table_and_row() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    // A damaged block is an error naming the table, the block and what is wrong (the same
    // checks on version-4 rows happen when such a file is migrated: tests/migration.rs and
    // `a_damaged_version_4_row_stops_the_migration_and_leaves_the_file_as_it_was`).
    let bad_block = |db: &Db, data: &str, needle: &str| {
        db.conn.execute("DELETE FROM reading_blocks", []).unwrap();
        db.conn
            .execute(
                &format!(
                    "INSERT INTO reading_blocks (session_id, start_ms, data) VALUES (?1, 0, {data})"
                ),
                [id],
            )
            .unwrap();
        let e = db.readings(id).unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::BadRow {
                    table: "reading_blocks",
                    ..
                }
            ),
            "{data}: {e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("table reading_blocks, session {id}, start_ms 0")),
            "{msg}"
        );
        assert!(msg.contains(needle), "{data}: {msg}");
    };
    // One reading: format 1, flags 0, n 1, hr 100, no hr changes, RR count 0.
    bad_block(&db, "x'010001640000'", "left over");
    bad_block(&db, "x'02'", "unknown block format 2");
    bad_block(&db, "x'01000164'", "ends inside RR counts");
    bad_block(&db, "x'010001ffff0400'", "heart rate 81919 is out of range");
    bad_block(&db, "x'010601640300'", "contact code 3");
    bad_block(&db, "'abc'", "data is not a blob");
    // A time beyond what a date can hold: start_ms far away plus a huge regular interval.
    db.conn.execute("DELETE FROM reading_blocks", []).unwrap();
    db.conn
        .execute(
            "INSERT INTO reading_blocks (session_id, start_ms, data) \
             VALUES (?1, 9223372036854775807, x'0100016400')",
            [id],
        )
        .unwrap();
    assert!(db
        .readings(id)
        .unwrap_err()
        .to_string()
        .contains("not a valid time"));
    db.conn.execute("DELETE FROM reading_blocks", []).unwrap();

    db.conn
        .execute("UPDATE sessions SET status = 'paused' WHERE id = ?1", [id])
        .unwrap();
    let e = db.sessions().unwrap_err();
    assert!(
        e.to_string().contains(&format!("table sessions, id {id}")),
        "{e}"
    );
    assert!(e.to_string().contains("\"paused\""), "{e}");
    db.conn
        .execute(
            "UPDATE sessions SET status = 'complete', max_hr = 1e9 WHERE id = ?1",
            [id],
        )
        .unwrap();
    assert!(db.session(id).is_err());
    db.conn
        .execute(
            "UPDATE sessions SET max_hr = NULL, source = 'ant' WHERE id = ?1",
            [id],
        )
        .unwrap();
    assert!(db.last_session().is_err());

    db.conn
        .execute(
            "INSERT INTO gaps (session_id, start_ms, reason) VALUES (?1, 0, 'solar flare')",
            [id],
        )
        .unwrap();
    assert!(db.gaps(id).unwrap_err().to_string().contains("table gaps"));
}

/// RR from a FIT file are whole milliseconds, a strap's 1/1024 s: each is stored and read back
/// in its own unit, exactly.
#[test]
fn rr_keep_their_unit_in_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    let mut strap = reading(at(0), 60);
    strap.rr = vec![RrInterval::Ticks(1023), RrInterval::Ticks(1025)];
    let mut fit = reading(at(1), 60);
    fit.rr = vec![RrInterval::Millis(999), RrInterval::Millis(1001)];
    let mut rec = db.recorder(id).unwrap();
    let now = Instant::now();
    rec.push(&strap, now).unwrap();
    rec.push(&fit, now).unwrap();
    rec.flush().unwrap();
    let back = db.readings(id).unwrap();
    let units = |r: &Reading| r.rr.iter().map(|x| (x.raw(), x.unit())).collect::<Vec<_>>();
    assert_eq!(
        units(&back[0]),
        vec![(1023, RrUnit::Ticks), (1025, RrUnit::Ticks)]
    );
    assert_eq!(
        units(&back[1]),
        vec![(999, RrUnit::Millis), (1001, RrUnit::Millis)]
    );
}
