//! What can go wrong on the Bluetooth side, each with what to do about it: the Bluetooth
//! service (BlueZ) unreachable, no adapter, an adapter off, no strap, a device that is not a
//! strap, a permission denied, any other btleplug failure. The command shell maps each to its
//! exit code ([`crate::error::AppError`]).

/// A Bluetooth failure that ends a command (before the first connection: once a session runs,
/// link trouble is a link state, never an error).
#[derive(Debug, thiserror::Error)]
pub enum BleError {
    /// The Bluetooth service stopped answering during a session (BlueZ or the system bus went
    /// away). The session runner starts the BLE side again; only a session ending on it sees
    /// this as an error.
    #[error(
        "the Bluetooth service went away (BlueZ or the system bus stopped answering). Check \
         `systemctl status bluetooth`."
    )]
    ServiceLost,

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

    #[error("Bluetooth error while {doing}: {detail}")]
    Bluetooth { doing: String, detail: String },
}

impl BleError {
    /// Classify a btleplug error raised while `doing` something.
    pub fn from_btleplug(doing: &str, e: btleplug::Error) -> Self {
        match e {
            btleplug::Error::PermissionDenied => BleError::PermissionDenied {
                doing: doing.to_owned(),
            },
            btleplug::Error::NoAdapterAvailable => BleError::NoAdapter,
            other => {
                let detail = other.to_string();
                if looks_like_no_bus(&detail) {
                    BleError::BluetoothUnavailable { detail }
                } else if detail.contains("NotPermitted") || detail.contains("AccessDenied") {
                    BleError::PermissionDenied {
                        doing: format!("{doing} ({detail})"),
                    }
                } else {
                    BleError::Bluetooth {
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
    use crate::error::{AppError, Exit};

    #[test]
    fn btleplug_errors_are_classified() {
        let e = BleError::from_btleplug("scanning", btleplug::Error::PermissionDenied);
        assert_eq!(AppError::from(e).exit(), Exit::PermissionDenied);
        let e = BleError::from_btleplug(
            "starting",
            btleplug::Error::Other("D-Bus error: org.freedesktop.DBus.Error.ServiceUnknown".into()),
        );
        assert!(e.to_string().contains("systemctl status bluetooth"));
        assert_eq!(AppError::from(e).exit(), Exit::BluetoothUnavailable);
    }
}
