//! What SQLite's errors mean for the user, and the rule that a damaged file is never written.
//!
//! Every SQLite error of the store goes through [`classify`] (via `sql_err`): "the database disk
//! image is malformed" (`SQLITE_CORRUPT`), "file is not a database" (`SQLITE_NOTADB`) and a
//! short read (a truncated file) become [`StoreError::Corrupt`] (exit 10, "run `talkzone
//! check`"); "attempt to write a readonly database" and a full disk become
//! [`StoreError::CannotWrite`]. Whichever command touches a damaged page says so clearly, at
//! the moment it touches it: there is no whole-file scan when a command starts (that is
//! `talkzone check`'s job).
//!
//! A file that has shown damage is remembered for the rest of the process ([`is_damaged`]), and
//! every read-write connection carries a commit hook that turns any later commit on it into a
//! rollback ([`refuse_commits_once_damaged`]): SQLite has already rolled back the statement
//! that met the damage, and nothing after it reaches the file. Keyed by path, not global, so a
//! damaged file in one test never stops another file's writes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{ffi, Connection, ErrorCode};

use super::StoreError;

/// The files this process has seen damaged.
static DAMAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remember that `path` is damaged.
pub(super) fn mark_damaged(path: &Path) {
    let mut damaged = DAMAGED.lock().unwrap_or_else(|e| e.into_inner());
    if !damaged.iter().any(|p| p == path) {
        damaged.push(path.to_owned());
    }
}

/// Whether this process has seen `path` damaged.
pub fn is_damaged(path: &Path) -> bool {
    DAMAGED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|p| p == path)
}

/// From now on, every commit on `conn` (a connection to `path`) after `path` was seen damaged is
/// rolled back instead.
pub(super) fn refuse_commits_once_damaged(conn: &Connection, path: &Path) {
    let path = path.to_owned();
    conn.commit_hook(Some(move || is_damaged(&path)));
}

/// Whether SQLite says the file itself is damaged (rather than busy, full, or read-only).
pub(super) fn is_corruption(e: &rusqlite::Error) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => {
            matches!(f.code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
                || f.extended_code == ffi::SQLITE_IOERR_SHORT_READ
        }
        _ => false,
    }
}

/// Whether SQLite could not write because of the file, its folder or the disk (permissions, a
/// read-only or full disk), not because of the data.
pub(super) fn is_cannot_write(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(
            ErrorCode::ReadOnly
                | ErrorCode::DiskFull
                | ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::SystemIoFailure
        )
    ) && !is_corruption(e)
}

/// A rusqlite error on `path` as a [`StoreError`] (see the module comment).
pub(super) fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    if is_corruption(&e) {
        mark_damaged(path);
        return StoreError::Corrupt {
            path: path.to_owned(),
            detail: e.to_string(),
        };
    }
    if is_damaged(path) {
        // The commit hook's veto, or anything else after the damage was seen.
        return StoreError::Corrupt {
            path: path.to_owned(),
            detail: format!("found damaged earlier; nothing more was written ({e})"),
        };
    }
    if is_cannot_write(&e) {
        return StoreError::CannotWrite {
            path: path.to_owned(),
            detail: e.to_string(),
        };
    }
    StoreError::Sqlite {
        path: path.to_owned(),
        source: e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    #[test]
    fn corruption_is_told_apart_from_busy_full_and_read_only() {
        let p = Path::new("/nonexistent/damage-test-a.db");
        assert!(matches!(
            classify(p, failure(ffi::SQLITE_BUSY)),
            StoreError::Sqlite { .. }
        ));
        assert!(!is_damaged(p));
        for code in [ffi::SQLITE_READONLY, ffi::SQLITE_FULL, ffi::SQLITE_CANTOPEN] {
            assert!(
                matches!(classify(p, failure(code)), StoreError::CannotWrite { .. }),
                "{code}"
            );
        }
        assert!(!is_damaged(p));
        for code in [
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_NOTADB,
            ffi::SQLITE_IOERR_SHORT_READ,
        ] {
            let q = PathBuf::from(format!("/nonexistent/damage-test-{code}.db"));
            assert!(
                matches!(classify(&q, failure(code)), StoreError::Corrupt { .. }),
                "{code}"
            );
            assert!(is_damaged(&q));
        }
        // A short read is an I/O error, but of a truncated file, not of a full disk.
        assert!(!is_cannot_write(&failure(ffi::SQLITE_IOERR_SHORT_READ)));
    }

    #[test]
    fn once_damaged_every_later_error_says_so_and_commits_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        refuse_commits_once_damaged(&conn, &path);
        conn.execute_batch("CREATE TABLE t (a); INSERT INTO t VALUES (1);")
            .unwrap();
        mark_damaged(&path);
        let e = conn.execute("INSERT INTO t VALUES (2)", []).unwrap_err();
        assert!(
            matches!(classify(&path, e), StoreError::Corrupt { .. }),
            "a later error names the damage"
        );
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "the refused insert was rolled back");
    }
}
