//! `talkzone check`'s engine: SQLite's full `PRAGMA integrity_check` over the whole file (every
//! page of every table and index, every index entry against its row, the free-page list),
//! reporting progress in pages, and SQLite's findings mapped to the tables and indexes they
//! are about, so the user is told what is damaged in talkzone's words.
//!
//! It reads only, on a read-only connection of its own, and it does not need the file to pass
//! the structural check at open (the point is to say what is wrong with a file that fails it);
//! it only refuses a file that is not SQLite or not talkzone's.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rusqlite::Connection;

use super::structure::quoted;
use super::{damage, schema, Db, SessionId, StoreError, APPLICATION_ID};

/// How far the check is, in pages of the file; then, once every page was walked, SQLite
/// compares every index entry with its row, for which no total is known (`pages_done`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckProgress {
    pub done: u64,
    pub total: u64,
    pub pages_done: bool,
}

/// One damaged part of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// An index: its table's rows are intact, and rebuilding the index repairs it.
    Index { name: String, table: String },
    /// A table's own pages: some of its rows may be lost.
    Table { name: String },
    /// The free-page list or pages that belong to nothing: no data is affected.
    FreeSpace,
    /// The schema itself (page 1) or what SQLite could not place.
    Unplaced,
}

/// What `PRAGMA integrity_check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// The pages checked (the file's page count).
    pub pages: u64,
    /// SQLite's own lines (at most [`MAX_LINES`]); empty when the file is sound.
    pub problems: Vec<String>,
    /// What the problems are about, each part once, tables before indexes.
    pub damaged: Vec<Damage>,
    /// When a table is damaged: the sessions whose readings cannot be read back (each one
    /// read as `summary` and `export` read it); the others can still be exported.
    pub unreadable_sessions: Vec<SessionId>,
}

impl CheckReport {
    /// Whether the file is sound.
    pub fn is_sound(&self) -> bool {
        self.problems.is_empty()
    }
}

/// At most this many of SQLite's lines are kept.
pub const MAX_LINES: usize = 100;

/// The progress callback is called every this many pages (or SQLite steps, once the pages are
/// done and the index entries are compared with their rows).
const PROGRESS_EVERY: i32 = 64;

/// Run the full integrity check on the database file at `path`, calling `progress` as pages
/// are checked.
pub fn check_file(
    path: &Path,
    progress: impl FnMut(CheckProgress) + Send + 'static,
) -> Result<CheckReport, StoreError> {
    let conn = schema::read_connection(path)?;
    let classify = |e| damage::classify(path, e);
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(classify)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(classify)?;
    // An empty file (talkzone adopts it at the next open) has nothing to check.
    if app_id != APPLICATION_ID && objects > 0 {
        return Err(StoreError::NotTalkzone {
            path: path.to_owned(),
        });
    }
    let pages: u64 = conn
        .pragma_query_value(None, "page_count", |r| r.get::<_, i64>(0))
        .map_err(classify)?
        .try_into()
        .unwrap_or(0);
    let roots = roots(&conn);

    let ticks = Arc::new(AtomicU64::new(0));
    let mut progress = progress;
    {
        let ticks = Arc::clone(&ticks);
        conn.progress_handler(
            PROGRESS_EVERY,
            Some(move || {
                let n = ticks.fetch_add(1, Ordering::Relaxed) + 1;
                let steps = n * PROGRESS_EVERY as u64;
                progress(CheckProgress {
                    done: steps.min(pages),
                    total: pages,
                    pages_done: steps >= pages,
                });
                false
            }),
        );
    }
    let whole = integrity_lines(&conn, &MAX_LINES.to_string());
    let (problems, mut damaged) = match whole {
        Ok(lines) => (lines, Vec::new()),
        // The check stops at the first page it cannot read through while comparing rows with
        // their indexes, and its findings are lost: check one table (with its indexes) at a
        // time, and name the tables that stop it.
        Err(e) if damage::is_corruption(&e) => by_table(&conn, &roots).map_err(classify)?,
        Err(e) => return Err(classify(e)),
    };
    let problems: Vec<String> = problems.into_iter().filter(|l| l != "ok").collect();
    for d in place(&problems, &roots) {
        if !damaged.contains(&d) {
            damaged.push(d);
        }
    }
    damaged.sort_by_key(rank);
    let tables_hit = damaged
        .iter()
        .any(|d| matches!(d, Damage::Table { .. } | Damage::Unplaced));
    let db = Db {
        conn,
        path: path.to_owned(),
        read_only: true,
        notices: Vec::new(),
    };
    let unreadable_sessions = if tables_hit {
        unreadable_sessions(&db)
    } else {
        Vec::new()
    };
    db.conn.progress_handler(0, None::<fn() -> bool>);
    Ok(CheckReport {
        pages,
        problems,
        damaged,
        unreadable_sessions,
    })
}

/// A b-tree of the schema: root page, `table` or `index`, name, its table.
type Root = (u64, String, String, String);

/// Every table's and index's root page, name and table, as far as the schema can be read.
fn roots(conn: &Connection) -> Vec<Root> {
    let read = || -> rusqlite::Result<Vec<Root>> {
        let mut st = conn.prepare(
            "SELECT rootpage, type, name, tbl_name FROM sqlite_schema \
             WHERE type IN ('table', 'index') AND rootpage > 0",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?.try_into().unwrap_or(0),
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?;
        rows.collect()
    };
    read().unwrap_or_default()
}

/// Every session whose readings (or the session row itself) cannot be read back, by reading
/// each one as the commands do (whatever the readings' layout); empty when even the list of
/// sessions cannot be read.
fn unreadable_sessions(db: &Db) -> Vec<SessionId> {
    let ids: Vec<SessionId> = db
        .conn
        .prepare("SELECT id FROM sessions ORDER BY id")
        .and_then(|mut st| {
            st.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap_or_default();
    ids.into_iter()
        .filter(|&id| {
            matches!(
                db.readings(id),
                Err(StoreError::Corrupt { .. } | StoreError::BadRow { .. })
            )
        })
        .collect()
}

/// `PRAGMA integrity_check(arg)`'s lines (`ok` alone when sound); `arg` is the most lines to
/// report, or one table to check with its indexes.
fn integrity_lines(conn: &Connection, arg: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare(&format!("PRAGMA integrity_check({arg})"))?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// The check one b-tree at a time: each table and index is read through on its own (a
/// count over all its pages); those SQLite cannot read through are named as damaged, and the
/// tables whose b-trees all read get their own integrity check (with their findings).
type Findings = (Vec<String>, Vec<Damage>);
fn by_table(conn: &Connection, roots: &[Root]) -> rusqlite::Result<Findings> {
    let mut lines = Vec::new();
    let mut damaged = Vec::new();
    let mut stopped: Vec<&str> = Vec::new();
    for (_, kind, name, table) in roots {
        let sql = if kind == "table" {
            format!("SELECT count(*) FROM {} NOT INDEXED", quoted(name))
        } else {
            format!(
                "SELECT count(*) FROM {} INDEXED BY {}",
                quoted(table),
                quoted(name)
            )
        };
        match conn.query_row(&sql, [], |_| Ok(())) {
            Ok(()) => {}
            Err(e) if damage::is_corruption(&e) => {
                lines.push(format!(
                    "{kind} {name}: {e} (the check cannot read through it)"
                ));
                damaged.push(if kind == "table" {
                    Damage::Table { name: name.clone() }
                } else {
                    Damage::Index {
                        name: name.clone(),
                        table: table.clone(),
                    }
                });
                stopped.push(table);
            }
            // An index the planner cannot scan alone (a partial index) is not damage.
            Err(_) if kind == "index" => {}
            Err(e) => return Err(e),
        }
    }
    for (_, kind, name, _) in roots {
        if kind != "table" || stopped.contains(&name.as_str()) {
            continue;
        }
        match integrity_lines(conn, &quoted(name)) {
            Ok(found) => lines.extend(found),
            Err(e) if damage::is_corruption(&e) => {
                lines.push(format!(
                    "table {name}: {e} (the check cannot read through it)"
                ));
                damaged.push(Damage::Table { name: name.clone() });
            }
            Err(e) => return Err(e),
        }
    }
    Ok((lines, damaged))
}

/// Tables before indexes before free space; what could not be placed first.
fn rank(d: &Damage) -> u8 {
    match d {
        Damage::Unplaced => 0,
        Damage::Table { .. } => 1,
        Damage::Index { .. } => 2,
        Damage::FreeSpace => 3,
    }
}

/// What each of SQLite's lines is about: "Tree N page P ..." names a b-tree by its root page;
/// "... in index NAME", "row R missing from index NAME", "NULL value in TABLE.COLUMN" name it;
/// "Page P: never used" and free-list lines are about free space.
fn place(problems: &[String], roots: &[Root]) -> Vec<Damage> {
    let by_root = |n: u64| roots.iter().find(|r| r.0 == n);
    let by_name = |name: &str| roots.iter().find(|r| r.2 == name);
    let as_damage = |r: &Root| {
        if r.1 == "index" {
            Damage::Index {
                name: r.2.clone(),
                table: r.3.clone(),
            }
        } else {
            Damage::Table { name: r.2.clone() }
        }
    };
    let mut out: Vec<Damage> = Vec::new();
    // SQLite may put several lines in one row, after a "*** in database main ***" heading.
    for line in problems
        .iter()
        .flat_map(|p| p.lines())
        .filter(|l| !l.starts_with("*** in database"))
    {
        let found = if let Some(rest) = line.strip_prefix("Tree ") {
            let root: Option<u64> = rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok());
            root.and_then(by_root).map(as_damage)
        } else if let Some(name) = line
            .strip_prefix("table ")
            .and_then(|r| r.split(':').next())
        {
            by_name(name).map(as_damage)
        } else if let Some(name) = word_after(line, "index ") {
            by_name(name).map(as_damage)
        } else if let Some(name) = word_after(line, "value in ") {
            let table = name.split('.').next().unwrap_or(name);
            by_name(table).map(as_damage)
        } else if line.contains("never used") || line.to_ascii_lowercase().contains("freelist") {
            Some(Damage::FreeSpace)
        } else {
            None
        };
        let d = found.unwrap_or(Damage::Unplaced);
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out.sort_by_key(rank);
    out
}

/// The word following `marker` in `line`.
fn word_after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let at = line.find(marker)? + marker.len();
    line[at..]
        .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
        .next()
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> Vec<Root> {
        [
            (2, "table", "sessions", "sessions"),
            (3, "table", "readings", "readings"),
            (4, "index", "readings_by_session", "readings"),
        ]
        .iter()
        .map(|(n, k, name, t)| (*n, k.to_string(), name.to_string(), t.to_string()))
        .collect()
    }

    #[test]
    fn sqlite_lines_are_placed_on_tables_and_indexes() {
        let lines: Vec<String> = [
            "Tree 4 page 812 cell 3: Rowid 77 out of order",
            "row 12 missing from index readings_by_session",
            "Tree 3 page 500: btreeInitPage() returns error code 11",
            "Tree 3 page 501: btreeInitPage() returns error code 11",
            "NULL value in sessions.start_ms",
            "Page 900: never used",
            "something else entirely",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            place(&lines, &roots()),
            vec![
                Damage::Unplaced,
                Damage::Table {
                    name: "readings".into()
                },
                Damage::Table {
                    name: "sessions".into()
                },
                Damage::Index {
                    name: "readings_by_session".into(),
                    table: "readings".into()
                },
                Damage::FreeSpace,
            ]
        );
    }

    #[test]
    fn an_unknown_root_is_unplaced() {
        let lines = vec!["Tree 99 page 1: x".to_string()];
        assert_eq!(place(&lines, &roots()), vec![Damage::Unplaced]);
    }
}
