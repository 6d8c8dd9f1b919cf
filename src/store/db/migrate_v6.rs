//! Version 5 -> 6: every session's readings from one row each (`readings`, ~47 bytes a
//! reading) into format-1 blocks (`reading_blocks`, ~4-6 bytes: [`super::block`]), atomically,
//! resumably and with progress (docs/storage-design.md §5).
//!
//! 1. [`prepare`]: `reading_blocks` and `migrate_v6` (the sessions already converted, with how
//!    many readings each had) are created while the file stays at its version (4 or 5: steps 1
//!    and 2 run before any pending migration), so the talkzone that wrote it still opens it and
//!    sees every reading in `readings`.
//! 2. [`convert_batches`]: sessions are converted in transactions of about [`BATCH_READINGS`]
//!    readings; each re-reads `migrate_v6` under the write lock, so two processes starting
//!    together convert every session once. `readings` is not touched.
//! 3. [`finish`], inside the transaction that sets version 6: whatever is left (and any session
//!    whose readings changed since it was converted) is converted, `readings` is dropped.
//!    Killed before that commit, the file is at its old version with extra tables (or at 5,
//!    when only the instant migrations between were committed) and the next start resumes at
//!    2; after it, version 6.
//! 4. [`compact_if_pending`]: `VACUUM` gives the dropped pages back to the file system (SQLite's
//!    VACUUM is atomic), then the marker table `compact_pending` that step 3 left is dropped;
//!    killed in between, the next start runs it again.
//!
//! Readings keep their exact fields and order (`ORDER BY t_ms, rowid`, as versions 1-5 read them),
//! RR in the unit their blob says (1/1024 s, or ms behind the mark): `export` of a session is
//! the same before and after. Morning checks are not moved.

use std::path::Path;

use rusqlite::{params, Connection, TransactionBehavior};

use super::decode::{self, col, Bad};
use super::readings::write_blocks;
use super::{sql_err, SessionId, StoreError};
use crate::reading::{Reading, Source};

/// Readings converted per transaction: a few hundred milliseconds of work, so a reader or
/// another writer never waits long.
const BATCH_READINGS: u64 = 200_000;

/// How far a migration is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationStep {
    /// Readings converted to the compact layout so far, of `total`.
    Converting { done: u64, total: u64 },
    /// Giving the space of the old layout back (`VACUUM`).
    Compacting,
    /// Finished.
    Done,
}

/// The tables of the new layout and of the bookkeeping; `IF NOT EXISTS` so a resumed
/// migration keeps what an earlier attempt converted.
macro_rules! tables {
    () => {
        "
CREATE TABLE IF NOT EXISTS reading_blocks (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_ms INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (session_id, start_ms)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS migrate_v6 (
    session_id INTEGER PRIMARY KEY,
    readings INTEGER NOT NULL
);
"
    };
}

/// Created in a file of the row layout (version 1-5) before any conversion.
const PREPARE: &str = tables!();

/// The SQL of migration 6 (`schema::MIGRATIONS[5]`), run after [`finish`] in the same
/// transaction: the tables (already there), and the old layout and the bookkeeping dropped.
/// What it leaves is what a version-6 file has.
pub(super) const MIGRATION: &str = concat!(
    tables!(),
    "
DROP TABLE readings;
DROP TABLE migrate_v6;
"
);

/// Left by the transaction that sets version 6 until the file is compacted (step 4); not part
/// of the schema (an extra table, which the structural check allows).
const COMPACT_PENDING: &str = "compact_pending";

/// Step 1, in its own transaction.
pub(super) fn prepare(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = sql_err(path);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&err)?;
    tx.execute_batch(PREPARE).map_err(&err)?;
    tx.commit().map_err(&err)
}

/// Step 2: convert sessions not yet in `migrate_v6`, a batch per transaction, reporting
/// progress.
pub(super) fn convert_batches(
    conn: &mut Connection,
    path: &Path,
    progress: &mut dyn FnMut(MigrationStep),
) -> Result<(), StoreError> {
    let err = sql_err(path);
    let total: u64 = conn
        .query_row("SELECT count(*) FROM readings", [], |r| r.get::<_, i64>(0))
        .map_err(&err)?
        .max(0) as u64;
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let done: u64 = tx
            .query_row(
                "SELECT coalesce(sum(readings), 0) FROM migrate_v6",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(&err)?
            .max(0) as u64;
        progress(MigrationStep::Converting { done, total });
        let todo = pending_sessions(&tx, path)?;
        if todo.is_empty() {
            return Ok(());
        }
        let mut converted = 0u64;
        for (id, source) in todo {
            converted += convert_session(&tx, path, id, source)?;
            if converted >= BATCH_READINGS {
                break;
            }
        }
        tx.commit().map_err(&err)?;
    }
}

/// Step 3, inside the caller's transaction (the one that sets version 6 and drops `readings`):
/// convert what is left or changed.
pub(super) fn finish(tx: &Connection, path: &Path) -> Result<(), StoreError> {
    let err = sql_err(path);
    // A new file gets here without step 1.
    tx.execute_batch(PREPARE).map_err(&err)?;
    // Sessions whose reading count differs from what was converted (a version-5 talkzone may
    // have recorded meanwhile) are converted again.
    let changed: Vec<SessionId> = {
        let mut st = tx
            .prepare(
                "SELECT m.session_id FROM migrate_v6 m \
                 LEFT JOIN (SELECT session_id, count(*) AS n FROM readings GROUP BY session_id) r \
                 ON r.session_id = m.session_id WHERE coalesce(r.n, 0) != m.readings",
            )
            .map_err(&err)?;
        let ids = st
            .query_map([], |r| r.get(0))
            .map_err(&err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&err)?;
        ids
    };
    for id in changed {
        tx.execute("DELETE FROM migrate_v6 WHERE session_id = ?1", [id])
            .map_err(&err)?;
    }
    for (id, source) in pending_sessions(tx, path)? {
        convert_session(tx, path, id, source)?;
    }
    Ok(())
}

/// After [`MIGRATION`], in the same transaction: mark the file as still to be compacted.
pub(super) fn mark_compaction(tx: &Connection, path: &Path) -> Result<(), StoreError> {
    tx.execute_batch(&format!("CREATE TABLE {COMPACT_PENDING} (x)"))
        .map_err(sql_err(path))
}

/// Step 4, after version 6 is committed: `VACUUM` if a migration left its marker.
pub(super) fn compact_if_pending(
    conn: &Connection,
    path: &Path,
    progress: &mut dyn FnMut(MigrationStep),
) -> Result<(), StoreError> {
    let err = sql_err(path);
    let pending: bool = conn
        .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1")
        .and_then(|mut st| st.exists([COMPACT_PENDING]))
        .map_err(&err)?;
    if !pending {
        return Ok(());
    }
    progress(MigrationStep::Compacting);
    conn.execute_batch("VACUUM").map_err(&err)?;
    conn.execute_batch(&format!("DROP TABLE IF EXISTS {COMPACT_PENDING}"))
        .map_err(&err)?;
    progress(MigrationStep::Done);
    Ok(())
}

/// Sessions not yet converted, by id, with their source.
fn pending_sessions(tx: &Connection, path: &Path) -> Result<Vec<(SessionId, Source)>, StoreError> {
    let mut st = tx
        .prepare(
            "SELECT id, source FROM sessions \
             WHERE id NOT IN (SELECT session_id FROM migrate_v6) ORDER BY id",
        )
        .map_err(sql_err(path))?;
    let rows = st
        .query_map([], |row| {
            Ok((
                decode::key_text(row),
                col(row, 0)
                    .and_then(|v| decode::int(v, "id"))
                    .and_then(|id| {
                        Ok((id, decode::source(decode::text(col(row, 1)?, "source")?)?))
                    }),
            ))
        })
        .map_err(sql_err(path))?;
    let mut out = Vec::new();
    for row in rows {
        let (key, decoded) = row.map_err(sql_err(path))?;
        out.push(decoded.map_err(|detail| StoreError::BadRow {
            path: path.to_owned(),
            table: "sessions",
            row: format!("id {key}"),
            detail,
        })?);
    }
    Ok(out)
}

/// Convert session `id`: its rows in the order versions 1-5 read them, into blocks (replacing any
/// an interrupted attempt left), and mark it done. How many readings it had.
fn convert_session(
    tx: &Connection,
    path: &Path,
    id: SessionId,
    source: Source,
) -> Result<u64, StoreError> {
    let err = sql_err(path);
    let readings = {
        let mut st = tx
            .prepare_cached(
                "SELECT rowid, t_ms, hr, contact, energy_kj, rr FROM readings \
                 WHERE session_id = ?1 ORDER BY t_ms, rowid",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([id], |row| {
                Ok(row_reading(row, source).map_err(|d| (decode::key_text(row), d)))
            })
            .map_err(&err)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(
                row.map_err(&err)?
                    .map_err(|(key, detail)| StoreError::BadRow {
                        path: path.to_owned(),
                        table: "readings",
                        row: format!("rowid {key}"),
                        detail,
                    })?,
            );
        }
        out
    };
    tx.execute("DELETE FROM reading_blocks WHERE session_id = ?1", [id])
        .map_err(&err)?;
    write_blocks(tx, path, id, &readings)?;
    tx.execute(
        "INSERT INTO migrate_v6 (session_id, readings) VALUES (?1, ?2)",
        params![id, readings.len() as i64],
    )
    .map_err(&err)?;
    Ok(readings.len() as u64)
}

/// One `readings` row (versions 1-5): rowid, t_ms, hr, contact, energy_kj, rr.
fn row_reading(row: &rusqlite::Row<'_>, source: Source) -> Result<Reading, Bad> {
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
