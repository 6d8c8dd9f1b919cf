//! `[summary]`: how sessions are summarised (the longest silence that still counts).

use std::ops::RangeInclusive;
use std::time::Duration;

use serde::de::MapAccess;

use super::section::{read, Section};
use super::values::seconds_in;

/// `summary.max_gap_seconds` when not set.
pub const DEFAULT_MAX_GAP: Duration = Duration::from_secs(10);
/// Allowed `summary.max_gap_seconds`.
pub const MAX_GAP_SECONDS: RangeInclusive<f64> = 1.0..=600.0;

/// The `[summary]` section: how sessions are summarised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummarySettings {
    /// A silence between two readings longer than this is a gap that counts as nothing
    /// (`max_gap_seconds`, default 10): a dying strap (Runalyze #2219) must not have its last reading stretched over the silence
    /// (docs/science.md §14).
    pub max_gap: Duration,
}

impl Default for SummarySettings {
    fn default() -> Self {
        SummarySettings {
            max_gap: DEFAULT_MAX_GAP,
        }
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
