//! CLI tests of a damaged database: a page deep inside the file overwritten (a bad disk
//! sector, a half-copied backup). Whatever a command reads, it ends with an error naming the
//! file, never a panic; sessions on sound pages stay readable where the command gets that far.

use std::io::{Seek, SeekFrom, Write};

use chrono::DateTime;
use talkzone::reading::{Contact, Reading, RrInterval, Source};
use talkzone::store::db::{Db, NewSession};

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::{stderr, Sandbox};

const SESSIONS: i64 = 30;
const READINGS_EACH: i64 = 5_000;

fn fill(sb: &Sandbox) {
    let mut db = Db::open(&sb.path("data")).unwrap();
    for s in 0..SESSIONS {
        let start = DateTime::from_timestamp(1_750_000_000 + s * 86_400, 0).unwrap();
        let id = db
            .start_session(&NewSession {
                start,
                source: Source::Ble,
                device: None,
                zones_json: "{}".into(),
            })
            .unwrap();
        let readings: Vec<Reading> = (0..READINGS_EACH)
            .map(|i| Reading {
                t: start + chrono::Duration::milliseconds(i * 1000 + (i * 37) % 50),
                hr: 60 + (i % 100) as u16,
                contact: Contact::Detected,
                energy_kj: None,
                rr: vec![RrInterval::Ticks(700 + (i % 200) as u16)],
                source: Source::Ble,
            })
            .collect();
        db.insert_readings(id, &readings).unwrap();
    }
    // Everything in the main file, so the damage below is what every reader sees.
    drop(db);
    let c = rusqlite::Connection::open(sb.path("data/talkzone.db")).unwrap();
    c.pragma_update(None, "wal_checkpoint", "TRUNCATE").unwrap();
}

#[test]
fn a_damaged_page_deep_inside_the_file_is_an_error_never_a_panic() {
    let sb = Sandbox::new();
    fill(&sb);
    let path = sb.path("data/talkzone.db");
    let len = std::fs::metadata(&path).unwrap().len();
    let pages = len / 4096;
    assert!(pages > 40, "{pages} pages");
    {
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.seek(SeekFrom::Start(pages / 2 * 4096)).unwrap();
        f.write_all(&[0xA5; 4096]).unwrap();
    }
    let mut failed = 0;
    let mut commands: Vec<Vec<String>> = ["sessions", "week", "trend", "readiness", "zones"]
        .iter()
        .map(|c| vec![c.to_string()])
        .collect();
    for id in 1..=SESSIONS {
        commands.push(vec!["summary".into(), id.to_string()]);
        commands.push(vec![
            "export".into(),
            id.to_string(),
            "--format".into(),
            "json".into(),
        ]);
    }
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = sb.run(&args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
        if !out.status.success() {
            failed += 1;
            assert!(
                err.contains("talkzone.db"),
                "{args:?}: names the file: {err}"
            );
        }
    }
    assert!(failed > 0, "the damage was noticed");
}
