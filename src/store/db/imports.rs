//! What importing a workout file stores: the session, its sport and all its readings in one
//! transaction, and which file (by content hash) and which activity in it each imported session
//! came from, so that importing the same file again is recognised (`imports`, schema version 4).
//!
//! A deleted session no longer counts as imported: its `imports` row goes with it
//! (`ON DELETE CASCADE`, see `schema::V4`), and [`Db::import_known`] only reports activities
//! whose session is still there, so even a row left behind by a hand edit never blocks a
//! re-import.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::decode::{self, col};
use super::readings::write_blocks;
use super::{sql_err, Db, NewSession, SessionId, StoreError};
use crate::reading::Reading;

/// Where an imported session came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportMark<'a> {
    /// SHA-256 of the file's bytes, lower-case hex.
    pub hash: &'a str,
    /// The activity's index in the file (0 for the first; FIT files have one).
    pub activity: usize,
    /// The file's name, a reminder for people reading the table.
    pub file_name: &'a str,
    /// When it was imported.
    pub at: DateTime<Utc>,
}

/// An activity of a file that was imported before, and the session it became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownActivity {
    pub activity: usize,
    pub session: SessionId,
}

impl Db {
    /// The activities of the file with content hash `hash` that were imported and whose session
    /// still exists, by activity index. Empty when the file is new (or all its sessions were
    /// deleted).
    pub fn import_known(&self, hash: &str) -> Result<Vec<KnownActivity>, StoreError> {
        self.rows(
            "imports",
            "rowid",
            "SELECT i.rowid, i.activity, i.session_id FROM imports i \
             JOIN sessions s ON s.id = i.session_id WHERE i.hash = ?1 ORDER BY i.activity",
            [hash],
            |row| {
                Ok(KnownActivity {
                    activity: decode::narrow::<usize>(
                        decode::int(col(row, 1)?, "activity")?,
                        "activity",
                    )?,
                    session: decode::int(col(row, 2)?, "session_id")?,
                })
            },
        )
    }

    /// Store one imported activity in one transaction: a new session (status `recording`, as
    /// [`Db::start_session`]; the caller then summarises and finishes it), its sport, all its
    /// readings and the `imports` row saying where it came from. Either all of it is stored or
    /// none. A crash before the session is finished leaves a complete `recording` session, which
    /// recovery then finishes like any other.
    pub fn add_imported_session(
        &mut self,
        new: &NewSession,
        sport: Option<&str>,
        readings: &[Reading],
        mark: &ImportMark<'_>,
    ) -> Result<SessionId, StoreError> {
        let activity = i64::try_from(mark.activity).map_err(|_| StoreError::BadRow {
            path: self.path.clone(),
            table: "imports",
            row: format!("activity {}", mark.activity),
            detail: "activity index too large".into(),
        })?;
        self.in_transaction(|db| {
            let id = db.start_session(new)?;
            db.set_sport(id, sport)?;
            db.write_readings(id, readings)?;
            let err = sql_err(&db.path);
            // A row whose session is gone (possible only if the file was edited with foreign
            // keys off) must not block the new one.
            db.conn
                .prepare_cached(
                    "DELETE FROM imports WHERE hash = ?1 AND activity = ?2 \
                     AND session_id NOT IN (SELECT id FROM sessions)",
                )
                .and_then(|mut st| st.execute(params![mark.hash, activity]))
                .map_err(&err)?;
            db.conn
                .prepare_cached(
                    "INSERT INTO imports (hash, activity, session_id, file_name, \
                     imported_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        mark.hash,
                        activity,
                        id,
                        mark.file_name,
                        decode::to_ms(mark.at)
                    ])
                })
                .map_err(&err)?;
            Ok(id)
        })
    }

    /// Add `readings` to session `id` in one transaction (their `source` is the session's).
    /// For whole recordings at once; a live session uses the [`super::Recorder`].
    pub fn insert_readings(
        &mut self,
        id: SessionId,
        readings: &[Reading],
    ) -> Result<(), StoreError> {
        if !self.session_exists(id)? {
            return Err(StoreError::NoSuchSession {
                path: self.path.clone(),
                id,
            });
        }
        self.in_transaction(|db| db.write_readings(id, readings))
    }

    /// Set session `id`'s sport, in FIT profile words (`running`, `cycling`...), or clear it.
    pub fn set_sport(&mut self, id: SessionId, sport: Option<&str>) -> Result<(), StoreError> {
        let changed = self
            .conn
            .prepare_cached("UPDATE sessions SET sport = ?1 WHERE id = ?2")
            .and_then(|mut st| st.execute(params![sport, id]))
            .map_err(sql_err(&self.path))?;
        if changed == 0 {
            return Err(StoreError::NoSuchSession {
                path: self.path.clone(),
                id,
            });
        }
        Ok(())
    }

    /// Session `id`'s sport; `None` when not known (every live session) or no such session.
    pub fn sport(&self, id: SessionId) -> Result<Option<String>, StoreError> {
        let err = sql_err(&self.path);
        let value = self
            .conn
            .prepare_cached("SELECT sport FROM sessions WHERE id = ?1")
            .and_then(|mut st| {
                st.query_row([id], |row| {
                    Ok(col(row, 0).and_then(|v| decode::opt_text(v, "sport")))
                })
                .optional()
            })
            .map_err(&err)?;
        match value {
            None => Ok(None),
            Some(decoded) => decoded.map_err(|detail| StoreError::BadRow {
                path: self.path.clone(),
                table: "sessions",
                row: format!("id {id}"),
                detail,
            }),
        }
    }

    /// Add `readings` to session `id`'s (inside the caller's transaction): the session's blocks
    /// are rewritten with all of them in time order (equal times: stored ones first).
    fn write_readings(&mut self, id: SessionId, readings: &[Reading]) -> Result<(), StoreError> {
        let err = sql_err(&self.path);
        let mut all = self.readings(id)?;
        if all.is_empty() {
            return write_blocks(&self.conn, &self.path, id, readings);
        }
        all.extend_from_slice(readings);
        all.sort_by_key(|r| r.t);
        self.conn
            .execute("DELETE FROM reading_blocks WHERE session_id = ?1", [id])
            .map_err(&err)?;
        write_blocks(&self.conn, &self.path, id, &all)
    }

    /// Run `f` in one `BEGIN IMMEDIATE` transaction: committed if it succeeds, rolled back if
    /// it fails. `f` may call other `Db` methods, as long as they open no transaction of their
    /// own.
    fn in_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Db) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(sql_err(&self.path))?;
        match f(self) {
            Ok(value) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(sql_err(&self.path)(e))
                }
            },
            Err(e) => {
                // Best effort: the error that made us roll back is the one worth reporting.
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}
