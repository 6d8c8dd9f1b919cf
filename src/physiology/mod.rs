//! The pure physiology core: what a heart rate means for the person wearing the strap.
//!
//! - [`person`]: who wears the strap (age, sex, measured heart rates) and the posture of their
//!   morning check;
//! - [`zones`]: the five talk-test zones and their thresholds in bpm, from one of three models
//!   (ACSM %HRmax, Karvonen %HR reserve, or the person's own talk-test calibration);
//! - [`live`]: the running numbers of a session while it is recorded (time in zones,
//!   moderate-equivalent minutes, week progress, live RMSSD and alpha1) and the cue toward the target zone;
//! - [`summary`]: one recorded session -> time in zones, active / no-signal / gap time, class,
//!   moderate-equivalent minutes, training load, heart-rate recovery, a verdict in talk-test
//!   words;
//! - [`load`]: Banister TRIMP training load;
//! - [`week`]: a Monday-to-Sunday week against the WHO 2020 guideline, hard and easy days;
//! - [`hrv`]: the Task Force 1996 HRV metrics of the morning check, accept or refuse (and the
//!   simple dropping cleaner it is measured against);
//! - [`rr_correction`]: RR artifact correction after Lipponen & Tarvainen 2019 (ectopic, long,
//!   short, missed, extra beats), for the morning check and the live RMSSD;
//! - [`dfa`]: DFA alpha1 window by window, the HR at alpha1 0.75 and 0.5, time in the alpha1
//!   bands, after the workout and live;
//! - [`baseline`]: the personal normal range of resting HR and lnRMSSD, 7-day means, slopes;
//! - [`readiness`]: the day's verdict (ready, take it easy, scale back) from the markers, the
//!   training load and how the person feels;
//! - [`talk_test`]: the guided talk-test calibration: stages, questions, stop rules, results.
//!
//! Nothing here touches the clock, the disk, the terminal or Bluetooth: times come in the
//! readings, "today" and "this week" come in as arguments, and every function is plain data in,
//! plain data out. Sources for every number are in `docs/science.md` and cited where used.

pub mod baseline;
pub mod dfa;
pub mod hrv;
pub mod live;
pub mod load;
pub mod person;
pub mod readiness;
pub mod rr_correction;
pub mod summary;
pub mod talk_test;
pub mod week;
pub mod zones;
