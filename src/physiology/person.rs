//! The person wearing the strap, as the physiology core needs to know them: their profile
//! (age, sex, measured heart rates) and the posture of their morning check.
//!
//! Plain data at the bottom of the core: the config reads these from `[profile]` and
//! `[morning]`, the store keeps the posture with each check, and zones, load and summaries take
//! them as arguments. No I/O.

use serde::{Deserialize, Serialize};

/// Biological sex, as the training-load formulas (Banister TRIMP) distinguish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// Facts about the person wearing the strap (the `[profile]` section of the config). All
/// optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// Years, within `config::profile::AGE_YEARS`.
    pub age: Option<u8>,
    pub sex: Option<Sex>,
    /// Beats per minute, within `config::profile::MAX_HR_BPM`.
    pub max_hr: Option<u16>,
    /// Beats per minute, within `config::profile::RESTING_HR_BPM`; below `max_hr` when both are set.
    pub resting_hr: Option<u16>,
}

/// How the person was positioned during a morning check (keep it the same every morning:
/// docs/science.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Posture {
    Supine,
    Seated,
    Standing,
}

impl Posture {
    /// Every posture, in the order they are offered.
    pub const ALL: [Posture; 3] = [Posture::Supine, Posture::Seated, Posture::Standing];
    /// Their ids: the config value, the `--posture` value, the stored text and the serde form.
    pub const IDS: [&'static str; 3] = ["supine", "seated", "standing"];

    /// The id (see [`Posture::IDS`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Posture::Supine => "supine",
            Posture::Seated => "seated",
            Posture::Standing => "standing",
        }
    }

    /// Inverse of [`Posture::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Posture::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// What to do, in plain words, at the start of a check.
    pub fn instruction(self) -> &'static str {
        match self {
            Posture::Supine => "Lie still on your back",
            Posture::Seated => "Sit still, feet on the floor",
            Posture::Standing => "Stand still",
        }
    }
}

impl std::fmt::Display for Posture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posture_ids_round_trip() {
        for (p, id) in Posture::ALL.into_iter().zip(Posture::IDS) {
            assert_eq!(p.as_str(), id);
            assert_eq!(Posture::parse(id), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{id}\""));
        }
        assert_eq!(Posture::parse("Supine"), None);
    }
}
