//! Finding and reading the config file, and where the data folder is: `--config` >
//! `$TALKZONE_CONFIG` > the user's config directory > the defaults; `--data-dir` >
//! `$TALKZONE_DATA` > `[storage] data_dir` > the platform's data directory. The only part of
//! the configuration that touches the disk and the environment.

use std::path::{Component, Path, PathBuf};

use super::section::parse;
use super::{ConfigError, FileConfig, Settings, StorageSettings};

/// The file name looked for in the user's config directory.
pub const CONFIG_FILE_NAME: &str = "config.toml";
/// Environment variable naming a config file (which must then exist).
pub const ENV_CONFIG: &str = "TALKZONE_CONFIG";
/// Environment variable naming the data directory.
pub const ENV_DATA: &str = "TALKZONE_DATA";
/// Data directory when the platform has no home directory to put it under.
pub const FALLBACK_DATA_DIR: &str = "./talkzone-data";

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

pub(super) fn platform_data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
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
        live: file.live,
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
pub(super) fn is_home_relative(path: &Path) -> bool {
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
