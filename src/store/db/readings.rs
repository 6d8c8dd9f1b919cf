//! A session's readings on disk, one `reading_blocks` row per block of up to 64 readings
//! ([`super::block`], format 1), and reading them back with the session's gaps and laps, in
//! time order. (A live session writes through the [`super::Recorder`].)

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::block;
use super::decode::{self, col};
use super::{sql_err, Db, Gap, SessionId, StoreError};
use crate::reading::Reading;

/// Write (or replace) one block: session, start_ms, data. A block row is only ever replaced by
/// a version of itself with more readings, so the upsert can be repeated after a failed commit.
pub(super) const UPSERT_BLOCK: &str = "INSERT INTO reading_blocks (session_id, start_ms, data) \
                                       VALUES (?1, ?2, ?3) ON CONFLICT (session_id, start_ms) \
                                       DO UPDATE SET data = excluded.data";

/// Write `readings` (in the order they should be read back) as session `id`'s blocks, inside
/// the caller's transaction; the session must have no blocks yet.
pub(super) fn write_blocks(
    conn: &Connection,
    path: &Path,
    id: SessionId,
    readings: &[Reading],
) -> Result<(), StoreError> {
    let err = sql_err(path);
    let mut st = conn.prepare_cached(UPSERT_BLOCK).map_err(&err)?;
    for b in block::blocks(readings) {
        st.execute(params![id, decode::to_ms(b[0].t), block::encode(b)])
            .map_err(&err)?;
    }
    Ok(())
}
/// Open a gap: session, start_ms, reason.
pub(super) const INSERT_GAP: &str =
    "INSERT INTO gaps (session_id, start_ms, reason) VALUES (?1, ?2, ?3)";
/// Close the session's latest open gap: end_ms, session.
pub(super) const END_GAP: &str = "UPDATE gaps SET end_ms = ?1 WHERE id = (SELECT id FROM gaps \
                                  WHERE session_id = ?2 AND end_ms IS NULL \
                                  ORDER BY start_ms DESC, id DESC LIMIT 1)";
/// Mark a lap: session, t_ms.
pub(super) const INSERT_LAP: &str = "INSERT INTO laps (session_id, t_ms) VALUES (?1, ?2)";

impl Db {
    /// Session `id`'s readings in time order, tagged with the session's source. Empty when
    /// there is no such session.
    pub fn readings(&self, id: SessionId) -> Result<Vec<Reading>, StoreError> {
        let Some(session) = self.session(id)? else {
            return Ok(Vec::new());
        };
        let err = sql_err(&self.path);
        let bad = |start: String, detail: String| StoreError::BadRow {
            path: self.path.clone(),
            table: "reading_blocks",
            row: format!("session {id}, start_ms {start}"),
            detail,
        };
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT start_ms, data FROM reading_blocks WHERE session_id = ?1 \
                 ORDER BY start_ms",
            )
            .map_err(&err)?;
        let mut rows = st.query([id]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(&err)? {
            let start = col(row, 0)
                .and_then(|v| decode::int(v, "start_ms"))
                .map_err(|d| bad(decode::key_text(row), d))?;
            let data = match col(row, 1).map_err(|d| bad(start.to_string(), d))? {
                rusqlite::types::ValueRef::Blob(b) => b,
                _ => return Err(bad(start.to_string(), "data is not a blob".into())),
            };
            block::decode(start, data, session.source, &mut out)
                .map_err(|d| bad(start.to_string(), d))?;
        }
        // Blocks hold readings as they arrived; a wall clock that stepped back during a live
        // recording leaves some out of order. The sort is stable: equal times keep their order.
        if !out.windows(2).all(|w| w[0].t <= w[1].t) {
            out.sort_by_key(|r| r.t);
        }
        Ok(out)
    }

    /// Session `id`'s gaps in time order.
    pub fn gaps(&self, id: SessionId) -> Result<Vec<Gap>, StoreError> {
        self.rows(
            "gaps",
            "id",
            "SELECT id, start_ms, end_ms, reason FROM gaps WHERE session_id = ?1 \
             ORDER BY start_ms, id",
            [id],
            |row| {
                let end = match decode::opt_int(col(row, 2)?, "end_ms")? {
                    Some(ms) => Some(decode::instant(ms, "end_ms")?),
                    None => None,
                };
                Ok(Gap {
                    start: decode::instant(decode::int(col(row, 1)?, "start_ms")?, "start_ms")?,
                    end,
                    reason: decode::reason(decode::text(col(row, 3)?, "reason")?)?,
                })
            },
        )
    }

    /// Session `id`'s lap markers in time order.
    pub fn laps(&self, id: SessionId) -> Result<Vec<DateTime<Utc>>, StoreError> {
        self.rows(
            "laps",
            "id",
            "SELECT id, t_ms FROM laps WHERE session_id = ?1 ORDER BY t_ms, id",
            [id],
            |row| decode::instant(decode::int(col(row, 1)?, "t_ms")?, "t_ms"),
        )
    }
}
