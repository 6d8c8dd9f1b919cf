//! Imported sessions: stored whole and remembered by hash, a failed import stores nothing,
//! deleting forgets only its own import, and the v3 migration that added them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::*;
use crate::reading::{Contact, Reading, RrInterval, Source};
use crate::store::db::schema::MIGRATIONS;
use crate::store::db::*;

fn imported(t: DateTime<Utc>, hr: u16) -> Reading {
    Reading {
        t,
        hr,
        contact: Contact::NotSupported,
        energy_kj: None,
        rr: vec![RrInterval::Ticks(1000), RrInterval::Ticks(1010)],
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
    assert_eq!(pragma_i64(&db.conn, "user_version"), SCHEMA_VERSION);
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
    // The first session's one block; nothing of the failed import.
    let blocks: i64 = db
        .conn
        .query_row("SELECT count(*) FROM reading_blocks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(blocks, 1);
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
