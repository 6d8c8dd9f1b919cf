//! `talkzone check [--json]`: SQLite's full integrity check of the database, with a progress
//! bar on a terminal; exit 0 when the file is sound, 10 with what is damaged and what to do.
//!
//! Everyday commands only check the file's structure when they open it (cheap, whatever its
//! size) and report a damaged page when they touch one; this is the whole-file check they
//! point to. It only reads: a damaged file is left exactly as it is.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::{Cli, JsonArgs};
use crate::error::AppError;
use crate::store::db::{check_file, CheckReport, Damage, FILE_NAME};

/// Check the database.
pub fn run(cli: &Cli, args: &JsonArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let path = settings.storage.data_dir.join(FILE_NAME);
    if !path.exists() {
        return super::print(&format!(
            "There is no database yet at {}: nothing to check.\n",
            path.display()
        ));
    }
    let bar = progress_bar();
    let report = {
        let bar = bar.clone();
        let mut comparing = false;
        check_file(&path, move |p| {
            if p.pages_done && !comparing {
                comparing = true;
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} every page read; comparing each index with its table ({elapsed})",
                ) {
                    bar.set_style(style);
                }
            }
            if comparing {
                bar.tick();
            } else {
                bar.set_length(p.total);
                bar.set_position(p.done);
            }
        })?
    };
    bar.finish_and_clear();
    let shown = path.display().to_string();
    if args.json {
        super::print_json(&json!({
            "path": shown,
            "sound": report.is_sound(),
            "pages": report.pages,
            "problems": report.problems,
            "damaged": report.damaged.iter().map(damage_json).collect::<Vec<_>>(),
        }))?;
    } else {
        super::print(&report_text(&shown, &report))?;
    }
    if report.is_sound() {
        Ok(())
    } else {
        Err(AppError::Damaged(format!(
            "{shown} is damaged: {} (what to do is {}).",
            report
                .damaged
                .iter()
                .map(damage_name)
                .collect::<Vec<_>>()
                .join(", "),
            if args.json {
                "in `talkzone check` without --json"
            } else {
                "above"
            }
        )))
    }
}

/// A bar on stderr, only on a terminal.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("checking {bar:30} {percent:>3}% of {len} pages")
    {
        bar.set_style(style);
    }
    bar
}

fn damage_name(d: &Damage) -> String {
    match d {
        Damage::Index { name, .. } => format!("index {name}"),
        Damage::Table { name } => format!("table {name}"),
        Damage::FreeSpace => "free space".into(),
        Damage::Unplaced => "the file's structure".into(),
    }
}

fn damage_json(d: &Damage) -> serde_json::Value {
    match d {
        Damage::Index { name, table } => json!({"kind": "index", "name": name, "table": table}),
        Damage::Table { name } => json!({"kind": "table", "name": name}),
        Damage::FreeSpace => json!({"kind": "free_space"}),
        Damage::Unplaced => json!({"kind": "structure"}),
    }
}

/// What a table holds, in the user's words.
fn holds(table: &str) -> &'static str {
    match table {
        "sessions" => "the list of sessions and their summaries",
        "readings" | "reading_blocks" => "the heart-rate readings of sessions",
        "morning_checks" => "the morning checks",
        "gaps" | "laps" => "the gaps and laps of sessions",
        "imports" => "which files were imported",
        "strength_days" => "the strength-training log",
        _ => "talkzone data",
    }
}

/// The report: sound, or each damaged part with what it means, SQLite's own lines, and what to
/// do.
pub fn report_text(path: &str, r: &CheckReport) -> String {
    if r.is_sound() {
        return format!("{path}: sound ({} pages checked).\n", r.pages);
    }
    let mut out = format!(
        "{path} is damaged. SQLite's integrity check ({} pages) found:\n",
        r.pages
    );
    for d in &r.damaged {
        out.push_str(&match d {
            Damage::Table { name } => format!(
                "  - table {name} ({}): some of it may be lost\n",
                holds(name)
            ),
            Damage::Index { name, table } => format!(
                "  - index {name} (a lookup index of table {table}): no data lost, it can be \
                 rebuilt\n"
            ),
            Damage::FreeSpace => "  - the list of free pages: no data lost\n".into(),
            Damage::Unplaced => {
                "  - the file's structure (pages SQLite could not place in a table)\n".into()
            }
        });
    }
    out.push_str("SQLite said:\n");
    for line in &r.problems {
        out.push_str(&format!("  {line}\n"));
    }
    let data_lost = r
        .damaged
        .iter()
        .any(|d| matches!(d, Damage::Table { .. } | Damage::Unplaced));
    out.push_str("What to do:\n");
    out.push_str(&format!(
        "  1. Keep a copy of the file as it is: cp {path} {path}.damaged\n"
    ));
    if data_lost {
        out.push_str(&format!(
            "  2. Restore {FILE_NAME} from a backup if you have one. Otherwise save what can \
             still be read: `talkzone export ID --format json -o FILE` works for every session \
             whose readings are not on a damaged page (the others fail, naming the damage), \
             and `sqlite3 {path} .recover | sqlite3 recovered.db` salvages what SQLite can.\n"
        ));
    } else {
        out.push_str(&format!(
            "  2. Nothing is lost: rebuild the indexes with `sqlite3 {path} REINDEX` (or \
             `VACUUM` for free pages), then run `talkzone check` again.\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sound_file_says_so_and_a_damaged_one_names_the_parts_and_what_to_do() {
        let sound = CheckReport {
            pages: 12,
            problems: vec![],
            damaged: vec![],
        };
        assert_eq!(
            report_text("/d/talkzone.db", &sound),
            "/d/talkzone.db: sound (12 pages checked).\n"
        );
        let index_only = CheckReport {
            pages: 12,
            problems: vec!["row 3 missing from index readings_by_session".into()],
            damaged: vec![Damage::Index {
                name: "readings_by_session".into(),
                table: "readings".into(),
            }],
        };
        let t = report_text("/d/talkzone.db", &index_only);
        assert!(t.contains("index readings_by_session"), "{t}");
        assert!(t.contains("no data lost"), "{t}");
        assert!(t.contains("REINDEX"), "{t}");
        let table = CheckReport {
            pages: 12,
            problems: vec!["Tree 3 page 5: btreeInitPage() returns error code 11".into()],
            damaged: vec![Damage::Table {
                name: "readings".into(),
            }],
        };
        let t = report_text("/d/talkzone.db", &table);
        assert!(t.contains("table readings (the heart-rate readings"), "{t}");
        assert!(t.contains("from a backup"), "{t}");
        assert!(t.contains("Tree 3 page 5"), "{t}");
        assert!(!t.contains("REINDEX"), "{t}");
    }
}
