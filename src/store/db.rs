//! The SQLite store `<data dir>/talkzone.db`: sessions, every reading, gaps, laps, the
//! strength-training log, morning checks, talk-test calibrations, imported files, and what the
//! session summary said.
//!
//! Owns the file and nothing else: it stores what the caller hands over (zone settings and
//! summaries arrive as opaque JSON text) and hands it back; it computes no physiology and reads
//! no clock (the [`Recorder`] is given a monotonic `now`).
//!
//! Layout: `schema` checks a file before anything writes to it (the header, then `structure`:
//! the tables of its version and their roots, a few pages whatever the file's size) and
//! migrates it, or opens it read-only; `damage` maps SQLite's errors (a damaged page met by
//! any query is "damaged", exit 10) and refuses every commit to a file seen damaged; `check`
//! is `talkzone check`'s whole-file integrity check; the session
//! listing, readings and strength log are queried in `sessions`, `readings` and `strength`,
//! morning checks in `morning`, talk-test calibrations in `calibrations`; the
//! [`Recorder`] (`recorder`) writes a live session at least once a second; `imports` stores an imported
//! workout in one transaction and remembers which file it came from; `decode` turns stored values
//! back into Rust values without trusting them (the file is outside input: it may have been
//! edited or damaged, and a bad value is an error naming the table and row, never a panic).
//!
//! Stored forms: instants are UTC integer milliseconds since the Unix epoch (sub-millisecond
//! precision is dropped); a session's readings are format-1 blocks of up to 64 (`block`:
//! delta-coded times, heart rates, contact, energy, RR in their own unit), written by `readings`
//! and the [`Recorder`]; `migrate_v6` converts the row-per-reading layout of version 4. A
//! morning check's RR intervals are a BLOB of little-endian `u16` raw values (1/1024 s, or ms
//! behind a mark byte); contact is NULL (not supported) / 0 (not detected) / 1 (detected);
//! strength days are local calendar dates (as the person reads them) stored as days since
//! 1970-01-01.

mod block;
mod calibrations;
mod check;
mod damage;
mod decode;
mod imports;
mod migrate_v6;
mod morning;
mod readings;
mod recorder;
mod schema;
mod sessions;
mod strength;
mod structure;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::event::{DeviceInfo, LossReason};
use crate::owner_only;
use crate::reading::Source;

pub use calibrations::CalibrationRow;
pub use check::{check_file, CheckProgress, CheckReport, Damage};
pub use damage::is_damaged;
pub use imports::{ImportMark, KnownActivity};
pub use migrate_v6::MigrationStep;
pub use morning::{MorningCheckRow, MorningMetricsRow, NewMorningCheck, WellnessRow};
pub use recorder::{Recorder, COMMIT_EVERY};
pub use schema::{APPLICATION_ID, BUSY_TIMEOUT, SCHEMA_VERSION};

/// The database's file name inside the data dir.
pub const FILE_NAME: &str = "talkzone.db";

/// What can go wrong with the database. Every message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A SQLite file that belongs to another program. Left untouched.
    #[error(
        "{path} is not a talkzone database (it is another program's SQLite file); talkzone left \
         it untouched. Move it away or choose another --data-dir."
    )]
    NotTalkzone { path: PathBuf },

    /// Not SQLite at all, or SQLite that fails the structural check at open, or a damaged page
    /// met by a command. Nothing more is written to it (see `damage`).
    #[error(
        "{path} is damaged ({detail}); talkzone wrote nothing to it. `talkzone check` tells what \
         is damaged and what to do; restore it from a backup, or move it away (talkzone then \
         starts a new, empty database) or choose another --data-dir."
    )]
    Corrupt { path: PathBuf, detail: String },

    /// The file, its folder or its disk does not let talkzone write (permissions, a read-only
    /// or full disk). Reading commands still work on it, read-only.
    #[error(
        "{path} cannot be written ({detail}). Commands that only read it (sessions, summary, \
         export, week, trend, readiness, zones, calibrations, check) still work; to record, give \
         yourself write access to it and its folder (chmod u+w), or free disk space."
    )]
    CannotWrite { path: PathBuf, detail: String },

    /// Written by a newer talkzone whose schema this one does not know. Left untouched.
    #[error(
        "{path} was written by a newer talkzone (schema version {found}; this talkzone reads up \
         to version {supported}); talkzone left it untouched. Upgrade talkzone, or choose another \
         --data-dir."
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// SQLite refused an operation (locked for longer than the busy timeout, disk full, ...).
    #[error("database error on {path}: {source}. If another talkzone is busy with it, try again when it is done; check free disk space.")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// The data dir or the database file could not be created or read.
    #[error("cannot create or read {path}: {source}. Check the permissions of the data dir, or choose another --data-dir.")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A stored row holds a value no talkzone writes (the file was edited or damaged).
    #[error(
        "{path}: table {table}, {row}: impossible value ({detail}); the file was edited or \
         damaged. Delete that session (or row), or restore the database from a backup."
    )]
    BadRow {
        path: PathBuf,
        table: &'static str,
        /// Which row, e.g. `id 7` or `rowid 123`.
        row: String,
        detail: String,
    },

    /// The caller named a session that is not in the database.
    #[error("{path}: there is no session {id} (it may have been deleted).")]
    NoSuchSession { path: PathBuf, id: SessionId },
}

/// Wraps a rusqlite error with the database's path, telling damage, a file that cannot be
/// written and other failures apart (`damage::classify`).
fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| damage::classify(path, source)
}

impl StoreError {
    /// Whether the file could not be written (permissions, a read-only or full disk), so that
    /// opening it read-only may still serve a command that only reads.
    pub fn is_cannot_write(&self) -> bool {
        match self {
            StoreError::CannotWrite { .. } => true,
            StoreError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::ReadOnlyFilesystem
                    | std::io::ErrorKind::StorageFull
            ),
            _ => false,
        }
    }
}

impl Db {
    /// The one way rows are read back: runs `sql` with `params` and decodes each row with
    /// `decode`, never trusting the file. Column 0 must be the row's key (named `key` in
    /// messages: `id 12`, `rowid 3`, `day 19000`); a value `decode` rejects becomes
    /// [`StoreError::BadRow`] naming the table, the row and what was wrong.
    pub(super) fn rows<T>(
        &self,
        table: &'static str,
        key: &str,
        sql: &str,
        params: impl rusqlite::Params,
        decode: impl Fn(&rusqlite::Row<'_>) -> Result<T, decode::Bad>,
    ) -> Result<Vec<T>, StoreError> {
        let err = sql_err(&self.path);
        let mut st = self.conn.prepare_cached(sql).map_err(&err)?;
        let rows = st
            .query_map(params, |row| {
                Ok(decode(row).map_err(|detail| (decode::key_text(row), detail)))
            })
            .map_err(&err)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(
                row.map_err(&err)?
                    .map_err(|(row, detail)| StoreError::BadRow {
                        path: self.path.clone(),
                        table,
                        row: format!("{key} {row}"),
                        detail,
                    })?,
            );
        }
        Ok(out)
    }
}

/// Make the data dir, the database and SQLite's side files owner-only if they are not; one
/// line for the user per change (or per failure to change: the data is then still exposed).
fn make_private(data_dir: &Path, db: &Path) -> Vec<String> {
    let side = |suffix: &str| {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    let paths = [
        data_dir.to_owned(),
        db.to_owned(),
        side("-wal"),
        side("-shm"),
    ];
    paths
        .iter()
        .filter_map(|p| match owner_only::make_private(p) {
            Ok(None) => None,
            Ok(Some(mode)) => Some(format!(
                "{} was readable by others (mode {mode:04o}); made it private ({})",
                p.display(),
                if p == data_dir { "0700" } else { "0600" }
            )),
            Err(e) => Some(format!(
                "{} is readable by others and could not be made private: {e}",
                p.display()
            )),
        })
        .collect()
}

/// A session's row id.
pub type SessionId = i64;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Being recorded now, or the recording process was killed before it finished.
    Recording,
    /// Finished normally.
    Complete,
    /// Finished after the fact from what a killed recording left behind.
    Recovered,
}

impl SessionStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Recording => "recording",
            SessionStatus::Complete => "complete",
            SessionStatus::Recovered => "recovered",
        }
    }

    /// Inverse of [`SessionStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "recording" => Some(SessionStatus::Recording),
            "complete" => Some(SessionStatus::Complete),
            "recovered" => Some(SessionStatus::Recovered),
            _ => None,
        }
    }
}

/// What is known when a session starts.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    pub start: DateTime<Utc>,
    pub source: Source,
    /// The strap, when already known (else [`Db::set_device`] after connecting).
    pub device: Option<DeviceInfo>,
    /// The zone settings in force, as JSON text (opaque to the store).
    pub zones_json: String,
}

/// One stored session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id: SessionId,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub source: Source,
    pub device_name: Option<String>,
    pub device_address: Option<String>,
    pub status: SessionStatus,
    pub zones_json: String,
    /// The summary as JSON text, once finished.
    pub summary_json: Option<String>,
    pub class: Option<String>,
    pub avg_hr: Option<f64>,
    pub max_hr: Option<u16>,
    pub active_s: Option<f64>,
    pub moderate_equivalent_min: Option<f64>,
    pub trimp: Option<f64>,
}

/// The plain columns written at finish, for listing sessions without parsing summaries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub class: Option<String>,
    pub avg_hr: Option<f64>,
    pub max_hr: Option<u16>,
    pub active_s: Option<f64>,
    pub moderate_equivalent_min: Option<f64>,
    pub trimp: Option<f64>,
}

/// A stretch without data from the strap.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub start: DateTime<Utc>,
    /// `None` while the gap is still open (or the recording was killed during it).
    pub end: Option<DateTime<Utc>>,
    pub reason: LossReason,
}

/// An open, checked and migrated talkzone database.
///
/// Several handles (in this process or in others) may use the same file at once: SQLite's WAL
/// mode lets readers and one writer proceed together, and a writer that finds the file locked
/// waits up to [`BUSY_TIMEOUT`] instead of failing.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    /// Opened with [`Db::open_read_only`]: every write fails.
    read_only: bool,
    /// What opening changed that the user should hear about (permissions tightened).
    notices: Vec<String>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Open `<data_dir>/talkzone.db`, creating the data dir (0700) and the file (0600) if
    /// missing, and making them owner-only again if others could read them ([`Db::notices`]
    /// says so); check it is talkzone's and structurally sound; migrate it to the current
    /// schema.
    pub fn open(data_dir: &Path) -> Result<Db, StoreError> {
        Db::open_reporting(data_dir, &mut |_| {})
    }

    /// [`Db::open`], telling `progress` how a migration of an old file goes (converting ten
    /// years of readings to a newer layout takes seconds; it happens once).
    pub fn open_reporting(
        data_dir: &Path,
        progress: &mut dyn FnMut(MigrationStep),
    ) -> Result<Db, StoreError> {
        owner_only::create_dir(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(FILE_NAME);
        let mut notices = make_private(data_dir, &path);
        let mut db = Db::open_file_reporting(&path, progress)?;
        db.notices.append(&mut notices);
        Ok(db)
    }

    /// Open the database at `path` (its folder must exist), as [`Db::open`] does.
    pub fn open_file(path: &Path) -> Result<Db, StoreError> {
        Db::open_file_reporting(path, &mut |_| {})
    }

    fn open_file_reporting(
        path: &Path,
        progress: &mut dyn FnMut(MigrationStep),
    ) -> Result<Db, StoreError> {
        let conn = schema::open(path, progress)?;
        Ok(Db {
            conn,
            path: path.to_owned(),
            read_only: false,
            notices: Vec::new(),
        })
    }

    /// Open the existing `<data_dir>/talkzone.db` for reading only, when it cannot be written
    /// (see [`StoreError::is_cannot_write`]): checked as [`Db::open`] checks it, but nothing
    /// is created, tightened, migrated or written.
    pub fn open_read_only(data_dir: &Path) -> Result<Db, StoreError> {
        let path = data_dir.join(FILE_NAME);
        let conn = schema::open_read_only(&path)?;
        Ok(Db {
            conn,
            path,
            read_only: true,
            notices: Vec::new(),
        })
    }

    /// Whether this handle was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// What opening changed that the user should be told (e.g. permissions made owner-only).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A writer for session `id`'s readings, gaps and laps, on a connection of its own (so it
    /// can live in another task or thread while this handle lists or updates sessions).
    pub fn recorder(&self, id: SessionId) -> Result<Recorder, StoreError> {
        let Some(session) = self.session(id)? else {
            return Err(StoreError::NoSuchSession {
                path: self.path.clone(),
                id,
            });
        };
        let conn = schema::connect(&self.path)?;
        Recorder::new(conn, self.path.clone(), id, session.source)
    }
}
