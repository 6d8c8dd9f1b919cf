//! Opening without a whole-file scan: a file that cannot be written opens read-only (reads
//! work, writes are refused as "cannot be written"); `check_file` names a damaged index as an
//! index (no data lost) and leaves the file as it was.

use std::time::Instant;

use rusqlite::Connection;

use super::*;

fn recorded(dir: &std::path::Path, n: i64) -> SessionId {
    let mut db = Db::open(dir).unwrap();
    let id = db.start_session(&new_session(at(0))).unwrap();
    let mut rec = db.recorder(id).unwrap();
    for i in 0..n {
        rec.push(&reading(at(i), 120), Instant::now()).unwrap();
    }
    rec.flush().unwrap();
    id
}

#[test]
fn a_read_only_open_reads_and_refuses_every_write() {
    let tmp = tempfile::tempdir().unwrap();
    let id = recorded(tmp.path(), 100);
    let path = tmp.path().join(FILE_NAME);
    let before = std::fs::read(&path).unwrap();
    let mut db = Db::open_read_only(tmp.path()).unwrap();
    assert!(db.is_read_only());
    assert_eq!(db.readings(id).unwrap().len(), 100);
    assert_eq!(db.sessions().unwrap().len(), 1);
    let e = db.start_session(&new_session(at(500))).unwrap_err();
    assert!(e.is_cannot_write(), "{e:?}");
    assert!(e.to_string().contains("cannot be written"), "{e}");
    drop(db);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_read_only_open_of_an_old_version_says_it_needs_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(FILE_NAME);
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(super::super::schema::MIGRATIONS[0])
            .unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
    }
    let e = Db::open_read_only(tmp.path()).unwrap_err();
    assert!(e.is_cannot_write(), "{e:?}");
    assert!(e.to_string().contains("needs upgrading"), "{e}");
}

#[test]
fn check_names_a_damaged_index_as_rebuildable_and_reads_only() {
    let tmp = tempfile::tempdir().unwrap();
    recorded(tmp.path(), 3000);
    let path = tmp.path().join(FILE_NAME);
    let sound = check_file(&path, |_| {}).unwrap();
    assert!(sound.is_sound(), "{sound:?}");
    assert!(sound.pages > 10);
    // The root page of the index with the most pages.
    let (index, table, root, page_size) = {
        let c = Connection::open(&path).unwrap();
        c.query_row(
            "SELECT s.name, s.tbl_name, s.rootpage, (SELECT page_size FROM pragma_page_size()) \
             FROM sqlite_schema s JOIN dbstat d ON d.name = s.name WHERE s.type = 'index' \
             GROUP BY s.name ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .unwrap()
    };
    let mut bytes = std::fs::read(&path).unwrap();
    let at = ((root - 1) * page_size) as usize;
    bytes[at..at + page_size as usize].fill(0);
    std::fs::write(&path, &bytes).unwrap();

    // Opening refuses it (its root is unreadable), naming the index.
    let e = Db::open(tmp.path()).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains(&format!("index {index}")), "{e}");

    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let report = {
        let seen = std::sync::Arc::clone(&seen);
        check_file(&path, move |p| {
            assert!(p.done <= p.total);
            seen.fetch_max(p.done, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap()
    };
    assert!(!report.is_sound());
    assert!(
        report.damaged.contains(&Damage::Index {
            name: index.clone(),
            table
        }),
        "{report:?}"
    );
    assert!(
        !report
            .damaged
            .iter()
            .any(|d| matches!(d, Damage::Table { .. })),
        "only the index: {report:?}"
    );
    assert!(
        seen.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "progress was reported"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}
