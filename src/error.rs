//! The errors a user can act on, and the exit code each maps to (documented in `--help`).
//!
//! Every message says what went wrong *and what to do about it*: a person holding a strap at
//! 6 a.m. should not need to read source code.

use std::path::PathBuf;

use crate::source::ble::BleError;

/// Exit codes. Stable: scripts depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// Anything not listed below.
    Failure = 1,
    /// Bad command-line usage (clap's own code).
    Usage = 2,
    /// The config file is wrong.
    Config = 3,
    /// No Bluetooth adapter, or the Bluetooth service (BlueZ) is not reachable.
    BluetoothUnavailable = 4,
    /// The adapter is powered off.
    AdapterOff = 5,
    /// No heart-rate strap found in time.
    NoStrap = 6,
    /// The chosen device has no Heart Rate Service.
    NotHeartRate = 7,
    /// The operating system denied Bluetooth access.
    PermissionDenied = 8,
    /// An input file (capture to replay) could not be read.
    Input = 9,
    /// The database could not be opened: not talkzone's, damaged, or from a newer version.
    Store = 10,
    /// No such session.
    NotFound = 11,
    /// A morning check was refused (poor contact, too little clean data); its data is kept.
    CheckRefused = 12,
    /// `import`: some files could not be imported (each was named); the others were.
    ImportFailed = 13,
}

/// The exit-code table as shown at the end of `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success (also after Ctrl-C or --duration)
  1  other error
  2  bad command-line usage
  3  config error (the message names the file, line and key, or the setting to add)
  4  Bluetooth not available: no adapter, or the Bluetooth service (BlueZ) is not running
  5  Bluetooth adapter is powered off
  6  no heart-rate strap found in time
  7  the chosen device has no Heart Rate Service (0x180D)
  8  permission denied by the operating system
  9  an input file (e.g. --replay capture) could not be read
 10  the database could not be used (not talkzone's, damaged, newer version, locked);
     `talkzone check` found it damaged
 11  no such session
 12  morning check refused (poor strap contact or too little clean data; the data is kept)
 13  some files could not be imported (each is named above; the others were imported)";

/// An error that ends a command, with its message and exit code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// A flag value that clap could not check alone (it depends on another flag or the config).
    #[error("{0}")]
    Usage(String),

    #[error(transparent)]
    Zones(#[from] crate::physiology::zones::ZoneError),

    #[error(transparent)]
    Store(#[from] crate::store::db::StoreError),

    #[error("{0}")]
    NotFound(String),

    #[error("{0}")]
    CheckRefused(String),

    #[error("{0}")]
    ImportFailed(String),

    #[error(transparent)]
    Ble(#[from] BleError),

    /// A capture to replay could not be used.
    #[error(transparent)]
    Capture(#[from] crate::source::replay::CaptureFileError),

    /// An input file named on the command line (not a capture) could not be used.
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },

    #[error(transparent)]
    Plot(#[from] crate::ui::plot::PlotError),

    /// `-o FILE` could not be written.
    #[error("{}: cannot write the export: {source}", path.display())]
    Export {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Standard output failed (other than a closed pipe, which ends quietly).
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),

    /// The terminal or standard output could not be used to show the session.
    #[error(transparent)]
    View(#[from] crate::ui::session_view::ViewError),

    /// One of talkzone's own values could not be turned into JSON (a bug: please report it).
    #[error("cannot encode the {what}: {source}")]
    Encode {
        what: &'static str,
        source: serde_json::Error,
    },

    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),

    /// The task reading the source ended in a panic or was cancelled.
    #[error("the source task failed: {0}")]
    SourceTask(#[from] tokio::task::JoinError),

    /// A recording could not take its lock (see [`crate::store::lock`]).
    #[error("cannot take the recording lock in {}: {source}", dir.display())]
    Lock {
        dir: PathBuf,
        source: std::io::Error,
    },

    /// Something the user must confirm, with no terminal to ask on.
    #[error("{0}")]
    NotConfirmed(String),

    /// `talkzone check` found the database damaged (the report says what and what to do).
    #[error("{0}")]
    Damaged(String),

    /// The session asked to be deleted is being recorded right now by another talkzone.
    #[error("{0}")]
    BeingRecorded(String),

    /// A session or check has not the data asked of it (no reading at all, no RR intervals,
    /// RR too disturbed to use).
    #[error("{0}")]
    NoData(String),
}

impl AppError {
    /// The exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            AppError::Usage(_) => Exit::Usage,
            AppError::Config(_) | AppError::Zones(_) => Exit::Config,
            AppError::Store(crate::store::db::StoreError::NoSuchSession { .. })
            | AppError::NotFound(_) => Exit::NotFound,
            AppError::Store(_) | AppError::Damaged(_) => Exit::Store,
            AppError::CheckRefused(_) => Exit::CheckRefused,
            AppError::ImportFailed(_) => Exit::ImportFailed,
            AppError::Ble(e) => match e {
                BleError::BluetoothUnavailable { .. }
                | BleError::ServiceLost
                | BleError::NoAdapter
                | BleError::AdapterNotFound { .. } => Exit::BluetoothUnavailable,
                BleError::AdapterOff { .. } => Exit::AdapterOff,
                BleError::NoStrap { .. } => Exit::NoStrap,
                BleError::NotHeartRate { .. } => Exit::NotHeartRate,
                BleError::PermissionDenied { .. } => Exit::PermissionDenied,
                BleError::Bluetooth { .. } => Exit::Failure,
            },
            AppError::Capture(_) | AppError::Input { .. } => Exit::Input,
            AppError::Plot(_)
            | AppError::Export { .. }
            | AppError::Output(_)
            | AppError::View(_)
            | AppError::Encode { .. }
            | AppError::Runtime(_)
            | AppError::SourceTask(_)
            | AppError::Lock { .. }
            | AppError::NotConfirmed(_)
            | AppError::BeingRecorded(_)
            | AppError::NoData(_) => Exit::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_stable_and_documented() {
        for (code, line) in [
            (Exit::Config, "3  config"),
            (Exit::BluetoothUnavailable, "4  Bluetooth not available"),
            (Exit::AdapterOff, "5  Bluetooth adapter is powered off"),
            (Exit::NoStrap, "6  no heart-rate strap"),
            (Exit::NotHeartRate, "7  the chosen device"),
            (Exit::PermissionDenied, "8  permission"),
            (Exit::Input, "9  an input file"),
            (Exit::Store, "10  the database"),
            (Exit::NotFound, "11  no such session"),
            (Exit::CheckRefused, "12  morning check refused"),
            (Exit::ImportFailed, "13  some files could not be imported"),
        ] {
            assert!(EXIT_CODES_HELP.contains(line), "{line}");
            assert_eq!(
                line.split_whitespace().next().unwrap(),
                (code as i32).to_string()
            );
        }
    }
}
