//! Tests of the store against real files in temporary folders, by area: opening, checking and
//! migrating files ([`files`]), calibrations ([`calibrations`]), readings in blocks and the
//! migration of row-per-reading files ([`blocks`]), sessions and their readings
//! ([`sessions`]), morning checks ([`morning`]) and imports ([`imports`]). The helpers here are
//! shared.

mod blocks;
mod calibrations;
mod files;
mod imports;
mod morning;
mod opening;
mod sessions;

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Connection;

use super::*;
use crate::reading::{Contact, Reading, RrInterval, Source};

/// 2024-05-01 06:00:00 UTC plus `ms` milliseconds.
pub(super) fn at_ms(ms: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 6, 0, 0).unwrap() + chrono::Duration::milliseconds(ms)
}

pub(super) fn at(s: i64) -> DateTime<Utc> {
    at_ms(s * 1000)
}

pub(super) fn new_session(start: DateTime<Utc>) -> NewSession {
    NewSession {
        start,
        source: Source::Simulator,
        device: None,
        zones_json: r#"{"talk_max":140}"#.into(),
    }
}

pub(super) fn reading(t: DateTime<Utc>, hr: u16) -> Reading {
    Reading {
        t,
        hr,
        contact: Contact::Detected,
        energy_kj: None,
        rr: vec![RrInterval::Ticks(800)],
        source: Source::Simulator,
    }
}

#[cfg(unix)]
pub(super) fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

pub(super) fn pragma_i64(c: &Connection, name: &str) -> i64 {
    c.pragma_query_value(None, name, |r| r.get(0)).unwrap()
}

pub(super) fn count(db: &Db, table: &str, id: SessionId) -> i64 {
    db.conn
        .query_row(
            &format!("SELECT count(*) FROM {table} WHERE session_id = ?1"),
            [id],
            |r| r.get(0),
        )
        .unwrap()
}
