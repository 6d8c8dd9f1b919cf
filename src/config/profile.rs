//! `[profile]`: facts about the person wearing the strap (age, sex, measured HRmax and resting
//! HR), with their allowed ranges. The type itself is the core's
//! [`crate::physiology::person::Profile`].

use std::ops::RangeInclusive;

use serde::de::MapAccess;

use super::section::{read, Section};
use super::values::{integer, sex};
use crate::physiology::person::Profile;

/// Allowed `profile.age`, in years.
pub const AGE_YEARS: RangeInclusive<u8> = 10..=100;
/// Allowed `profile.max_hr`, in beats per minute.
pub const MAX_HR_BPM: RangeInclusive<u16> = 100..=240;
/// Allowed `profile.resting_hr`, in beats per minute.
pub const RESTING_HR_BPM: RangeInclusive<u16> = 25..=120;

impl Section for Profile {
    const NAME: &'static str = "profile";
    const KEYS: &'static [&'static str] = &["age", "sex", "max_hr", "resting_hr"];

    fn read_key<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        path: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        // The resting-below-max check runs on whichever of the two comes second in the file,
        // so the error points at a line that is part of the problem.
        let (max_hr, resting_hr) = (self.max_hr, self.resting_hr);
        match key {
            "age" => self.age = Some(read(map, |v| integer(path, &v, &AGE_YEARS, "years"))?),
            "sex" => self.sex = Some(read(map, |v| sex(path, &v))?),
            "max_hr" => {
                self.max_hr = Some(read(map, |v| {
                    let max = integer(path, &v, &MAX_HR_BPM, "bpm")?;
                    match resting_hr {
                        Some(resting) if resting >= max => Err(format!(
                            "{path} = {max}: must be above profile.resting_hr ({resting})"
                        )),
                        _ => Ok(max),
                    }
                })?)
            }
            "resting_hr" => {
                self.resting_hr = Some(read(map, |v| {
                    let resting = integer(path, &v, &RESTING_HR_BPM, "bpm")?;
                    match max_hr {
                        Some(max) if resting >= max => Err(format!(
                            "{path} = {resting}: must be below profile.max_hr ({max})"
                        )),
                        _ => Ok(resting),
                    }
                })?)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
