//! `[zones]`: the zone model, the HRmax formula, typed-in talk-test thresholds and the target
//! zone of a workout.

use std::ops::RangeInclusive;

use serde::de::MapAccess;

use super::section::{read, Section};
use super::values::{bpm, string};
use crate::physiology::zones::{HrMaxFormula, TalkZone, ZoneConfig, ZoneModel};

/// Allowed heart-rate thresholds in `[zones]`, bpm.
pub const THRESHOLD_BPM: RangeInclusive<f64> = 40.0..=240.0;

/// The `[zones]` section: how talk-test zones are drawn, and the zone a workout aims for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoneSettings {
    /// Model, HRmax formula and talk-test calibration.
    pub config: ZoneConfig,
    /// The zone the live screen steers toward (`target`, default moderate: the intensity the
    /// evidence favours for most sessions, WHO 2020).
    pub target: TalkZone,
}

impl Default for ZoneSettings {
    fn default() -> Self {
        ZoneSettings {
            config: ZoneConfig::default(),
            target: TalkZone::Moderate,
        }
    }
}

impl Section for ZoneSettings {
    const NAME: &'static str = "zones";
    const KEYS: &'static [&'static str] = &[
        "model",
        "hrmax_formula",
        "talk_ok_max_hr",
        "cannot_talk_hr",
        "light_min_hr",
        "moderate_min_hr",
        "target",
    ];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let c = &mut self.config;
        match key {
            "model" => {
                c.model = read(map, |v| {
                    let text = string(path, &v)?;
                    ZoneModel::from_id(text).ok_or_else(|| {
                        format!(
                            "{path} = {v}: must be \"auto\", \"hrmax\", \"hrr\" or \"talk_test\""
                        )
                    })
                })?
            }
            "hrmax_formula" => {
                c.hrmax_formula = read(map, |v| {
                    let text = string(path, &v)?;
                    HrMaxFormula::from_id(text).ok_or_else(|| {
                        format!("{path} = {v}: must be \"tanaka\", \"gellish\" or \"fox\"")
                    })
                })?
            }
            "talk_ok_max_hr" => c.talk_ok_max_hr = Some(read(map, |v| bpm(path, &v))?),
            "cannot_talk_hr" => c.cannot_talk_hr = Some(read(map, |v| bpm(path, &v))?),
            "light_min_hr" => c.light_min_hr = Some(read(map, |v| bpm(path, &v))?),
            "moderate_min_hr" => c.moderate_min_hr = Some(read(map, |v| bpm(path, &v))?),
            "target" => {
                self.target = read(map, |v| {
                    let text = string(path, &v)?;
                    TalkZone::from_id(text).ok_or_else(|| {
                        format!(
                            "{path} = {v}: must be one of \"very_light\", \"light\", \
                             \"moderate\", \"vigorous\", \"near_max\""
                        )
                    })
                })?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
