//! The five talk-test zones and the heart rates where each one starts.
//!
//! Owns: [`TalkZone`] (ids, labels, talk-test cues), the HRmax estimate, and the three ways of
//! turning a person's numbers into thresholds ([`ZoneModel`]). Pure: the inputs (profile values,
//! the morning-check baseline, the `[zones]` settings) are passed in; nothing is read here.
//!
//! Sources (docs/science.md; talkzone's own rules: §13):
//! - categories, %HRmax and %HRR bands: ACSM, Garber et al. 2011, MSSE 43:1334, Table 1 (§1);
//! - talk-test wording: CDC, "Measuring physical activity intensity" (§1);
//! - HRmax: Tanaka 2001 (208 - 0.7 x age), Gellish 2007 (207 - 0.7 x age), Fox (220 - age; no
//!   research basis, Robergs & Landwehr 2002); a measured HRmax wins over any formula (§2);
//! - heart-rate reserve: Karvonen, HRrest + f x (HRmax - HRrest) (§2);
//! - the talk test as a threshold test: Persinger 2004, Foster 2008 and 2009 (§3).
//!
//! Thresholds are kept as real numbers (115.2 bpm, not 115): rounding happens only on screen.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::physiology::person::Profile;

/// An intensity zone, named by what talking feels like in it (ACSM Garber 2011 Table 1;
/// CDC talk-test wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TalkZone {
    /// Below 57 %HRmax / 30 %HRR: resting, easy chat.
    VeryLight,
    /// You can sing.
    Light,
    /// You can talk, not sing.
    Moderate,
    /// Only a few words, then a breath.
    Vigorous,
    /// You can't talk.
    NearMax,
}

impl TalkZone {
    /// Every zone, easiest first.
    pub const ALL: [TalkZone; 5] = [
        TalkZone::VeryLight,
        TalkZone::Light,
        TalkZone::Moderate,
        TalkZone::Vigorous,
        TalkZone::NearMax,
    ];

    /// Position in [`TalkZone::ALL`] (0 = very light).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The stable id used in JSON, storage and the config: `very_light`, `light`, `moderate`,
    /// `vigorous`, `near_max`.
    pub fn id(self) -> &'static str {
        match self {
            TalkZone::VeryLight => "very_light",
            TalkZone::Light => "light",
            TalkZone::Moderate => "moderate",
            TalkZone::Vigorous => "vigorous",
            TalkZone::NearMax => "near_max",
        }
    }

    /// The zone for an id from [`TalkZone::id`].
    pub fn from_id(id: &str) -> Option<TalkZone> {
        TalkZone::ALL.into_iter().find(|z| z.id() == id)
    }

    /// A short name for people: "Very light", "Light", "Moderate", "Vigorous", "Near max".
    pub fn label(self) -> &'static str {
        match self {
            TalkZone::VeryLight => "Very light",
            TalkZone::Light => "Light",
            TalkZone::Moderate => "Moderate",
            TalkZone::Vigorous => "Vigorous",
            TalkZone::NearMax => "Near max",
        }
    }

    /// What talking feels like in the zone (CDC talk-test wording).
    pub fn cue(self) -> &'static str {
        match self {
            TalkZone::VeryLight => "easy chat",
            TalkZone::Light => "you can sing",
            TalkZone::Moderate => "you can talk, not sing",
            TalkZone::Vigorous => "only a few words",
            TalkZone::NearMax => "you can't talk",
        }
    }
}

impl fmt::Display for TalkZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One value per zone, serialised as an object keyed by the zone ids
/// (`{"very_light": .., "light": .., "moderate": .., "vigorous": .., "near_max": ..}`), so every
/// zone is always present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PerZone<T> {
    pub very_light: T,
    pub light: T,
    pub moderate: T,
    pub vigorous: T,
    pub near_max: T,
}

impl<T> PerZone<T> {
    /// Builds the values zone by zone, easiest first.
    pub fn from_fn(mut f: impl FnMut(TalkZone) -> T) -> Self {
        PerZone {
            very_light: f(TalkZone::VeryLight),
            light: f(TalkZone::Light),
            moderate: f(TalkZone::Moderate),
            vigorous: f(TalkZone::Vigorous),
            near_max: f(TalkZone::NearMax),
        }
    }

    /// The value for `zone`.
    pub fn get(&self, zone: TalkZone) -> &T {
        match zone {
            TalkZone::VeryLight => &self.very_light,
            TalkZone::Light => &self.light,
            TalkZone::Moderate => &self.moderate,
            TalkZone::Vigorous => &self.vigorous,
            TalkZone::NearMax => &self.near_max,
        }
    }

    /// The value for `zone`, to change.
    pub fn get_mut(&mut self, zone: TalkZone) -> &mut T {
        match zone {
            TalkZone::VeryLight => &mut self.very_light,
            TalkZone::Light => &mut self.light,
            TalkZone::Moderate => &mut self.moderate,
            TalkZone::Vigorous => &mut self.vigorous,
            TalkZone::NearMax => &mut self.near_max,
        }
    }

    /// Each value transformed, zone by zone.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> PerZone<U> {
        PerZone::from_fn(|z| f(self.get(z)))
    }
}

impl<T: Copy> PerZone<T> {
    /// The values easiest zone first, in the order of [`TalkZone::ALL`].
    pub fn to_array(&self) -> [T; 5] {
        TalkZone::ALL.map(|z| *self.get(z))
    }
}

/// How zone thresholds are worked out (`[zones] model` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ZoneModel {
    /// `auto` (the default): `talk_test` from the latest calibration that reached a "no", else
    /// `hrr` when a resting baseline and HRmax are known, else `hrmax` ([`resolve`],
    /// docs/science.md §20). Never the model of a [`ZoneTable`]: it is resolved first.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// `hrmax`: fixed fractions of HRmax (ACSM, Garber 2011 Table 1). Needs only age or a
    /// measured HRmax.
    #[serde(rename = "hrmax")]
    HrMax,
    /// `hrr`: fractions of the heart-rate reserve (Karvonen); needs a resting heart rate.
    #[serde(rename = "hrr")]
    Hrr,
    /// `talk_test`: the person's own talk-test calibration (Persinger 2004; Foster 2008, 2009).
    #[serde(rename = "talk_test")]
    TalkTest,
}

impl ZoneModel {
    /// Every model, in the order the config documents them.
    pub const ALL: [ZoneModel; 4] = [
        ZoneModel::Auto,
        ZoneModel::HrMax,
        ZoneModel::Hrr,
        ZoneModel::TalkTest,
    ];

    /// The id in the config and in JSON: `auto`, `hrmax`, `hrr`, `talk_test`.
    pub fn id(self) -> &'static str {
        match self {
            ZoneModel::Auto => "auto",
            ZoneModel::HrMax => "hrmax",
            ZoneModel::Hrr => "hrr",
            ZoneModel::TalkTest => "talk_test",
        }
    }

    /// The model for an id from [`ZoneModel::id`].
    pub fn from_id(id: &str) -> Option<ZoneModel> {
        ZoneModel::ALL.into_iter().find(|m| m.id() == id)
    }

    /// How the model is described to people.
    pub fn describe(self) -> &'static str {
        match self {
            ZoneModel::Auto => "your talk test, else % of heart-rate reserve, else % of HRmax",
            ZoneModel::HrMax => "% of maximum heart rate (ACSM, Garber 2011)",
            ZoneModel::Hrr => "% of heart-rate reserve (Karvonen; ACSM, Garber 2011)",
            ZoneModel::TalkTest => "your own talk-test thresholds",
        }
    }
}

impl fmt::Display for ZoneModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A formula predicting HRmax from age (`[zones] hrmax_formula`), used when no measured
/// `profile.max_hr` is set (docs/science.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HrMaxFormula {
    /// Tanaka, Monahan & Seals 2001: 208 - 0.7 x age. The default: derived from a meta-analysis
    /// of 351 studies and confirmed in a lab sample.
    #[default]
    Tanaka,
    /// Gellish et al. 2007: 207 - 0.7 x age.
    Gellish,
    /// "Fox": 220 - age. Kept because people know it; it has no research basis and a standard
    /// error of 7-11 bpm (Robergs & Landwehr 2002).
    Fox,
}

impl HrMaxFormula {
    /// Every formula.
    pub const ALL: [HrMaxFormula; 3] = [
        HrMaxFormula::Tanaka,
        HrMaxFormula::Gellish,
        HrMaxFormula::Fox,
    ];

    /// The id in the config and in JSON: `tanaka`, `gellish`, `fox`.
    pub fn id(self) -> &'static str {
        match self {
            HrMaxFormula::Tanaka => "tanaka",
            HrMaxFormula::Gellish => "gellish",
            HrMaxFormula::Fox => "fox",
        }
    }

    /// The formula for an id from [`HrMaxFormula::id`].
    pub fn from_id(id: &str) -> Option<HrMaxFormula> {
        HrMaxFormula::ALL.into_iter().find(|f| f.id() == id)
    }

    /// Predicted HRmax in bpm at `age` years.
    pub fn predict(self, age: u8) -> f64 {
        let age = f64::from(age);
        match self {
            HrMaxFormula::Tanaka => 208.0 - 0.7 * age,
            HrMaxFormula::Gellish => 207.0 - 0.7 * age,
            HrMaxFormula::Fox => 220.0 - age,
        }
    }

    /// The formula as people read it, with its source: "Tanaka 2001: 208 - 0.7 x age".
    pub fn describe(self) -> &'static str {
        match self {
            HrMaxFormula::Tanaka => "Tanaka 2001: 208 - 0.7 x age",
            HrMaxFormula::Gellish => "Gellish 2007: 207 - 0.7 x age",
            HrMaxFormula::Fox => "Fox: 220 - age",
        }
    }
}

impl fmt::Display for HrMaxFormula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Where each `[zones]` setting lives in the config file (named in error messages).
pub mod keys {
    pub const MODEL: &str = "zones.model";
    pub const HRMAX_FORMULA: &str = "zones.hrmax_formula";
    pub const TALK_OK_MAX_HR: &str = "zones.talk_ok_max_hr";
    pub const CANNOT_TALK_HR: &str = "zones.cannot_talk_hr";
    pub const LIGHT_MIN_HR: &str = "zones.light_min_hr";
    pub const MODERATE_MIN_HR: &str = "zones.moderate_min_hr";
    pub const AGE: &str = "profile.age";
    pub const MAX_HR: &str = "profile.max_hr";
    pub const RESTING_HR: &str = "profile.resting_hr";
}

/// The zone settings (`[zones]` in the config). The default is the ACSM %HRmax model with
/// Tanaka's HRmax formula and no talk-test calibration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZoneConfig {
    pub model: ZoneModel,
    pub hrmax_formula: HrMaxFormula,
    /// Talk test: the last heart rate (bpm) at which talking was comfortable, i.e. the top of
    /// moderate. Vigorous starts here.
    pub talk_ok_max_hr: Option<f64>,
    /// Talk test: the first heart rate (bpm) at which talking was not possible. Near max starts
    /// here.
    pub cannot_talk_hr: Option<f64>,
    /// Talk test: where light starts; default [`TALK_TEST_LIGHT_FRACTION`] x `talk_ok_max_hr`.
    pub light_min_hr: Option<f64>,
    /// Talk test: where moderate starts; default halfway between the light start and
    /// `talk_ok_max_hr` (see [`talk_test_thresholds`]).
    pub moderate_min_hr: Option<f64>,
}

/// Facts about the person the thresholds are built from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonInputs {
    /// `profile.age`, years.
    pub age: Option<u8>,
    /// `profile.max_hr`: a measured HRmax, which wins over any formula.
    pub max_hr: Option<u16>,
    /// `profile.resting_hr`.
    pub resting_hr: Option<u16>,
    /// The resting heart rate from the person's own morning checks, when there are enough of
    /// them; it wins over `profile.resting_hr` (docs/science.md §2, §17). Ignored unless finite and > 0.
    pub baseline_resting_hr: Option<f64>,
    /// The latest talk-test calibration that reached a "no" ([`MeasuredTalkTest`]), if any.
    #[serde(default)]
    pub calibration: Option<MeasuredTalkTest>,
}

impl PersonInputs {
    /// The profile's values plus the morning-check baseline, if any.
    pub fn from_profile(profile: &Profile, baseline_resting_hr: Option<f64>) -> Self {
        PersonInputs {
            age: profile.age,
            max_hr: profile.max_hr,
            resting_hr: profile.resting_hr,
            baseline_resting_hr,
            calibration: None,
        }
    }

    /// HRmax in bpm and where it came from: the measured `profile.max_hr`, else `formula` at
    /// `profile.age`.
    pub fn max_hr(&self, formula: HrMaxFormula) -> Result<(f64, String), ZoneError> {
        if let Some(max) = self.max_hr {
            return Ok((f64::from(max), format!("measured ({})", keys::MAX_HR)));
        }
        match self.age {
            Some(age) => Ok((
                formula.predict(age),
                format!("{}, age {age}", formula.describe()),
            )),
            None => Err(ZoneError::NoMaxHr),
        }
    }

    /// Resting HR in bpm and where it came from: the morning-check baseline, else
    /// `profile.resting_hr`, else `None`.
    pub fn resting_hr(&self) -> Option<(f64, String)> {
        if let Some(baseline) = self
            .baseline_resting_hr
            .filter(|b| b.is_finite() && *b > 0.0)
        {
            return Some((baseline, "morning-check baseline".to_owned()));
        }
        self.resting_hr
            .map(|r| (f64::from(r), keys::RESTING_HR.to_owned()))
    }
}

/// Why zone thresholds cannot be worked out. Each message says what to set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZoneError {
    #[error(
        "heart-rate zones need your maximum heart rate: set `[profile] age = ...` (HRmax is then \
         predicted from it) or, better, a measured `[profile] max_hr = ...` in the config"
    )]
    NoMaxHr,

    #[error(
        "the `hrr` zone model needs your resting heart rate: do a few morning checks \
         (`talkzone morning`), or set `[profile] resting_hr = ...` in the config"
    )]
    NoRestingHr,

    #[error(
        "resting heart rate {resting_hr:.0} bpm ({resting_source}) is not below maximum heart \
         rate {max_hr:.0} bpm ({max_source}): check `[profile] resting_hr` and `[profile] max_hr`"
    )]
    RestingNotBelowMax {
        resting_hr: f64,
        resting_source: String,
        max_hr: f64,
        max_source: String,
    },

    #[error(
        "the `talk_test` zone model needs your talk-test results: set {} in the config (or \
         choose another `[zones] model`)",
        missing
            .iter()
            .map(|k| format!("`[zones] {} = ...`", k.trim_start_matches("zones.")))
            .collect::<Vec<_>>()
            .join(" and ")
    )]
    NoTalkTest { missing: Vec<&'static str> },

    #[error(
        "talk-test zone thresholds must increase: {}",
        thresholds
            .iter()
            .map(|t| match t.derived_from {
                None => format!("{} = {}", t.key, t.bpm),
                Some(how) => format!("{} is not set, so {} ({how})", t.key, t.bpm),
            })
            .collect::<Vec<_>>()
            .join(", ")
    )]
    NotIncreasing {
        /// Every threshold in zone order, by config key.
        thresholds: Vec<Threshold>,
    },

    #[error(
        "a heart-rate reserve of {reserve:.0} bpm (maximum {max_hr:.0}, {max_source}; resting \
         {resting_hr:.0}, {resting_source}) cannot hold five zones: the `hrr` model needs at least \
         {MIN_RESERVE_BPM:.0} bpm between resting and maximum heart rate (adults have about \
         100-140). Check `[profile] resting_hr`, `max_hr` and `age`, or choose another \
         `[zones] model`"
    )]
    ReserveTooSmall {
        reserve: f64,
        resting_hr: f64,
        resting_source: String,
        max_hr: f64,
        max_source: String,
    },
}

/// One talk-test threshold as [`ZoneError::NotIncreasing`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The config key that sets it.
    pub key: &'static str,
    pub bpm: f64,
    /// `None` when the config set it; else how the default was derived.
    pub derived_from: Option<&'static str>,
}

/// The smallest heart-rate reserve (HRmax - HRrest) the `hrr` model accepts, bpm. The
/// narrowest zone is 10 % of the reserve (light, 30-40 %): 40 bpm keeps every zone at least
/// 4 bpm wide, wider than a strap's beat-to-beat HR jitter. talkzone's rule (docs/science.md
/// §13); a real reserve is 100-140 bpm (resting 50-80, maximum 160-200, §2).
pub const MIN_RESERVE_BPM: f64 = 40.0;

/// ACSM %HRmax where light, moderate, vigorous and near max start (Garber 2011 Table 1).
pub const HRMAX_FRACTIONS: [f64; 4] = [0.57, 0.64, 0.77, 0.96];

/// ACSM %HR reserve where light, moderate, vigorous and near max start (Garber 2011 Table 1),
/// applied as Karvonen: HRrest + f x (HRmax - HRrest).
pub const HRR_FRACTIONS: [f64; 4] = [0.30, 0.40, 0.60, 0.90];

/// Talk-test model: light starts at this fraction of `talk_ok_max_hr` unless
/// `[zones] light_min_hr` is set.
pub const TALK_TEST_LIGHT_FRACTION: f64 = 0.8;

/// The zone thresholds in force: stored with each session ("the zone settings in force when the
/// session was recorded"), so a summary is always read with the zones it was recorded under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneTable {
    pub model: ZoneModel,
    /// HRmax in bpm (measured or predicted); every model keeps it, for training load.
    pub max_hr: f64,
    /// e.g. "measured (profile.max_hr)" or "Tanaka 2001: 208 - 0.7 x age, age 40".
    pub max_hr_source: String,
    /// Resting HR in bpm when known (any model keeps it, for training load).
    pub resting_hr: Option<f64>,
    /// "morning-check baseline" or "profile.resting_hr".
    pub resting_hr_source: Option<String>,
    /// Where each zone starts, in bpm, easiest first: very light is always 0; real numbers,
    /// strictly increasing.
    pub min_bpm: [f64; 5],
}

impl ZoneTable {
    /// The highest zone whose threshold is at or below `hr` (115.2 bpm starts moderate: 115 is
    /// light, 116 moderate). Anything below light, and NaN, is very light.
    pub fn zone_of(&self, hr: f64) -> TalkZone {
        TalkZone::ALL
            .into_iter()
            .rev()
            .find(|z| self.min_bpm[z.index()] <= hr)
            .unwrap_or(TalkZone::VeryLight)
    }

    /// Where `zone` starts, in bpm.
    pub fn min_bpm(&self, zone: TalkZone) -> f64 {
        self.min_bpm[zone.index()]
    }

    /// Where `zone` ends (the next zone's start), in bpm; `None` for near max.
    pub fn max_bpm(&self, zone: TalkZone) -> Option<f64> {
        self.min_bpm.get(zone.index() + 1).copied()
    }
}

/// Works out the zone thresholds for `person` under `cfg`.
///
/// Every model needs HRmax (training load is scaled to it): `profile.max_hr`, else the formula
/// at `profile.age`. The resting HR (morning-check baseline, else `profile.resting_hr`) is kept
/// whenever it is known, and required by the `hrr` model.
pub fn zone_table(cfg: &ZoneConfig, person: &PersonInputs) -> Result<ZoneTable, ZoneError> {
    let resolved = resolve(cfg, person);
    let cfg = &resolved.config;
    let (max_hr, max_hr_source) = person.max_hr(cfg.hrmax_formula)?;
    let resting = person.resting_hr();
    let check_resting = |rest: f64, source: &str| {
        if rest < max_hr {
            Ok(())
        } else {
            Err(ZoneError::RestingNotBelowMax {
                resting_hr: rest,
                resting_source: source.to_owned(),
                max_hr,
                max_source: max_hr_source.clone(),
            })
        }
    };
    let starts: [f64; 4] = match cfg.model {
        ZoneModel::HrMax | ZoneModel::Auto => HRMAX_FRACTIONS.map(|f| f * max_hr),
        ZoneModel::Hrr => {
            let (rest, source) = resting.as_ref().ok_or(ZoneError::NoRestingHr)?;
            check_resting(*rest, source)?;
            let reserve = max_hr - rest;
            if reserve < MIN_RESERVE_BPM {
                return Err(ZoneError::ReserveTooSmall {
                    reserve,
                    resting_hr: *rest,
                    resting_source: source.clone(),
                    max_hr,
                    max_source: max_hr_source,
                });
            }
            HRR_FRACTIONS.map(|f| rest + f * reserve)
        }
        ZoneModel::TalkTest => talk_test_thresholds(cfg)?,
    };
    let min_bpm = [0.0, starts[0], starts[1], starts[2], starts[3]];
    let (resting_hr, resting_hr_source) = resting.map_or((None, None), |(r, s)| (Some(r), Some(s)));
    Ok(ZoneTable {
        model: cfg.model,
        max_hr,
        max_hr_source,
        resting_hr,
        resting_hr_source,
        min_bpm,
    })
}

/// A talk-test calibration's results as the zones take them: one that reached a "yes" and a
/// "no" (docs/science.md §20).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeasuredTalkTest {
    /// The calibration's id in the store.
    pub calibration: i64,
    /// The local date of the test.
    pub date: NaiveDate,
    pub talk_ok_max_hr: f64,
    pub cannot_talk_hr: f64,
    pub sing_ok_max_hr: Option<f64>,
}

/// With a measured singing line below the default light start, light starts at this fraction
/// of `sing_ok_max_hr` (docs/science.md §20: talkzone's choice, keeping light a real band).
pub const SING_LIGHT_FRACTION: f64 = 0.9;

impl MeasuredTalkTest {
    /// `cfg` as the talk-test model with this test's thresholds: vigorous at `talk_ok_max_hr`,
    /// near max at `cannot_talk_hr`, moderate at `sing_ok_max_hr` when it lies below
    /// `talk_ok_max_hr` (light then at the lower of 0.8 x `talk_ok_max_hr` and 0.9 x
    /// `sing_ok_max_hr`); light and moderate starts typed into `cfg` are kept.
    pub fn config(&self, cfg: &ZoneConfig) -> ZoneConfig {
        let sing = self
            .sing_ok_max_hr
            .filter(|s| s.is_finite() && *s < self.talk_ok_max_hr);
        let light = cfg.light_min_hr.or_else(|| {
            sing.map(|s| {
                (TALK_TEST_LIGHT_FRACTION * self.talk_ok_max_hr).min(SING_LIGHT_FRACTION * s)
            })
        });
        ZoneConfig {
            model: ZoneModel::TalkTest,
            talk_ok_max_hr: Some(self.talk_ok_max_hr),
            cannot_talk_hr: Some(self.cannot_talk_hr),
            light_min_hr: light,
            moderate_min_hr: cfg.moderate_min_hr.or(sing),
            ..*cfg
        }
    }

    /// "your talk test of 12 Nov", as the live screen's cue says it.
    pub fn cue_source(&self) -> String {
        format!("your talk test of {}", self.date.format("%-d %b"))
    }
}

/// Where the zones in force come from.
#[derive(Debug, Clone, PartialEq)]
pub struct ZonesBasis {
    /// The config to draw them with (never [`ZoneModel::Auto`]).
    pub config: ZoneConfig,
    /// Which model and why, in words.
    pub why: String,
    /// Where talk-test thresholds came from, for the live cue ("your talk test of 12 Nov").
    pub cue_source: Option<String>,
    /// The calibration used, if one was.
    pub calibration: Option<i64>,
}

/// Works out which model is in force (docs/science.md §20). `auto`: the talk-test model with
/// thresholds typed into the config (they win over calibrations), else with the latest
/// calibration that reached a "no" (if its thresholds draw valid zones), else `hrr` when a
/// morning-check baseline and HRmax (measured or from an age) are known and draw valid zones,
/// else `hrmax`. An explicit model is obeyed; an explicit `talk_test` without typed thresholds
/// takes the calibration's.
pub fn resolve(cfg: &ZoneConfig, person: &PersonInputs) -> ZonesBasis {
    let typed = cfg.talk_ok_max_hr.is_some() && cfg.cannot_talk_hr.is_some();
    let calibration = person.calibration.map(|c| (c, c.config(cfg)));
    let of_test = |c: &MeasuredTalkTest| {
        format!(
            "your talk test of {} (calibration {})",
            c.date.format("%-d %b %Y"),
            c.calibration
        )
    };
    let basis =
        |config: ZoneConfig, why: String, cue: Option<String>, id: Option<i64>| ZonesBasis {
            config,
            why,
            cue_source: cue,
            calibration: id,
        };
    let typed_why = |prefix: &str| {
        let over = person
            .calibration
            .map(|c| format!(", which win over {}", of_test(&c)))
            .unwrap_or_default();
        format!(
            "{prefix}the talk-test thresholds typed into the config ({}, {}){over}",
            keys::TALK_OK_MAX_HR,
            keys::CANNOT_TALK_HR
        )
    };
    match cfg.model {
        ZoneModel::TalkTest if typed => basis(
            *cfg,
            typed_why("talk_test, set in the config, with "),
            Some("your typed-in talk-test thresholds".into()),
            None,
        ),
        ZoneModel::TalkTest => match calibration {
            Some((c, config)) => basis(
                config,
                format!("talk_test, set in the config, with {}", of_test(&c)),
                Some(c.cue_source()),
                Some(c.calibration),
            ),
            None => basis(*cfg, "talk_test, set in the config".into(), None, None),
        },
        ZoneModel::HrMax | ZoneModel::Hrr => basis(
            *cfg,
            format!("{}, set in the config ([zones] model)", cfg.model.id()),
            None,
            None,
        ),
        ZoneModel::Auto if typed => basis(
            ZoneConfig {
                model: ZoneModel::TalkTest,
                ..*cfg
            },
            typed_why("auto: talk_test, from "),
            Some("your typed-in talk-test thresholds".into()),
            None,
        ),
        ZoneModel::Auto => {
            let mut unusable = String::new();
            if let Some((c, config)) = calibration {
                match talk_test_thresholds(&config) {
                    Ok(_) => {
                        return basis(
                            config,
                            format!("auto: talk_test, from {}", of_test(&c)),
                            Some(c.cue_source()),
                            Some(c.calibration),
                        )
                    }
                    Err(e) => unusable = format!("; {} could not be used: {e}", of_test(&c)),
                }
            }
            let hrr = ZoneConfig {
                model: ZoneModel::Hrr,
                ..*cfg
            };
            let max_known = person.max_hr.is_some() || person.age.is_some();
            let baseline = person
                .baseline_resting_hr
                .is_some_and(|b| b.is_finite() && b > 0.0);
            if max_known && baseline && zone_table(&hrr, person).is_ok() {
                return basis(
                    hrr,
                    format!(
                        "auto: hrr, from your morning-check resting baseline and HRmax (no talk \
                         test has reached a \"no\" yet: `talkzone calibrate`){unusable}"
                    ),
                    None,
                    None,
                );
            }
            basis(
                ZoneConfig {
                    model: ZoneModel::HrMax,
                    ..*cfg
                },
                format!(
                    "auto: hrmax (no talk test has reached a \"no\" yet: `talkzone calibrate`; \
                     no resting baseline from morning checks){unusable}"
                ),
                None,
                None,
            )
        }
    }
}

/// The talk-test model's starts of light, moderate, vigorous and near max.
///
/// - Vigorous starts at `talk_ok_max_hr`: the last positive talk-test stage sits at or just
///   below VT1 (Persinger 2004; Foster 2009), so it is the top of moderate (docs/science.md §3, §13).
/// - Near max starts at `cannot_talk_hr`: the first negative stage lies above VT1, toward VT2.
/// - Light starts at `light_min_hr`, default 0.8 x `talk_ok_max_hr`.
/// - Moderate starts at `moderate_min_hr`, default halfway between the light start and
///   `talk_ok_max_hr` (0.9 x `talk_ok_max_hr` with the default light start). The talk test
///   measures no "can still sing" threshold, so this is a convention, checked against the data:
///   in Foster 2009 the stage before the last positive one was at 73 %HRmax against 79 % at the
///   last positive (ratio 0.92), a pace at which talking was still comfortable, so it belongs in
///   moderate, and 0.9 keeps it there. ACSM's 64 %HRmax was rejected as the default: it needs a
///   population HRmax in a model meant to be personal, and can land above a low VT1. Following
///   the light start also keeps the order valid when only `light_min_hr` is set.
pub fn talk_test_thresholds(cfg: &ZoneConfig) -> Result<[f64; 4], ZoneError> {
    let (talk_ok, cannot_talk) = match (cfg.talk_ok_max_hr, cfg.cannot_talk_hr) {
        (Some(ok), Some(cannot)) => (ok, cannot),
        (ok, cannot) => {
            let missing = [
                (ok.is_none(), keys::TALK_OK_MAX_HR),
                (cannot.is_none(), keys::CANNOT_TALK_HR),
            ]
            .into_iter()
            .filter_map(|(missing, key)| missing.then_some(key))
            .collect();
            return Err(ZoneError::NoTalkTest { missing });
        }
    };
    let light = cfg
        .light_min_hr
        .unwrap_or(TALK_TEST_LIGHT_FRACTION * talk_ok);
    let moderate = cfg.moderate_min_hr.unwrap_or((light + talk_ok) / 2.0);
    let starts = [light, moderate, talk_ok, cannot_talk];
    // `0 < light` and each start strictly above the one before; NaN fails every comparison.
    let increasing = [0.0, light, moderate, talk_ok, cannot_talk]
        .windows(2)
        .all(|w| w[0] < w[1] && w[1].is_finite());
    if increasing {
        Ok(starts)
    } else {
        let threshold = |key, bpm, set: bool, how| Threshold {
            key,
            bpm,
            derived_from: (!set).then_some(how),
        };
        Err(ZoneError::NotIncreasing {
            thresholds: vec![
                threshold(
                    keys::LIGHT_MIN_HR,
                    light,
                    cfg.light_min_hr.is_some(),
                    "0.8 x zones.talk_ok_max_hr",
                ),
                threshold(
                    keys::MODERATE_MIN_HR,
                    moderate,
                    cfg.moderate_min_hr.is_some(),
                    "halfway from the light start to zones.talk_ok_max_hr",
                ),
                threshold(keys::TALK_OK_MAX_HR, talk_ok, true, ""),
                threshold(keys::CANNOT_TALK_HR, cannot_talk, true, ""),
            ],
        })
    }
}

#[cfg(test)]
mod auto_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-9,
            "expected {expected}, got {actual}"
        );
    }

    fn assert_starts(table: &ZoneTable, expected: [f64; 5]) {
        for (a, e) in table.min_bpm.iter().zip(expected) {
            assert_close(*a, e);
        }
    }

    fn aged(age: u8) -> PersonInputs {
        PersonInputs {
            age: Some(age),
            ..PersonInputs::default()
        }
    }

    /// Age 100 by Fox (HRmax 120) and resting 119: a reserve of 1 bpm would give zones 0.1 bpm
    /// wide. 40 bpm is the least the hrr model takes; 39 is refused.
    #[test]
    fn the_hrr_model_needs_a_reserve_of_forty_bpm() {
        let cfg = ZoneConfig {
            model: ZoneModel::Hrr,
            hrmax_formula: HrMaxFormula::Fox,
            ..ZoneConfig::default()
        };
        let person = |resting_hr| PersonInputs {
            age: Some(100),
            resting_hr: Some(resting_hr),
            ..PersonInputs::default()
        };
        let e = zone_table(&cfg, &person(119)).unwrap_err();
        assert!(matches!(e, ZoneError::ReserveTooSmall { .. }), "{e}");
        assert!(e.to_string().contains("reserve of 1 bpm"), "{e}");
        assert!(matches!(
            zone_table(&cfg, &person(81)),
            Err(ZoneError::ReserveTooSmall { .. })
        ));
        let table = zone_table(&cfg, &person(80)).unwrap();
        // 80 + 30 % of 40 = 92: the narrowest zone (light) is 4 bpm wide.
        assert_close(table.min_bpm[1], 92.0);
        assert_close(table.min_bpm[2] - table.min_bpm[1], 4.0);
    }

    #[test]
    fn ids_labels_cues_round_trip() {
        for zone in TalkZone::ALL {
            assert_eq!(TalkZone::from_id(zone.id()), Some(zone));
            let json = serde_json::to_string(&zone).unwrap();
            assert_eq!(json, format!("\"{}\"", zone.id()));
            assert_eq!(TalkZone::ALL[zone.index()], zone);
        }
        assert_eq!(TalkZone::Moderate.cue(), "you can talk, not sing");
        assert_eq!(TalkZone::VeryLight.label(), "Very light");
        for model in ZoneModel::ALL {
            assert_eq!(
                serde_json::to_string(&model).unwrap(),
                format!("\"{}\"", model.id())
            );
            assert_eq!(ZoneModel::from_id(model.id()), Some(model));
        }
        for formula in HrMaxFormula::ALL {
            assert_eq!(
                serde_json::to_string(&formula).unwrap(),
                format!("\"{}\"", formula.id())
            );
            assert_eq!(HrMaxFormula::from_id(formula.id()), Some(formula));
        }
        let zones = serde_json::to_value(PerZone::from_fn(|z| z.index())).unwrap();
        assert_eq!(
            zones,
            serde_json::json!({"very_light": 0, "light": 1, "moderate": 2, "vigorous": 3, "near_max": 4})
        );
    }

    #[test]
    fn hrmax_model_age_40_tanaka() {
        // HRmax = 208 - 0.7 x 40 = 180; 57 % = 102.6, 64 % = 115.2, 77 % = 138.6, 96 % = 172.8.
        let table = zone_table(&ZoneConfig::default(), &aged(40)).unwrap();
        assert_close(table.max_hr, 180.0);
        assert_eq!(table.max_hr_source, "Tanaka 2001: 208 - 0.7 x age, age 40");
        assert_starts(&table, [0.0, 102.6, 115.2, 138.6, 172.8]);
        assert_eq!(table.resting_hr, None);
    }

    #[test]
    fn hrmax_formulas_and_measured_max() {
        // Gellish: 207 - 28 = 179; 64 % of 179 = 114.56.
        let cfg = ZoneConfig {
            hrmax_formula: HrMaxFormula::Gellish,
            ..ZoneConfig::default()
        };
        let table = zone_table(&cfg, &aged(40)).unwrap();
        assert_close(table.max_hr, 179.0);
        assert_close(table.min_bpm(TalkZone::Moderate), 114.56);
        // Fox: 220 - 30 = 190; 57 % = 108.3, 64 % = 121.6, 77 % = 146.3, 96 % = 182.4.
        let cfg = ZoneConfig {
            hrmax_formula: HrMaxFormula::Fox,
            ..ZoneConfig::default()
        };
        let table = zone_table(&cfg, &aged(30)).unwrap();
        assert_close(table.max_hr, 190.0);
        assert_starts(&table, [0.0, 108.3, 121.6, 146.3, 182.4]);
        // A measured 200 wins over the formula: 114, 128, 154, 192.
        let person = PersonInputs {
            max_hr: Some(200),
            ..aged(40)
        };
        let table = zone_table(&cfg, &person).unwrap();
        assert_eq!(table.max_hr_source, "measured (profile.max_hr)");
        assert_starts(&table, [0.0, 114.0, 128.0, 154.0, 192.0]);
    }

    #[test]
    fn hrr_model_rest_60() {
        // HRR = 180 - 60 = 120: 60 + 36 = 96, 60 + 48 = 108, 60 + 72 = 132, 60 + 108 = 168.
        let cfg = ZoneConfig {
            model: ZoneModel::Hrr,
            ..ZoneConfig::default()
        };
        let person = PersonInputs {
            resting_hr: Some(60),
            ..aged(40)
        };
        let table = zone_table(&cfg, &person).unwrap();
        assert_starts(&table, [0.0, 96.0, 108.0, 132.0, 168.0]);
        assert_eq!(
            table.resting_hr_source.as_deref(),
            Some("profile.resting_hr")
        );
        // The morning-check baseline wins: rest 50, HRR 130: 89, 102, 128, 167.
        let person = PersonInputs {
            baseline_resting_hr: Some(50.0),
            ..person
        };
        let table = zone_table(&cfg, &person).unwrap();
        assert_starts(&table, [0.0, 89.0, 102.0, 128.0, 167.0]);
        assert_eq!(
            table.resting_hr_source.as_deref(),
            Some("morning-check baseline")
        );
        // A nonsense baseline is ignored.
        let person = PersonInputs {
            baseline_resting_hr: Some(f64::NAN),
            ..person
        };
        assert_eq!(zone_table(&cfg, &person).unwrap().resting_hr, Some(60.0));
    }

    #[test]
    fn resting_hr_is_kept_in_every_model() {
        let person = PersonInputs {
            resting_hr: Some(55),
            ..aged(40)
        };
        let table = zone_table(&ZoneConfig::default(), &person).unwrap();
        assert_eq!(table.resting_hr, Some(55.0));
    }

    #[test]
    fn talk_test_model() {
        // talk_ok 150: light 0.8 x 150 = 120, moderate (120 + 150) / 2 = 135, vigorous 150,
        // near max 170.
        let cfg = ZoneConfig {
            model: ZoneModel::TalkTest,
            talk_ok_max_hr: Some(150.0),
            cannot_talk_hr: Some(170.0),
            ..ZoneConfig::default()
        };
        let table = zone_table(&cfg, &aged(40)).unwrap();
        assert_starts(&table, [0.0, 120.0, 135.0, 150.0, 170.0]);
        // light_min_hr 130 moves the default moderate start to (130 + 150) / 2 = 140.
        let cfg = ZoneConfig {
            light_min_hr: Some(130.0),
            ..cfg
        };
        assert_starts(
            &zone_table(&cfg, &aged(40)).unwrap(),
            [0.0, 130.0, 140.0, 150.0, 170.0],
        );
        let cfg = ZoneConfig {
            moderate_min_hr: Some(137.5),
            ..cfg
        };
        assert_starts(
            &zone_table(&cfg, &aged(40)).unwrap(),
            [0.0, 130.0, 137.5, 150.0, 170.0],
        );
    }

    #[test]
    fn talk_test_errors_name_the_keys() {
        let cfg = ZoneConfig {
            model: ZoneModel::TalkTest,
            ..ZoneConfig::default()
        };
        let message = zone_table(&cfg, &aged(40)).unwrap_err().to_string();
        assert!(
            message.contains("`[zones] talk_ok_max_hr = ...`"),
            "{message}"
        );
        assert!(
            message.contains("`[zones] cannot_talk_hr = ...`"),
            "{message}"
        );
        let cfg = ZoneConfig {
            talk_ok_max_hr: Some(150.0),
            ..cfg
        };
        let message = zone_table(&cfg, &aged(40)).unwrap_err().to_string();
        assert!(!message.contains("talk_ok_max_hr"), "{message}");
        assert!(message.contains("[zones] cannot_talk_hr"), "{message}");

        // cannot_talk at or below talk_ok.
        let cfg = ZoneConfig {
            cannot_talk_hr: Some(150.0),
            ..cfg
        };
        let message = zone_table(&cfg, &aged(40)).unwrap_err().to_string();
        assert!(message.contains("must increase"), "{message}");
        assert!(message.contains("zones.cannot_talk_hr = 150"), "{message}");
        // A moderate start below the light start.
        let cfg = ZoneConfig {
            cannot_talk_hr: Some(170.0),
            moderate_min_hr: Some(110.0),
            ..cfg
        };
        assert!(matches!(
            zone_table(&cfg, &aged(40)),
            Err(ZoneError::NotIncreasing { .. })
        ));
        let cfg = ZoneConfig {
            moderate_min_hr: None,
            light_min_hr: Some(f64::NAN),
            ..cfg
        };
        assert!(zone_table(&cfg, &aged(40)).is_err());
    }

    #[test]
    fn missing_inputs_name_what_to_set() {
        let message = zone_table(&ZoneConfig::default(), &PersonInputs::default())
            .unwrap_err()
            .to_string();
        assert!(message.contains("[profile] age"), "{message}");
        assert!(message.contains("[profile] max_hr"), "{message}");

        let cfg = ZoneConfig {
            model: ZoneModel::Hrr,
            ..ZoneConfig::default()
        };
        let message = zone_table(&cfg, &aged(40)).unwrap_err().to_string();
        assert!(message.contains("[profile] resting_hr = ..."), "{message}");
        assert!(message.contains("morning checks"), "{message}");

        let person = PersonInputs {
            baseline_resting_hr: Some(185.0),
            ..aged(40)
        };
        let message = zone_table(&cfg, &person).unwrap_err().to_string();
        assert!(message.contains("not below maximum"), "{message}");
    }

    #[test]
    fn zone_of_at_exact_thresholds() {
        // Age 40 Tanaka: 102.6, 115.2, 138.6, 172.8.
        let table = zone_table(&ZoneConfig::default(), &aged(40)).unwrap();
        assert_eq!(table.zone_of(0.0), TalkZone::VeryLight);
        assert_eq!(table.zone_of(102.0), TalkZone::VeryLight);
        assert_eq!(table.zone_of(103.0), TalkZone::Light);
        assert_eq!(table.zone_of(115.0), TalkZone::Light);
        assert_eq!(table.zone_of(115.2), TalkZone::Moderate);
        assert_eq!(table.zone_of(116.0), TalkZone::Moderate);
        assert_eq!(table.zone_of(138.6), TalkZone::Vigorous);
        assert_eq!(table.zone_of(172.0), TalkZone::Vigorous);
        assert_eq!(table.zone_of(173.0), TalkZone::NearMax);
        assert_eq!(table.zone_of(250.0), TalkZone::NearMax);
        assert_eq!(table.zone_of(f64::NAN), TalkZone::VeryLight);
        assert_eq!(table.max_bpm(TalkZone::Light), Some(table.min_bpm[2]));
        assert_eq!(table.max_bpm(TalkZone::NearMax), None);
    }

    #[test]
    fn zone_table_round_trips_through_json() {
        let table = zone_table(&ZoneConfig::default(), &aged(40)).unwrap();
        let json = serde_json::to_string(&table).unwrap();
        assert!(json.contains("\"model\":\"hrmax\""), "{json}");
        let back: ZoneTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back, table);
        let cfg: ZoneConfig =
            serde_json::from_str(r#"{"model":"talk_test","talk_ok_max_hr":150}"#).unwrap();
        assert_eq!(cfg.model, ZoneModel::TalkTest);
        assert_eq!(cfg.hrmax_formula, HrMaxFormula::Tanaka);
    }
}
