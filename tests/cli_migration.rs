//! CLI tests of the schema version 4 -> 5 migration (readings into blocks) with the real
//! binary: the fixture made by the last version-4 talkzone (tests/data/v4/README.md) migrates
//! with every session's `export --format json` byte for byte what version 4 exported and every
//! morning check row unchanged; a large migration killed with SIGKILL, twice, leaves a sound
//! version-4 file with every reading, and the next start completes it.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rusqlite::types::Value as Sql;
use rusqlite::Connection;

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::{stderr, Sandbox};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/v4")
        .join(name)
}

/// The fixture database in the sandbox's data dir, owner-only as talkzone makes it.
fn install_fixture(sb: &Sandbox) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = sb.path("data");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let db = dir.join("talkzone.db");
    std::fs::copy(fixture("talkzone.db"), &db).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    db
}

fn morning_rows(db: &Path) -> Vec<Vec<Sql>> {
    let c = Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT * FROM morning_checks ORDER BY id")
        .unwrap();
    let n = st.column_count();
    st.query_map([], |r| (0..n).map(|i| r.get::<_, Sql>(i)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn pragma(db: &Path, name: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .pragma_query_value(None, name, |r| r.get(0))
        .unwrap()
}

#[test]
fn the_version_4_fixture_migrates_with_every_export_unchanged() {
    let sb = Sandbox::new();
    let db = install_fixture(&sb);
    let mornings = morning_rows(&db);
    assert_eq!(mornings.len(), 2);
    assert_eq!(pragma(&db, "user_version"), 4);

    let out = sb.run(&["sessions"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("converting the database to the compact layout (once): 2430 readings"),
        "{}",
        stderr(&out)
    );
    assert_eq!(pragma(&db, "user_version"), 6);
    for id in 1..=3 {
        let expected = std::fs::read_to_string(fixture(&format!("session-{id}.json"))).unwrap();
        let got = sb.ok(&["export", &id.to_string(), "--format", "json"]);
        assert!(got == expected, "session {id}: the export changed");
    }
    assert_eq!(morning_rows(&db), mornings);
    // Once: the next command says nothing about it.
    let again = sb.run(&["sessions"]);
    assert!(!stderr(&again).contains("converting"), "{}", stderr(&again));
}

/// Sessions of `READINGS_EACH` readings added to the fixture with SQL, as version 4 stored them.
const EXTRA_SESSIONS: i64 = 40;
const READINGS_EACH: i64 = 20_000;

fn make_large(db: &Path) -> i64 {
    let c = Connection::open(db).unwrap();
    c.execute_batch(&format!(
        "BEGIN;
         WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {EXTRA_SESSIONS})
         INSERT INTO sessions (start_ms, end_ms, source, device_name, device_address, status,
                               zones_json, summary_json, class, avg_hr, max_hr, active_s,
                               moderate_equivalent_min, trimp, sport)
         SELECT start_ms + n * 86400000, end_ms + n * 86400000, source, device_name,
                device_address, status, zones_json, summary_json, class, avg_hr, max_hr,
                active_s, moderate_equivalent_min, trimp, sport
         FROM sessions, k WHERE id = 3;
         WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < {last})
         INSERT INTO readings (session_id, t_ms, hr, contact, energy_kj, rr)
         SELECT s.id, s.start_ms + n * 1000, 60 + n % 90, n % 2, NULL, x'2003'
         FROM sessions s, i WHERE s.id > 3;
         COMMIT;",
        last = READINGS_EACH - 1
    ))
    .unwrap();
    c.query_row("SELECT count(*) FROM readings", [], |r| r.get(0))
        .unwrap()
}

/// Start `sessions` (which migrates) and kill it once more than `after` sessions are converted
/// and committed; how many were. The migration must not have finished by then.
fn kill_when_converted(sb: &Sandbox, db: &Path, after: i64) -> i64 {
    let mut child: Child = sb
        .talkzone()
        .arg("sessions")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let converted = loop {
        assert!(
            Instant::now() < deadline,
            "the migration never committed a batch"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it was killed"
        );
        let c = Connection::open(db).unwrap();
        let n: Option<i64> = c
            .query_row("SELECT count(*) FROM migrate_v6", [], |r| r.get(0))
            .ok();
        drop(c);
        match n {
            Some(n) if n > after => break n,
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    converted
}

#[test]
fn a_migration_killed_half_way_leaves_the_old_file_and_completes_at_the_next_start() {
    let sb = Sandbox::new();
    let db = install_fixture(&sb);
    let total = make_large(&db);
    assert_eq!(total, 2430 + EXTRA_SESSIONS * READINGS_EACH);

    let mut converted = 0;
    for _ in 0..2 {
        converted = kill_when_converted(&sb, &db, converted);
        // Still the version-4 file (the readings are converted before any migration is
        // applied), sound, with every reading where version 4 reads them.
        assert_eq!(pragma(&db, "user_version"), 4);
        let c = Connection::open(&db).unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM readings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, total);
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
    assert!(converted < 3 + EXTRA_SESSIONS, "killed before the end");

    let out = sb.run(&["sessions"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(pragma(&db, "user_version"), 6);
    for id in 1..=3 {
        let expected = std::fs::read_to_string(fixture(&format!("session-{id}.json"))).unwrap();
        let got = sb.ok(&["export", &id.to_string(), "--format", "json"]);
        assert!(got == expected, "session {id}: the export changed");
    }
    for id in [4, 4 + EXTRA_SESSIONS / 2, 3 + EXTRA_SESSIONS] {
        let got: serde_json::Value =
            serde_json::from_str(&sb.ok(&["export", &id.to_string(), "--format", "json"])).unwrap();
        let readings = got["readings"].as_array().unwrap();
        assert_eq!(readings.len() as i64, READINGS_EACH, "session {id}");
        assert_eq!(readings[17]["hr"], 60 + 17);
        assert_eq!(readings[17]["rr_raw"], serde_json::json!([800]));
    }
    // The old layout's space went back to the file system.
    assert!(
        std::fs::metadata(&db).unwrap().len() < 8_000_000,
        "{}",
        std::fs::metadata(&db).unwrap().len()
    );
}
