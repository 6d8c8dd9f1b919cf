//! CLI tests of a damaged database (issue 10 item 1): opening does not scan the file, so damage
//! deep inside is found by whichever command touches it. Every command either works or exits
//! 10 with a clear message (never a panic), nothing is written to the damaged file, and
//! `talkzone check` names what is damaged.

use std::path::Path;

use rusqlite::Connection;

#[path = "support/sandbox.rs"]
mod sandbox;
use sandbox::{stderr, Sandbox};

/// The table with the most leaf pages (the readings, whatever their layout) and the page in
/// the middle of its leaves: a page deep inside the file, away from every root.
fn deep_leaf(db: &Path) -> (String, u64, u64) {
    let c = Connection::open(db).unwrap();
    let (table, leaves): (String, i64) = c
        .query_row(
            "SELECT name, count(*) FROM dbstat WHERE pagetype = 'leaf' AND name IN \
             (SELECT name FROM sqlite_schema WHERE type = 'table') \
             GROUP BY name ORDER BY 2 DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(leaves >= 5, "{table} has {leaves} leaf pages: too few");
    let page: i64 = c
        .query_row(
            "SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' \
             ORDER BY pageno LIMIT 1 OFFSET ?2",
            rusqlite::params![table, leaves / 2],
            |r| r.get(0),
        )
        .unwrap();
    let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    (table, page as u64, size as u64)
}

/// A history of a few simulated sessions (about 10,000 readings), then the same data dir with
/// one leaf page of the readings overwritten: what the damaged copy's commands do.
#[test]
fn a_damaged_page_deep_inside_is_reported_by_what_touches_it_and_named_by_check() {
    let sb = Sandbox::new();
    for seed in ["1", "2", "3", "4"] {
        sb.ok(&["live", "--simulate", "--fast", "--seed", seed]);
    }
    let db = sb.path("data/talkzone.db");
    assert!(
        !sb.path("data/talkzone.db-wal").exists(),
        "checkpointed at exit"
    );
    assert_eq!(sb.ok(&["check"]).trim_end(), {
        let pages = std::fs::metadata(&db).unwrap().len() / 4096;
        format!("{}: sound ({pages} pages checked).", db.display())
    });

    let (table, page, size) = deep_leaf(&db);
    let mut bytes = std::fs::read(&db).unwrap();
    let at = ((page - 1) * size) as usize;
    // Garbage over the whole page, header included (a fixed xorshift sequence).
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for b in &mut bytes[at..at + size as usize] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(&db, &bytes).unwrap();

    let ids: Vec<String> = sb.json(&["sessions", "--json"]).as_array().unwrap()[..]
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 4, "listing does not touch the readings");

    let mut commands: Vec<Vec<String>> = [
        "sessions",
        "summary last",
        "week",
        "trend",
        "readiness",
        "zones",
        "thresholds last",
    ]
    .iter()
    .map(|c| c.split(' ').map(String::from).collect())
    .collect();
    let plot = sb.path("p.svg").display().to_string();
    for id in &ids {
        commands.push(vec![
            "summary".into(),
            id.clone(),
            "--plot".into(),
            plot.clone(),
        ]);
        commands.push(vec![
            "export".into(),
            id.clone(),
            "--format".into(),
            "csv".into(),
        ]);
    }
    let mut refused = 0;
    let mut unexportable: Vec<u64> = Vec::new();
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = sb.run(&args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        match out.status.code() {
            Some(10) => {
                refused += 1;
                if args[0] == "export" {
                    unexportable.push(args[1].parse().unwrap());
                }
                assert!(err.contains("is damaged"), "{args:?}: {err}");
                assert!(err.contains("talkzone check"), "{args:?}: {err}");
                assert!(err.contains(&db.display().to_string()), "{args:?}: {err}");
            }
            // Thresholds of a simulated session without a ramp may have nothing to say (1).
            Some(0) => {}
            Some(1) if args[0] == "thresholds" => {}
            other => panic!("{args:?}: exit {other:?}: {err}"),
        }
    }
    assert!(
        refused >= 1,
        "some session's readings were on the damaged page"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "nothing was written to it"
    );

    let out = sb.run(&["check"]);
    assert_eq!(out.status.code(), Some(10), "{}", stderr(&out));
    let report = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(report.contains(&format!("table {table}")), "{report}");
    assert!(report.contains("What to do"), "{report}");
    assert!(
        stderr(&out).contains(&format!("table {table}")),
        "{}",
        stderr(&out)
    );
    // check lists them by id; the loop above met them in the listing's order.
    unexportable.sort_unstable();
    unexportable.dedup();
    let v = sb.run(&["check", "--json"]);
    assert_eq!(v.status.code(), Some(10));
    let v: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(v["sound"], false);
    assert_eq!(
        v["unreadable_sessions"],
        serde_json::json!(unexportable),
        "check names the sessions that export could not read"
    );
    assert!(!unexportable.is_empty());
    assert!(
        v["damaged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "table" && d["name"] == table.as_str()),
        "{v}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "check only reads");

    // Commands that write either work (they did not touch the damage) or refuse, cleanly.
    for args in [
        vec!["log", "strength", "--date", "2026-11-02"],
        vec!["live", "--simulate", "--fast", "--seed", "5"],
    ] {
        let out = sb.run(&args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            out.status.success() || out.status.code() == Some(10),
            "{args:?}: {err}"
        );
    }
}

/// A damaged root (the first page of a table) is found when the file is opened, by the
/// structural check, before anything is written; `check` still reads the file to name it.
#[test]
fn a_damaged_root_is_refused_at_open_and_check_still_names_it() {
    let sb = Sandbox::new();
    sb.ok(&["live", "--simulate", "--fast"]);
    let db = sb.path("data/talkzone.db");
    let c = Connection::open(&db).unwrap();
    let root: i64 = c
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'gaps'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(c);
    let mut bytes = std::fs::read(&db).unwrap();
    let at = (root as usize - 1) * 4096;
    bytes[at..at + 4096].fill(0xA5);
    std::fs::write(&db, &bytes).unwrap();

    let out = sb.run(&["sessions"]);
    assert_eq!(out.status.code(), Some(10));
    assert!(stderr(&out).contains("table gaps"), "{}", stderr(&out));
    let out = sb.run(&["live", "--simulate", "--fast"]);
    assert_eq!(out.status.code(), Some(10));
    assert_eq!(std::fs::read(&db).unwrap(), bytes);

    let out = sb.run(&["check"]);
    assert_eq!(out.status.code(), Some(10));
    let report = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(report.contains("table gaps"), "{report}");
    assert_eq!(std::fs::read(&db).unwrap(), bytes);
}

/// Recovering a killed recording reads every reading of that session (it must, to summarise
/// it), and nothing more: damage on its pages is told, the session is left unfinished and
/// untouched, and the command goes on (other sessions are still listed and shown).
#[test]
fn a_killed_recording_on_a_damaged_page_is_left_as_it_is_and_the_rest_still_works() {
    use std::io::{BufRead, BufReader};
    let sb = Sandbox::new();
    for seed in ["1", "2", "3"] {
        sb.ok(&["live", "--simulate", "--fast", "--seed", seed]);
    }
    let mut child = sb
        .talkzone()
        .args(["live", "--simulate", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The third reading arrives two seconds after the first, which is committed by then.
    for _ in 0..3 {
        lines.next().unwrap().unwrap();
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Fold the killed process's log into the file, then damage the rightmost leaf of the
    // readings: where the newest session's readings are.
    let db = sb.path("data/talkzone.db");
    let (table, page) = {
        let c = Connection::open(&db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let (table, _, _) = deep_leaf(&db);
        let page: i64 = c
            .query_row(
                "SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' \
                 ORDER BY path DESC LIMIT 1",
                [&table],
                |r| r.get(0),
            )
            .unwrap();
        (table, page as usize)
    };
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[(page - 1) * 4096..page * 4096].fill(0x5A);
    std::fs::write(&db, &bytes).unwrap();

    let out = sb.run(&["sessions", "--json"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("could not be recovered"), "{err}");
    assert!(err.contains("is damaged"), "{err}");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["status"], "recording", "left as it is");
    assert!(sb.ok(&["summary", "1"]).contains("session"));
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "nothing was written to it"
    );
    let out = sb.run(&["check"]);
    assert_eq!(out.status.code(), Some(10));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("table {table}")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
