//! Checks of single values as a config file writes them: the right type, within range, well
//! formed. Each returns the value or a message that starts with the full key (`profile.age`);
//! [`super::section`] hands the message to toml, which adds the value's line and column.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::load::is_home_relative;
use super::zones::THRESHOLD_BPM;
use crate::physiology::person::Sex;

/// "a string", "an integer"...: how a message names the type of `value`.
pub(super) fn kind(value: &toml::Value) -> &'static str {
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

pub(super) fn expected(path: &str, what: &str, value: &toml::Value) -> String {
    format!("{path}: expected {what}, found {}", kind(value))
}

pub(super) fn integer<T>(
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

pub(super) fn string<'v>(path: &str, value: &'v toml::Value) -> Result<&'v str, String> {
    value
        .as_str()
        .ok_or_else(|| expected(path, "a string", value))
}

pub(super) fn non_empty(path: &str, value: &toml::Value) -> Result<String, String> {
    match string(path, value)?.trim() {
        "" => Err(format!(
            "{path} = {value}: must not be empty (leave the key out instead)"
        )),
        text => Ok(text.to_owned()),
    }
}

pub(super) fn sex(path: &str, value: &toml::Value) -> Result<Sex, String> {
    match string(path, value)?.to_ascii_lowercase().as_str() {
        "male" => Ok(Sex::Male),
        "female" => Ok(Sex::Female),
        _ => Err(format!("{path} = {value}: must be \"male\" or \"female\"")),
    }
}

pub(super) fn address(path: &str, value: &toml::Value) -> Result<String, String> {
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

/// A number, whole or fractional, within `range` (`unit` follows the bounds in messages).
pub(super) fn number_in(
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
pub(super) fn bpm(path: &str, value: &toml::Value) -> Result<f64, String> {
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

pub(super) fn seconds_in(
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

pub(super) fn data_dir(path: &str, value: &toml::Value) -> Result<PathBuf, String> {
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

/// `"a", "b" or "c"`: the allowed ids of a setting, quoted as TOML strings.
pub(super) fn one_of(ids: &[&str]) -> String {
    let quoted: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}
