//! `[readiness]`: the thresholds of the readiness verdict.

use serde::de::MapAccess;

use super::section::{read, Section};
use super::values::{integer, number_in};
pub use crate::physiology::readiness::ReadinessConfig;

/// The `[readiness]` section as written.
#[derive(Default)]
pub(super) struct ReadinessSection(pub(super) ReadinessConfig);

impl Section for ReadinessSection {
    const NAME: &'static str = "readiness";
    const KEYS: &'static [&'static str] = &[
        "rhr_slope_bpm_per_week",
        "rhr_rise_bpm",
        "scale_back_far_sd",
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
            "scale_back_far_sd" => {
                r.scale_back_far_sd = read(map, |v| number_in(path, &v, &(0.0..=10.0), ""))?
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
