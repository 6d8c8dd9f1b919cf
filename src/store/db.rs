//! The SQLite store `<data dir>/talkzone.db`: sessions, every reading, gaps, laps, the
//! strength-training log, morning checks, imported files, and what the session summary said.
//!
//! Owns the file and nothing else: it stores what the caller hands over (zone settings and
//! summaries arrive as opaque JSON text) and hands it back; it computes no physiology and reads
//! no clock (the [`Recorder`] is given a monotonic `now`).
//!
//! Layout: `schema` checks a file before anything writes to it and migrates it; the session
//! listing, readings and strength log are queried in `sessions`, `readings` and `strength`;
//! [`Recorder`] writes a live session at least once a second; `imports` stores an imported
//! workout in one transaction and remembers which file it came from; `decode` turns stored values
//! back into Rust values without trusting them (the file is outside input: it may have been
//! edited or damaged, and a bad value is an error naming the table and row, never a panic).
//!
//! Stored forms: instants are UTC integer milliseconds since the Unix epoch (sub-millisecond
//! precision is dropped); a session's readings are format-1 blocks of up to 64 (`block`:
//! delta-coded times, heart rates, contact, energy, RR in their own unit), written by `readings`
//! and the [`Recorder`]; `migrate_v5` converts the row-per-reading layout of version 4. A
//! morning check's RR intervals are a BLOB of little-endian `u16` raw values (1/1024 s, or ms
//! behind a mark byte); contact is NULL (not supported) / 0 (not detected) / 1 (detected);
//! strength days are local calendar dates (as the person reads them) stored as days since
//! 1970-01-01.

mod block;
mod decode;
mod imports;
mod migrate_v5;
mod morning;
mod readings;
mod recorder;
mod schema;
mod sessions;
mod strength;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::event::{DeviceInfo, LossReason};
use crate::owner_only;
use crate::reading::Source;

pub use imports::{ImportMark, KnownActivity};
pub use migrate_v5::MigrationStep;
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

    /// Not SQLite at all, or SQLite that fails `PRAGMA quick_check`. Left untouched.
    #[error(
        "{path} is damaged ({detail}); talkzone left it untouched. Restore it from a backup, or \
         move it away (talkzone then starts a new, empty database) or choose another --data-dir."
    )]
    Corrupt { path: PathBuf, detail: String },

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

/// Wraps a rusqlite error with the database's path.
fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_owned(),
        source,
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
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Open `<data_dir>/talkzone.db`, creating the data dir (0700) and the file (0600) if
    /// missing; check it is talkzone's and sound; migrate it to the current schema.
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
        Db::open_file_reporting(&data_dir.join(FILE_NAME), progress)
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
        })
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
