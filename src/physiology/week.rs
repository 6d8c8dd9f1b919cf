//! A training week, Monday to Sunday in local time, against the WHO 2020 guideline.
//!
//! Owns: what makes a day hard, easy or a rest day, the weekly moderate-equivalent total and its
//! status, the hard/easy pattern and the "hard day after hard day" flag. Pure: sessions arrive
//! as [`SessionDigest`]s already stamped with their local start (the caller converts from UTC
//! with the person's time zone), and the week is named by its Monday; no clock is read.
//!
//! Sources (docs/science.md; talkzone's own rules: §15):
//! - WHO 2020 (Bull et al., BJSM 54:1451): 150-300 min moderate a week, or 75-150 min vigorous,
//!   or an equivalent mix; more gives extra benefit; muscle strengthening on >= 2 days (§4);
//! - 1 vigorous minute = 2 moderate minutes: US Physical Activity Guidelines, 2nd ed. (§4);
//! - the hard-day threshold of 20 vigorous minutes: ACSM (Garber 2011) recommends vigorous
//!   exercise for >= 20 min a day on >= 3 days a week, so 20 min is one full vigorous workout.
//!
//! A hard day ([`is_hard_day`]) is a day with a session of class `vigorous`, or with at least
//! [`HARD_DAY_VIGOROUS_MIN`] minutes at vigorous or harder over all its sessions. An easy day has
//! active heart-rate time but is not hard; a rest day has none. Strength days are reported
//! alongside but do not change a day's hard/easy/rest kind (they carry no heart-rate data).

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::physiology::summary::{Flag, SessionClass, Summary};
use crate::physiology::zones::PerZone;

/// WHO 2020: at least this many moderate-equivalent minutes a week.
pub const WHO_WEEKLY_MIN: f64 = 150.0;
/// WHO 2020: the upper end of the recommended range; more still gives extra benefit.
pub const WHO_WEEKLY_MAX: f64 = 300.0;
/// WHO 2020: muscle-strengthening activity on at least this many days a week.
pub const STRENGTH_DAYS_TARGET: usize = 2;
/// Minutes at vigorous or harder in one day that make it a hard day (ACSM's >= 20 min/day of
/// vigorous exercise, Garber 2011).
pub const HARD_DAY_VIGOROUS_MIN: f64 = 20.0;

/// What the week needs from one stored session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionDigest {
    /// When the session started, in the person's local time.
    pub start_local: NaiveDateTime,
    pub class: SessionClass,
    pub moderate_equivalent_min: f64,
    pub time_in_zone_s: PerZone<f64>,
    pub trimp: f64,
    pub active_s: f64,
}

impl SessionDigest {
    /// The digest of a summarised session that started at `start_local` (local time).
    pub fn from_summary(summary: &Summary, start_local: NaiveDateTime) -> Self {
        SessionDigest {
            start_local,
            class: summary.class,
            moderate_equivalent_min: summary.moderate_equivalent_min,
            time_in_zone_s: summary.time_in_zone_s,
            trimp: summary.trimp,
            active_s: summary.active_s,
        }
    }

    /// The local date the session belongs to (the day it started).
    pub fn date(&self) -> NaiveDate {
        self.start_local.date()
    }

    /// Seconds at vigorous or harder.
    pub fn hard_s(&self) -> f64 {
        self.time_in_zone_s.vigorous + self.time_in_zone_s.near_max
    }
}

/// Whether a day with these sessions (all from one local date) is a hard day: a session of
/// class `vigorous`, or >= [`HARD_DAY_VIGOROUS_MIN`] minutes at vigorous or harder in total.
pub fn is_hard_day<'a>(day: impl IntoIterator<Item = &'a SessionDigest>) -> bool {
    let mut hard_s = 0.0;
    for session in day {
        if session.class == SessionClass::Vigorous {
            return true;
        }
        hard_s += session.hard_s();
    }
    hard_s >= HARD_DAY_VIGOROUS_MIN * 60.0
}

/// Whether `day` (the sessions of one local date, including the one just summarised) is a hard
/// day right after a hard `previous_day`: the [`Flag::HardDayAfterHardDay`] for a session.
pub fn hard_day_after_hard_day<'a>(
    day: impl IntoIterator<Item = &'a SessionDigest>,
    previous_day: impl IntoIterator<Item = &'a SessionDigest>,
) -> bool {
    is_hard_day(day) && is_hard_day(previous_day)
}

/// The Monday of the week holding `date` (Monday itself for a Monday; six days back for a
/// Sunday). Saturates at the first date chrono can represent.
pub fn week_of(date: NaiveDate) -> NaiveDate {
    let back = u64::from(date.weekday().num_days_from_monday());
    date.checked_sub_days(Days::new(back))
        .unwrap_or(NaiveDate::MIN)
}

/// A day's kind in the hard/easy rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Hard,
    Easy,
    Rest,
}

impl DayKind {
    /// The day's letter in the pattern string: `H`, `E`, `-`.
    pub fn symbol(self) -> char {
        match self {
            DayKind::Hard => 'H',
            DayKind::Easy => 'E',
            DayKind::Rest => '-',
        }
    }

    /// The kind of a day with these sessions (all from one local date).
    pub fn of<'a>(day: impl IntoIterator<Item = &'a SessionDigest> + Clone) -> Self {
        if is_hard_day(day.clone()) {
            DayKind::Hard
        } else if day.into_iter().any(|s| s.active_s > 0.0) {
            DayKind::Easy
        } else {
            DayKind::Rest
        }
    }
}

/// Where the weekly total stands against WHO's 150-300 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuidelineStatus {
    /// Under 150 moderate-equivalent minutes.
    Below,
    /// 150 to 300 (both included).
    Within,
    /// Over 300: extra benefit.
    Above,
}

impl GuidelineStatus {
    /// The status of a weekly moderate-equivalent total.
    pub fn of(moderate_equivalent_min: f64) -> Self {
        if moderate_equivalent_min < WHO_WEEKLY_MIN {
            GuidelineStatus::Below
        } else if moderate_equivalent_min <= WHO_WEEKLY_MAX {
            GuidelineStatus::Within
        } else {
            GuidelineStatus::Above
        }
    }
}

/// One day of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRow {
    pub date: NaiveDate,
    /// "Mon" .. "Sun".
    pub weekday: String,
    pub kind: DayKind,
    /// Sessions that started on this local date.
    pub sessions: usize,
    pub minutes_in_zone: PerZone<f64>,
    pub moderate_equivalent_min: f64,
    pub trimp: f64,
    /// A strength day.
    pub strength: bool,
}

/// A Monday-to-Sunday week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekSummary {
    pub monday: NaiveDate,
    pub sunday: NaiveDate,
    /// Monday first.
    pub days: Vec<DayRow>,
    pub minutes_in_zone: PerZone<f64>,
    /// Moderate + 2 x vigorous-or-harder minutes over the week.
    pub moderate_equivalent_min: f64,
    /// [`WHO_WEEKLY_MIN`], [`WHO_WEEKLY_MAX`].
    pub guideline_min: f64,
    pub guideline_max: f64,
    pub status: GuidelineStatus,
    /// Whole minutes still needed to reach 150, rounded up (0 once reached).
    pub minutes_to_go: f64,
    /// "42 min to go to 150", "within the 150-300 min range", "above 300 min: extra benefit";
    /// "nothing yet this week: the aim is 150-300 min" with nothing.
    pub status_text: String,
    pub trimp: f64,
    /// Days with active heart-rate time (hard or easy).
    pub days_trained: usize,
    /// Distinct strength days in the week.
    pub strength_days: usize,
    /// [`STRENGTH_DAYS_TARGET`].
    pub strength_days_target: usize,
    /// One letter per day, Monday first, space-separated: "H E - H E - -".
    pub pattern: String,
    /// Hard days that came right after a hard day (Monday counts when the Sunday before was
    /// hard and its sessions were passed in).
    pub hard_after_hard: Vec<NaiveDate>,
    pub flags: Vec<Flag>,
}

/// Summarises the week holding `monday` (any date in it works: its Monday is used).
///
/// `sessions` may hold sessions from other weeks: only those starting in this week count, plus
/// the Sunday before, which is used only to tell whether Monday was a hard day after a hard
/// day. `strength_days` may repeat dates and hold dates outside the week.
pub fn summarise_week(
    monday: NaiveDate,
    sessions: &[SessionDigest],
    strength_days: &[NaiveDate],
) -> WeekSummary {
    let monday = week_of(monday);
    let dates: Vec<NaiveDate> = monday.iter_days().take(7).collect();
    let sunday = dates.last().copied().unwrap_or(monday);
    let on = |date: NaiveDate| sessions.iter().filter(move |s| s.date() == date);

    let days: Vec<DayRow> = dates
        .iter()
        .map(|&date| {
            let minutes_in_zone = PerZone::from_fn(|z| {
                on(date).map(|s| *s.time_in_zone_s.get(z)).sum::<f64>() / 60.0
            });
            DayRow {
                date,
                weekday: date.weekday().to_string(),
                kind: DayKind::of(on(date)),
                sessions: on(date).count(),
                minutes_in_zone,
                moderate_equivalent_min: on(date).map(|s| s.moderate_equivalent_min).sum(),
                trimp: on(date).map(|s| s.trimp).sum(),
                strength: strength_days.contains(&date),
            }
        })
        .collect();

    let mut previous_hard = monday
        .pred_opt()
        .is_some_and(|sunday_before| is_hard_day(on(sunday_before)));
    let mut hard_after_hard = Vec::new();
    for day in &days {
        let hard = day.kind == DayKind::Hard;
        if hard && previous_hard {
            hard_after_hard.push(day.date);
        }
        previous_hard = hard;
    }

    // `+ 0.0`: an empty f64 sum is -0.0, which prints as "-0".
    let moderate_equivalent_min: f64 =
        days.iter().map(|d| d.moderate_equivalent_min).sum::<f64>() + 0.0;
    let status = GuidelineStatus::of(moderate_equivalent_min);
    let minutes_to_go = (WHO_WEEKLY_MIN - moderate_equivalent_min).max(0.0).ceil();
    let status_text = match status {
        GuidelineStatus::Below if moderate_equivalent_min <= 0.0 => {
            format!("nothing yet this week: the aim is {WHO_WEEKLY_MIN}-{WHO_WEEKLY_MAX} min")
        }
        GuidelineStatus::Below => format!("{minutes_to_go} min to go to {WHO_WEEKLY_MIN}"),
        GuidelineStatus::Within => {
            format!("within the {WHO_WEEKLY_MIN}-{WHO_WEEKLY_MAX} min range")
        }
        GuidelineStatus::Above => format!("above {WHO_WEEKLY_MAX} min: extra benefit"),
    };
    let flags = if hard_after_hard.is_empty() {
        Vec::new()
    } else {
        vec![Flag::HardDayAfterHardDay]
    };
    WeekSummary {
        monday,
        sunday,
        minutes_in_zone: PerZone::from_fn(|z| days.iter().map(|d| *d.minutes_in_zone.get(z)).sum()),
        moderate_equivalent_min,
        guideline_min: WHO_WEEKLY_MIN,
        guideline_max: WHO_WEEKLY_MAX,
        status,
        minutes_to_go,
        status_text,
        trimp: days.iter().map(|d| d.trimp).sum(),
        days_trained: days.iter().filter(|d| d.kind != DayKind::Rest).count(),
        strength_days: days.iter().filter(|d| d.strength).count(),
        strength_days_target: STRENGTH_DAYS_TARGET,
        pattern: days
            .iter()
            .map(|d| d.kind.symbol().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        hard_after_hard,
        flags,
        days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(d: u32) -> NaiveDate {
        // March 2025: the 3rd is a Monday, the 9th a Sunday.
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    /// A session on March `d` at 18:00 with `moderate` and `vigorous` minutes.
    fn session(d: u32, class: SessionClass, moderate: f64, vigorous: f64) -> SessionDigest {
        let time_in_zone_s = PerZone {
            light: 300.0,
            moderate: moderate * 60.0,
            vigorous: vigorous * 60.0,
            ..PerZone::default()
        };
        SessionDigest {
            start_local: date(d).and_hms_opt(18, 0, 0).unwrap(),
            class,
            moderate_equivalent_min: moderate + 2.0 * vigorous,
            time_in_zone_s,
            trimp: 10.0,
            active_s: time_in_zone_s.to_array().iter().sum(),
        }
    }

    #[test]
    fn week_of_edges() {
        assert_eq!(week_of(date(3)), date(3)); // Monday
        assert_eq!(week_of(date(9)), date(3)); // Sunday
        assert_eq!(week_of(date(10)), date(10)); // next Monday
        assert_eq!(
            week_of(date(2)),
            NaiveDate::from_ymd_opt(2025, 2, 24).unwrap()
        );
        // Across a year end: Wed 1 Jan 2025 -> Mon 30 Dec 2024.
        assert_eq!(
            week_of(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()),
            NaiveDate::from_ymd_opt(2024, 12, 30).unwrap()
        );
        let _ = week_of(NaiveDate::MIN);
    }

    #[test]
    fn a_week_with_sessions() {
        let sessions = [
            session(3, SessionClass::Vigorous, 10.0, 25.0), // Mon: hard, meq 60
            session(4, SessionClass::Moderate, 40.0, 0.0),  // Tue: easy, meq 40
            session(6, SessionClass::Moderate, 30.0, 10.0), // Thu: 10 vig min: easy, meq 50
            session(6, SessionClass::Mixed, 10.0, 10.0),    // Thu: now 20 vig min: hard, meq 30
            session(7, SessionClass::Light, 0.0, 0.0),      // Fri: easy, meq 0
            session(10, SessionClass::Vigorous, 0.0, 60.0), // next week: ignored
        ];
        let strength = [date(4), date(4), date(8), date(12)];
        let week = summarise_week(date(5), &sessions, &strength);
        assert_eq!(week.monday, date(3));
        assert_eq!(week.sunday, date(9));
        assert_eq!(week.days.len(), 7);
        assert_eq!(week.days[0].weekday, "Mon");
        assert_eq!(week.days[6].weekday, "Sun");
        assert_eq!(week.pattern, "H E - H E - -");
        // 60 + 40 + 50 + 30 + 0 = 180: within.
        assert_eq!(week.moderate_equivalent_min, 180.0);
        assert_eq!(week.status, GuidelineStatus::Within);
        assert_eq!(week.status_text, "within the 150-300 min range");
        assert_eq!(week.minutes_to_go, 0.0);
        assert_eq!(week.days_trained, 4);
        // 4 Mar (twice) and 8 Mar; 12 Mar is next week.
        assert_eq!(week.strength_days, 2);
        assert!(week.days[1].strength && week.days[5].strength);
        assert_eq!(week.days[3].sessions, 2);
        assert_eq!(week.days[3].minutes_in_zone.vigorous, 20.0);
        // 5 light min in each of the 5 sessions of the week.
        assert_eq!(week.minutes_in_zone.light, 25.0);
        assert_eq!(week.trimp, 50.0);
        // Mon and Thu are hard but not on consecutive days.
        assert!(week.hard_after_hard.is_empty());
        assert!(week.flags.is_empty());
    }

    #[test]
    fn hard_day_after_hard_day() {
        let sessions = [
            session(2, SessionClass::Vigorous, 0.0, 30.0), // the Sunday before: hard
            session(3, SessionClass::Moderate, 20.0, 20.0), // Mon: 20 vig min: hard
            session(4, SessionClass::Vigorous, 0.0, 5.0),  // Tue: class vigorous: hard
            session(5, SessionClass::Moderate, 30.0, 19.0), // Wed: 19 vig min: easy
            session(6, SessionClass::Vigorous, 0.0, 30.0), // Thu: hard, after an easy day
        ];
        let week = summarise_week(date(3), &sessions, &[]);
        assert_eq!(week.pattern, "H H E H - - -");
        assert_eq!(week.hard_after_hard, vec![date(3), date(4)]);
        assert_eq!(week.flags, vec![Flag::HardDayAfterHardDay]);
        // The Sunday before does not count towards this week.
        assert_eq!(week.days_trained, 4);
        assert_eq!(week.moderate_equivalent_min, 60.0 + 10.0 + 68.0 + 60.0);

        // The per-session helper.
        assert!(super::hard_day_after_hard_day(
            &sessions[2..3],
            &sessions[1..2]
        ));
        assert!(!super::hard_day_after_hard_day(
            &sessions[3..4],
            &sessions[2..3]
        ));
        assert!(!super::hard_day_after_hard_day(
            &sessions[4..5],
            &sessions[3..4]
        ));
        assert!(!is_hard_day(&[]));
    }

    #[test]
    fn guideline_status() {
        // Nothing: 150 min to go, all rest.
        let week = summarise_week(date(3), &[], &[]);
        assert_eq!(week.status, GuidelineStatus::Below);
        assert_eq!(
            week.status_text,
            "nothing yet this week: the aim is 150-300 min"
        );
        assert_eq!(week.minutes_to_go, 150.0);
        // Zero, not minus zero (an empty f64 sum is -0.0): "0", never "-0".
        assert!(week.moderate_equivalent_min.is_sign_positive());
        assert_eq!(format!("{:.0}", week.moderate_equivalent_min), "0");
        assert_eq!(week.pattern, "- - - - - - -");
        assert_eq!(week.days_trained, 0);
        // 107.5 meq: 42.5 to go, shown as 43.
        let week = summarise_week(
            date(3),
            &[session(3, SessionClass::Moderate, 107.5, 0.0)],
            &[],
        );
        assert_eq!(week.minutes_to_go, 43.0);
        assert_eq!(week.status_text, "43 min to go to 150");
        // Exactly 150 and 300 are within; 300.5 is above.
        assert_eq!(GuidelineStatus::of(150.0), GuidelineStatus::Within);
        assert_eq!(GuidelineStatus::of(300.0), GuidelineStatus::Within);
        assert_eq!(GuidelineStatus::of(300.5), GuidelineStatus::Above);
        let week = summarise_week(
            date(3),
            &[session(3, SessionClass::Vigorous, 0.0, 160.0)],
            &[],
        );
        assert_eq!(week.status, GuidelineStatus::Above);
        assert_eq!(week.status_text, "above 300 min: extra benefit");
    }

    #[test]
    fn a_session_without_signal_is_a_rest_day() {
        let mut empty = session(3, SessionClass::None, 0.0, 0.0);
        empty.time_in_zone_s = PerZone::default();
        empty.active_s = 0.0;
        let week = summarise_week(date(3), &[empty], &[]);
        assert_eq!(week.days[0].kind, DayKind::Rest);
        assert_eq!(week.days[0].sessions, 1);
    }

    #[test]
    fn json_shape() {
        let week = summarise_week(
            date(3),
            &[session(3, SessionClass::Vigorous, 0.0, 30.0)],
            &[],
        );
        let json = serde_json::to_value(&week).unwrap();
        assert_eq!(json["status"], "below");
        assert_eq!(json["days"][0]["kind"], "hard");
        assert_eq!(json["days"][0]["date"], "2025-03-03");
        assert_eq!(json["days"][0]["minutes_in_zone"]["vigorous"], 30.0);
        let back: WeekSummary = serde_json::from_value(json).unwrap();
        assert_eq!(back, week);
    }
}
