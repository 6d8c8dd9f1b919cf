//! Opening a database: a fresh file is private, in WAL mode and current; old versions are
//! migrated with their data; foreign, damaged and newer files are refused untouched.

use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::*;
use crate::reading::{Contact, Reading, RrInterval, Source};
use crate::store::db::schema::MIGRATIONS;
use crate::store::db::*;

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
            rr: vec![RrInterval::Ticks(800), RrInterval::Ticks(820)],
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
fn schema_version_is_6_and_a_version_7_file_is_refused_untouched() {
    assert_eq!(SCHEMA_VERSION, 6);
    assert_eq!(MIGRATIONS.len(), 6);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    drop(Db::open_file(&path).unwrap());
    {
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 7).unwrap();
    }
    let before = snapshot(&path);
    let e = Db::open_file(&path).unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::TooNew {
                found: 7,
                supported: 6,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(snapshot(&path), before);
}
