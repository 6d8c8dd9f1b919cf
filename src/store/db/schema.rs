//! Opening the database safely: create the file owner-only, check that it is talkzone's, sound
//! and not from a newer talkzone *before anything writes to it*, then switch on WAL and migrate.
//!
//! The order matters. Opening a file in WAL mode, or rolling back a hot journal, writes to it;
//! so the checks run on a read-only connection, and a file that fails them is never modified.
//! Only then does a read-write connection set `journal_mode = WAL` and apply the migrations.
//! The checks cost the same on an empty and a ten-year file: the header, the application id,
//! the schema version and [`super::structure`] (no whole-file scan: that is `talkzone check`).
//! A file that cannot be written can still be opened read-only ([`open_read_only`]).
//!
//! Versions: `PRAGMA user_version` is the number of [`MIGRATIONS`] applied; each migration runs
//! in its own `BEGIN IMMEDIATE` transaction that re-reads the version first, so two talkzone
//! processes opening an old file at once migrate it exactly once. `PRAGMA application_id` is set
//! to [`APPLICATION_ID`] so another program's SQLite file is recognised as such.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use super::migrate_v6::{self, MigrationStep};
use super::{damage, sql_err, structure, StoreError};
use crate::owner_only;

/// `PRAGMA application_id` of every talkzone database: "TZDB" in ASCII.
pub const APPLICATION_ID: i32 = 0x545A_4442;

/// How long a connection waits for another connection's write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema version this talkzone writes (and the newest it reads).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The version whose migration moves the readings into blocks ([`V6`]).
const BLOCKS_VERSION: i64 = 6;

/// Version 1: sessions, readings, gaps, the strength log.
const V1: &str = "
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER,
    source TEXT NOT NULL,
    device_name TEXT,
    device_address TEXT,
    status TEXT NOT NULL,
    zones_json TEXT NOT NULL,
    summary_json TEXT,
    class TEXT,
    avg_hr REAL,
    max_hr INTEGER,
    active_s REAL,
    moderate_equivalent_min REAL,
    trimp REAL
);
CREATE TABLE readings (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_ms INTEGER NOT NULL,
    hr INTEGER NOT NULL,
    contact INTEGER,
    energy_kj INTEGER,
    rr BLOB NOT NULL
);
CREATE INDEX readings_by_session ON readings(session_id, t_ms);
CREATE TABLE gaps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER,
    reason TEXT NOT NULL
);
CREATE INDEX gaps_by_session ON gaps(session_id, start_ms);
CREATE TABLE strength_days (
    day INTEGER PRIMARY KEY
);
";

/// Version 2: laps (a marker time per lap), and sessions indexed by start for listings by
/// date range.
const V2: &str = "
CREATE TABLE laps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_ms INTEGER NOT NULL
);
CREATE INDEX laps_by_session ON laps(session_id, t_ms);
CREATE INDEX sessions_by_start ON sessions(start_ms);
";

/// Version 3: morning resting checks, one row per check (refused ones too), with every raw RR
/// interval of the check (settling time included) so metrics can be recomputed later.
///
/// `date_days` is the person's local calendar date (days since 1970-01-01, as
/// `strength_days.day`). The metric columns are all NULL for a refused check. `rr` is the last
/// column on purpose: a long check's blob spills onto overflow pages, and SQLite reads a
/// record's columns in order, so listings that leave `rr` out (trends over years) never touch
/// those pages. The CHECKs keep the answers a person gives in range even when the file is
/// edited with the sqlite3 shell; reading back checks every value again anyway.
const V3: &str = "
CREATE TABLE morning_checks (
    id INTEGER PRIMARY KEY,
    t_ms INTEGER NOT NULL,
    date_days INTEGER NOT NULL,
    source TEXT NOT NULL,
    posture TEXT NOT NULL CHECK (posture IN ('supine', 'seated', 'standing')),
    duration_s REAL NOT NULL,
    settle_s REAL NOT NULL,
    resting_hr REAL,
    ln_rmssd REAL,
    rmssd_ms REAL,
    sdnn_ms REAL,
    pnn50 REAL,
    mean_nn_ms REAL,
    rr_used INTEGER,
    artifact_share REAL,
    metrics_json TEXT,
    sleep_quality INTEGER CHECK (sleep_quality BETWEEN 1 AND 5),
    soreness INTEGER CHECK (soreness BETWEEN 1 AND 5),
    ill INTEGER CHECK (ill IN (0, 1)),
    workout_felt_harder INTEGER CHECK (workout_felt_harder IN (0, 1)),
    refused TEXT,
    rr BLOB NOT NULL
);
CREATE INDEX morning_checks_by_date ON morning_checks(date_days);
CREATE INDEX morning_checks_by_time ON morning_checks(t_ms);
";

/// Version 4: imported workout files, and a session's sport.
///
/// `imports` has one row per *activity* of an imported file (a TCX file may hold several), not
/// one row per file with a list of session ids: `session_id` then references the session with
/// `ON DELETE CASCADE`, so deleting a session (every connection runs with `foreign_keys` on)
/// forgets, in the same transaction, that its activity was imported, and importing the file
/// again brings back exactly the deleted activity, not duplicates of the others. `activity` is
/// the activity's index in the file (stable: the same bytes parse the same way); `hash` is the
/// SHA-256 of the file's bytes, `file_name` only a reminder for people reading the table.
/// `sport` is the sport in FIT profile words (`running`, `cycling`, `multisport`...), NULL when
/// unknown (every live session).
const V4: &str = "
ALTER TABLE sessions ADD COLUMN sport TEXT;
CREATE TABLE imports (
    hash TEXT NOT NULL,
    activity INTEGER NOT NULL CHECK (activity >= 0),
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    imported_at_ms INTEGER NOT NULL,
    PRIMARY KEY (hash, activity)
);
CREATE INDEX imports_by_session ON imports(session_id);
";

/// Version 5: talk-test calibrations ([`super::calibrations::MIGRATION`]).
const V5: &str = super::calibrations::MIGRATION;

/// Version 6: a session's readings in format-1 blocks of up to 64 (`reading_blocks`) instead
/// of a row each ([`super::migrate_v6`]: converted in batches before this SQL runs, while the
/// file is still version 5; this drops the old layout in the transaction that sets version 6).
const V6: &str = migrate_v6::MIGRATION;

/// The migrations, in order; `MIGRATIONS[i]` takes version `i` to `i + 1`. Append only: never
/// edit one that has shipped.
pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// Create (if missing), check, configure and migrate the database at `path`, telling
/// `progress` how a long migration goes.
pub(super) fn open(
    path: &Path,
    progress: &mut dyn FnMut(MigrationStep),
) -> Result<Connection, StoreError> {
    create_if_missing(path)?;
    check(path)?;
    let mut conn = connect(path)?;
    enable_wal(&conn, path)?;
    migrate(&mut conn, path, progress)?;
    migrate_v6::compact_if_pending(&conn, path, progress)?;
    Ok(conn)
}

/// Switch the file to WAL, once it is known to be ours: WAL survives a killed process without
/// losing committed transactions, and lets readers and a writer work at once. The mode is
/// stored in the file, so later connections (the recorder's, another process's) inherit it.
///
/// Switching needs an exclusive lock, and SQLite answers "busy" at once, without waiting
/// through the busy timeout, when another connection holds a lock it might be upgrading (two
/// talkzone processes creating the database at the same moment). So retry until the timeout.
fn enable_wal(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Ok(_mode) => return Ok(()),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(sql_err(path)(e)),
        }
    }
}

/// A read-write connection to an existing, already checked database, configured for talkzone.
pub(super) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let err = sql_err(path);
    // No SQLITE_OPEN_CREATE: the file exists (made owner-only by us); if it vanished, failing
    // is better than SQLite creating it with default permissions.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(&err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(&err)?;
    // In WAL mode, NORMAL syncs at checkpoints, not at every commit: a committed transaction
    // survives the process being killed (it is in the WAL, which the OS holds), and the file is
    // never corrupted; only an OS crash or power cut may lose the last few commits. That is
    // what the spec asks for, at a fraction of FULL's cost per commit.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(&err)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(&err)?;
    damage::refuse_commits_once_damaged(&conn, path);
    Ok(conn)
}

/// Create `path` empty and owner-only when it does not exist, so that SQLite (which gives the
/// -wal and -shm files the database file's mode) never creates it with default permissions.
/// `append_file` neither truncates nor writes: if another talkzone created the file in the
/// meantime, its contents are kept.
fn create_if_missing(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    if !path.try_exists().map_err(io)? {
        owner_only::append_file(path).map_err(io)?;
    }
    Ok(())
}

/// The SQLite file header's first 16 bytes.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Check, without writing anything, that `path` is an empty file or a sound talkzone database
/// of a version this talkzone knows.
fn check(path: &Path) -> Result<(), StoreError> {
    inspect(&read_connection(path)?, path).map(|_| ())
}

/// Open the existing database at `path` for reading only: nothing is created, migrated,
/// recovered or written, so a file that talkzone may not write (its permissions, a read-only
/// or full disk) can still be read. The file must already be at this talkzone's schema
/// version (upgrading it is a write).
pub(super) fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let conn = read_connection(path)?;
    let version = inspect(&conn, path)?;
    if version < SCHEMA_VERSION {
        return Err(StoreError::CannotWrite {
            path: path.to_owned(),
            detail: if version == 0 {
                "it is still empty".into()
            } else {
                format!(
                    "it is at schema version {version} and needs upgrading to version \
                     {SCHEMA_VERSION}, which needs writing it"
                )
            },
        });
    }
    conn.pragma_update(None, "query_only", true)
        .map_err(sql_err(path))?;
    Ok(conn)
}

/// A read-only connection to `path`, after a first look at its header (anything else than an
/// empty file or SQLite's magic is not SQLite).
///
/// A WAL database needs its `-shm` index even to be read; where it cannot be created (a folder
/// talkzone may not write, a full disk) and no `-wal` file holds commits that are not yet in
/// the file, the file alone is the whole database, and it is opened "immutable" (SQLite then
/// reads it without any locking or side file).
pub(super) fn read_connection(path: &Path) -> Result<Connection, StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    let mut header = Vec::with_capacity(SQLITE_MAGIC.len());
    std::fs::File::open(path)
        .map_err(io)?
        .take(SQLITE_MAGIC.len() as u64)
        .read_to_end(&mut header)
        .map_err(io)?;
    if !header.is_empty() && header != SQLITE_MAGIC {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: "not an SQLite database".into(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| damage::classify(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_err(path))?;
    let first_read = conn.query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0));
    match first_read {
        Err(e) if damage::is_cannot_write(&e) && !holds_commits(&wal_path(path)) => {
            drop(conn);
            let uri = format!("file:{}?mode=ro&immutable=1", uri_path(path));
            let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
                .map_err(|e| damage::classify(path, e))?;
            Ok(conn)
        }
        Err(e) => Err(damage::classify(path, e)),
        Ok(_) => Ok(conn),
    }
}

/// Whether a write-ahead log holds anything (missing or empty: no commit that is not already in
/// the database file; an attempt to open the file read-write on a full disk leaves it empty).
fn holds_commits(wal: &Path) -> bool {
    std::fs::metadata(wal).is_ok_and(|m| m.len() > 0)
}

/// SQLite's write-ahead log beside `path`.
fn wal_path(path: &Path) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push("-wal");
    p.into()
}

/// `path` for a `file:` URI: every byte but unreserved ones and `/` percent-encoded.
fn uri_path(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The checks every open makes, reading only the first page and the roots of the tables: the
/// file is empty or talkzone's, not from a newer talkzone, and structurally sound
/// ([`structure::verify`]). Its schema version.
fn inspect(ro: &Connection, path: &Path) -> Result<i64, StoreError> {
    let classify = |e| damage::classify(path, e);
    // One read transaction, so every answer comes from the same snapshot: another talkzone
    // may be creating the schema right now, and its tables must never be seen without the
    // application id that the same transaction sets.
    let ro = ro.unchecked_transaction().map_err(classify)?;

    let app_id: i32 = ro
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(classify)?;
    let version: i64 = ro
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(classify)?;
    let objects: i64 = ro
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(classify)?;

    // An empty SQLite database (no tables, no application id) is adopted: nothing to lose.
    let fresh = app_id == 0 && objects == 0;
    if app_id != APPLICATION_ID && !fresh {
        return Err(StoreError::NotTalkzone {
            path: path.to_owned(),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    structure::verify(&ro, path, version)?;
    Ok(version)
}

/// Apply the pending migrations, each in its own transaction (version 6's conversion of the
/// readings first runs in batches of its own, before any of them: [`super::migrate_v6`]).
fn migrate(
    conn: &mut Connection,
    path: &Path,
    progress: &mut dyn FnMut(MigrationStep),
) -> Result<(), StoreError> {
    let err = sql_err(path);
    let user_version =
        |c: &Connection| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0));
    if user_version(conn).map_err(&err)? >= SCHEMA_VERSION {
        return Ok(());
    }
    // The long part first, in batches, while the file is still at the version it had: killed
    // there, it still opens in the talkzone that wrote it (the earlier migrations are instant).
    if (1..BLOCKS_VERSION).contains(&user_version(conn).map_err(&err)?) {
        migrate_v6::prepare(conn, path)?;
        migrate_v6::convert_batches(conn, path, progress)?;
    }
    for (from, sql) in MIGRATIONS.iter().enumerate() {
        let to = from as i64 + 1;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        // Re-read under the write lock: another process may have migrated meanwhile.
        let current = user_version(&tx).map_err(&err)?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        if current >= to {
            continue;
        }
        if to == BLOCKS_VERSION {
            migrate_v6::finish(&tx, path)?;
        }
        tx.execute_batch(sql).map_err(&err)?;
        if to == BLOCKS_VERSION {
            migrate_v6::mark_compaction(&tx, path)?;
        }
        tx.pragma_update(None, "user_version", to).map_err(&err)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(&err)?;
        tx.commit().map_err(&err)?;
    }
    Ok(())
}
