//! Readings in blocks (schema version 5): the recorder across block boundaries, a killed
//! recorder, a recorder that goes on with a stored session, and the migration of version-4
//! files (exact, resumable, atomic when a row is damaged).

use std::time::{Duration, Instant};

use super::super::block::{exact, Exact};
use super::*;
use crate::reading::RrUnit;

/// A varied strap-like reading `i`: contact changes, energy every 10th, 0-3 RR.
fn varied(i: i64) -> Reading {
    Reading {
        t: at_ms(i * 1000 + (i * 37) % 90),
        hr: 90 + (i % 50) as u16,
        contact: match i % 7 {
            0 => Contact::NotDetected,
            1 => Contact::NotSupported,
            _ => Contact::Detected,
        },
        energy_kj: (i % 10 == 0).then_some(i as u16),
        rr: (0..(i % 4))
            .map(|k| RrInterval::Ticks(600 + (i * 13 + k * 7) as u16 % 300))
            .collect(),
        source: Source::Simulator,
    }
}

fn blocks_of(db: &Db, id: SessionId) -> Vec<i64> {
    let mut st = db
        .conn
        .prepare("SELECT start_ms FROM reading_blocks WHERE session_id = ?1 ORDER BY start_ms")
        .unwrap();
    st.query_map([id], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// After every commit, another connection sees exactly the readings pushed before it, in
/// blocks of 64: none lost or doubled where one block ends and the next begins.
#[test]
fn every_committed_reading_is_in_exactly_one_block() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    let other = Db::open(tmp.path()).unwrap();
    let all: Vec<Reading> = (0..300).map(varied).collect();
    let t0 = Instant::now();
    let mut rec = db.recorder(id).unwrap();
    let mut committed = 0;
    for (i, r) in all.iter().enumerate() {
        // Readings about every 0.7 s: commits land anywhere in a block, one just at 64.
        rec.push(r, t0 + Duration::from_millis(700 * i as u64))
            .unwrap();
        let seen = other.readings(id).unwrap();
        assert!(seen.len() == committed || seen.len() == i + 1, "{i}");
        committed = seen.len();
        assert_eq!(exact(&seen), exact(&all[..committed]), "after reading {i}");
    }
    rec.flush().unwrap();
    assert_eq!(exact(&other.readings(id).unwrap()), exact(&all));
    let starts = blocks_of(&other, id);
    assert_eq!(starts.len(), 5, "300 readings: 4 full blocks and one of 44");
    for (k, s) in starts.iter().enumerate() {
        assert_eq!(*s, all[k * 64].t.timestamp_millis());
    }
}

/// kill -9: what was committed is kept in valid blocks, what was not is the last second.
#[test]
fn a_killed_recorder_leaves_every_committed_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    let all: Vec<Reading> = (0..100).map(varied).collect();
    let t0 = Instant::now();
    let mut rec = db.recorder(id).unwrap();
    for (i, r) in all.iter().enumerate() {
        rec.push(r, t0 + Duration::from_secs(i as u64)).unwrap();
    }
    // Reading 99 arrived at 99 s; at 99 s the one from 98 s was a second old: committed with
    // it. Nothing is waiting; a killed process (no flush, no drop) loses nothing here.
    assert_eq!(rec.commit_due(), None);
    std::mem::forget(rec);
    drop(db);
    let db = Db::open(tmp.path()).unwrap();
    assert_eq!(exact(&db.readings(id).unwrap()), exact(&all));

    // One more reading, then killed before its second is up: only it is lost.
    let mut rec = db.recorder(id).unwrap();
    let late = varied(100);
    rec.push(&late, t0 + Duration::from_secs(100)).unwrap();
    assert_eq!(rec.commit_due(), Some(t0 + Duration::from_secs(101)));
    std::mem::forget(rec);
    assert_eq!(db.readings(id).unwrap().len(), 100);
}

/// A second recorder on a stored session goes on with its last block (never overwrites it).
#[test]
fn a_new_recorder_goes_on_with_the_last_block() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    let all: Vec<Reading> = (0..150).map(varied).collect();
    for part in [&all[..10], &all[10..70], &all[70..]] {
        let mut rec = db.recorder(id).unwrap();
        for r in part {
            rec.push(r, Instant::now()).unwrap();
        }
        rec.flush().unwrap();
    }
    assert_eq!(exact(&db.readings(id).unwrap()), exact(&all));
    assert_eq!(blocks_of(&db, id).len(), 3, "64 + 64 + 22");
}

/// Readings at the same time, and a wall clock that stepped back: kept, and read back in time
/// order (equal times in the order they came), as version 4 did.
#[test]
fn equal_times_and_a_clock_stepping_back_are_kept_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    let mut pushed: Vec<Reading> = (0..64).map(|i| reading(at(i), 100)).collect();
    pushed.push(reading(at(63), 101));
    pushed.push(reading(at(10), 102));
    pushed.extend((64..200).map(|i| reading(at(i), 103)));
    let mut rec = db.recorder(id).unwrap();
    for r in &pushed {
        rec.push(r, Instant::now()).unwrap();
    }
    drop(rec);
    let mut expected = pushed.clone();
    expected.sort_by_key(|r| r.t);
    let back = db.readings(id).unwrap();
    assert_eq!(exact(&back), exact(&expected));
    assert_eq!(
        back[11].hr, 102,
        "at 10 s: the one that came first, then the late one"
    );
    assert_eq!(back[10].hr, 100);
}

/// Readings added to a session that has some (`insert_readings`) are merged in time order.
#[test]
fn inserted_readings_merge_in_time_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut db = Db::open(tmp.path()).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    let evens: Vec<Reading> = (0..100).map(|i| reading(at(2 * i), 100)).collect();
    let odds: Vec<Reading> = (0..100).map(|i| reading(at(2 * i + 1), 101)).collect();
    db.insert_readings(id, &evens).unwrap();
    db.insert_readings(id, &odds).unwrap();
    let back = db.readings(id).unwrap();
    assert_eq!(back.len(), 200);
    assert!(back.windows(2).all(|w| w[0].t < w[1].t));
    assert_eq!(blocks_of(&db, id).len(), 4);
}

/// A version-4 file, written with the version-4 schema (the migrations in force then).
fn v4_file(path: &Path, rows: &str) {
    let c = Connection::open(path).unwrap();
    c.execute_batch(&format!(
        "{}{}{}{}
         PRAGMA user_version = 4;
         PRAGMA application_id = {APPLICATION_ID};
         INSERT INTO sessions (id, start_ms, source, status, zones_json)
             VALUES (1, {t0}, 'ble', 'complete', '{{}}'),
                    (2, {t0}, 'import', 'complete', '{{}}'),
                    (3, {t0}, 'ble', 'complete', '{{}}');
         {rows}",
        schema::MIGRATIONS[0],
        schema::MIGRATIONS[1],
        schema::MIGRATIONS[2],
        schema::MIGRATIONS[3],
        t0 = at(0).timestamp_millis(),
    ))
    .unwrap();
}

/// Rows of every kind: ticks and ms RR, no RR, all three contact states, energy or not, equal
/// times (rowid order), rows inserted out of time order; 150 readings in session 3.
fn v4_rows() -> String {
    let t = |s: i64| at(s).timestamp_millis();
    let mut rows = format!(
        "INSERT INTO readings (session_id, t_ms, hr, contact, energy_kj, rr) VALUES
           (1, {}, 120, 1, 7, x'00040204'),
           (1, {}, 121, 0, NULL, x''),
           (1, {}, 122, NULL, 65535, x''),
           (1, {}, 123, 1, NULL, x'ff03'),
           (1, {}, 119, 1, NULL, x'0104'),
           (2, {}, 80, NULL, NULL, x'01e803e903'),
           (2, {}, 81, NULL, NULL, x'01f401');",
        t(0),
        t(1),
        t(1),
        t(5),
        t(3),
        t(0),
        t(1)
    );
    for i in 0..150 {
        rows.push_str(&format!(
            "INSERT INTO readings (session_id, t_ms, hr, contact, energy_kj, rr) \
             VALUES (3, {}, {}, 1, NULL, x'2003');",
            t(i),
            60 + i % 90
        ));
    }
    rows
}

/// What version 4 read back: rows ordered by t_ms, rowid, decoded as it did.
fn v4_readings(path: &Path, id: SessionId) -> Vec<Exact> {
    let c = Connection::open(path).unwrap();
    let mut st = c
        .prepare(
            "SELECT t_ms, hr, contact, energy_kj, rr FROM readings WHERE session_id = ?1 \
             ORDER BY t_ms, rowid",
        )
        .unwrap();
    st.query_map([id], |r| {
        let contact = match r.get::<_, Option<i64>>(2)? {
            None => Contact::NotSupported,
            Some(0) => Contact::NotDetected,
            _ => Contact::Detected,
        };
        let blob: Option<Vec<u8>> = r.get(4)?;
        let blob = blob.unwrap_or_default();
        let (unit, body) = if blob.len() % 2 == 1 {
            (RrUnit::Millis, &blob[1..])
        } else {
            (RrUnit::Ticks, &blob[..])
        };
        Ok((
            r.get(0)?,
            r.get(1)?,
            contact,
            r.get(3)?,
            body.chunks(2)
                .map(|p| (u16::from_le_bytes([p[0], p[1]]), unit))
                .collect(),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn a_version_4_file_migrates_every_reading_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    v4_file(&path, &v4_rows());
    let before: Vec<Vec<Exact>> = (1..=3).map(|id| v4_readings(&path, id)).collect();
    assert_eq!(
        before[0][1].0, before[0][2].0,
        "two readings at the same time"
    );

    let mut steps = Vec::new();
    let db = Db::open_file_reporting(&path, &mut |s| steps.push(s)).unwrap();
    assert_eq!(pragma_i64(&db.conn, "user_version"), SCHEMA_VERSION);
    for id in 1..=3 {
        assert_eq!(
            exact(&db.readings(id).unwrap()),
            before[id as usize - 1],
            "{id}"
        );
    }
    assert_eq!(db.readings(2).unwrap()[0].rr[0], RrInterval::Millis(1000));
    assert!(
        db.conn.prepare("SELECT * FROM readings").is_err(),
        "dropped"
    );
    assert!(
        db.conn.prepare("SELECT * FROM migrate_v6").is_err(),
        "compacted"
    );
    assert_eq!(
        steps,
        vec![
            MigrationStep::Converting {
                done: 0,
                total: 157
            },
            MigrationStep::Converting {
                done: 157,
                total: 157
            },
            MigrationStep::Compacting,
            MigrationStep::Done
        ]
    );
    // Compacted: at most the page of the marker dropped after the VACUUM is free.
    assert!(pragma_i64(&db.conn, "freelist_count") <= 1);
}

/// Killed half-way: some sessions converted, one converted before a version-4 talkzone added
/// readings to it, one with blocks but not marked. The next start completes it exactly.
#[test]
fn an_interrupted_migration_is_completed_by_the_next_start() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    v4_file(&path, &v4_rows());
    {
        let mut c = Connection::open(&path).unwrap();
        super::super::migrate_v6::prepare(&mut c, &path).unwrap();
        // Session 1 "converted" with 4 readings (it has 5 now); session 3 half-written.
        c.execute_batch(&format!(
            "INSERT INTO migrate_v6 VALUES (1, 4);
             INSERT INTO reading_blocks VALUES (3, {}, x'02');",
            at(0).timestamp_millis()
        ))
        .unwrap();
        assert_eq!(pragma_i64(&c, "user_version"), 4, "still a version-4 file");
    }
    let before: Vec<Vec<Exact>> = (1..=3).map(|id| v4_readings(&path, id)).collect();
    let db = Db::open_file(&path).unwrap();
    for id in 1..=3 {
        assert_eq!(
            exact(&db.readings(id).unwrap()),
            before[id as usize - 1],
            "{id}"
        );
    }
}

/// A damaged version-4 row stops the migration with the row named; the file is still the
/// version-4 file with every row (it opens in the old talkzone).
#[test]
fn a_damaged_version_4_row_stops_the_migration_and_leaves_the_file_as_it_was() {
    for (set, needle) in [
        ("hr = 70000", "hr = 70000 is out of range"),
        ("hr = -1", "hr = -1"),
        ("hr = 'fast'", "hr is text"),
        ("rr = x'200334'", "odd length 3"),
        ("rr = 'abc'", "rr is text"),
        ("contact = 2", "contact = 2"),
        ("energy_kj = 65536", "energy_kj"),
        ("t_ms = 9223372036854775807", "not a valid time"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(FILE_NAME);
        v4_file(&path, &v4_rows());
        Connection::open(&path)
            .unwrap()
            .execute(
                &format!(
                    "UPDATE readings SET {set} WHERE rowid = (SELECT max(rowid) FROM readings)"
                ),
                [],
            )
            .unwrap();
        let e = Db::open_file(&path).unwrap_err();
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
        assert!(msg.contains("table readings, rowid 157"), "{msg}");
        assert!(msg.contains(needle), "{set}: {msg}");
        let c = Connection::open(&path).unwrap();
        assert_eq!(pragma_i64(&c, "user_version"), 4);
        let n: i64 = c
            .query_row("SELECT count(*) FROM readings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 157);
    }
}
