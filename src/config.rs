//! Configuration: `config.toml` + environment + flags -> validated [`Settings`].
//!
//! The one place that knows where settings come from. The rest of the program receives a
//! [`Settings`] and never reads raw flags, environment variables or the config file itself.
//!
//! Two layers keep it testable: [`parse`] turns file text into a validated [`FileConfig`] (pure:
//! no disk, no environment), and [`load`] finds and reads the file, then applies the flag and
//! environment overrides gathered in [`ConfigInputs`]. `config.toml` at the repository root is
//! the documented example; it parses to exactly the built-in defaults.
//!
//! Why hand-written serde visitors rather than `#[derive(Deserialize)]` with
//! `deny_unknown_fields`: toml attaches the span of the value being read to any error raised
//! while reading it, but serde's derived messages ("unknown field `x`", "invalid type: string")
//! do not know which section they are in. A small visitor per section that knows its own name
//! puts the full key (`profile.age`) in every message, validates the value while toml still
//! holds its span, and so every error names file, line, column and key.

use std::fmt;
use std::marker::PhantomData;
use std::ops::RangeInclusive;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::physiology::baseline::BaselineConfig;
use crate::physiology::readiness::ReadinessConfig;
use crate::physiology::zones::{HrMaxFormula, TalkZone, ZoneConfig, ZoneModel};

/// The file name looked for in the user's config directory.
pub const CONFIG_FILE_NAME: &str = "config.toml";
/// Environment variable naming a config file (which must then exist).
pub const ENV_CONFIG: &str = "TALKZONE_CONFIG";
/// Environment variable naming the data directory.
pub const ENV_DATA: &str = "TALKZONE_DATA";
/// Data directory when the platform has no home directory to put it under.
pub const FALLBACK_DATA_DIR: &str = "./talkzone-data";

/// `device.watchdog_seconds` when not set.
pub const DEFAULT_WATCHDOG: Duration = Duration::from_secs(5);
/// Allowed `profile.age`, in years.
pub const AGE_YEARS: RangeInclusive<u8> = 10..=100;
/// Allowed `profile.max_hr`, in beats per minute.
pub const MAX_HR_BPM: RangeInclusive<u16> = 100..=240;
/// Allowed `profile.resting_hr`, in beats per minute.
pub const RESTING_HR_BPM: RangeInclusive<u16> = 25..=120;
/// Allowed `device.watchdog_seconds`.
pub const WATCHDOG_SECONDS: RangeInclusive<f64> = 1.0..=120.0;
/// Allowed heart-rate thresholds in `[zones]`, bpm.
pub const THRESHOLD_BPM: RangeInclusive<f64> = 40.0..=240.0;
/// `summary.max_gap_seconds` when not set.
pub const DEFAULT_MAX_GAP: Duration = Duration::from_secs(10);
/// Allowed `summary.max_gap_seconds`.
pub const MAX_GAP_SECONDS: RangeInclusive<f64> = 1.0..=600.0;

/// Biological sex, as the training-load formulas (Banister TRIMP) distinguish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// The `[profile]` section: facts about the person wearing the strap. All optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// Years, within [`AGE_YEARS`].
    pub age: Option<u8>,
    pub sex: Option<Sex>,
    /// Beats per minute, within [`MAX_HR_BPM`].
    pub max_hr: Option<u16>,
    /// Beats per minute, within [`RESTING_HR_BPM`]; below `max_hr` when both are set.
    pub resting_hr: Option<u16>,
}

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

/// Where talkzone keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageSettings {
    /// With `~` already expanded.
    pub data_dir: PathBuf,
}

/// The `[zones]` section: how talk-test zones are drawn, and the zone a workout aims for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoneSettings {
    /// Model, HRmax formula and talk-test calibration.
    pub config: ZoneConfig,
    /// The zone the live screen steers toward (`target`, default moderate: the intensity the
    /// evidence favours for most sessions, WHO 2020).
    pub target: TalkZone,
}

impl Default for ZoneSettings {
    fn default() -> Self {
        ZoneSettings {
            config: ZoneConfig::default(),
            target: TalkZone::Moderate,
        }
    }
}

/// The `[morning]` section: the morning resting check and its personal baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct MorningSettings {
    /// How long a check records (`duration_seconds`, 60-600, default 180).
    pub duration: Duration,
    /// The first part, recorded but not used while the heart settles (`settle_seconds`,
    /// 0-300, default 60; science.md §5).
    pub settle: Duration,
    /// `supine`, `seated` or `standing` (default `supine`): always the same one.
    pub posture: String,
    /// Normal range width (`range_k`) and rows shown.
    pub baseline: BaselineConfig,
    /// The `[readiness]` thresholds.
    pub readiness: ReadinessConfig,
}

impl Default for MorningSettings {
    fn default() -> Self {
        MorningSettings {
            duration: Duration::from_secs(180),
            settle: Duration::from_secs(60),
            posture: "supine".into(),
            baseline: BaselineConfig::default(),
            readiness: ReadinessConfig::default(),
        }
    }
}

/// The `[summary]` section: how sessions are summarised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummarySettings {
    /// A silence between two readings longer than this is a gap that counts as nothing
    /// (`max_gap_seconds`, default 10): a dying strap must not inflate load (Runalyze #2219).
    pub max_gap: Duration,
}

impl Default for SummarySettings {
    fn default() -> Self {
        SummarySettings {
            max_gap: DEFAULT_MAX_GAP,
        }
    }
}

/// The validated settings the program runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub profile: Profile,
    pub device: DeviceSettings,
    pub storage: StorageSettings,
    pub zones: ZoneSettings,
    pub summary: SummarySettings,
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
                    .unwrap_or_else(|| PathBuf::from(FALLBACK_DATA_DIR)),
            },
            zones: ZoneSettings::default(),
            summary: SummarySettings::default(),
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
            default_data_dir: platform_data_dir(),
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
    pub morning: MorningSettings,
    /// `[storage] data_dir` as written: a leading `~` not yet expanded, a relative path not yet
    /// resolved against the file's directory ([`load`] does both).
    pub data_dir: Option<PathBuf>,
}

/// Everything from outside that [`load`] needs, passed in so tests need no real environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigInputs {
    /// `--config PATH`: the file must exist.
    pub cli_config: Option<PathBuf>,
    /// `--data-dir DIR`.
    pub cli_data_dir: Option<PathBuf>,
    /// `$TALKZONE_CONFIG`: the file must exist.
    pub env_config: Option<PathBuf>,
    /// `$TALKZONE_DATA`.
    pub env_data: Option<PathBuf>,
    /// talkzone's own config directory (holding `config.toml`), e.g. `~/.config/talkzone`.
    pub user_config_dir: Option<PathBuf>,
    /// e.g. `~/.local/share/talkzone`.
    pub default_data_dir: Option<PathBuf>,
    /// For expanding a leading `~`.
    pub home: Option<PathBuf>,
}

impl ConfigInputs {
    /// Gathers the inputs from the flags given and the process environment: `$TALKZONE_CONFIG`,
    /// `$TALKZONE_DATA`, the XDG directories (`$XDG_CONFIG_HOME`, `$XDG_DATA_HOME`, falling
    /// back to `~/.config` and `~/.local/share`) and `$HOME`. Empty variables count as unset.
    pub fn from_env(cli_config: Option<PathBuf>, cli_data_dir: Option<PathBuf>) -> Self {
        let dirs = project_dirs();
        ConfigInputs {
            cli_config,
            cli_data_dir,
            env_config: env_path(ENV_CONFIG),
            env_data: env_path(ENV_DATA),
            user_config_dir: dirs.as_ref().map(|d| d.config_dir().to_path_buf()),
            default_data_dir: dirs.as_ref().map(|d| d.data_dir().to_path_buf()),
            home: env_path("HOME")
                .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())),
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "talkzone")
}

fn platform_data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

/// A 1-based line and column (in characters) in a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// Where byte `offset` of `text` is. Offsets past the end mean the end; never panics.
    pub fn of(text: &str, offset: usize) -> Location {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |newline| newline + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        let column = before[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count()
            + 1;
        Location { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A config problem. The `Display` text is the whole message for the user: it names the file,
/// the line and the key where there is one, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file named by `--config` or `$TALKZONE_CONFIG` does not exist.
    #[error("{}: config file not found (named by {named_by}); create it, or fix the path", path.display())]
    NotFound {
        path: PathBuf,
        named_by: &'static str,
    },

    #[error("{}: cannot read config file: {cause}", path.display())]
    Unreadable {
        path: PathBuf,
        cause: std::io::Error,
    },

    #[error("{}:{line}: config file is not valid UTF-8; save it as UTF-8 text", path.display())]
    NotUtf8 { path: PathBuf, line: usize },

    /// Bad TOML, an unknown section or key, a wrong type or a value out of range.
    #[error("{}{}: {message}", path.display(), location.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        location: Option<Location>,
        message: String,
    },

    /// A data directory starts with `~` but there is no home directory to expand it to.
    #[error(
        "{named_by} = {}: cannot expand `~`: no home directory is known ($HOME is not set); \
         write the full path",
        path.display()
    )]
    NoHome { named_by: String, path: PathBuf },
}

/// Finds the config file (`--config`, else `$TALKZONE_CONFIG`, else the user's config
/// directory), validates it and applies the data directory overrides (`--data-dir`, else
/// `$TALKZONE_DATA`, else the file, else the default).
pub fn load(inputs: &ConfigInputs) -> Result<Settings, ConfigError> {
    let found = read_config_file(inputs)?;
    let file = match &found {
        Some((path, text)) => parse(text, path)?,
        None => FileConfig::default(),
    };
    let config_file = found.map(|(path, _)| path);
    let data_dir = resolve_data_dir(inputs, &file, config_file.as_deref())?;
    Ok(Settings {
        profile: file.profile,
        device: file.device,
        storage: StorageSettings { data_dir },
        zones: file.zones,
        summary: file.summary,
        morning: file.morning,
        config_file,
    })
}

/// The path and text of the config file to use, or `None` to run on the defaults.
fn read_config_file(inputs: &ConfigInputs) -> Result<Option<(PathBuf, String)>, ConfigError> {
    let explicit = [
        (&inputs.cli_config, "--config"),
        (&inputs.env_config, "$TALKZONE_CONFIG"),
    ];
    if let Some((path, named_by)) = explicit
        .into_iter()
        .find_map(|(path, named_by)| path.as_ref().map(|p| (p, named_by)))
    {
        return match read_text(path)? {
            Some(text) => Ok(Some((path.clone(), text))),
            None => Err(ConfigError::NotFound {
                path: path.clone(),
                named_by,
            }),
        };
    }
    let Some(dir) = &inputs.user_config_dir else {
        return Ok(None);
    };
    let path = dir.join(CONFIG_FILE_NAME);
    Ok(read_text(&path)?.map(|text| (path, text)))
}

/// The file's text, or `None` if it does not exist.
fn read_text(path: &Path) -> Result<Option<String>, ConfigError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(cause) => {
            return Err(ConfigError::Unreadable {
                path: path.to_path_buf(),
                cause,
            })
        }
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        ConfigError::NotUtf8 {
            path: path.to_path_buf(),
            line: valid.iter().filter(|&&b| b == b'\n').count() + 1,
        }
    })
}

fn resolve_data_dir(
    inputs: &ConfigInputs,
    file: &FileConfig,
    config_file: Option<&Path>,
) -> Result<PathBuf, ConfigError> {
    let home = inputs.home.as_deref();
    let no_home = |named_by: String, path: &Path| ConfigError::NoHome {
        named_by,
        path: path.to_path_buf(),
    };
    if let Some(dir) = &inputs.cli_data_dir {
        return expand_home(dir, home).ok_or_else(|| no_home("--data-dir".into(), dir));
    }
    if let Some(dir) = &inputs.env_data {
        return expand_home(dir, home).ok_or_else(|| no_home(format!("${ENV_DATA}"), dir));
    }
    if let Some(dir) = &file.data_dir {
        let file_name = config_file.map_or_else(String::new, |p| format!("{}: ", p.display()));
        let expanded = expand_home(dir, home)
            .ok_or_else(|| no_home(format!("{file_name}storage.data_dir"), dir))?;
        // Relative to the file, not to wherever talkzone happens to be started.
        let base = config_file.and_then(Path::parent).unwrap_or(Path::new(""));
        return Ok(base.join(expanded));
    }
    Ok(Settings::defaults_for(inputs).storage.data_dir)
}

/// Whether `path` starts with a `~` component (`~` or `~/...`): the home directory.
fn is_home_relative(path: &Path) -> bool {
    matches!(path.components().next(), Some(Component::Normal(first)) if first == "~")
}

/// `path` with a leading `~` component replaced by `home`; `None` if that needs a `home` that
/// is missing.
fn expand_home(path: &Path, home: Option<&Path>) -> Option<PathBuf> {
    if !is_home_relative(path) {
        return Some(path.to_path_buf());
    }
    let rest = path.strip_prefix("~").unwrap_or(path);
    home.map(|home| {
        if rest.as_os_str().is_empty() {
            home.to_path_buf()
        } else {
            home.join(rest)
        }
    })
}

/// Validates config file text. `origin` is only used to name the file in errors.
pub fn parse(text: &str, origin: &Path) -> Result<FileConfig, ConfigError> {
    SectionSeed::<FileConfig>::new()
        .deserialize(toml::Deserializer::new(text))
        .map_err(|error| ConfigError::Invalid {
            path: origin.to_path_buf(),
            location: error.span().map(|span| Location::of(text, span.start)),
            // toml's syntax errors span lines ("invalid key\nexpected `=`").
            message: error
                .message()
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join("; "),
        })
}

// ---- Reading sections -----------------------------------------------------------------------

/// A table of the file (the top level or a section) that reads its own keys.
trait Section: Default {
    /// `profile`, `device`...; empty for the top level.
    const NAME: &'static str;
    const KEYS: &'static [&'static str];

    /// Reads the value of `key`, one of [`Self::KEYS`] (`path` is its full dotted name).
    /// Returns `false`, leaving the value unread, for any other key.
    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;
}

/// toml hands a datetime to a visitor as a one-entry map under this private key.
const TOML_DATETIME_KEY_PREFIX: &str = "$__toml_private";

struct SectionSeed<S>(PhantomData<S>);

impl<S> SectionSeed<S> {
    fn new() -> Self {
        SectionSeed(PhantomData)
    }
}

impl<'de, S: Section> DeserializeSeed<'de> for SectionSeed<S> {
    type Value = S;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<S: Section> SectionSeed<S> {
    fn not_a_table<E: de::Error>(found: &str) -> E {
        E::custom(format!(
            "[{}] must be a table (a `[{}]` header with keys under it), found {found}",
            S::NAME,
            S::NAME
        ))
    }
}

impl<'de, S: Section> Visitor<'de> for SectionSeed<S> {
    type Value = S;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the [{}] table", S::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<S, A::Error> {
        let mut section = S::default();
        while let Some(key) = map.next_key_seed(KnownKey::<S>(PhantomData))? {
            let path = key_path::<S>(&key);
            if !section.read_key(&key, &path, &mut map)? {
                // Only if KEYS and read_key disagree: still an error, never a panic.
                match map.next_value_seed(Reject(unknown_key::<S>(&key)))? {}
            }
        }
        Ok(section)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<S, E> {
        Err(Self::not_a_table("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<S, E> {
        Err(Self::not_a_table("an integer"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<S, E> {
        Err(Self::not_a_table("an integer"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<S, E> {
        Err(Self::not_a_table("a float"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<S, E> {
        Err(Self::not_a_table("a string"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<S, A::Error> {
        Err(Self::not_a_table("an array"))
    }
}

/// Reads a key of section `S`, failing on keys `S` does not take. Failing here, rather than
/// after the key is read, makes toml point the error at the key itself.
struct KnownKey<S>(PhantomData<S>);

impl<'de, S: Section> DeserializeSeed<'de> for KnownKey<S> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        let key = String::deserialize(deserializer)?;
        if key.starts_with(TOML_DATETIME_KEY_PREFIX) {
            Err(SectionSeed::<S>::not_a_table("a date-time"))
        } else if S::KEYS.contains(&key.as_str()) {
            Ok(key)
        } else {
            Err(de::Error::custom(unknown_key::<S>(&key)))
        }
    }
}

/// `profile.age`; just `profile` for a section at the top level.
fn key_path<S: Section>(key: &str) -> String {
    if S::NAME.is_empty() {
        key.to_owned()
    } else {
        format!("{}.{key}", S::NAME)
    }
}

fn unknown_key<S: Section>(key: &str) -> String {
    let path = key_path::<S>(key);
    let what = if S::NAME.is_empty() {
        format!(
            "unknown section; the sections are {}",
            list(S::KEYS, "[", "]")
        )
    } else {
        format!("unknown key; [{}] takes {}", S::NAME, list(S::KEYS, "", ""))
    };
    let hint = [
        (Profile::NAME, Profile::KEYS),
        (DeviceSettings::NAME, DeviceSettings::KEYS),
        (StorageSection::NAME, StorageSection::KEYS),
        (ZoneSettings::NAME, ZoneSettings::KEYS),
        (SummarySettings::NAME, SummarySettings::KEYS),
        (MorningSection::NAME, MorningSection::KEYS),
        (ReadinessSection::NAME, ReadinessSection::KEYS),
    ]
    .into_iter()
    .find(|(name, keys)| *name != S::NAME && keys.contains(&key))
    .map(|(name, _)| format!(" (`{key}` belongs under [{name}])"))
    .unwrap_or_default();
    format!("{path}: {what}{hint}")
}

/// `a, b and c`, each wrapped in `open`/`close`.
fn list(items: &[&str], open: &str, close: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{open}{i}{close}")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// Fails with its message, so that toml attaches the position of the value being rejected.
struct Reject(String);

impl<'de> DeserializeSeed<'de> for Reject {
    type Value = std::convert::Infallible;

    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<Self::Value, D::Error> {
        Err(de::Error::custom(self.0))
    }
}

/// Reads a value as any TOML value and hands it to a check; the check's message becomes an
/// error that toml positions at the value.
struct Checked<F>(F);

impl<'de, T, F: FnOnce(toml::Value) -> Result<T, String>> DeserializeSeed<'de> for Checked<F> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        (self.0)(value).map_err(de::Error::custom)
    }
}

fn read<'de, A, T>(
    map: &mut A,
    check: impl FnOnce(toml::Value) -> Result<T, String>,
) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
{
    map.next_value_seed(Checked(check))
}

impl Section for FileConfig {
    const NAME: &'static str = "";
    const KEYS: &'static [&'static str] = &[
        "profile",
        "device",
        "storage",
        "zones",
        "summary",
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
            "morning" => {
                let m: MorningSection = map.next_value_seed(SectionSeed::new())?;
                let readiness = self.morning.readiness;
                self.morning = MorningSettings { readiness, ..m.0 };
            }
            "readiness" => {
                let r: ReadinessSection = map.next_value_seed(SectionSeed::new())?;
                self.morning.readiness = r.0;
            }
            "storage" => {
                let storage: StorageSection = map.next_value_seed(SectionSeed::new())?;
                self.data_dir = storage.data_dir;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Section for Profile {
    const NAME: &'static str = "profile";
    const KEYS: &'static [&'static str] = &["age", "sex", "max_hr", "resting_hr"];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        // The resting-below-max check runs on whichever of the two comes second in the file,
        // so the error points at a line that is part of the problem.
        let (max_hr, resting_hr) = (self.max_hr, self.resting_hr);
        match key {
            "age" => self.age = Some(read(map, |v| integer(path, &v, &AGE_YEARS, "years"))?),
            "sex" => self.sex = Some(read(map, |v| sex(path, &v))?),
            "max_hr" => {
                self.max_hr = Some(read(map, |v| {
                    let max = integer(path, &v, &MAX_HR_BPM, "bpm")?;
                    match resting_hr {
                        Some(resting) if resting >= max => Err(format!(
                            "{path} = {max}: must be above profile.resting_hr ({resting})"
                        )),
                        _ => Ok(max),
                    }
                })?)
            }
            "resting_hr" => {
                self.resting_hr = Some(read(map, |v| {
                    let resting = integer(path, &v, &RESTING_HR_BPM, "bpm")?;
                    match max_hr {
                        Some(max) if resting >= max => Err(format!(
                            "{path} = {resting}: must be below profile.max_hr ({max})"
                        )),
                        _ => Ok(resting),
                    }
                })?)
            }
            _ => return Ok(false),
        }
        Ok(true)
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
            "watchdog_seconds" => self.watchdog = read(map, |v| watchdog(path, &v))?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Section for ZoneSettings {
    const NAME: &'static str = "zones";
    const KEYS: &'static [&'static str] = &[
        "model",
        "hrmax_formula",
        "talk_ok_max_hr",
        "cannot_talk_hr",
        "light_min_hr",
        "moderate_min_hr",
        "target",
    ];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let c = &mut self.config;
        match key {
            "model" => {
                c.model = read(map, |v| {
                    let text = string(path, &v)?;
                    ZoneModel::from_id(text).ok_or_else(|| {
                        format!("{path} = {v}: must be \"hrmax\", \"hrr\" or \"talk_test\"")
                    })
                })?
            }
            "hrmax_formula" => {
                c.hrmax_formula = read(map, |v| {
                    let text = string(path, &v)?;
                    HrMaxFormula::from_id(text).ok_or_else(|| {
                        format!("{path} = {v}: must be \"tanaka\", \"gellish\" or \"fox\"")
                    })
                })?
            }
            "talk_ok_max_hr" => c.talk_ok_max_hr = Some(read(map, |v| bpm(path, &v))?),
            "cannot_talk_hr" => c.cannot_talk_hr = Some(read(map, |v| bpm(path, &v))?),
            "light_min_hr" => c.light_min_hr = Some(read(map, |v| bpm(path, &v))?),
            "moderate_min_hr" => c.moderate_min_hr = Some(read(map, |v| bpm(path, &v))?),
            "target" => {
                self.target = read(map, |v| {
                    let text = string(path, &v)?;
                    TalkZone::from_id(text).ok_or_else(|| {
                        format!(
                            "{path} = {v}: must be one of \"very_light\", \"light\", \
                             \"moderate\", \"vigorous\", \"near_max\""
                        )
                    })
                })?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Section for SummarySettings {
    const NAME: &'static str = "summary";
    const KEYS: &'static [&'static str] = &["max_gap_seconds"];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "max_gap_seconds" => {
                self.max_gap = read(map, |v| seconds_in(path, &v, &MAX_GAP_SECONDS))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The `[morning]` section as written.
#[derive(Default)]
struct MorningSection(MorningSettings);

impl Section for MorningSection {
    const NAME: &'static str = "morning";
    const KEYS: &'static [&'static str] =
        &["duration_seconds", "settle_seconds", "posture", "range_k"];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let m = &mut self.0;
        match key {
            "duration_seconds" => {
                m.duration = read(map, |v| seconds_in(path, &v, &(60.0..=600.0)))?
            }
            "settle_seconds" => {
                m.settle = read(map, |v| {
                    if matches!(v, toml::Value::Integer(0)) {
                        return Ok(Duration::ZERO);
                    }
                    seconds_in(path, &v, &(0.0..=300.0))
                })?
            }
            "posture" => {
                m.posture = read(map, |v| match string(path, &v)? {
                    p @ ("supine" | "seated" | "standing") => Ok(p.to_owned()),
                    _ => Err(format!(
                        "{path} = {v}: must be \"supine\", \"seated\" or \"standing\""
                    )),
                })?
            }
            "range_k" => {
                m.baseline.range_k = read(map, |v| number_in(path, &v, &(0.25..=2.0), ""))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The `[readiness]` section as written.
#[derive(Default)]
struct ReadinessSection(ReadinessConfig);

impl Section for ReadinessSection {
    const NAME: &'static str = "readiness";
    const KEYS: &'static [&'static str] = &[
        "rhr_slope_bpm_per_week",
        "rhr_rise_bpm",
        "acute_chronic_spike",
        "hard_days_in_a_row",
        "poor_sleep_at_most",
        "sore_at_least",
        "wellness_flags_for_scale_back",
    ];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let r = &mut self.0;
        match key {
            "rhr_slope_bpm_per_week" => {
                r.rhr_slope_bpm_per_week =
                    read(map, |v| number_in(path, &v, &(0.1..=10.0), " bpm per week"))?
            }
            "rhr_rise_bpm" => {
                r.rhr_rise_bpm = read(map, |v| number_in(path, &v, &(0.0..=30.0), " bpm"))?
            }
            "acute_chronic_spike" => {
                r.acute_chronic_spike = read(map, |v| number_in(path, &v, &(1.0..=5.0), ""))?
            }
            "hard_days_in_a_row" => {
                r.hard_days_in_a_row = read(map, |v| integer(path, &v, &(1usize..=7), "days"))?
            }
            "poor_sleep_at_most" => {
                r.poor_sleep_at_most = read(map, |v| integer(path, &v, &(1u8..=5), ""))?
            }
            "sore_at_least" => r.sore_at_least = read(map, |v| integer(path, &v, &(1u8..=5), ""))?,
            "wellness_flags_for_scale_back" => {
                r.wellness_flags_for_scale_back =
                    read(map, |v| integer(path, &v, &(1usize..=3), "flags"))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The `[storage]` section as written.
#[derive(Default)]
struct StorageSection {
    data_dir: Option<PathBuf>,
}

impl Section for StorageSection {
    const NAME: &'static str = "storage";
    const KEYS: &'static [&'static str] = &["data_dir"];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "data_dir" => self.data_dir = Some(read(map, |v| data_dir(path, &v))?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

// ---- Checking values ------------------------------------------------------------------------

/// "a string", "an integer"...: how a message names the type of `value`.
fn kind(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

fn expected(path: &str, what: &str, value: &toml::Value) -> String {
    format!("{path}: expected {what}, found {}", kind(value))
}

fn integer<T>(
    path: &str,
    value: &toml::Value,
    range: &RangeInclusive<T>,
    unit: &str,
) -> Result<T, String>
where
    T: TryFrom<i64> + PartialOrd + fmt::Display,
{
    let toml::Value::Integer(n) = value else {
        return Err(expected(path, "an integer", value));
    };
    T::try_from(*n)
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "{path} = {n}: must be between {} and {} {unit}",
                range.start(),
                range.end()
            )
        })
}

fn string<'v>(path: &str, value: &'v toml::Value) -> Result<&'v str, String> {
    value
        .as_str()
        .ok_or_else(|| expected(path, "a string", value))
}

fn non_empty(path: &str, value: &toml::Value) -> Result<String, String> {
    match string(path, value)?.trim() {
        "" => Err(format!(
            "{path} = {value}: must not be empty (leave the key out instead)"
        )),
        text => Ok(text.to_owned()),
    }
}

fn sex(path: &str, value: &toml::Value) -> Result<Sex, String> {
    match string(path, value)?.to_ascii_lowercase().as_str() {
        "male" => Ok(Sex::Male),
        "female" => Ok(Sex::Female),
        _ => Err(format!("{path} = {value}: must be \"male\" or \"female\"")),
    }
}

fn address(path: &str, value: &toml::Value) -> Result<String, String> {
    let text = string(path, value)?;
    let parts: Vec<&str> = text.split(':').collect();
    let well_formed = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    if well_formed {
        Ok(text.to_ascii_uppercase())
    } else {
        Err(format!(
            "{path} = {value}: not a Bluetooth address; write six pairs of hex digits \
             like \"AA:BB:CC:DD:EE:FF\" (`talkzone scan` lists them)"
        ))
    }
}

fn watchdog(path: &str, value: &toml::Value) -> Result<Duration, String> {
    seconds_in(path, value, &WATCHDOG_SECONDS)
}

/// A number, whole or fractional, within `range` (`unit` follows the bounds in messages).
fn number_in(
    path: &str,
    value: &toml::Value,
    range: &RangeInclusive<f64>,
    unit: &str,
) -> Result<f64, String> {
    let x = match value {
        toml::Value::Integer(n) => *n as f64,
        toml::Value::Float(x) => *x,
        _ => return Err(expected(path, "a number", value)),
    };
    if range.contains(&x) {
        Ok(x)
    } else {
        Err(format!(
            "{path} = {value}: must be between {} and {}{unit}",
            range.start(),
            range.end()
        ))
    }
}

/// A heart rate in bpm, whole or fractional, within [`THRESHOLD_BPM`].
fn bpm(path: &str, value: &toml::Value) -> Result<f64, String> {
    let x = match value {
        toml::Value::Integer(n) => *n as f64,
        toml::Value::Float(x) => *x,
        _ => return Err(expected(path, "a heart rate in bpm", value)),
    };
    if THRESHOLD_BPM.contains(&x) {
        Ok(x)
    } else {
        Err(format!(
            "{path} = {value}: must be between {} and {} bpm",
            THRESHOLD_BPM.start(),
            THRESHOLD_BPM.end()
        ))
    }
}

fn seconds_in(
    path: &str,
    value: &toml::Value,
    range: &RangeInclusive<f64>,
) -> Result<Duration, String> {
    let seconds = match value {
        toml::Value::Integer(n) => *n as f64,
        toml::Value::Float(x) => *x,
        _ => return Err(expected(path, "a number of seconds", value)),
    };
    // `contains` is false for NaN, so from_secs_f64 cannot panic below.
    if range.contains(&seconds) {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(format!(
            "{path} = {value}: must be between {} and {} seconds",
            range.start(),
            range.end()
        ))
    }
}

fn data_dir(path: &str, value: &toml::Value) -> Result<PathBuf, String> {
    let text = string(path, value)?;
    if text.trim().is_empty() {
        return Err(format!(
            "{path} = {value}: must not be empty (leave the key out for the default)"
        ));
    }
    // `~user/...` would silently become a directory literally named `~user`.
    if text.starts_with('~') && !is_home_relative(Path::new(text)) {
        return Err(format!(
            "{path} = {value}: only a leading `~/` (your home directory) is expanded; \
             write the full path"
        ));
    }
    Ok(PathBuf::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<FileConfig, ConfigError> {
        parse(text, Path::new("config.toml"))
    }

    fn error_of(text: &str) -> String {
        match parse_str(text) {
            Ok(file) => panic!("expected an error for {text:?}, got {file:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[track_caller]
    fn assert_mentions(message: &str, parts: &[&str]) {
        for part in parts {
            assert!(
                message.contains(part),
                "{message:?} should contain {part:?}"
            );
        }
    }

    #[test]
    fn empty_file_is_the_defaults() {
        assert_eq!(parse_str("").unwrap(), FileConfig::default());
        assert_eq!(parse_str("# nothing\n\n").unwrap(), FileConfig::default());
    }

    #[test]
    fn every_key_is_read() {
        let file = parse_str(
            r#"
[profile]
age = 40
sex = "female"
max_hr = 185
resting_hr = 55

[device]
address = "aa:bb:cc:dd:ee:0f"
name = "Polar H10"
adapter = "hci1"
watchdog_seconds = 2.5

[storage]
data_dir = "/var/lib/talkzone"
"#,
        )
        .unwrap();
        assert_eq!(
            file,
            FileConfig {
                profile: Profile {
                    age: Some(40),
                    sex: Some(Sex::Female),
                    max_hr: Some(185),
                    resting_hr: Some(55),
                },
                device: DeviceSettings {
                    address: Some("AA:BB:CC:DD:EE:0F".into()),
                    name: Some("Polar H10".into()),
                    adapter: Some("hci1".into()),
                    watchdog: Duration::from_millis(2500),
                },
                data_dir: Some(PathBuf::from("/var/lib/talkzone")),
                ..FileConfig::default()
            }
        );
    }

    #[test]
    fn inline_and_dotted_tables_are_accepted() {
        let file = parse_str("profile = { age = 30 }\ndevice.watchdog_seconds = 10\n").unwrap();
        assert_eq!(file.profile.age, Some(30));
        assert_eq!(file.device.watchdog, Duration::from_secs(10));
        let file = parse_str("[profile]\nsex = \"Male\"\n").unwrap();
        assert_eq!(file.profile.sex, Some(Sex::Male));
    }

    #[test]
    fn wrong_type_names_file_line_column_and_key() {
        let message = error_of("# me\n[profile]\nage = \"forty\"\n");
        assert_eq!(
            message,
            "config.toml:3:7: profile.age: expected an integer, found a string"
        );
        let message = error_of("[device]\nwatchdog_seconds = true\n");
        assert_mentions(
            &message,
            &[":2:", "device.watchdog_seconds", "found a boolean"],
        );
        let message = error_of("[device]\nname = 5\n");
        assert_mentions(&message, &[":2:", "device.name", "expected a string"]);
        let message = error_of("[profile]\nmax_hr = 180.0\n");
        assert_mentions(&message, &[":2:", "profile.max_hr", "found a float"]);
        let message = error_of("[profile]\nage = 1979-05-27\n");
        assert_mentions(&message, &[":2:", "profile.age", "found a date-time"]);
        let message = error_of("[profile]\nage.years = 40\n");
        assert_mentions(&message, &[":2:", "profile.age", "found a table"]);
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let message = error_of("[profile]\nage = 40\nweight = 70\n");
        assert_mentions(
            &message,
            &[
                "config.toml:3:",
                "profile.weight",
                "unknown key",
                "age, sex, max_hr and resting_hr",
            ],
        );
        let message = error_of("[profile]\naddress = \"AA:BB:CC:DD:EE:FF\"\n");
        assert_mentions(
            &message,
            &[":2:", "profile.address", "belongs under [device]"],
        );
        let message = error_of("[device]\nnested.deeper = 1\n");
        assert_mentions(&message, &[":2:", "device.nested", "unknown key"]);
    }

    #[test]
    fn unknown_section_names_line_and_section() {
        let message = error_of("[profile]\nage = 40\n\n[display]\ncolour = true\n");
        assert_mentions(
            &message,
            &[
                "config.toml:4:",
                "display: unknown section",
                "[profile], [device], [storage], [zones], [summary], [morning] and [readiness]",
            ],
        );
        let message = error_of("age = 40\n");
        assert_mentions(
            &message,
            &[":1:", "age: unknown section", "belongs under [profile]"],
        );
        let message = error_of("[profile.more]\nage = 40\n");
        assert_mentions(&message, &[":1:", "profile.more", "unknown key"]);
    }

    #[test]
    fn section_of_the_wrong_type() {
        let message = error_of("profile = 3\n");
        assert_mentions(
            &message,
            &[":1:", "[profile] must be a table", "found an integer"],
        );
        let message = error_of("\n[[device]]\nname = \"x\"\n");
        assert_mentions(
            &message,
            &[":2:", "[device] must be a table", "found an array"],
        );
        let message = error_of("storage = 2024-01-01\n");
        assert_mentions(
            &message,
            &[":1:", "[storage] must be a table", "found a date-time"],
        );
    }

    #[test]
    fn out_of_range_values_name_line_key_and_range() {
        assert_eq!(
            error_of("[device]\nname = \"H10\"\n\n\nwatchdog_seconds = 0\n"),
            "config.toml:5:20: device.watchdog_seconds = 0: must be between 1 and 120 seconds"
        );
        for (text, key) in [
            (
                "[profile]\nage = 9\n",
                "profile.age = 9: must be between 10 and 100 years",
            ),
            ("[profile]\nage = -1\n", "profile.age = -1"),
            ("[profile]\nage = 300\n", "profile.age = 300"),
            (
                "[profile]\nmax_hr = 99\n",
                "profile.max_hr = 99: must be between 100 and 240 bpm",
            ),
            ("[profile]\nmax_hr = 241\n", "profile.max_hr = 241"),
            ("[profile]\nresting_hr = 24\n", "profile.resting_hr = 24"),
            ("[profile]\nresting_hr = 121\n", "profile.resting_hr = 121"),
            (
                "[device]\nwatchdog_seconds = 120.5\n",
                "device.watchdog_seconds = 120.5",
            ),
            (
                "[device]\nwatchdog_seconds = nan\n",
                "device.watchdog_seconds = nan",
            ),
            (
                "[device]\nwatchdog_seconds = -inf\n",
                "device.watchdog_seconds = -inf",
            ),
            (
                "[profile]\nsex = \"other\"\n",
                "profile.sex = \"other\": must be \"male\" or \"female\"",
            ),
            (
                "[device]\nname = \"  \"\n",
                "device.name = \"  \": must not be empty",
            ),
            ("[device]\nadapter = \"\"\n", "device.adapter"),
            ("[storage]\ndata_dir = \"\"\n", "storage.data_dir"),
            (
                "[storage]\ndata_dir = \"~bob/data\"\n",
                "only a leading `~/`",
            ),
        ] {
            assert_mentions(&error_of(text), &["config.toml:2:", key]);
        }
    }

    #[test]
    fn watchdog_accepts_integers_and_fractions_at_the_bounds() {
        for (text, expected) in [("1", 1.0), ("120", 120.0), ("1.0", 1.0), ("0.5e1", 5.0)] {
            let file = parse_str(&format!("[device]\nwatchdog_seconds = {text}\n")).unwrap();
            assert_eq!(file.device.watchdog, Duration::from_secs_f64(expected));
        }
    }

    #[test]
    fn bad_address_names_line_and_key() {
        for bad in [
            "AA:BB:CC:DD:EE",
            "AA:BB:CC:DD:EE:FF:00",
            "AABBCCDDEEFF",
            "AA-BB-CC-DD-EE-FF",
            "GG:BB:CC:DD:EE:FF",
            "A:BB:CC:DD:EE:FFF",
            "",
        ] {
            let message = error_of(&format!("[device]\naddress = \"{bad}\"\n"));
            assert_mentions(
                &message,
                &["config.toml:2:11:", "device.address", "AA:BB:CC:DD:EE:FF"],
            );
        }
    }

    #[test]
    fn resting_must_be_below_max_in_either_order() {
        let message = error_of("[profile]\nmax_hr = 110\nresting_hr = 110\n");
        assert_mentions(
            &message,
            &[
                ":3:",
                "profile.resting_hr = 110",
                "below profile.max_hr (110)",
            ],
        );
        let message = error_of("[profile]\nresting_hr = 100\nage = 40\nmax_hr = 100\n");
        assert_mentions(
            &message,
            &[
                ":4:",
                "profile.max_hr = 100",
                "above profile.resting_hr (100)",
            ],
        );
        let file = parse_str("[profile]\nresting_hr = 99\nmax_hr = 100\n").unwrap();
        assert_eq!(
            (file.profile.resting_hr, file.profile.max_hr),
            (Some(99), Some(100))
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let message = error_of("[profile]\nage = \n");
        assert!(message.starts_with("config.toml:2:"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        let message = error_of("[profile]\nage = 40\nage = 41\n");
        assert_mentions(&message, &["config.toml:3:", "age"]);
    }

    #[test]
    fn location_counts_lines_and_characters() {
        let text = "ab\nçé = 1\n";
        assert_eq!(Location::of(text, 0), Location { line: 1, column: 1 });
        assert_eq!(Location::of(text, 3), Location { line: 2, column: 1 });
        // After "çé " (5 bytes, 3 characters).
        assert_eq!(Location::of(text, 8), Location { line: 2, column: 4 });
        assert_eq!(Location::of(text, 1000), Location { line: 3, column: 1 });
        // Inside a multi-byte character: no panic.
        let _ = Location::of(text, 4);
    }

    #[test]
    fn shipped_example_parses_to_the_defaults() {
        let example = include_str!("../config.toml");
        assert_eq!(parse_str(example).unwrap(), FileConfig::default());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, example).unwrap();
        let inputs = ConfigInputs {
            cli_config: Some(path.clone()),
            default_data_dir: Some("/data/talkzone".into()),
            ..ConfigInputs::default()
        };
        let settings = load(&inputs).unwrap();
        assert_eq!(settings.config_file.as_deref(), Some(path.as_path()));
        assert_eq!(
            Settings {
                config_file: None,
                ..settings
            },
            Settings::defaults_for(&inputs)
        );
    }

    /// The commented-out examples in the shipped file are valid once uncommented, and every
    /// key the file documents is one the parser knows (and the other way round).
    #[test]
    fn shipped_example_values_are_valid() {
        let keys: Vec<&str> = [
            Profile::KEYS,
            DeviceSettings::KEYS,
            StorageSection::KEYS,
            ZoneSettings::KEYS,
            SummarySettings::KEYS,
            MorningSection::KEYS,
            ReadinessSection::KEYS,
        ]
        .concat();
        let mut uncommented = Vec::new();
        let mut documented = Vec::new();
        for line in include_str!("../config.toml").lines() {
            let bare = line.strip_prefix("# ").unwrap_or(line);
            match keys.iter().find(|k| bare.starts_with(&format!("{k} = "))) {
                Some(key) => {
                    documented.push(*key);
                    uncommented.push(bare);
                }
                None => uncommented.push(line),
            }
        }
        documented.sort_unstable();
        let mut all = keys.clone();
        all.sort_unstable();
        assert_eq!(documented, all);
        let file = parse_str(&uncommented.join("\n")).unwrap();
        assert!(file.profile.age.is_some() && file.device.address.is_some());
        assert!(file.data_dir.is_some());
        assert_eq!(file.zones.config.talk_ok_max_hr, Some(150.0));
        assert_eq!(file.zones.config.cannot_talk_hr, Some(172.0));
    }

    #[test]
    fn zones_and_summary_sections() {
        let file = parse_str(
            "[zones]\nmodel = \"talk_test\"\nhrmax_formula = \"gellish\"\ntalk_ok_max_hr = 150\n\
             cannot_talk_hr = 171.5\ntarget = \"light\"\n[summary]\nmax_gap_seconds = 30\n",
        )
        .unwrap();
        assert_eq!(file.zones.config.model, ZoneModel::TalkTest);
        assert_eq!(file.zones.config.hrmax_formula, HrMaxFormula::Gellish);
        assert_eq!(file.zones.config.cannot_talk_hr, Some(171.5));
        assert_eq!(file.zones.target, TalkZone::Light);
        assert_eq!(file.summary.max_gap, Duration::from_secs(30));

        assert_mentions(
            &error_of("[zones]\nmodel = \"karvonen\"\n"),
            &[":2:", "zones.model", "\"hrr\""],
        );
        assert_mentions(
            &error_of("[zones]\n\ntalk_ok_max_hr = 300\n"),
            &[":3:", "zones.talk_ok_max_hr", "between 40 and 240 bpm"],
        );
        assert_mentions(
            &error_of("[zones]\ntarget = \"easy\"\n"),
            &[":2:", "zones.target", "near_max"],
        );
        assert_mentions(
            &error_of("[summary]\nmax_gap_seconds = 0\n"),
            &[":2:", "summary.max_gap_seconds"],
        );
        assert_mentions(
            &error_of("[zones]\nmax_gap_seconds = 5\n"),
            &["zones.max_gap_seconds", "belongs under [summary]"],
        );
    }

    // ---- load: where the file and the data directory come from ----

    struct World {
        dir: tempfile::TempDir,
    }

    impl World {
        fn new() -> Self {
            World {
                dir: tempfile::tempdir().unwrap(),
            }
        }

        fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }

        /// Writes a config file at `name` whose data_dir says which file it is.
        fn config(&self, name: &str) -> PathBuf {
            let path = self.path(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("[storage]\ndata_dir = \"/from/{name}\"\n")).unwrap();
            path
        }

        fn inputs(&self) -> ConfigInputs {
            ConfigInputs {
                user_config_dir: Some(self.path("user")),
                default_data_dir: Some("/default/data".into()),
                home: Some("/home/a".into()),
                ..ConfigInputs::default()
            }
        }
    }

    #[test]
    fn config_file_precedence_is_flag_env_user_dir_defaults() {
        let world = World::new();
        let cli = world.config("cli.toml");
        let env = world.config("env.toml");
        let user = world.config("user/config.toml");
        let all = ConfigInputs {
            cli_config: Some(cli.clone()),
            env_config: Some(env.clone()),
            ..world.inputs()
        };
        let loaded = |inputs: &ConfigInputs| {
            let settings = load(inputs).unwrap();
            (settings.config_file, settings.storage.data_dir)
        };

        assert_eq!(loaded(&all), (Some(cli), "/from/cli.toml".into()));
        let no_cli = ConfigInputs {
            cli_config: None,
            ..all.clone()
        };
        assert_eq!(loaded(&no_cli), (Some(env), "/from/env.toml".into()));
        let neither = ConfigInputs {
            env_config: None,
            ..no_cli.clone()
        };
        assert_eq!(
            loaded(&neither),
            (Some(user.clone()), "/from/user/config.toml".into())
        );

        std::fs::remove_file(&user).unwrap();
        assert_eq!(loaded(&neither), (None, "/default/data".into()));
        let nowhere = ConfigInputs {
            user_config_dir: None,
            ..neither
        };
        assert_eq!(load(&nowhere).unwrap(), Settings::defaults_for(&nowhere));
    }

    #[test]
    fn explicit_config_files_must_exist() {
        let world = World::new();
        let missing = world.path("missing.toml");
        // Present lower-priority files do not rescue a missing explicit one.
        world.config("user/config.toml");
        let env_file = world.config("env.toml");

        let inputs = ConfigInputs {
            cli_config: Some(missing.clone()),
            env_config: Some(env_file),
            ..world.inputs()
        };
        let message = load(&inputs).unwrap_err().to_string();
        assert_mentions(
            &message,
            &[&missing.display().to_string(), "not found", "--config"],
        );

        let inputs = ConfigInputs {
            env_config: Some(missing.clone()),
            ..world.inputs()
        };
        let message = load(&inputs).unwrap_err().to_string();
        assert_mentions(
            &message,
            &[
                &missing.display().to_string(),
                "not found",
                "$TALKZONE_CONFIG",
            ],
        );
    }

    #[test]
    fn load_errors_name_the_file() {
        let world = World::new();
        let path = world.path("user/config.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "[profile]\nage = \"x\"\n").unwrap();
        let message = load(&world.inputs()).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "{}:2:7: profile.age: expected an integer, found a string",
                path.display()
            )
        );

        std::fs::write(&path, b"[profile]\n# caf\xe9\n").unwrap();
        let error = load(&world.inputs()).unwrap_err();
        assert!(
            matches!(error, ConfigError::NotUtf8 { line: 2, .. }),
            "{error:?}"
        );
        assert_mentions(
            &error.to_string(),
            &[&format!("{}:2:", path.display()), "UTF-8"],
        );

        // A directory where the file should be cannot be read.
        let inputs = ConfigInputs {
            cli_config: Some(world.path("user")),
            ..world.inputs()
        };
        let error = load(&inputs).unwrap_err();
        assert!(matches!(error, ConfigError::Unreadable { .. }), "{error:?}");
        assert_mentions(
            &error.to_string(),
            &[&world.path("user").display().to_string(), "cannot read"],
        );
    }

    #[test]
    fn data_dir_precedence_is_flag_env_file_default() {
        let world = World::new();
        let file = world.config("user/config.toml");
        let all = ConfigInputs {
            cli_data_dir: Some("/flag".into()),
            env_data: Some("/env".into()),
            ..world.inputs()
        };
        assert_eq!(load(&all).unwrap().storage.data_dir, PathBuf::from("/flag"));
        let no_flag = ConfigInputs {
            cli_data_dir: None,
            ..all
        };
        assert_eq!(
            load(&no_flag).unwrap().storage.data_dir,
            PathBuf::from("/env")
        );
        let no_env = ConfigInputs {
            env_data: None,
            ..no_flag
        };
        assert_eq!(
            load(&no_env).unwrap().storage.data_dir,
            PathBuf::from("/from/user/config.toml")
        );
        std::fs::remove_file(file).unwrap();
        assert_eq!(
            load(&no_env).unwrap().storage.data_dir,
            PathBuf::from("/default/data")
        );
        let no_default = ConfigInputs {
            default_data_dir: None,
            ..no_env
        };
        assert_eq!(
            load(&no_default).unwrap().storage.data_dir,
            PathBuf::from(FALLBACK_DATA_DIR)
        );
    }

    #[test]
    fn tilde_expands_to_home() {
        let world = World::new();
        let path = world.path("c.toml");
        let with_file = |data_dir: &str| {
            std::fs::write(&path, format!("[storage]\ndata_dir = \"{data_dir}\"\n")).unwrap();
            ConfigInputs {
                cli_config: Some(path.clone()),
                ..world.inputs()
            }
        };
        let data_dir = |inputs: &ConfigInputs| load(inputs).map(|s| s.storage.data_dir);

        assert_eq!(
            data_dir(&with_file("~/hr")).unwrap(),
            PathBuf::from("/home/a/hr")
        );
        assert_eq!(data_dir(&with_file("~")).unwrap(), PathBuf::from("/home/a"));
        // Relative paths in a file are relative to the file's directory.
        assert_eq!(data_dir(&with_file("hr")).unwrap(), world.path("hr"));
        assert_eq!(
            data_dir(&with_file("/abs/~/x")).unwrap(),
            PathBuf::from("/abs/~/x")
        );

        let flag = ConfigInputs {
            cli_data_dir: Some("~/flag".into()),
            ..world.inputs()
        };
        assert_eq!(data_dir(&flag).unwrap(), PathBuf::from("/home/a/flag"));
        let env = ConfigInputs {
            env_data: Some("~/env".into()),
            ..world.inputs()
        };
        assert_eq!(data_dir(&env).unwrap(), PathBuf::from("/home/a/env"));

        let homeless = ConfigInputs {
            home: None,
            ..with_file("~/hr")
        };
        let message = data_dir(&homeless).unwrap_err().to_string();
        assert_mentions(
            &message,
            &[
                &path.display().to_string(),
                "storage.data_dir",
                "~/hr",
                "$HOME",
            ],
        );
        let homeless_flag = ConfigInputs { home: None, ..flag };
        assert_mentions(
            &data_dir(&homeless_flag).unwrap_err().to_string(),
            &["--data-dir", "$HOME"],
        );
    }

    #[test]
    fn default_settings_have_a_data_dir() {
        let settings = Settings::default();
        assert!(!settings.storage.data_dir.as_os_str().is_empty());
        assert_eq!(settings.device.watchdog, DEFAULT_WATCHDOG);
        assert_eq!(settings.config_file, None);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC*") {
            let _ = parse_str(&text);
        }

        #[test]
        fn parse_never_panics_on_toml_like_text(
            text in "(\\[(profile|device|storage|x)\\]\n|(age|sex|max_hr|resting_hr|address|name|adapter|watchdog_seconds|data_dir|x)(\\.y)? = (-?[0-9]{1,20}(\\.[0-9]+)?|\"[^\"\n]{0,20}\"|true|nan|inf|\\[1, 2\\]|\\{ a = 1 \\}|1979-05-27)\n){0,8}"
        ) {
            let _ = parse_str(&text);
        }

        #[test]
        fn location_never_panics(text in "\\PC*", offset in 0usize..200) {
            let location = Location::of(&text, offset);
            proptest::prop_assert!(location.line >= 1 && location.column >= 1);
        }
    }
}
