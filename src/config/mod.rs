//! Configuration: `config.toml` + environment + flags -> validated [`Settings`].
//!
//! The one place that knows where settings come from. The rest of the program receives a
//! [`Settings`] and never reads raw flags, environment variables or the config file itself.
//!
//! Two layers keep it testable: [`parse`] turns file text into a validated [`FileConfig`] (pure:
//! no disk, no environment), and [`load()`] finds and reads the file, then applies the flag and
//! environment overrides gathered in [`ConfigInputs`]. `config.toml` at the repository root is
//! the documented example; it parses to exactly the built-in defaults.
//!
//! One file per section, each with its settings type, defaults, allowed ranges and reader:
//! [`profile`], [`device`], [`storage`], [`zones`], [`summary`], [`live`], [`morning`],
//! [`readiness`].
//! Underneath: `section` (the generic TOML table reader), `values` (single-value checks),
//! [`mod@load`] (files and environment), `cross` (checks across keys and sections, at load),
//! [`error`].

mod cross;
pub mod device;
pub mod error;
pub mod live;
pub mod load;
pub mod morning;
pub mod profile;
pub mod readiness;
mod section;
pub mod storage;
pub mod summary;
mod values;
pub mod zones;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::de::MapAccess;

pub use device::DeviceSettings;
pub use error::{ConfigError, Location};
pub use live::LiveConfig;
pub use load::{load, ConfigInputs};
pub use morning::MorningSettings;
pub use section::parse;
pub use storage::StorageSettings;
pub use summary::SummarySettings;
pub use zones::ZoneSettings;

use crate::physiology::person::Profile;
use section::{Section, SectionSeed};

/// Every section: its name and keys (for "`key` belongs under [section]" hints).
const SECTIONS: [(&str, &[&str]); 8] = [
    (Profile::NAME, Profile::KEYS),
    (LiveConfig::NAME, LiveConfig::KEYS),
    (DeviceSettings::NAME, DeviceSettings::KEYS),
    (storage::StorageSection::NAME, storage::StorageSection::KEYS),
    (ZoneSettings::NAME, ZoneSettings::KEYS),
    (SummarySettings::NAME, SummarySettings::KEYS),
    (morning::MorningSection::NAME, morning::MorningSection::KEYS),
    (
        readiness::ReadinessSection::NAME,
        readiness::ReadinessSection::KEYS,
    ),
];

/// The validated settings the program runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub profile: Profile,
    pub device: DeviceSettings,
    pub storage: StorageSettings,
    pub zones: ZoneSettings,
    pub summary: SummarySettings,
    pub live: LiveConfig,
    pub morning: MorningSettings,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
}

impl Settings {
    /// The built-in defaults, with the default data directory `inputs` carries.
    pub fn defaults_for(inputs: &ConfigInputs) -> Self {
        Settings {
            profile: Profile::default(),
            device: DeviceSettings::default(),
            storage: StorageSettings {
                data_dir: inputs
                    .default_data_dir
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(load::FALLBACK_DATA_DIR)),
            },
            zones: ZoneSettings::default(),
            summary: SummarySettings::default(),
            live: LiveConfig::default(),
            morning: MorningSettings::default(),
            config_file: None,
        }
    }
}

impl Default for Settings {
    /// The built-in defaults, with the platform's data directory (which reads `$HOME` and
    /// `$XDG_DATA_HOME`); `./talkzone-data` when there is no home directory.
    fn default() -> Self {
        Settings::defaults_for(&ConfigInputs {
            default_data_dir: load::platform_data_dir(),
            ..ConfigInputs::default()
        })
    }
}

/// What a config file says, validated. Keys the file leaves out hold their defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileConfig {
    pub profile: Profile,
    pub device: DeviceSettings,
    pub zones: ZoneSettings,
    pub summary: SummarySettings,
    pub live: LiveConfig,
    pub morning: MorningSettings,
    /// `[storage] data_dir` as written: a leading `~` not yet expanded, a relative path not yet
    /// resolved against the file's directory ([`load()`] does both).
    pub data_dir: Option<PathBuf>,
}

impl Section for FileConfig {
    const NAME: &'static str = "";
    const KEYS: &'static [&'static str] = &[
        "profile",
        "device",
        "storage",
        "zones",
        "summary",
        "live",
        "morning",
        "readiness",
    ];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        _path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "profile" => self.profile = map.next_value_seed(SectionSeed::new())?,
            "device" => self.device = map.next_value_seed(SectionSeed::new())?,
            "zones" => self.zones = map.next_value_seed(SectionSeed::new())?,
            "summary" => self.summary = map.next_value_seed(SectionSeed::new())?,
            "live" => self.live = map.next_value_seed(SectionSeed::new())?,
            "morning" => {
                let m: morning::MorningSection = map.next_value_seed(SectionSeed::new())?;
                let readiness = self.morning.readiness;
                self.morning = MorningSettings {
                    readiness,
                    ..m.settings
                };
            }
            "readiness" => {
                let r: readiness::ReadinessSection = map.next_value_seed(SectionSeed::new())?;
                self.morning.readiness = r.0;
            }
            "storage" => {
                let storage: storage::StorageSection = map.next_value_seed(SectionSeed::new())?;
                self.data_dir = storage.data_dir;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
