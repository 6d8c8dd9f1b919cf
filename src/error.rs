//! The errors a user can act on, and the exit code each maps to (documented in `--help`).
//!
//! Every message says what went wrong *and what to do about it*: a person holding a strap at
//! 6 a.m. should not need to read source code.

use std::path::PathBuf;

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
 10  the database could not be used (not talkzone's, damaged, newer version, locked)
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

    #[error("{0}")]
    Zones(String),

    #[error(transparent)]
    Store(#[from] crate::store::db::StoreError),

    #[error("{0}")]
    NotFound(String),

    #[error("{0}")]
    CheckRefused(String),

    #[error("{0}")]
    ImportFailed(String),

    #[error(
        "Bluetooth service not reachable ({detail}).\n\
         Check that BlueZ is running: `systemctl status bluetooth` (start it with \
         `sudo systemctl start bluetooth`), and that an adapter is present: `bluetoothctl list`.\n\
         No strap at hand? Try `talkzone live --simulate`."
    )]
    BluetoothUnavailable { detail: String },

    #[error(
        "no Bluetooth adapter found. Check `bluetoothctl list`; a USB dongle may need re-plugging."
    )]
    NoAdapter,

    #[error("no Bluetooth adapter named {wanted:?}; available: {available}. Set [device] adapter in the config or pass --adapter.")]
    AdapterNotFound { wanted: String, available: String },

    #[error("Bluetooth adapter {adapter} is powered off. Turn it on: `bluetoothctl power on` (or in your system's Bluetooth settings).")]
    AdapterOff { adapter: String },

    #[error(
        "no heart-rate strap found within {timeout_s} s{what}.\n\
         Wake the strap: wet the electrodes and put it on (most straps only advertise while worn).\n\
         A strap allows one connection at a time: close the phone or watch app that may be holding it.{hint}"
    )]
    NoStrap {
        timeout_s: u64,
        what: String,
        hint: String,
    },

    #[error("{device} has no Heart Rate Service (0x180D): it is not a heart-rate strap, or not in heart-rate mode. Run `talkzone scan` to list straps.")]
    NotHeartRate { device: String },

    #[error("permission denied by the operating system while {doing}. On Linux, run as a user allowed to use Bluetooth (member of the `bluetooth` group, or via polkit), not necessarily root.")]
    PermissionDenied { doing: String },

    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },

    #[error("Bluetooth error while {doing}: {detail}")]
    Bluetooth { doing: String, detail: String },

    #[error("{0}")]
    Other(String),
}

impl AppError {
    /// The exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            AppError::Usage(_) => Exit::Usage,
            AppError::Config(_) | AppError::Zones(_) => Exit::Config,
            AppError::Store(crate::store::db::StoreError::NoSuchSession { .. })
            | AppError::NotFound(_) => Exit::NotFound,
            AppError::Store(_) => Exit::Store,
            AppError::CheckRefused(_) => Exit::CheckRefused,
            AppError::ImportFailed(_) => Exit::ImportFailed,
            AppError::BluetoothUnavailable { .. } | AppError::NoAdapter => {
                Exit::BluetoothUnavailable
            }
            AppError::AdapterNotFound { .. } => Exit::BluetoothUnavailable,
            AppError::AdapterOff { .. } => Exit::AdapterOff,
            AppError::NoStrap { .. } => Exit::NoStrap,
            AppError::NotHeartRate { .. } => Exit::NotHeartRate,
            AppError::PermissionDenied { .. } => Exit::PermissionDenied,
            AppError::Input { .. } => Exit::Input,
            AppError::Bluetooth { .. } | AppError::Other(_) => Exit::Failure,
        }
    }

    /// Classify a btleplug error raised while `doing` something.
    pub fn from_btleplug(doing: &str, e: btleplug::Error) -> Self {
        match e {
            btleplug::Error::PermissionDenied => AppError::PermissionDenied {
                doing: doing.to_owned(),
            },
            btleplug::Error::NoAdapterAvailable => AppError::NoAdapter,
            other => {
                let detail = other.to_string();
                if looks_like_no_bus(&detail) {
                    AppError::BluetoothUnavailable { detail }
                } else if detail.contains("NotPermitted") || detail.contains("AccessDenied") {
                    AppError::PermissionDenied {
                        doing: format!("{doing} ({detail})"),
                    }
                } else {
                    AppError::Bluetooth {
                        doing: doing.to_owned(),
                        detail,
                    }
                }
            }
        }
    }
}

/// D-Bus failures that mean "no system bus or no org.bluez on it".
fn looks_like_no_bus(detail: &str) -> bool {
    [
        "ServiceUnknown",
        "org.bluez was not provided",
        "NoServer",
        "No such file or directory",
        "Connection refused",
        "Failed to connect to socket",
        "Unable to autolaunch",
    ]
    .iter()
    .any(|needle| detail.contains(needle))
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

    #[test]
    fn btleplug_errors_are_classified() {
        let e = AppError::from_btleplug("scanning", btleplug::Error::PermissionDenied);
        assert_eq!(e.exit(), Exit::PermissionDenied);
        let e = AppError::from_btleplug(
            "starting",
            btleplug::Error::Other("D-Bus error: org.freedesktop.DBus.Error.ServiceUnknown".into()),
        );
        assert_eq!(e.exit(), Exit::BluetoothUnavailable);
        assert!(e.to_string().contains("systemctl status bluetooth"));
    }
}
