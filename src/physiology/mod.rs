//! The pure physiology core: what a heart rate means for the person wearing the strap.
//!
//! - [`zones`]: the five talk-test zones and their thresholds in bpm, from one of three models
//!   (ACSM %HRmax, Karvonen %HR reserve, or the person's own talk-test calibration);
//! - [`summary`]: one recorded session -> time in zones, active / no-signal / gap time, class,
//!   moderate-equivalent minutes, training load, recovery, a verdict in talk-test words;
//! - [`load`]: Banister TRIMP training load;
//! - [`week`]: a Monday-to-Sunday week against the WHO 2020 guideline, hard and easy days.
//!
//! Nothing here touches the clock, the disk, the terminal or Bluetooth: times come in the
//! readings, "today" and "this week" come in as arguments, and every function is plain data in,
//! plain data out. Sources for every number are in `shared/science.md` and cited where used.

pub mod baseline;
pub mod dfa;
pub mod hrv;
pub mod load;
pub mod readiness;
pub mod summary;
pub mod week;
pub mod zones;
