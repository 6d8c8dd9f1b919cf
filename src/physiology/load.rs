//! Training load: Banister's TRIMP (training impulse).
//!
//! Owns the TRIMP formula and the choices made when the person's data is incomplete. Pure:
//! heart rates and durations in, a number out. Source (docs/science.md §7; the choices below: §14): Banister TRIMP =
//! minutes x dHR x y, dHR = (HRex - HRrest) / (HRmax - HRrest), y = 0.64 e^(1.92 dHR) for men,
//! 0.86 e^(1.67 dHR) for women, summed per sample interval.
//!
//! Choices where the data is incomplete (each recorded in [`TrimpBasis`] so a reader can tell):
//! - sex unknown: y is the mean of the two curves ([`TrimpCurve::MeanOfBoth`]). Over dHR 0..1
//!   the female curve is 5-34 % above the male one (most at low intensity), so the mean is at
//!   most ~17 % off the person's own curve, where guessing one sex could be up to ~34 % off;
//! - resting HR unknown: [`ASSUMED_RESTING_HR`] (60 bpm, the conventional adult "normal") is used
//!   and `resting_hr_assumed` is set;
//! - dHR is clamped to [0, 1]: a heart rate below rest adds nothing, above HRmax counts as HRmax.

use serde::{Deserialize, Serialize};

use crate::physiology::person::Sex;
use crate::physiology::zones::ZoneTable;

/// The resting heart rate assumed when neither morning checks nor `profile.resting_hr` give one.
pub const ASSUMED_RESTING_HR: f64 = 60.0;

/// Which weighting curve y(dHR) was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrimpCurve {
    /// 0.64 e^(1.92 dHR).
    Male,
    /// 0.86 e^(1.67 dHR).
    Female,
    /// The mean of the two, when sex is not set.
    MeanOfBoth,
}

impl TrimpCurve {
    /// The curve for a person's sex; the mean of both when unknown.
    pub fn for_sex(sex: Option<Sex>) -> Self {
        match sex {
            Some(Sex::Male) => TrimpCurve::Male,
            Some(Sex::Female) => TrimpCurve::Female,
            None => TrimpCurve::MeanOfBoth,
        }
    }

    /// The weighting factor y at `d_hr` (Banister; docs/science.md §7).
    pub fn weight(self, d_hr: f64) -> f64 {
        let male = || 0.64 * (1.92 * d_hr).exp();
        let female = || 0.86 * (1.67 * d_hr).exp();
        match self {
            TrimpCurve::Male => male(),
            TrimpCurve::Female => female(),
            TrimpCurve::MeanOfBoth => (male() + female()) / 2.0,
        }
    }
}

/// What a TRIMP value was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrimpBasis {
    /// HRmax in bpm.
    pub max_hr: f64,
    /// HRrest in bpm (assumed or known).
    pub resting_hr: f64,
    /// True when HRrest was unknown and [`ASSUMED_RESTING_HR`] was used.
    pub resting_hr_assumed: bool,
    pub curve: TrimpCurve,
}

impl TrimpBasis {
    /// From the zone table in force (its HRmax and resting HR) and the person's sex.
    pub fn new(zones: &ZoneTable, sex: Option<Sex>) -> Self {
        TrimpBasis {
            max_hr: zones.max_hr,
            resting_hr: zones.resting_hr.unwrap_or(ASSUMED_RESTING_HR),
            resting_hr_assumed: zones.resting_hr.is_none(),
            curve: TrimpCurve::for_sex(sex),
        }
    }

    /// dHR = (hr - HRrest) / (HRmax - HRrest), clamped to [0, 1]. 0 when HRmax is not above
    /// HRrest (no reserve to scale to) or `hr` is NaN.
    pub fn delta_hr(&self, hr: f64) -> f64 {
        let reserve = self.max_hr - self.resting_hr;
        if reserve > 0.0 {
            let d = (hr - self.resting_hr) / reserve;
            if d.is_nan() {
                0.0
            } else {
                d.clamp(0.0, 1.0)
            }
        } else {
            0.0
        }
    }

    /// TRIMP per minute at a steady `hr`: dHR x y(dHR).
    pub fn per_minute(&self, hr: f64) -> f64 {
        let d = self.delta_hr(hr);
        d * self.curve.weight(d)
    }

    /// TRIMP of `seconds` at `hr`.
    pub fn for_interval(&self, hr: f64, seconds: f64) -> f64 {
        seconds / 60.0 * self.per_minute(hr)
    }

    /// TRIMP of a series of (heart rate, seconds) intervals.
    pub fn total(&self, intervals: impl IntoIterator<Item = (f64, f64)>) -> f64 {
        intervals
            .into_iter()
            .map(|(hr, seconds)| self.for_interval(hr, seconds))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physiology::zones::ZoneModel;

    fn table(resting_hr: Option<f64>) -> ZoneTable {
        ZoneTable {
            model: ZoneModel::HrMax,
            max_hr: 180.0,
            max_hr_source: "test".into(),
            resting_hr,
            resting_hr_source: None,
            min_bpm: [0.0, 102.6, 115.2, 138.6, 172.8],
        }
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-9,
            "expected {expected}, got {actual}"
        );
    }

    #[test]
    fn thirty_minutes_at_half_reserve() {
        // HRmax 180, rest 60, HR 120: dHR = 60 / 120 = 0.5.
        // Male: 30 x 0.5 x 0.64 e^0.96 = 15 x 0.64 x 2.611696... = 25.0723...
        let male = TrimpBasis::new(&table(Some(60.0)), Some(Sex::Male));
        assert_close(male.delta_hr(120.0), 0.5);
        assert_close(
            male.for_interval(120.0, 1800.0),
            15.0 * 0.64 * 0.96f64.exp(),
        );
        assert!((male.for_interval(120.0, 1800.0) - 25.0723).abs() < 1e-4);
        // Female: 15 x 0.86 e^0.835 = 15 x 0.86 x 2.304856... = 29.7321...
        let female = TrimpBasis::new(&table(Some(60.0)), Some(Sex::Female));
        assert!((female.for_interval(120.0, 1800.0) - 29.7321).abs() < 1e-4);
        // Unknown: the mean, 27.4022...
        let unknown = TrimpBasis::new(&table(Some(60.0)), None);
        assert_eq!(unknown.curve, TrimpCurve::MeanOfBoth);
        assert!((unknown.for_interval(120.0, 1800.0) - 27.4022).abs() < 1e-4);
        // The same as 1800 one-second intervals.
        let total = male.total(std::iter::repeat((120.0, 1.0)).take(1800));
        assert!((total - 25.0723).abs() < 1e-4);
    }

    #[test]
    fn unknown_rest_assumes_60_and_says_so() {
        let basis = TrimpBasis::new(&table(None), Some(Sex::Male));
        assert!(basis.resting_hr_assumed);
        assert_eq!(basis.resting_hr, ASSUMED_RESTING_HR);
        let known = TrimpBasis::new(&table(Some(50.0)), Some(Sex::Male));
        assert!(!known.resting_hr_assumed);
        // dHR (115 - 50) / 130 = 0.5.
        assert_close(known.delta_hr(115.0), 0.5);
    }

    #[test]
    fn delta_hr_is_clamped() {
        let basis = TrimpBasis::new(&table(Some(60.0)), None);
        assert_eq!(basis.delta_hr(40.0), 0.0);
        assert_eq!(basis.per_minute(40.0), 0.0);
        assert_eq!(basis.delta_hr(200.0), 1.0);
        assert_eq!(basis.delta_hr(f64::NAN), 0.0);
        let broken = TrimpBasis {
            resting_hr: 200.0,
            ..basis
        };
        assert_eq!(broken.per_minute(150.0), 0.0);
    }
}
