//! `talkzone import FILE|DIR...`: FIT and TCX workouts from watches, bike computers and apps
//! become talkzone sessions, summarised like live ones.
//!
//! Decisions:
//! - Folders are searched with their subfolders for files named `*.fit` or `*.tcx` (any case),
//!   in name order; symbolic links to folders are not followed (no loops). A file named on the
//!   command line is read whatever its name: the content says what it is.
//! - Each activity in a file becomes one session (source `import`, the file's sport kept),
//!   summarised with the zones in force now (stored with the session, as for a live one) and
//!   status `complete`. Its readings and the record of where it came from are written in one
//!   transaction ([`Db::add_imported_session`]).
//! - A file is recognised by the SHA-256 of its bytes, whatever its name or folder: importing
//!   it again reports `duplicate` and adds nothing. Deleting a session forgets that its activity
//!   was imported, so the file can be imported again (only the deleted activities come back).
//! - A file that cannot be imported (unreadable, empty, foreign, a GPX file named `.tcx`,
//!   truncated, damaged, no reading at a time a watch could have recorded) gets one line
//!   `talkzone: PATH: problem` on stderr, the other files are still imported, and the command
//!   ends with exit code 13. A valid file without any heart rate is reported
//!   (`talkzone: PATH: no heart-rate data: skipped`) but does not fail the run: nothing is
//!   wrong with the file, it just has nothing for talkzone.
//! - Readings refused by the time rules ([`crate::timeline`]: before 2000, in the future,
//!   stray parts) get a line each run of them, `talkzone: PATH: record 3: ...: skipped`, on
//!   stderr; the rest of the file is imported. The time of the import (`now`) is read once, here,
//!   and passed to the importers.
//! - A problem with the database (not with a file) stops the run at once with its own error:
//!   every later file would meet it too. What was imported before stays imported.
//! - Standard output gets one line per imported session and per duplicate file, then a count;
//!   `--json` prints instead one array with an object per file: `file`, `status` (`imported`,
//!   `duplicate`, `no_heart_rate`, `failed`), `session_ids`, `error` (the problem, else null),
//!   `notes` (what was left out of the file, as on stderr).
//! - Each session's start and length in the report line are the summary's (first to last
//!   reading), as `talkzone sessions` and `summary` show them.
//!   A progress bar is drawn on stderr when there is more than one file and stderr is a
//!   terminal.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::{Cli, ImportArgs};
use crate::error::AppError;
use crate::interop::{self, ImportError};
use crate::physiology::summary::{SessionClass, SummaryOptions};
use crate::physiology::zones::ZoneTable;
use crate::reading::Source;
use crate::session;
use crate::store::db::{Db, ImportMark, NewSession, SessionId, SessionStatus};
use crate::ui::report::{local_when, minutes};

/// Bigger than any workout file (a day-long FIT file is a few MB): not read into memory.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// A session made from an imported activity, for the report line.
#[derive(Debug, Clone)]
struct NewlyImported {
    id: SessionId,
    start: DateTime<Utc>,
    duration_s: f64,
    class: SessionClass,
}

/// What became of one file.
#[derive(Debug, Clone)]
enum Outcome {
    /// The sessions made, and the notes on what was left out of the file.
    Imported(Vec<NewlyImported>, Vec<String>),
    /// Every activity was imported before: these sessions hold them.
    Duplicate(Vec<SessionId>),
    NoHeartRate,
    Failed(String),
}

impl Outcome {
    fn status(&self) -> &'static str {
        match self {
            Outcome::Imported(..) => "imported",
            Outcome::Duplicate(_) => "duplicate",
            Outcome::NoHeartRate => "no_heart_rate",
            Outcome::Failed(_) => "failed",
        }
    }

    fn notes(&self) -> &[String] {
        match self {
            Outcome::Imported(_, notes) => notes,
            _ => &[],
        }
    }

    fn session_ids(&self) -> Vec<SessionId> {
        match self {
            Outcome::Imported(new, _) => new.iter().map(|s| s.id).collect(),
            Outcome::Duplicate(ids) => ids.clone(),
            Outcome::NoHeartRate | Outcome::Failed(_) => Vec::new(),
        }
    }
}

/// What every import in this run shares.
struct ImportPlan {
    zones: ZoneTable,
    zones_json: String,
    opts: SummaryOptions,
    now: DateTime<Utc>,
}

/// Keeps the panic hook quiet about panics that the FIT decoder guard catches (a damaged file
/// is reported as such, in one line: no backtrace); every other panic is reported as before.
fn quiet_caught_decoder_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !interop::fit::in_decoder() {
            previous(info);
        }
    }));
}

/// Import the files and folders named.
pub fn run(cli: &Cli, args: &ImportArgs) -> Result<(), AppError> {
    quiet_caught_decoder_panics();
    let settings = super::settings(cli)?;
    let mut db = super::open_db(&settings)?;
    let zones = crate::history::zones_in_force(&settings, &db)?;
    for note in &zones.notes {
        eprintln!("talkzone: {note}");
    }
    let plan = ImportPlan {
        zones_json: serde_json::to_string(&zones.table).map_err(|source| AppError::Encode {
            what: "zones",
            source,
        })?,
        zones: zones.table,
        opts: session::summary_options(&settings),
        now: Utc::now(),
    };

    let files = workout_files(&args.paths);
    if files.is_empty() {
        return Err(AppError::Input {
            path: args.paths.first().cloned().unwrap_or_default(),
            message: "no workout files found: a folder is searched for files named *.fit or \
                      *.tcx (and its subfolders too)"
                .into(),
        });
    }
    let bar = progress_bar(files.len());
    let results = import_all(&mut db, &plan, &files, &bar, args.json);
    bar.finish_and_clear();
    let results = results?;

    let failed = results
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Failed(_)))
        .count();
    if args.json {
        let list: Vec<serde_json::Value> = results
            .iter()
            .map(|(path, outcome)| {
                json!({
                    "file": path.display().to_string(),
                    "status": outcome.status(),
                    "session_ids": outcome.session_ids(),
                    "error": match outcome {
                        Outcome::Failed(message) => Some(message.as_str()),
                        _ => None,
                    },
                    "notes": outcome.notes(),
                })
            })
            .collect();
        super::print_json(&serde_json::Value::Array(list))?;
    } else {
        super::print(&closing_count(&results))?;
    }
    if failed > 0 {
        return Err(AppError::ImportFailed(format!(
            "{failed} of {} file{} could not be imported (named above); the others were",
            results.len(),
            plural(results.len())
        )));
    }
    Ok(())
}

/// Import every file in turn, reporting each as it is done (lines above the progress bar).
fn import_all(
    db: &mut Db,
    plan: &ImportPlan,
    files: &[Result<PathBuf, (PathBuf, String)>],
    bar: &ProgressBar,
    json: bool,
) -> Result<Vec<(PathBuf, Outcome)>, AppError> {
    let mut results = Vec::with_capacity(files.len());
    for file in files {
        let (path, outcome) = match file {
            Ok(path) => {
                bar.set_message(path.display().to_string());
                (path, import_file(db, plan, path)?)
            }
            Err((path, message)) => (path, Outcome::Failed(message.clone())),
        };
        bar.suspend(|| report(path, &outcome, json))?;
        bar.inc(1);
        results.push((path.clone(), outcome));
    }
    Ok(results)
}

/// Import one file. Problems with the file are an [`Outcome`]; an `Err` is a problem with the
/// database, which ends the run.
fn import_file(db: &mut Db, plan: &ImportPlan, path: &Path) -> Result<Outcome, AppError> {
    let bytes = match read_file(path) {
        Ok(b) => b,
        Err(message) => return Ok(Outcome::Failed(message)),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = match interop::import_bytes(&bytes, &name, plan.now) {
        Ok(f) => f,
        Err(ImportError::NoHeartRate) => return Ok(Outcome::NoHeartRate),
        Err(e) => return Ok(Outcome::Failed(e.to_string())),
    };
    let known = db.import_known(&file.content_hash)?;
    let mut imported = Vec::new();
    for (i, activity) in file.activities.iter().enumerate() {
        if activity.readings.is_empty() || known.iter().any(|k| k.activity == i) {
            continue;
        }
        let new = NewSession {
            start: activity.start,
            source: Source::Import,
            device: None,
            zones_json: plan.zones_json.clone(),
        };
        let mark = ImportMark {
            hash: &file.content_hash,
            activity: i,
            file_name: &name,
            at: plan.now,
        };
        let id =
            db.add_imported_session(&new, activity.sport.as_deref(), &activity.readings, &mark)?;
        let summary = session::finish(
            db,
            id,
            activity.start,
            &activity.readings,
            &[],
            &plan.zones,
            &plan.opts,
            SessionStatus::Complete,
        )?;
        // As `talkzone sessions` and `summary` give it: first to last reading.
        imported.push(NewlyImported {
            id,
            start: summary.start.unwrap_or(activity.start),
            duration_s: summary.duration_s,
            class: summary.class,
        });
    }
    Ok(match (imported.is_empty(), known.is_empty()) {
        (false, _) => Outcome::Imported(imported, file.notes),
        (true, false) => Outcome::Duplicate(known.iter().map(|k| k.session).collect()),
        // Every activity was empty: the importers never give one, but it means no heart rate.
        (true, true) => Outcome::NoHeartRate,
    })
}

/// The file's bytes, or why they cannot be had (one line, without the path).
fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "over {} MB: too big to be a workout file",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    Ok(bytes)
}

/// Tell the user what became of one file: imported sessions and duplicates on stdout (unless
/// `--json`), problems on stderr.
fn report(path: &Path, outcome: &Outcome, json: bool) -> Result<(), AppError> {
    let p = path.display();
    match outcome {
        Outcome::Failed(message) => eprintln!("talkzone: {p}: {message}"),
        Outcome::NoHeartRate => eprintln!("talkzone: {p}: no heart-rate data: skipped"),
        _ if json => {
            for note in outcome.notes() {
                eprintln!("talkzone: {p}: {note}");
            }
        }
        Outcome::Imported(sessions, notes) => {
            for note in notes {
                eprintln!("talkzone: {p}: {note}");
            }
            let mut text = String::new();
            for s in sessions {
                text.push_str(&format!(
                    "imported {p}: session {}, {}, {}, {}\n",
                    s.id,
                    local_when(s.start),
                    minutes(s.duration_s),
                    s.class.id()
                ));
            }
            super::print(&text)?;
        }
        Outcome::Duplicate(ids) => {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            super::print(&format!(
                "duplicate {p}: already imported as session{} {}\n",
                plural(ids.len()),
                ids.join(", ")
            ))?;
        }
    }
    Ok(())
}

/// "12 files: 11 sessions imported, 1 already imported, 1 without heart rate, 2 failed."
fn closing_count(results: &[(PathBuf, Outcome)]) -> String {
    let sessions: usize = results
        .iter()
        .map(|(_, o)| match o {
            Outcome::Imported(s, _) => s.len(),
            _ => 0,
        })
        .sum();
    let count = |status: &str| results.iter().filter(|(_, o)| o.status() == status).count();
    let mut parts = vec![format!("{sessions} session{} imported", plural(sessions))];
    for (n, what) in [
        (count("duplicate"), "already imported"),
        (count("no_heart_rate"), "without heart rate"),
        (count("failed"), "failed"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    format!(
        "{} file{}: {}.\n",
        results.len(),
        plural(results.len()),
        parts.join(", ")
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A progress bar on stderr for more than one file when stderr is a terminal; else hidden.
fn progress_bar(files: usize) -> ProgressBar {
    if files < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(files as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} files  {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

/// The files to import, in order: each named file, and the workout files in each named folder.
/// An argument or folder that cannot be read is an `Err` with the problem.
fn workout_files(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => out.push(Err((path.clone(), format!("cannot read: {e}")))),
            Ok(m) if m.is_dir() => walk(path, &mut out),
            Ok(_) => out.push(Ok(path.clone())),
        }
    }
    out
}

/// Add the workout files under `dir` (subfolders too, in name order) to `out`.
fn walk(dir: &Path, out: &mut Vec<Result<PathBuf, (PathBuf, String)>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.push(Err((
                dir.to_owned(),
                format!("cannot read the folder: {e}"),
            )));
            return;
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        match entry.and_then(|e| Ok((e.path(), e.file_type()?))) {
            Ok(item) => found.push(item),
            Err(e) => out.push(Err((
                dir.to_owned(),
                format!("cannot read the folder: {e}"),
            ))),
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in found {
        if kind.is_dir() {
            walk(&path, out);
        } else if is_workout_name(&path) && (kind.is_file() || path.is_file()) {
            out.push(Ok(path));
        }
    }
}

/// Whether the file is named `*.fit` or `*.tcx`, in any case.
fn is_workout_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("fit") || e.eq_ignore_ascii_case("tcx"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workout_names() {
        for name in ["a.fit", "b.FIT", "c.Tcx", "dir/d.tcx"] {
            assert!(is_workout_name(Path::new(name)), "{name}");
        }
        for name in ["a.fit.gz", "b.txt", "fit", ".fit.bak", "c.tcxx"] {
            assert!(!is_workout_name(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn folders_are_walked_in_order_for_workout_files_only() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("b/sub")).unwrap();
        for name in ["b/sub/z.TCX", "b/a.fit", "notes.txt", "c.Fit", "a.tcx.bak"] {
            std::fs::write(root.join(name), b"x").unwrap();
        }
        let named = root.join("notes.txt");
        let missing = root.join("missing.fit");
        let found = workout_files(&[root.to_owned(), named.clone(), missing.clone()]);
        let ok: Vec<PathBuf> = found.iter().filter_map(|f| f.clone().ok()).collect();
        assert_eq!(
            ok,
            vec![
                root.join("b/a.fit"),
                root.join("b/sub/z.TCX"),
                root.join("c.Fit"),
                named
            ]
        );
        let bad: Vec<&PathBuf> = found
            .iter()
            .filter_map(|f| f.as_ref().err())
            .map(|e| &e.0)
            .collect();
        assert_eq!(bad, vec![&missing]);
    }

    #[test]
    fn closing_count_names_what_happened() {
        let s = |id| NewlyImported {
            id,
            start: DateTime::UNIX_EPOCH,
            duration_s: 60.0,
            class: SessionClass::Light,
        };
        let results = vec![
            (
                PathBuf::from("a"),
                Outcome::Imported(vec![s(1), s(2)], vec![]),
            ),
            (PathBuf::from("b"), Outcome::Duplicate(vec![3])),
            (PathBuf::from("c"), Outcome::Failed("x".into())),
        ];
        assert_eq!(
            closing_count(&results),
            "3 files: 2 sessions imported, 1 already imported, 1 failed.\n"
        );
        assert_eq!(
            closing_count(&results[1..2]),
            "1 file: 0 sessions imported, 1 already imported.\n"
        );
    }
}
