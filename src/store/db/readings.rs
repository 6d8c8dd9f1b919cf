//! Reading back what a session recorded: every reading, its gaps, its laps, in time order.
//! (Writing them is the [`super::Recorder`]'s job.)

use chrono::{DateTime, Utc};
use rusqlite::Row;

use super::decode::{self, col, Bad};
use super::{Db, Gap, SessionId, StoreError};
use crate::reading::{Reading, Source};

/// Insert one reading: session, t_ms, hr, contact, energy_kj, rr.
pub(super) const INSERT_READING: &str = "INSERT INTO readings (session_id, t_ms, hr, contact, \
                                         energy_kj, rr) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
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
        self.rows(
            "readings",
            "rowid",
            "SELECT rowid, t_ms, hr, contact, energy_kj, rr FROM readings \
             WHERE session_id = ?1 ORDER BY t_ms, rowid",
            [id],
            |row| decode_reading(row, session.source),
        )
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

/// One `readings` row: rowid, t_ms, hr, contact, energy_kj, rr.
fn decode_reading(row: &Row<'_>, source: Source) -> Result<Reading, Bad> {
    let energy_kj = match decode::opt_int(col(row, 4)?, "energy_kj")? {
        Some(e) => Some(decode::narrow::<u16>(e, "energy_kj")?),
        None => None,
    };
    Ok(Reading {
        t: decode::instant(decode::int(col(row, 1)?, "t_ms")?, "t_ms")?,
        hr: decode::narrow::<u16>(decode::int(col(row, 2)?, "hr")?, "hr")?,
        contact: decode::contact(decode::opt_int(col(row, 3)?, "contact")?)?,
        energy_kj,
        rr: decode::rr(col(row, 5)?)?,
        source,
    })
}
