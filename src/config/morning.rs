//! `[morning]`: the morning resting check (how long, how long to settle, the posture), the
//! band of the personal normal range and what counts as an outlier morning
//! (docs/science.md §12).

use std::ops::RangeInclusive;
use std::time::Duration;

use serde::de::MapAccess;

use super::readiness::ReadinessConfig;
use super::section::{read, Section};
use super::values::{number_in, seconds_in, string};
use crate::physiology::baseline::BaselineConfig;
use crate::physiology::person::Posture;

/// Allowed `morning.duration_seconds` and `morning --duration` (docs/science.md §5: 1-5 min of
/// recording; up to 10 for those who want more).
pub const DURATION_SECONDS: RangeInclusive<f64> = 60.0..=600.0;
/// Allowed `morning.settle_seconds` and `morning --settle`; always shorter than the check.
pub const SETTLE_SECONDS: RangeInclusive<f64> = 0.0..=300.0;

/// The `[morning]` section: the morning resting check and its personal baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct MorningSettings {
    /// How long a check records (`duration_seconds`, 60-600, default 180).
    pub duration: Duration,
    /// The first part, recorded but not used while the heart settles (`settle_seconds`,
    /// 0-300, default 60; docs/science.md §5, §16).
    pub settle: Duration,
    /// `supine`, `seated` or `standing` (default `supine`): always the same one.
    pub posture: Posture,
    /// The band (`band_z_rhr`, `band_z_ln_rmssd`, `band_floor_rhr_bpm`,
    /// `band_floor_ln_rmssd`, `band_swc_sd`), `outlier_sd`, and the rows shown.
    pub baseline: BaselineConfig,
    /// The `[readiness]` thresholds.
    pub readiness: ReadinessConfig,
}

impl Default for MorningSettings {
    fn default() -> Self {
        MorningSettings {
            duration: Duration::from_secs(180),
            settle: Duration::from_secs(60),
            posture: Posture::Supine,
            baseline: BaselineConfig::default(),
            readiness: ReadinessConfig::default(),
        }
    }
}

/// The `[morning]` section as written, and which of the two lengths the file set.
#[derive(Default)]
pub(super) struct MorningSection {
    pub(super) settings: MorningSettings,
    duration_set: bool,
    settle_set: bool,
}

impl MorningSection {
    /// Settling must end before the check does: `Err` names both keys when it does not.
    /// `default_of` names which one holds its default, if one does.
    fn settle_shorter(&self, path_checked: &str) -> Result<(), String> {
        let m = &self.settings;
        if m.settle < m.duration {
            return Ok(());
        }
        let note = |set: bool| if set { "" } else { ", the default" };
        Err(format!(
            "{path_checked}: morning.settle_seconds ({} s{}) must be shorter than \
             morning.duration_seconds ({} s{})",
            m.settle.as_secs_f64(),
            note(self.settle_set),
            m.duration.as_secs_f64(),
            note(self.duration_set),
        ))
    }
}

impl Section for MorningSection {
    const NAME: &'static str = "morning";
    const KEYS: &'static [&'static str] = &[
        "duration_seconds",
        "settle_seconds",
        "posture",
        "band_z_rhr",
        "band_z_ln_rmssd",
        "band_floor_rhr_bpm",
        "band_floor_ln_rmssd",
        "band_swc_sd",
        "outlier_sd",
    ];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        // Settling is checked against the check's length on whichever of the two comes second
        // in the file, so the error points at a line that is part of the problem; when the
        // file sets only one, `finish` checks it against the other's default.
        let (duration, settle) = (self.settings.duration, self.settings.settle);
        let (duration_set, settle_set) = (self.duration_set, self.settle_set);
        let check_pair = |duration: Duration, settle: Duration| {
            let probe = MorningSection {
                settings: MorningSettings {
                    duration,
                    settle,
                    ..MorningSettings::default()
                },
                duration_set: true,
                settle_set: true,
            };
            probe.settle_shorter(path)
        };
        let m = &mut self.settings;
        match key {
            "duration_seconds" => {
                m.duration = read(map, |v| {
                    let d = seconds_in(path, &v, &DURATION_SECONDS)?;
                    if settle_set {
                        check_pair(d, settle)?;
                    }
                    Ok(d)
                })?;
                self.duration_set = true;
            }
            "settle_seconds" => {
                m.settle = read(map, |v| {
                    let s = if matches!(v, toml::Value::Integer(0)) {
                        Duration::ZERO
                    } else {
                        seconds_in(path, &v, &SETTLE_SECONDS)?
                    };
                    if duration_set {
                        check_pair(duration, s)?;
                    }
                    Ok(s)
                })?;
                self.settle_set = true;
            }
            "posture" => {
                m.posture = read(map, |v| {
                    let text = string(path, &v)?;
                    Posture::parse(text).ok_or_else(|| {
                        format!(
                            "{path} = {v}: must be {}",
                            super::values::one_of(&Posture::IDS)
                        )
                    })
                })?
            }
            "band_z_rhr" => {
                m.baseline.band_z_rhr = read(map, |v| number_in(path, &v, &(1.0..=4.0), ""))?
            }
            "band_z_ln_rmssd" => {
                m.baseline.band_z_ln_rmssd = read(map, |v| number_in(path, &v, &(1.0..=4.0), ""))?
            }
            "band_floor_rhr_bpm" => {
                m.baseline.band_floor_rhr_bpm =
                    read(map, |v| number_in(path, &v, &(0.0..=5.0), " bpm"))?
            }
            "band_floor_ln_rmssd" => {
                m.baseline.band_floor_ln_rmssd =
                    read(map, |v| number_in(path, &v, &(0.0..=0.5), ""))?
            }
            "band_swc_sd" => {
                m.baseline.band_swc_sd = read(map, |v| number_in(path, &v, &(0.0..=2.0), ""))?
            }
            "outlier_sd" => {
                m.baseline.outlier_sd = read(map, |v| number_in(path, &v, &(1.5..=10.0), ""))?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish(&self) -> Result<(), String> {
        if self.duration_set && self.settle_set {
            return Ok(()); // checked when the second was read
        }
        self.settle_shorter("[morning]")
    }
}
