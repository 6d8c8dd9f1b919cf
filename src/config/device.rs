//! `[device]`: which strap, through which adapter, and how patiently (the watchdog).

use std::ops::RangeInclusive;
use std::time::Duration;

use serde::de::MapAccess;

use super::section::{read, Section};
use super::values::{address, non_empty, seconds_in};

/// `device.watchdog_seconds` when not set.
pub const DEFAULT_WATCHDOG: Duration = Duration::from_secs(5);
/// Allowed `device.watchdog_seconds`.
pub const WATCHDOG_SECONDS: RangeInclusive<f64> = 1.0..=120.0;

/// The `[device]` section: which strap, through which adapter, and how patiently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSettings {
    /// A Bluetooth address, normalised to upper case: `AA:BB:CC:DD:EE:FF`.
    pub address: Option<String>,
    /// An advertised device name, or part of one. Never empty.
    pub name: Option<String>,
    /// An adapter name such as `hci1`. Never empty.
    pub adapter: Option<String>,
    /// How long the strap may stay silent before the connection counts as lost
    /// (`watchdog_seconds` in the file).
    pub watchdog: Duration,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            address: None,
            name: None,
            adapter: None,
            watchdog: DEFAULT_WATCHDOG,
        }
    }
}

impl Section for DeviceSettings {
    const NAME: &'static str = "device";
    const KEYS: &'static [&'static str] = &["address", "name", "adapter", "watchdog_seconds"];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "address" => self.address = Some(read(map, |v| address(path, &v))?),
            "name" => self.name = Some(read(map, |v| non_empty(path, &v))?),
            "adapter" => self.adapter = Some(read(map, |v| non_empty(path, &v))?),
            "watchdog_seconds" => {
                self.watchdog = read(map, |v| seconds_in(path, &v, &WATCHDOG_SECONDS))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
