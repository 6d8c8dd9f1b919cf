//! The structural check every open runs, costing the same on an empty and a ten-year file: the
//! tables and indexes this schema version must have are there, and the root of every table
//! and index can be read. With the header checks of `schema` (SQLite's magic, which SQLite
//! follows with its own checks of page 1 and of the file's length against the header's page
//! count) it catches a file that is not ours, truncated, or damaged at its roots; damage deeper
//! inside is found by the command that touches it ([`super::damage`]) or by `talkzone check`
//! ([`super::check`]). A few page reads per table, whatever the file holds.

use std::path::Path;

use rusqlite::Connection;

use super::damage;
use super::schema::MIGRATIONS;
use super::StoreError;

/// A table or index of the schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Object {
    kind: String,
    name: String,
    table: String,
}

/// Check, on a read connection inside one read transaction, that the file holds every table
/// and index of schema `version` and that each one's root page reads.
pub(super) fn verify(conn: &Connection, path: &Path, version: i64) -> Result<(), StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let found = objects(conn).map_err(|e| damage::classify(path, e))?;
    let expected = expected(version).map_err(|e| StoreError::Sqlite {
        path: path.to_owned(),
        source: e,
    })?;
    if let Some(missing) = expected
        .iter()
        .find(|o| !found.iter().any(|f| f.kind == o.kind && f.name == o.name))
    {
        return Err(corrupt(format!(
            "its {} {} is missing, which schema version {version} has",
            missing.kind, missing.name
        )));
    }
    for o in &found {
        let sql = match o.kind.as_str() {
            "table" => format!("SELECT 1 FROM {} NOT INDEXED LIMIT 1", quoted(&o.name)),
            _ => format!(
                "SELECT 1 FROM {} INDEXED BY {} LIMIT 1",
                quoted(&o.table),
                quoted(&o.name)
            ),
        };
        let probe = conn
            .prepare(&sql)
            .and_then(|mut st| st.exists([]).map(|_| ()));
        match probe {
            Ok(()) => {}
            Err(e) if damage::is_corruption(&e) => {
                damage::mark_damaged(path);
                return Err(corrupt(format!("{} {}: {e}", o.kind, o.name)));
            }
            // An index the planner cannot scan alone (a partial index) is not damage.
            Err(_) if o.kind == "index" => {}
            Err(e) => return Err(damage::classify(path, e)),
        }
    }
    Ok(())
}

/// The tables and indexes stored in the file (those with a b-tree of their own).
fn objects(conn: &Connection) -> rusqlite::Result<Vec<Object>> {
    let mut st = conn.prepare(
        "SELECT type, name, tbl_name FROM sqlite_schema \
         WHERE type IN ('table', 'index') AND rootpage > 0 ORDER BY type DESC, name",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Object {
            kind: r.get(0)?,
            name: r.get(1)?,
            table: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// The tables and indexes a file at schema `version` has: those the first `version`
/// migrations create, replayed on an empty in-memory database.
fn expected(version: i64) -> rusqlite::Result<Vec<Object>> {
    let mem = Connection::open_in_memory()?;
    let n = usize::try_from(version).unwrap_or(0).min(MIGRATIONS.len());
    for sql in &MIGRATIONS[..n] {
        mem.execute_batch(sql)?;
    }
    objects(&mem)
}

/// `name` as an SQL identifier.
pub(super) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_expects_what_its_migrations_create() {
        assert!(expected(0).unwrap().is_empty());
        let v1 = expected(1).unwrap();
        assert!(v1.iter().any(|o| o.kind == "table" && o.name == "sessions"));
        assert!(!v1.iter().any(|o| o.name == "laps"));
        let all = expected(MIGRATIONS.len() as i64).unwrap();
        assert!(all.iter().any(|o| o.kind == "table" && o.name == "laps"));
        assert!(all.len() > v1.len());
    }

    #[test]
    fn a_missing_table_and_an_unreadable_root_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.db");
        let conn = Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..1] {
            conn.execute_batch(sql).unwrap();
        }
        verify(&conn, &path, 1).unwrap();
        conn.execute_batch("DROP TABLE gaps").unwrap();
        let e = verify(&conn, &path, 1).unwrap_err().to_string();
        assert!(e.contains("table gaps is missing"), "{e}");
    }

    #[test]
    fn names_are_quoted() {
        assert_eq!(quoted(r#"a"b"#), r#""a""b""#);
    }
}
