//! The generic TOML section reader: a table of the file (the top level or a `[section]`) that
//! reads its own keys, so that every error names the full key (`profile.age`) and toml still
//! knows the line and column of the value being read.
//!
//! Why hand-written serde visitors rather than `#[derive(Deserialize)]` with
//! `deny_unknown_fields` and toml's spans: toml 0.8 attaches the span of the value being read to
//! any error raised while reading it (`toml::de::Error::span`), but serde's derived messages
//! ("unknown field `agee`, expected `age` or `sex`", "invalid type: string, expected f64") do not
//! know which section they are in, and a `deserialize_with` check does not know its own key.
//! Recovering the key from the span needs a second parse of the document, and the cross-key
//! checks (resting below max, settling shorter than the check) would still be hand-written. A
//! small visitor per section that knows its own name puts the full key in every message and
//! validates each value while toml holds its span: simpler, in the end.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{ConfigError, FileConfig, Location};

/// Validates config file text, each section and then the checks across sections. `origin` is
/// only used to name the file in errors.
pub fn parse(text: &str, origin: &Path) -> Result<FileConfig, ConfigError> {
    let file = read_sections(text, origin)?;
    super::cross::check(&file, text, origin)?;
    Ok(file)
}

fn read_sections(text: &str, origin: &Path) -> Result<FileConfig, ConfigError> {
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

/// A table of the file (the top level or a section) that reads its own keys.
pub(super) trait Section: Default {
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

    /// Checks across keys that can only be made once the whole table is read (a key checked
    /// against another's default). The message should start with the keys it is about.
    fn finish(&self) -> Result<(), String> {
        Ok(())
    }
}

/// toml hands a datetime to a visitor as a one-entry map under this private key.
const TOML_DATETIME_KEY_PREFIX: &str = "$__toml_private";

pub(super) struct SectionSeed<S>(PhantomData<S>);

impl<S> SectionSeed<S> {
    pub(super) fn new() -> Self {
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
        section.finish().map_err(de::Error::custom)?;
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
    let hint = super::SECTIONS
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

pub(super) fn read<'de, A, T>(
    map: &mut A,
    check: impl FnOnce(toml::Value) -> Result<T, String>,
) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
{
    map.next_value_seed(Checked(check))
}
