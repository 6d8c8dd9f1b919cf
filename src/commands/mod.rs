//! One thin function per subcommand: settings in, a source, the core and an output wired
//! together, an [`crate::error::AppError`] or success out. Recording: [`live`], [`morning`],
//! [`calibrate`];
//! reading the history: [`sessions`], [`summary`], [`thresholds`], [`week`], [`trend`],
//! [`readiness`], [`zones`], [`calibrations`]; changing it: [`log`], [`delete`], [`import`];
//! out: [`export`]; the file itself: [`check`]; the radio: [`scan`]. Commands that only read
//! open the database with [`open_db_to_read`] (read-only when it cannot be written), the
//! others with [`open_db`]; `migration_progress` shows a one-time conversion of an old file.

pub mod calibrate;
pub mod calibrations;
pub mod check;
pub mod delete;
pub mod export;
pub mod import;
pub mod live;
pub mod log;
mod migration_progress;
pub mod morning;
pub mod readiness;
pub mod scan;
pub mod sessions;
pub mod summary;
pub mod thresholds;
pub mod trend;
pub mod week;
pub mod zones;

use crate::cli::Cli;
use crate::config::{self, ConfigInputs, Settings};
use crate::error::AppError;
use crate::runner::SourcePlan;

/// Load the settings for this invocation (config file, environment, global flags).
pub fn settings(cli: &Cli) -> Result<Settings, AppError> {
    let inputs = ConfigInputs::from_env(cli.config.clone(), cli.data_dir.clone());
    Ok(config::load(&inputs)?)
}

/// Turn the source flags (shared by `live`, `morning` and `calibrate`) into a [`SourcePlan`]:
/// read a replay (reporting bad lines), create the capture file, and say which strap to look
/// for. The simulator plays its default workout unless the command sets another.
pub fn source_plan(
    settings: &Settings,
    args: &crate::cli::SourceArgs,
) -> Result<SourcePlan, AppError> {
    use crate::source::{replay, SourceKind};
    let kind = if args.simulate {
        SourceKind::Simulator {
            fast: args.fast,
            seed: args.seed,
        }
    } else if let Some(path) = &args.replay {
        SourceKind::Replay {
            path: path.clone(),
            fast: args.fast,
        }
    } else {
        if args.fast {
            return Err(AppError::Usage(
                "--fast only applies to --replay or --simulate".into(),
            ));
        }
        SourceKind::Ble
    };
    let replayed = match &args.replay {
        Some(path) => {
            let c = replay::load(path, chrono::Utc::now())?;
            for line in bad_line_report(&path.display().to_string(), &c.bad_lines) {
                eprintln!("{line}");
            }
            c.events
        }
        None => Vec::new(),
    };
    let capture = match &args.capture {
        Some(path) => Some(
            crate::owner_only::create_file(path).map_err(|e| AppError::Input {
                path: path.clone(),
                message: format!("cannot create the capture file: {e}"),
            })?,
        ),
        None => None,
    };
    let ble = crate::source::start::BleTarget {
        adapter: args.adapter.clone().or(settings.device.adapter.clone()),
        wanted: wanted_strap(settings, args.device.as_deref()),
        find_window: args.scan_timeout,
        watchdog: args.watchdog.unwrap_or(settings.device.watchdog),
    };
    Ok(SourcePlan {
        kind,
        ble,
        replayed,
        workout: None,
        capture,
    })
}

/// At most this many bad capture lines are named one by one; the rest are counted.
const BAD_LINES_NAMED: usize = 20;

/// The stderr lines naming a capture's bad lines: the first [`BAD_LINES_NAMED`] problems, one
/// line each, then a count of the other lines.
fn bad_line_report(path: &str, bad: &[crate::protocol::capture::CaptureLineError]) -> Vec<String> {
    let mut out: Vec<String> = bad
        .iter()
        .take(BAD_LINES_NAMED)
        .map(|e| format!("talkzone: {path}: {e}"))
        .collect();
    let more: usize = bad.iter().skip(BAD_LINES_NAMED).map(|e| e.count).sum();
    if more > 0 {
        out.push(format!(
            "talkzone: {path}: and {more} more line{} that could not be used (skipped)",
            if more == 1 { "" } else { "s" }
        ));
    }
    out
}

/// The strap asked for: `--device`, else `[device]`, else the one used last time or the
/// strongest.
pub fn wanted_strap(settings: &Settings, device: Option<&str>) -> crate::source::ble::scan::Wanted {
    use crate::source::ble::scan::Wanted;
    match (device, &settings.device.address, &settings.device.name) {
        (Some(arg), _, _) => Wanted::from_arg(arg),
        (None, Some(addr), _) => Wanted::Address(addr.to_ascii_uppercase()),
        (None, None, Some(name)) => Wanted::Name(name.clone()),
        (None, None, None) => Wanted::Any {
            remembered: crate::store::strap::load(&settings.storage.data_dir).map(|s| s.address),
        },
    }
}

/// Write `text` to stdout; a closed pipe (`| head`) ends quietly.
pub fn print(text: &str) -> Result<(), AppError> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(AppError::Output(e)),
        _ => Ok(()),
    }
}

/// Print a JSON value on one line.
pub fn print_json(v: &serde_json::Value) -> Result<(), AppError> {
    print(&format!("{v}\n"))
}

/// Open the database and recover sessions a killed process left unfinished (telling the user,
/// as about permissions made private again).
pub fn open_db(settings: &Settings) -> Result<crate::store::db::Db, AppError> {
    let mut progress = migration_progress::MigrationProgress::default();
    let mut db = crate::store::db::Db::open_reporting(&settings.storage.data_dir, &mut |s| {
        progress.show(s)
    })?;
    for note in db.notices() {
        eprintln!("talkzone: {note}");
    }
    // Recovery reads every reading of the killed session (to summarise it): the pages a crash
    // could have touched, bounded by one session. Damage there is told, the session is left
    // as it is (nothing is written to a damaged file), and the command goes on.
    match crate::session::recover_unfinished(&mut db, settings) {
        Ok(recovered) => {
            for (id, s) in recovered {
                eprintln!(
                    "talkzone: session {id} from an earlier run was not finished; recovered \
                     it: {}",
                    s.verdict
                );
            }
        }
        Err(AppError::Store(e @ crate::store::db::StoreError::Corrupt { .. })) => {
            eprintln!(
                "talkzone: a session left unfinished by an earlier run could not be recovered: {e}"
            );
        }
        Err(e) => return Err(e),
    }
    Ok(db)
}

/// Open the database for a command that only reads it: as [`open_db`] (which also recovers
/// killed recordings) when it can be written, else read-only, saying so, so that a file on a
/// read-only or full disk, or one the user may not write, can still be listed and exported.
pub fn open_db_to_read(settings: &Settings) -> Result<crate::store::db::Db, AppError> {
    match open_db(settings) {
        Err(AppError::Store(e)) if e.is_cannot_write() => {
            let Ok(db) = crate::store::db::Db::open_read_only(&settings.storage.data_dir) else {
                return Err(AppError::Store(e));
            };
            eprintln!("talkzone: {e}");
            eprintln!("talkzone: reading it as it is, without changing anything.");
            Ok(db)
        }
        other => other,
    }
}

/// Runs a command's async work on a multi-threaded tokio runtime, and then shuts the runtime
/// down without waiting more than a moment for what the Bluetooth library may still have
/// running (a D-Bus call to a service that went away never returns).
pub fn block_on<T>(work: impl std::future::Future<Output = T>) -> Result<T, AppError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(AppError::Runtime)?;
    let out = runtime.block_on(work);
    runtime.shutdown_timeout(std::time::Duration::from_millis(300));
    Ok(out)
}
