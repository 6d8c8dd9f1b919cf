//! Sessions: start, device, finish, listing, delete. One row per workout in `sessions`; its
//! readings, gaps and laps hang off it by `session_id`.

use chrono::{DateTime, Utc};
use rusqlite::{params, Params, Row};

use super::decode::{self, col, Bad};
use super::{sql_err, Db, Listing, NewSession, SessionId, SessionRow, SessionStatus, StoreError};
use crate::event::DeviceInfo;

/// The columns [`decode_session`] reads, in its order.
const COLUMNS: &str = "id, start_ms, end_ms, source, device_name, device_address, status, \
                       zones_json, summary_json, class, avg_hr, max_hr, active_s, \
                       moderate_equivalent_min, trimp";

impl Db {
    /// Record that a session started (status `recording`); its id.
    pub fn start_session(&mut self, s: &NewSession) -> Result<SessionId, StoreError> {
        let err = sql_err(&self.path);
        let (name, address) = match &s.device {
            Some(d) => (d.name.as_deref(), Some(d.address.as_str())),
            None => (None, None),
        };
        self.conn
            .prepare_cached(
                "INSERT INTO sessions (start_ms, source, device_name, device_address, status, \
                 zones_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    decode::to_ms(s.start),
                    decode::source_str(s.source),
                    name,
                    address,
                    SessionStatus::Recording.as_str(),
                    s.zones_json,
                ])
            })
            .map_err(&err)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Record which strap session `id` is using (known only once connected).
    pub fn set_device(&mut self, id: SessionId, device: &DeviceInfo) -> Result<(), StoreError> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE sessions SET device_name = ?1, device_address = ?2 WHERE id = ?3",
            )
            .and_then(|mut st| st.execute(params![device.name, device.address, id]))
            .map_err(sql_err(&self.path))?;
        self.expect_changed(changed, id)
    }

    /// Close session `id`: its end, final status, summary (JSON text) and listing columns.
    pub fn finish_session(
        &mut self,
        id: SessionId,
        end: DateTime<Utc>,
        status: SessionStatus,
        summary_json: &str,
        listing: &Listing,
    ) -> Result<(), StoreError> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE sessions SET end_ms = ?1, status = ?2, summary_json = ?3, class = ?4, \
                 avg_hr = ?5, max_hr = ?6, active_s = ?7, moderate_equivalent_min = ?8, \
                 trimp = ?9 WHERE id = ?10",
            )
            .and_then(|mut st| {
                st.execute(params![
                    decode::to_ms(end),
                    status.as_str(),
                    summary_json,
                    listing.class,
                    listing.avg_hr,
                    listing.max_hr,
                    listing.active_s,
                    listing.moderate_equivalent_min,
                    listing.trimp,
                    id,
                ])
            })
            .map_err(sql_err(&self.path))?;
        self.expect_changed(changed, id)
    }

    /// Sessions still marked `recording`, newest first: being recorded by another talkzone
    /// right now, or left behind by one that was killed.
    pub fn unfinished_sessions(&self) -> Result<Vec<SessionRow>, StoreError> {
        self.query_sessions(
            "WHERE status = 'recording' ORDER BY start_ms DESC, id DESC",
            [],
        )
    }

    /// All sessions, newest first.
    pub fn sessions(&self) -> Result<Vec<SessionRow>, StoreError> {
        self.query_sessions("ORDER BY start_ms DESC, id DESC", [])
    }

    /// The `n` sessions that started last, newest first. Reads only those rows (through the
    /// `sessions_by_start` index), whatever the history holds.
    pub fn latest_sessions(&self, n: usize) -> Result<Vec<SessionRow>, StoreError> {
        self.query_sessions(
            "ORDER BY start_ms DESC, id DESC LIMIT ?1",
            [i64::try_from(n).unwrap_or(i64::MAX)],
        )
    }

    /// Sessions that started at or after `from`, newest first.
    pub fn sessions_since(&self, from: DateTime<Utc>) -> Result<Vec<SessionRow>, StoreError> {
        self.query_sessions(
            "WHERE start_ms >= ?1 ORDER BY start_ms DESC, id DESC",
            [decode::to_ms(from)],
        )
    }

    /// How many sessions there are (counted on the small `sessions_by_start` index).
    pub fn session_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
            .map_err(sql_err(&self.path))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Sessions that started in `[from, to)`, newest first.
    pub fn sessions_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SessionRow>, StoreError> {
        self.query_sessions(
            "WHERE start_ms >= ?1 AND start_ms < ?2 ORDER BY start_ms DESC, id DESC",
            [decode::to_ms(from), decode::to_ms(to)],
        )
    }

    /// Session `id`, if it exists.
    pub fn session(&self, id: SessionId) -> Result<Option<SessionRow>, StoreError> {
        Ok(self
            .query_sessions("WHERE id = ?1", [id])?
            .into_iter()
            .next())
    }

    /// The session that started last, whatever its status.
    pub fn last_session(&self) -> Result<Option<SessionRow>, StoreError> {
        Ok(self
            .query_sessions("ORDER BY start_ms DESC, id DESC LIMIT 1", [])?
            .into_iter()
            .next())
    }

    /// Delete session `id` with its readings, gaps and laps, in one transaction. Whether it
    /// existed.
    pub fn delete_session(&mut self, id: SessionId) -> Result<bool, StoreError> {
        let err = sql_err(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        for table in ["reading_blocks", "gaps", "laps"] {
            tx.execute(&format!("DELETE FROM {table} WHERE session_id = ?1"), [id])
                .map_err(&err)?;
        }
        let existed = tx
            .execute("DELETE FROM sessions WHERE id = ?1", [id])
            .map_err(&err)?
            > 0;
        tx.commit().map_err(&err)?;
        Ok(existed)
    }

    pub(super) fn session_exists(&self, id: SessionId) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT 1 FROM sessions WHERE id = ?1")
            .and_then(|mut st| st.exists([id]))
            .map_err(sql_err(&self.path))
    }

    fn expect_changed(&self, changed: usize, id: SessionId) -> Result<(), StoreError> {
        if changed == 0 {
            return Err(StoreError::NoSuchSession {
                path: self.path.clone(),
                id,
            });
        }
        Ok(())
    }

    fn query_sessions(
        &self,
        tail: &str,
        params: impl Params,
    ) -> Result<Vec<SessionRow>, StoreError> {
        self.rows(
            "sessions",
            "id",
            &format!("SELECT {COLUMNS} FROM sessions {tail}"),
            params,
            decode_session,
        )
    }
}

/// One `sessions` row (columns as in [`COLUMNS`]).
fn decode_session(row: &Row<'_>) -> Result<SessionRow, Bad> {
    let id = decode::int(col(row, 0)?, "id")?;
    {
        let max_hr = match decode::opt_int(col(row, 11)?, "max_hr")? {
            Some(v) => Some(decode::narrow::<u16>(v, "max_hr")?),
            None => None,
        };
        let end = match decode::opt_int(col(row, 2)?, "end_ms")? {
            Some(ms) => Some(decode::instant(ms, "end_ms")?),
            None => None,
        };
        let status = decode::text(col(row, 6)?, "status")?;
        Ok(SessionRow {
            id,
            start: decode::instant(decode::int(col(row, 1)?, "start_ms")?, "start_ms")?,
            end,
            source: decode::source(decode::text(col(row, 3)?, "source")?)?,
            device_name: decode::opt_text(col(row, 4)?, "device_name")?,
            device_address: decode::opt_text(col(row, 5)?, "device_address")?,
            status: SessionStatus::parse(status)
                .ok_or_else(|| format!("status = {status:?} is unknown"))?,
            zones_json: decode::text(col(row, 7)?, "zones_json")?.to_owned(),
            summary_json: decode::opt_text(col(row, 8)?, "summary_json")?,
            class: decode::opt_text(col(row, 9)?, "class")?,
            avg_hr: decode::opt_real(col(row, 10)?, "avg_hr")?,
            max_hr,
            active_s: decode::opt_real(col(row, 12)?, "active_s")?,
            moderate_equivalent_min: decode::opt_real(col(row, 13)?, "moderate_equivalent_min")?,
            trimp: decode::opt_real(col(row, 14)?, "trimp")?,
        })
    }
}
