//! Parsing config text: every section and key, and every error naming file, line, column and
//! the full key; the shipped example.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::*;
use crate::physiology::person::{Posture, Sex};
use crate::physiology::zones::{HrMaxFormula, TalkZone, ZoneModel};

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
pub(super) fn assert_mentions(message: &str, parts: &[&str]) {
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
            "[profile], [device], [storage], [zones], [summary], [live], [morning] and [readiness]",
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

/// Settling must end before the check: checked on the second of the two keys (pointing at it),
/// or against the default when the file sets one of them.
#[test]
fn settling_must_be_shorter_than_the_check() {
    assert_eq!(
        error_of("[morning]\nduration_seconds = 120\nsettle_seconds = 120\n"),
        "config.toml:3:18: morning.settle_seconds: morning.settle_seconds (120 s) must be \
         shorter than morning.duration_seconds (120 s)"
    );
    assert_mentions(
        &error_of("[morning]\nsettle_seconds = 200\nduration_seconds = 150\n"),
        &[
            "config.toml:3:20: morning.duration_seconds",
            "(200 s)",
            "(150 s)",
        ],
    );
    // Only one of the two set: against the other's default (180 s, 60 s).
    assert_mentions(
        &error_of("# mine\n[morning]\nsettle_seconds = 200\n"),
        &[
            "config.toml:2:",
            "morning.settle_seconds (200 s) must be shorter than morning.duration_seconds (180 s, the default)",
        ],
    );
    assert_mentions(
        &error_of("[morning]\nduration_seconds = 60\n"),
        &["(60 s, the default) must be shorter than morning.duration_seconds (60 s)"],
    );
    // Set in either order and valid: fine.
    let file = parse_str(
        "[morning]\nsettle_seconds = 200\nduration_seconds = 300\nposture = \"seated\"\n",
    )
    .unwrap();
    assert_eq!(file.morning.settle, Duration::from_secs(200));
    assert_eq!(file.morning.posture, Posture::Seated);
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
    let example = include_str!("../../../config.toml");
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
    let keys: Vec<&str> = SECTIONS
        .iter()
        .flat_map(|(_, keys)| keys.iter().copied())
        .collect();
    let mut uncommented = Vec::new();
    let mut documented = Vec::new();
    for line in include_str!("../../../config.toml").lines() {
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

/// Checks across sections point at the key they are about: a heart-rate reserve too small for
/// five zones (age 100 with Fox: HRmax 120, resting 119, model hrr: zones 0.1 bpm wide), and
/// typed-in talk-test thresholds out of order, with the derived defaults said to be derived.
#[test]
fn cross_section_problems_name_their_key_and_line() {
    let e = error_of(
        "[profile]\nage = 100\nresting_hr = 119\n\n[zones]\nmodel = \"hrr\"\nhrmax_formula = \"fox\"\n",
    );
    assert_mentions(
        &e,
        &[
            "config.toml:3:14: profile.resting_hr:",
            "heart-rate reserve of 1 bpm",
            "at least 40 bpm",
        ],
    );
    // The same people under the hrmax model are fine: the reserve is only the hrr model's.
    assert!(parse_str(
        "[profile]\nage = 100\nresting_hr = 119\n[zones]\nhrmax_formula = \"fox\"\n"
    )
    .is_ok());

    let e = error_of("[zones]\ntalk_ok_max_hr = 150\ncannot_talk_hr = 140\n");
    assert_mentions(
        &e,
        &[
            "config.toml:3:18: zones.cannot_talk_hr:",
            "must increase",
            "zones.talk_ok_max_hr = 150",
            "zones.cannot_talk_hr = 140",
            "zones.light_min_hr is not set, so 120 (0.8 x zones.talk_ok_max_hr)",
        ],
    );
    // A typed threshold below a derived one: the typed one is named, the derived one said so.
    let e =
        error_of("[zones]\ntalk_ok_max_hr = 150\ncannot_talk_hr = 160\nmoderate_min_hr = 100\n");
    assert_mentions(
        &e,
        &[
            "config.toml:4:19: zones.moderate_min_hr:",
            "zones.moderate_min_hr = 100",
            "zones.light_min_hr is not set, so 120",
        ],
    );
    assert!(!e.contains("zones.light_min_hr = 120"), "{e}");
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

#[test]
fn live_alpha1_step() {
    let file = parse_str("[live]\nalpha1_step_seconds = 5\n").unwrap();
    assert_eq!(file.live.alpha1_step, Duration::from_secs(5));
    assert_mentions(
        &error_of("[live]\nalpha1_step_seconds = 4\n"),
        &[
            "config.toml:2:",
            "live.alpha1_step_seconds = 4: must be between 5 and 60 seconds",
        ],
    );
}

/// The band and outlier settings of [morning] and readiness.scale_back_far_sd are read and
/// checked; the retired morning.range_k is an unknown key that lists what replaced it.
#[test]
fn readiness_band_settings_are_read_and_checked() {
    let file = parse_str(
        "[morning]\nband_z_rhr = 2.5\nband_floor_ln_rmssd = 0.04\noutlier_sd = 4\n\n\
         [readiness]\nscale_back_far_sd = 3\n",
    )
    .unwrap();
    assert_eq!(file.morning.baseline.band_z_rhr, 2.5);
    assert_eq!(file.morning.baseline.band_floor_ln_rmssd, 0.04);
    assert_eq!(file.morning.baseline.outlier_sd, 4.0);
    assert_eq!(file.morning.readiness.scale_back_far_sd, 3.0);
    assert_mentions(
        &error_of("[morning]\nband_z_ln_rmssd = 0.5\n"),
        &["morning.band_z_ln_rmssd = 0.5: must be between 1 and 4"],
    );
    assert_mentions(
        &error_of("[readiness]\nscale_back_far_sd = 11\n"),
        &["readiness.scale_back_far_sd = 11: must be between 0 and 10"],
    );
    assert_mentions(
        &error_of("[morning]\nrange_k = 0.5\n"),
        &["range_k", "band_z_rhr", "band_floor_rhr_bpm"],
    );
}
