//! One thin function per subcommand: settings in, a source, the core and an output wired
//! together, an [`AppError`](crate::error::AppError) or success out.

pub mod delete;
pub mod export;
pub mod import;
pub mod live;
pub mod log;
pub mod morning;
pub mod readiness;
pub mod scan;
pub mod sessions;
pub mod summary;
pub mod trend;
pub mod week;
pub mod zones;

use std::time::Duration;

use crate::cli::Cli;
use crate::config::{self, ConfigInputs, Settings};
use crate::error::AppError;

/// Load the settings for this invocation (config file, environment, global flags).
pub fn settings(cli: &Cli) -> Result<Settings, AppError> {
    let inputs = ConfigInputs::from_env(cli.config.clone(), cli.data_dir.clone());
    Ok(config::load(&inputs)?)
}

/// A positive number of seconds from a flag, or a usage-style error naming the flag.
pub fn seconds(flag: &str, value: f64) -> Result<Duration, AppError> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            AppError::Other(format!(
                "{flag} must be a positive number of seconds, got {value}"
            ))
        })
}

/// Write `text` to stdout; a closed pipe (`| head`) ends quietly.
pub fn print(text: &str) -> Result<(), AppError> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(AppError::Other(format!("cannot write output: {e}")))
        }
        _ => Ok(()),
    }
}

/// Print a JSON value on one line.
pub fn print_json(v: &serde_json::Value) -> Result<(), AppError> {
    print(&format!("{v}\n"))
}

/// Open the database and recover sessions a killed process left unfinished (telling the user).
pub fn open_db(settings: &Settings) -> Result<crate::store::db::Db, AppError> {
    let mut db = crate::store::db::Db::open(&settings.storage.data_dir)?;
    for (id, s) in crate::session::recover_unfinished(&mut db, settings)? {
        eprintln!(
            "talkzone: session {id} from an earlier run was not finished; recovered it: {}",
            s.verdict
        );
    }
    Ok(db)
}

/// A multi-threaded tokio runtime for a command's async work.
pub fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::Other(format!("cannot start the async runtime: {e}")))
}
