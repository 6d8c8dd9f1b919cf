//! One thin function per subcommand: settings in, a source, the core and an output wired
//! together, an [`AppError`](crate::error::AppError) or success out.

pub mod live;
pub mod scan;

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

/// A multi-threaded tokio runtime for a command's async work.
pub fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::Other(format!("cannot start the async runtime: {e}")))
}
