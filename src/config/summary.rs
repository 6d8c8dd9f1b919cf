//! `[summary]`: how sessions are summarised: the longest silence that still counts, and the
//! heart rates a heart can have.

use std::ops::RangeInclusive;
use std::time::Duration;

use serde::de::MapAccess;

use super::section::{read, Section};
use super::values::{integer, seconds_in};
use crate::physiology::summary::PlausibleHr;

/// `summary.max_gap_seconds` when not set.
pub const DEFAULT_MAX_GAP: Duration = Duration::from_secs(10);
/// Allowed `summary.max_gap_seconds`.
pub const MAX_GAP_SECONDS: RangeInclusive<f64> = 1.0..=600.0;
/// Allowed `summary.plausible_min_hr`, bpm (the lowest resting heart rates measured are
/// around 30: docs/science.md §11).
pub const PLAUSIBLE_MIN_BPM: RangeInclusive<u16> = 10..=40;
/// Allowed `summary.plausible_max_hr`, bpm (maximal heart rates reach about 220).
pub const PLAUSIBLE_MAX_BPM: RangeInclusive<u16> = 200..=300;

/// The `[summary]` section: how sessions are summarised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummarySettings {
    /// A silence between two readings longer than this is a gap that counts as nothing
    /// (`max_gap_seconds`, default 10): a dying strap (Runalyze #2219) must not have its last
    /// reading stretched over the silence (docs/science.md §14).
    pub max_gap: Duration,
    /// Readings outside this range count as no signal (`plausible_min_hr`, `plausible_max_hr`,
    /// default 25-250; docs/science.md §11).
    pub plausible: PlausibleHr,
}

impl Default for SummarySettings {
    fn default() -> Self {
        SummarySettings {
            max_gap: DEFAULT_MAX_GAP,
            plausible: PlausibleHr::DEFAULT,
        }
    }
}

impl Section for SummarySettings {
    const NAME: &'static str = "summary";
    const KEYS: &'static [&'static str] =
        &["max_gap_seconds", "plausible_min_hr", "plausible_max_hr"];

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
            "plausible_min_hr" => {
                self.plausible.min = read(map, |v| integer(path, &v, &PLAUSIBLE_MIN_BPM, "bpm"))?
            }
            "plausible_max_hr" => {
                self.plausible.max = read(map, |v| integer(path, &v, &PLAUSIBLE_MAX_BPM, "bpm"))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
