//! Loading: where the config file and the data folder come from (flags, environment, the
//! user's config directory, defaults), `~` expansion, and errors naming the file.

use std::path::PathBuf;

use super::parse::assert_mentions;
use crate::config::device::DEFAULT_WATCHDOG;
use crate::config::load::FALLBACK_DATA_DIR;
use crate::config::*;

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
