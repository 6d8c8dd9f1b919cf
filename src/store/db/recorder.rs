//! Writing a live session: readings are committed in one transaction at least once a second,
//! so a killed process loses at most the last second; gap and lap markers are rare and
//! committed at once.
//!
//! Readings go into format-1 blocks ([`super::block`]). The recorder keeps the open block's
//! readings in memory and each commit writes its current version over the last one (an
//! upsert on `(session_id, start_ms)`: one page a second), together with the final version of
//! a block that filled up since the last commit. A block row is only ever replaced by a longer
//! version of itself, and a new block is first written in the same transaction as the final
//! version of the one before, so every committed reading is in exactly one committed row: none
//! is lost between two blocks, a killed process leaves valid blocks of everything committed,
//! and a reader (WAL) sees one committed version of each block, never half of one.
//!
//! The recorder reads no clock: the caller passes a monotonic `now` (the wall clock can jump),
//! which also makes the commit rule testable without sleeping; [`Recorder::commit_due`] says
//! when the next commit is due, for the caller's timer.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::block;
use super::decode;
use super::readings::{END_GAP, INSERT_GAP, INSERT_LAP, UPSERT_BLOCK};
use super::{sql_err, SessionId, StoreError};
use crate::event::LossReason;
use crate::reading::{Reading, Source};

/// The longest a pushed reading waits before it is committed.
pub const COMMIT_EVERY: Duration = Duration::from_secs(1);

/// A marker waiting to be written.
enum Marker {
    GapStart { t_ms: i64, reason: LossReason },
    GapEnd { t_ms: i64 },
    Lap { t_ms: i64 },
}

/// Writes one session's readings, gaps and laps, on its own connection. Dropping it flushes
/// what is buffered (best effort: call [`Recorder::flush`] to see errors).
pub struct Recorder {
    conn: Connection,
    path: PathBuf,
    session: SessionId,
    /// The open block's readings (committed or not), in the order they came.
    open: Vec<Reading>,
    /// Whether `open` changed since it was last committed.
    open_changed: bool,
    /// The latest time (ms) of any reading of the session so far.
    latest_ms: i64,
    /// Blocks that filled up since the last commit, in their final version: (start_ms, data).
    closed: Vec<(i64, Vec<u8>)>,
    markers: Vec<Marker>,
    /// When the oldest item not yet committed was pushed; `None` when everything is committed.
    oldest: Option<Instant>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("session", &self.session)
            .field("open", &self.open.len())
            .field("closed", &self.closed.len())
            .field("markers", &self.markers.len())
            .finish()
    }
}

impl Recorder {
    /// A recorder for `session`, which goes on with the session's last stored block (a session
    /// recorded by several recorders one after the other keeps every reading).
    pub(super) fn new(
        conn: Connection,
        path: PathBuf,
        session: SessionId,
        source: Source,
    ) -> Result<Self, StoreError> {
        let last: Option<(i64, Vec<u8>)> = conn
            .query_row(
                "SELECT start_ms, data FROM reading_blocks WHERE session_id = ?1 \
                 ORDER BY start_ms DESC LIMIT 1",
                [session],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql_err(&path))?;
        let mut open = Vec::new();
        if let Some((start, data)) = last {
            block::decode(start, &data, source, &mut open).map_err(|detail| {
                StoreError::BadRow {
                    path: path.clone(),
                    table: "reading_blocks",
                    row: format!("session {session}, start_ms {start}"),
                    detail,
                }
            })?;
        }
        let latest_ms = open
            .iter()
            .map(|r| decode::to_ms(r.t))
            .max()
            .unwrap_or(i64::MIN);
        Ok(Recorder {
            conn,
            path,
            session,
            open,
            open_changed: false,
            latest_ms,
            closed: Vec::new(),
            markers: Vec::new(),
            oldest: None,
        })
    }

    /// The session being recorded.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// Buffer `r` (its `source` is the session's; it is not stored per reading), and commit
    /// everything buffered once the oldest buffered item has waited [`COMMIT_EVERY`].
    /// `now` is a monotonic time, e.g. `Instant::now()` when the reading arrived.
    pub fn push(&mut self, r: &Reading, now: Instant) -> Result<(), StoreError> {
        let t_ms = decode::to_ms(r.t);
        if block::ends_before(self.open.len(), self.latest_ms, t_ms) {
            let start = decode::to_ms(self.open[0].t);
            self.closed.push((start, block::encode(&self.open)));
            self.open.clear();
        }
        self.open.push(r.clone());
        self.open_changed = true;
        self.latest_ms = self.latest_ms.max(t_ms);
        self.oldest.get_or_insert(now);
        self.tick(now)
    }

    /// When the next commit is due ([`COMMIT_EVERY`] after the oldest item not yet committed
    /// was pushed), if anything waits: call [`Recorder::tick`] then, so no reading waits
    /// longer.
    pub fn commit_due(&self) -> Option<Instant> {
        self.oldest.map(|t| t + COMMIT_EVERY)
    }

    /// Commit if the oldest buffered item has waited [`COMMIT_EVERY`]. Call it on the live
    /// loop's slow tick too, so the last readings before the strap goes silent are not left
    /// waiting for the next one.
    pub fn tick(&mut self, now: Instant) -> Result<(), StoreError> {
        match self.oldest {
            Some(t) if now.saturating_duration_since(t) >= COMMIT_EVERY => self.flush(),
            _ => Ok(()),
        }
    }

    /// A gap starts at `t` (the link was lost). Committed at once, with anything buffered.
    pub fn gap_started(&mut self, t: DateTime<Utc>, reason: LossReason) -> Result<(), StoreError> {
        self.markers.push(Marker::GapStart {
            t_ms: decode::to_ms(t),
            reason,
        });
        self.flush()
    }

    /// The open gap ends at `t` (data flows again). Committed at once, with anything buffered.
    pub fn gap_ended(&mut self, t: DateTime<Utc>) -> Result<(), StoreError> {
        self.markers.push(Marker::GapEnd {
            t_ms: decode::to_ms(t),
        });
        self.flush()
    }

    /// A lap marker at `t`. Committed at once, with anything buffered.
    pub fn lap(&mut self, t: DateTime<Utc>) -> Result<(), StoreError> {
        self.markers.push(Marker::Lap {
            t_ms: decode::to_ms(t),
        });
        self.flush()
    }

    /// Commit everything buffered, in one transaction. On failure (e.g. another process held
    /// the database locked for longer than the busy timeout) nothing is lost from the buffer:
    /// the next commit retries it.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        if self.closed.is_empty() && !self.open_changed && self.markers.is_empty() {
            self.oldest = None;
            return Ok(());
        }
        let err = sql_err(&self.path);
        let s = self.session;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        {
            let mut upsert = tx.prepare_cached(UPSERT_BLOCK).map_err(&err)?;
            for (start, data) in &self.closed {
                upsert.execute(params![s, start, data]).map_err(&err)?;
            }
            if let (true, Some(first)) = (self.open_changed, self.open.first()) {
                let data = block::encode(&self.open);
                upsert
                    .execute(params![s, decode::to_ms(first.t), data])
                    .map_err(&err)?;
            }
            for m in &self.markers {
                match m {
                    Marker::GapStart { t_ms, reason } => {
                        tx.prepare_cached(INSERT_GAP).and_then(|mut st| {
                            st.execute(params![s, t_ms, decode::reason_str(*reason)])
                        })
                    }
                    Marker::GapEnd { t_ms } => tx
                        .prepare_cached(END_GAP)
                        .and_then(|mut st| st.execute(params![t_ms, s])),
                    Marker::Lap { t_ms } => tx
                        .prepare_cached(INSERT_LAP)
                        .and_then(|mut st| st.execute(params![s, t_ms])),
                }
                .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        self.closed.clear();
        self.open_changed = false;
        self.markers.clear();
        self.oldest = None;
        Ok(())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Best effort: a caller that cares about the error calls `flush` first.
        let _ = self.flush();
    }
}
