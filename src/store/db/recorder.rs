//! Writing a live session: readings are buffered and committed in one transaction at least
//! once a second, so a killed process loses at most the last second; gap and lap markers are
//! rare and committed at once.
//!
//! The recorder reads no clock: the caller passes a monotonic `now` (the wall clock can jump),
//! which also makes the commit rule testable without sleeping.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};

use super::decode;
use super::readings::{END_GAP, INSERT_GAP, INSERT_LAP, INSERT_READING};
use super::{sql_err, SessionId, StoreError};
use crate::event::LossReason;
use crate::reading::Reading;

/// The longest a pushed reading waits before it is committed.
pub const COMMIT_EVERY: Duration = Duration::from_secs(1);

/// Something waiting to be written.
enum Pending {
    Reading {
        t_ms: i64,
        hr: u16,
        contact: Option<i64>,
        energy_kj: Option<u16>,
        rr: Vec<u8>,
    },
    GapStart {
        t_ms: i64,
        reason: LossReason,
    },
    GapEnd {
        t_ms: i64,
    },
    Lap {
        t_ms: i64,
    },
}

/// Writes one session's readings, gaps and laps, on its own connection. Dropping it flushes
/// what is buffered (best effort: call [`Recorder::flush`] to see errors).
pub struct Recorder {
    conn: Connection,
    path: PathBuf,
    session: SessionId,
    pending: Vec<Pending>,
    /// When the oldest buffered item was pushed; `None` when nothing is buffered.
    oldest: Option<Instant>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("session", &self.session)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Recorder {
    pub(super) fn new(conn: Connection, path: PathBuf, session: SessionId) -> Self {
        Recorder {
            conn,
            path,
            session,
            pending: Vec::new(),
            oldest: None,
        }
    }

    /// The session being recorded.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// Buffer `r` (its `source` is the session's; it is not stored per reading), and commit
    /// everything buffered once the oldest buffered item has waited [`COMMIT_EVERY`].
    /// `now` is a monotonic time, e.g. `Instant::now()` when the reading arrived.
    pub fn push(&mut self, r: &Reading, now: Instant) -> Result<(), StoreError> {
        let mut rr = Vec::with_capacity(r.rr.len() * 2);
        decode::encode_rr(&r.rr, &mut rr);
        self.pending.push(Pending::Reading {
            t_ms: decode::to_ms(r.t),
            hr: r.hr,
            contact: decode::contact_to_sql(r.contact),
            energy_kj: r.energy_kj,
            rr,
        });
        self.oldest.get_or_insert(now);
        self.tick(now)
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
        self.pending.push(Pending::GapStart {
            t_ms: decode::to_ms(t),
            reason,
        });
        self.flush()
    }

    /// The open gap ends at `t` (data flows again). Committed at once, with anything buffered.
    pub fn gap_ended(&mut self, t: DateTime<Utc>) -> Result<(), StoreError> {
        self.pending.push(Pending::GapEnd {
            t_ms: decode::to_ms(t),
        });
        self.flush()
    }

    /// A lap marker at `t`. Committed at once, with anything buffered.
    pub fn lap(&mut self, t: DateTime<Utc>) -> Result<(), StoreError> {
        self.pending.push(Pending::Lap {
            t_ms: decode::to_ms(t),
        });
        self.flush()
    }

    /// Commit everything buffered, in one transaction. On failure (e.g. another process held
    /// the database locked for longer than the busy timeout) nothing is lost from the buffer:
    /// the next commit retries it.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            self.oldest = None;
            return Ok(());
        }
        let err = sql_err(&self.path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        {
            let mut reading = tx.prepare_cached(INSERT_READING).map_err(&err)?;
            let s = self.session;
            for p in &self.pending {
                match p {
                    Pending::Reading {
                        t_ms,
                        hr,
                        contact,
                        energy_kj,
                        rr,
                    } => reading.execute(params![s, t_ms, hr, contact, energy_kj, rr]),
                    Pending::GapStart { t_ms, reason } => {
                        tx.prepare_cached(INSERT_GAP).and_then(|mut st| {
                            st.execute(params![s, t_ms, decode::reason_str(*reason)])
                        })
                    }
                    Pending::GapEnd { t_ms } => tx
                        .prepare_cached(END_GAP)
                        .and_then(|mut st| st.execute(params![t_ms, s])),
                    Pending::Lap { t_ms } => tx
                        .prepare_cached(INSERT_LAP)
                        .and_then(|mut st| st.execute(params![s, t_ms])),
                }
                .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        self.pending.clear();
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
