//! Tests of the store against real files in temporary folders.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rusqlite::Connection;

use super::schema::MIGRATIONS;
use super::*;
use crate::event::{DeviceInfo, LossReason};
use crate::physiology::person::Posture;
use crate::reading::{Contact, Reading, RrInterval, Source};

/// 2024-05-01 06:00:00 UTC plus `ms` milliseconds.
fn at_ms(ms: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 6, 0, 0).unwrap() + chrono::Duration::milliseconds(ms)
}

fn at(s: i64) -> DateTime<Utc> {
    at_ms(s * 1000)
}

fn new_session(start: DateTime<Utc>) -> NewSession {
    NewSession {
        start,
        source: Source::Simulator,
        device: None,
        zones_json: r#"{"talk_max":140}"#.into(),
    }
}

fn reading(t: DateTime<Utc>, hr: u16) -> Reading {
    Reading {
        t,
        hr,
        contact: Contact::Detected,
        energy_kj: None,
        rr: vec![RrInterval(800)],
        source: Source::Simulator,
    }
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn pragma_i64(c: &Connection, name: &str) -> i64 {
    c.pragma_query_value(None, name, |r| r.get(0)).unwrap()
}

fn count(db: &Db, table: &str, id: SessionId) -> i64 {
    db.conn
        .query_row(
            &format!("SELECT count(*) FROM {table} WHERE session_id = ?1"),
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn fresh_database_is_private_wal_and_current() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data/talkzone");
    let mut db = Db::open(&dir).unwrap();
    assert_eq!(db.path(), dir.join(FILE_NAME));
    let mode_str: String = db
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode_str, "wal");
    assert_eq!(pragma_i64(&db.conn, "user_version"), SCHEMA_VERSION);
    assert_eq!(
        pragma_i64(&db.conn, "application_id"),
        i64::from(APPLICATION_ID)
    );
    assert_eq!(pragma_i64(&db.conn, "synchronous"), 1, "NORMAL");
    db.start_session(&new_session(at(0))).unwrap();
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(db.path()), 0o600);
        for suffix in ["-wal", "-shm"] {
            let side = dir.join(format!("{FILE_NAME}{suffix}"));
            assert_eq!(mode(&side), 0o600, "{suffix}");
        }
    }
    drop(db);
    // Reopening a clean-closed WAL database (no -wal, no -shm) goes through the checks again.
    let db = Db::open(&dir).unwrap();
    assert_eq!(db.sessions().unwrap().len(), 1);
}

#[test]
fn migrates_a_version_1_file_and_keeps_its_data() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    {
        // A database as talkzone's first release left it, written by hand.
        let c = Connection::open(&path).unwrap();
        c.execute_batch(&format!(
            "{}
             PRAGMA user_version = 1;
             PRAGMA application_id = {APPLICATION_ID};
             INSERT INTO sessions (id, start_ms, source, status, zones_json, device_address)
                 VALUES (7, {}, 'ble', 'complete', '{{}}', 'AA:BB');
             INSERT INTO readings (session_id, t_ms, hr, contact, energy_kj, rr)
                 VALUES (7, {}, 131, 1, 12, x'20033403');
             INSERT INTO gaps (session_id, start_ms, end_ms, reason)
                 VALUES (7, {}, {}, 'watchdog');
             INSERT INTO strength_days (day) VALUES ({});",
            MIGRATIONS[0],
            at(0).timestamp_millis(),
            at(1).timestamp_millis(),
            at(2).timestamp_millis(),
            at(5).timestamp_millis(),
            super::strength::epoch_day(NaiveDate::from_ymd_opt(2024, 4, 30).unwrap()),
        ))
        .unwrap();
        assert!(
            c.prepare("SELECT * FROM laps").is_err(),
            "version 1 has no laps"
        );
    }
    let mut db = Db::open_file(&path).unwrap();
    assert_eq!(pragma_i64(&db.conn, "user_version"), SCHEMA_VERSION);
    let s = db.session(7).unwrap().unwrap();
    assert_eq!(s.source, Source::Ble);
    assert_eq!(s.status, SessionStatus::Complete);
    assert_eq!(s.device_address.as_deref(), Some("AA:BB"));
    assert_eq!(
        db.readings(7).unwrap(),
        vec![Reading {
            t: at(1),
            hr: 131,
            contact: Contact::Detected,
            energy_kj: Some(12),
            rr: vec![RrInterval(800), RrInterval(820)],
            source: Source::Ble,
        }]
    );
    assert_eq!(db.gaps(7).unwrap().len(), 1);
    assert_eq!(
        db.strength_days(NaiveDate::MIN, NaiveDate::MAX).unwrap(),
        vec![NaiveDate::from_ymd_opt(2024, 4, 30).unwrap()]
    );
    // Version 2's laps table is there and usable.
    assert!(db.laps(7).unwrap().is_empty());
    let mut rec = db.recorder(7).unwrap();
    rec.lap(at(3)).unwrap();
    drop(rec);
    assert_eq!(db.laps(7).unwrap(), vec![at(3)]);
    assert!(db.delete_session(7).unwrap());
}

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
            rr: (0..i % 4).map(|k| RrInterval(700 + k * 13 + i)).collect(),
            source: Source::Ble,
        });
    }
    sent.push(Reading {
        hr: u16::MAX,
        energy_kj: Some(u16::MAX),
        rr: vec![RrInterval(0), RrInterval(u16::MAX)],
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

/// The database file's bytes, and whether SQLite's side files exist.
fn snapshot(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

fn assert_message(e: &StoreError, path: &Path, advice: &str) {
    let msg = e.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains(advice), "{msg}");
}

#[test]
fn a_file_that_is_not_sqlite_is_rejected_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    // Random bytes (a fixed xorshift sequence).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&path, &bytes).unwrap();
    let e = Db::open(tmp.path()).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert_message(&e, &path, "move it away");
    assert_eq!(snapshot(&path), bytes);

    std::fs::write(&path, "id,hr\n1,120\n").unwrap();
    let e = Db::open_file(&path).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert_eq!(snapshot(&path), b"id,hr\n1,120\n");
}

#[test]
fn a_damaged_talkzone_database_is_rejected_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    {
        let mut db = Db::open_file(&path).unwrap();
        let id = db.start_session(&new_session(at(0))).unwrap();
        let mut rec = db.recorder(id).unwrap();
        for i in 0..2000 {
            rec.push(&reading(at(i), 120), Instant::now()).unwrap();
        }
    }
    let page: usize = {
        let c = Connection::open(&path).unwrap();
        usize::try_from(pragma_i64(&c, "page_size")).unwrap()
    };
    let mut bytes = snapshot(&path);
    assert!(bytes.len() > 4 * page);
    // Overwrite page 2 (the sessions table's root) with garbage.
    bytes[page..2 * page].fill(0xA5);
    std::fs::write(&path, &bytes).unwrap();

    let e = Db::open_file(&path).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert_message(&e, &path, "backup");
    assert_eq!(snapshot(&path), bytes);
}

#[test]
fn another_programs_sqlite_file_is_rejected_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE contacts (name TEXT, phone TEXT);
             INSERT INTO contacts VALUES ('Ada', '123');",
        )
        .unwrap();
    }
    let before = snapshot(&path);
    let e = Db::open(tmp.path()).unwrap_err();
    assert!(matches!(e, StoreError::NotTalkzone { .. }), "{e:?}");
    assert_message(&e, &path, "is not a talkzone database");
    assert_message(&e, &path, "--data-dir");
    assert_eq!(snapshot(&path), before);

    // No tables, but another program's application id.
    let other = tmp.path().join("other.db");
    {
        let c = Connection::open(&other).unwrap();
        c.pragma_update(None, "application_id", 0x1234).unwrap();
    }
    let before = snapshot(&other);
    let e = Db::open_file(&other).unwrap_err();
    assert!(matches!(e, StoreError::NotTalkzone { .. }), "{e:?}");
    assert_eq!(snapshot(&other), before);
}

#[test]
fn a_database_from_a_newer_talkzone_is_rejected_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    drop(Db::open_file(&path).unwrap());
    {
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let before = snapshot(&path);
    let e = Db::open_file(&path).unwrap_err();
    match &e {
        StoreError::TooNew {
            found, supported, ..
        } => {
            assert_eq!(*found, SCHEMA_VERSION + 1);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("{other:?}"),
    }
    assert_message(&e, &path, "Upgrade talkzone");
    assert_eq!(snapshot(&path), before);
}

#[test]
fn schema_version_is_4_and_a_version_5_file_is_refused_untouched() {
    assert_eq!(SCHEMA_VERSION, 4);
    assert_eq!(MIGRATIONS.len(), 4);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    drop(Db::open_file(&path).unwrap());
    {
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 5).unwrap();
    }
    let before = snapshot(&path);
    let e = Db::open_file(&path).unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::TooNew {
                found: 5,
                supported: 4,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(snapshot(&path), before);
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
    for table in ["readings", "gaps", "laps"] {
        assert_eq!(count(&db, table, gone), 0, "{table}");
        assert_eq!(
            count(&db, table, kept),
            if table == "readings" { 5 } else { 1 }
        );
    }
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
    let bad_reading = |db: &Db, set: &str, needle: &str| {
        db.conn.execute("DELETE FROM readings", []).unwrap();
        db.conn
            .execute(
                "INSERT INTO readings (session_id, t_ms, hr, contact, energy_kj, rr) \
                 VALUES (?1, 0, 100, NULL, NULL, x'')",
                [id],
            )
            .unwrap();
        db.conn
            .execute(&format!("UPDATE readings SET {set}"), [])
            .unwrap();
        let e = db.readings(id).unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::BadRow {
                    table: "readings",
                    ..
                }
            ),
            "{set}: {e:?}"
        );
        let msg = e.to_string();
        assert!(msg.contains("table readings, rowid "), "{msg}");
        assert!(msg.contains(needle), "{set}: {msg}");
    };
    bad_reading(&db, "hr = 70000", "hr = 70000 is out of range");
    bad_reading(&db, "hr = -1", "hr = -1");
    bad_reading(&db, "hr = 'fast'", "hr is text");
    bad_reading(&db, "rr = x'200334'", "odd length 3");
    bad_reading(&db, "rr = 'abc'", "rr is text");
    bad_reading(&db, "contact = 2", "contact = 2");
    bad_reading(&db, "energy_kj = 65536", "energy_kj");
    bad_reading(&db, "t_ms = 9223372036854775807", "not a valid time");

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
        rr: (0..300u16).map(|i| RrInterval(1000 + i % 40)).collect(),
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
    assert_eq!(db.readings(3).unwrap()[0].rr, vec![RrInterval(1024)]);
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
    refused.rr = vec![RrInterval(0), RrInterval(u16::MAX), RrInterval(900)];
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

fn imported(t: DateTime<Utc>, hr: u16) -> Reading {
    Reading {
        t,
        hr,
        contact: Contact::NotSupported,
        energy_kj: None,
        rr: vec![RrInterval(1000), RrInterval(1010)],
        source: Source::Import,
    }
}

fn import_session(start: DateTime<Utc>) -> NewSession {
    NewSession {
        source: Source::Import,
        ..new_session(start)
    }
}

fn mark(hash: &str, activity: usize) -> ImportMark<'_> {
    ImportMark {
        hash,
        activity,
        file_name: "ride.fit",
        at: at(99_999),
    }
}

#[test]
fn migrates_a_version_3_file_keeps_its_data_and_adds_imports_and_sport() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    {
        // A database as the release with schema version 3 left it, written by hand.
        let c = Connection::open(&path).unwrap();
        c.execute_batch(&format!(
            "{}{}{}
             PRAGMA user_version = 3;
             PRAGMA application_id = {APPLICATION_ID};
             INSERT INTO sessions (id, start_ms, source, status, zones_json)
                 VALUES (5, {}, 'ble', 'complete', '{{}}');
             INSERT INTO readings (session_id, t_ms, hr, contact, energy_kj, rr)
                 VALUES (5, {}, 120, 1, NULL, x'');",
            MIGRATIONS[0],
            MIGRATIONS[1],
            MIGRATIONS[2],
            at(0).timestamp_millis(),
            at(1).timestamp_millis(),
        ))
        .unwrap();
        assert!(c.prepare("SELECT * FROM imports").is_err());
        assert!(c.prepare("SELECT sport FROM sessions").is_err());
    }
    let mut db = Db::open_file(&path).unwrap();
    assert_eq!(pragma_i64(&db.conn, "user_version"), 4);
    assert_eq!(db.session(5).unwrap().unwrap().source, Source::Ble);
    assert_eq!(db.readings(5).unwrap().len(), 1);
    assert_eq!(db.sport(5).unwrap(), None, "live sessions have no sport");
    db.set_sport(5, Some("running")).unwrap();
    assert_eq!(db.sport(5).unwrap().as_deref(), Some("running"));
    assert!(db.import_known("abc").unwrap().is_empty());
    let id = db
        .add_imported_session(
            &import_session(at(10)),
            None,
            &[imported(at(10), 90)],
            &mark("abc", 0),
        )
        .unwrap();
    drop(db);
    let db = Db::open_file(&path).unwrap();
    assert_eq!(
        db.import_known("abc").unwrap(),
        vec![KnownActivity {
            activity: 0,
            session: id
        }]
    );
}

#[test]
fn an_imported_session_is_stored_whole_and_remembered() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let readings: Vec<Reading> = (0..24_227)
        .map(|i| imported(at(i), 90 + (i % 80) as u16))
        .collect();
    let started = std::time::Instant::now();
    let id = db
        .add_imported_session(
            &import_session(at(0)),
            Some("cycling"),
            &readings,
            &mark("h1", 0),
        )
        .unwrap();
    let took = started.elapsed();
    // One transaction: a 6.8 h file's readings take a few tens of milliseconds, not seconds
    // (a commit per reading would take minutes). Generous for debug builds on slow machines.
    assert!(took < Duration::from_secs(3), "{took:?}");
    let row = db.session(id).unwrap().unwrap();
    assert_eq!(row.source, Source::Import);
    assert_eq!(
        row.status,
        SessionStatus::Recording,
        "the caller finishes it"
    );
    assert_eq!(db.sport(id).unwrap().as_deref(), Some("cycling"));
    assert_eq!(db.readings(id).unwrap(), readings);
    assert_eq!(
        db.import_known("h1").unwrap(),
        vec![KnownActivity {
            activity: 0,
            session: id
        }]
    );
    assert!(db.import_known("h2").unwrap().is_empty());
    let stored: (String, i64) = db
        .conn
        .query_row(
            "SELECT file_name, imported_at_ms FROM imports WHERE session_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        stored,
        ("ride.fit".to_string(), at(99_999).timestamp_millis())
    );
}

#[test]
fn a_failed_import_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let first = db
        .add_imported_session(
            &import_session(at(0)),
            None,
            &[imported(at(0), 90)],
            &mark("h", 0),
        )
        .unwrap();
    // The same activity of the same file again (two imports racing): refused by the primary
    // key, and the session, sport and readings written before the refusal are rolled back.
    let e = db
        .add_imported_session(
            &import_session(at(100)),
            Some("running"),
            &[imported(at(100), 91), imported(at(101), 92)],
            &mark("h", 0),
        )
        .unwrap_err();
    assert!(matches!(e, StoreError::Sqlite { .. }), "{e:?}");
    assert_eq!(db.sessions().unwrap().len(), 1);
    let readings: i64 = db
        .conn
        .query_row("SELECT count(*) FROM readings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(readings, 1);
    // The connection is usable afterwards (no transaction left open).
    db.set_sport(first, Some("rowing")).unwrap();
    assert!(db.delete_session(first).unwrap());
}

#[test]
fn deleting_a_session_forgets_only_its_own_import() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    // A TCX file with two activities, and another file.
    let a = db
        .add_imported_session(
            &import_session(at(0)),
            None,
            &[imported(at(0), 90)],
            &mark("two", 0),
        )
        .unwrap();
    let b = db
        .add_imported_session(
            &import_session(at(50)),
            None,
            &[imported(at(50), 95)],
            &mark("two", 1),
        )
        .unwrap();
    let c = db
        .add_imported_session(
            &import_session(at(90)),
            None,
            &[imported(at(90), 99)],
            &mark("one", 0),
        )
        .unwrap();
    assert!(db.delete_session(a).unwrap());
    assert_eq!(
        db.import_known("two").unwrap(),
        vec![KnownActivity {
            activity: 1,
            session: b
        }]
    );
    let rows: i64 = db
        .conn
        .query_row("SELECT count(*) FROM imports", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2, "the deleted session's row went with it");
    // The deleted activity can be imported again.
    let a2 = db
        .add_imported_session(
            &import_session(at(0)),
            None,
            &[imported(at(0), 90)],
            &mark("two", 0),
        )
        .unwrap();
    assert_eq!(db.import_known("two").unwrap().len(), 2);
    assert_eq!(db.import_known("one").unwrap()[0].session, c);
    assert_ne!(a2, a);

    // A row left behind by an edit made with foreign keys off never blocks a re-import.
    db.conn.pragma_update(None, "foreign_keys", false).unwrap();
    db.conn
        .execute("DELETE FROM sessions WHERE id = ?1", [c])
        .unwrap();
    db.conn.pragma_update(None, "foreign_keys", true).unwrap();
    assert!(db.import_known("one").unwrap().is_empty());
    db.add_imported_session(
        &import_session(at(90)),
        None,
        &[imported(at(90), 99)],
        &mark("one", 0),
    )
    .unwrap();
    assert_eq!(db.import_known("one").unwrap().len(), 1);
}

#[test]
fn bulk_readings_and_sport_need_a_session() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    let readings: Vec<Reading> = (0..100).map(|i| reading(at(i), 100)).collect();
    db.insert_readings(id, &readings).unwrap();
    assert_eq!(db.readings(id).unwrap(), readings);
    assert!(matches!(
        db.insert_readings(id + 1, &readings),
        Err(StoreError::NoSuchSession { .. })
    ));
    assert!(matches!(
        db.set_sport(id + 1, Some("running")),
        Err(StoreError::NoSuchSession { .. })
    ));
    assert_eq!(db.sport(id + 1).unwrap(), None);
    db.conn
        .execute("UPDATE sessions SET sport = x'00' WHERE id = ?1", [id])
        .unwrap();
    let e = db.sport(id).unwrap_err();
    assert!(
        matches!(
            &e,
            StoreError::BadRow {
                table: "sessions",
                ..
            }
        ),
        "{e:?}"
    );
}
