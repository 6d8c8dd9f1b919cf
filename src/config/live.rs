//! `[live]`: the live session's own settings: how often DFA alpha1 is worked out.

use std::ops::RangeInclusive;
use std::time::Duration;

use serde::de::MapAccess;

use super::section::{read, Section};
use super::values::seconds_in;
use crate::physiology::dfa;

/// Allowed `live.alpha1_step_seconds` (FatMaxxer recomputes every 5 s at least; docs/science.md
/// §9).
pub const ALPHA1_STEP_SECONDS: RangeInclusive<f64> = 5.0..=60.0;

/// The `[live]` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveConfig {
    /// Time between two alpha1 windows on the live screen and in `live --json`
    /// (`alpha1_step_seconds`, default 20; the window is always 120 s).
    pub alpha1_step: Duration,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            alpha1_step: dfa::STEP,
        }
    }
}

impl Section for LiveConfig {
    const NAME: &'static str = "live";
    const KEYS: &'static [&'static str] = &["alpha1_step_seconds"];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "alpha1_step_seconds" => {
                self.alpha1_step = read(map, |v| seconds_in(path, &v, &ALPHA1_STEP_SECONDS))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
