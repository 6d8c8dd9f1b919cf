//! The stored history as the readiness rules need it, in the imperative shell: the morning
//! checks and the training sessions from the store, turned into the pure trend
//! ([`crate::physiology::baseline`]) and readiness ([`crate::physiology::readiness`]) as of a
//! given local date. Shared by `morning`, `trend`,
//! `readiness`, and the zones in force (the resting-HR baseline once it exists, and the latest
//! talk-test calibration that reached a "no").

use chrono::{Days, Local, NaiveDate};

use crate::config::Settings;
use crate::error::AppError;
use crate::physiology::baseline::{trend, DailyCheck, Trend};
use crate::physiology::readiness::{readiness, LoadInput, Readiness, Wellness};
use crate::physiology::week::{is_hard_day, SessionDigest};
use crate::physiology::zones::MeasuredTalkTest;
use crate::session::{digest_of, local_date, local_day_bounds, ZonesInForce};
use crate::store::db::{Db, MorningCheckRow};

/// How far back the history is read: the 60-day range before the 7-day window, and a margin.
const HISTORY_DAYS: u64 = 60 + 7 + 7;
/// Training history for the acute:chronic load (28 days) and the hard-day streak, with margin.
const LOAD_DAYS: u64 = 35;

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN)
}

/// A stored check as a day's values (only checks that were not refused have them).
fn daily(row: &MorningCheckRow) -> Option<DailyCheck> {
    let m = row.metrics.as_ref()?;
    Some(DailyCheck {
        date: row.date,
        resting_hr: m.resting_hr,
        ln_rmssd: m.ln_rmssd,
    })
}

/// The trend as of `today` (local date), showing `days_shown` days.
pub fn trend_as_of(
    db: &Db,
    today: NaiveDate,
    settings: &Settings,
    days_shown: usize,
) -> Result<Trend, AppError> {
    let from = days_before(today, HISTORY_DAYS.max(days_shown as u64));
    let rows = db.morning_checks(from, today, false)?;
    let history: Vec<DailyCheck> = rows.iter().filter_map(daily).collect();
    let mut cfg = settings.morning.baseline;
    cfg.days_shown = days_shown;
    Ok(trend(&history, today, &cfg))
}

/// Training load per local day (Banister TRIMP summed), and the hard days.
pub struct TrainingHistory {
    pub daily: Vec<(NaiveDate, f64)>,
    pub hard_days: Vec<NaiveDate>,
}

/// Daily training load (Banister TRIMP) and hard days up to `today`, from stored sessions.
pub fn training_history(db: &Db, today: NaiveDate) -> Result<TrainingHistory, AppError> {
    let first = days_before(today, LOAD_DAYS);
    let (from, _) = local_day_bounds(first);
    let (_, to) = local_day_bounds(today);
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<SessionDigest>> = Default::default();
    for row in db.sessions_between(from, to)? {
        if let Some(digest) = digest_of(&row) {
            by_day
                .entry(local_date(row.start))
                .or_default()
                .push(digest);
        }
    }
    let mut daily: Vec<(NaiveDate, f64)> = by_day
        .iter()
        .map(|(d, s)| (*d, s.iter().map(|x| x.trimp).sum()))
        .collect();
    // Days without training are days of zero load: say so from the first day this window has
    // any history, so the chronic average is not taken over training days only.
    if let Some(&(first_day, _)) = daily.first() {
        let mut d = first_day;
        while d <= today {
            if !by_day.contains_key(&d) {
                daily.push((d, 0.0));
            }
            let Some(next) = d.checked_add_days(Days::new(1)) else {
                break;
            };
            d = next;
        }
    }
    let hard = by_day
        .iter()
        .filter(|(_, s)| is_hard_day(s.iter()))
        .map(|(d, _)| *d)
        .collect();
    Ok(TrainingHistory {
        daily,
        hard_days: hard,
    })
}

/// Trend and readiness as of `today`, with the wellness answers of that day's latest check.
pub fn readiness_as_of(
    db: &Db,
    today: NaiveDate,
    settings: &Settings,
) -> Result<(Trend, Readiness), AppError> {
    let trend = trend_as_of(db, today, settings, 28)?;
    let history = training_history(db, today)?;
    let todays = db
        .morning_checks(today, today, false)?
        .last()
        .map(|row| Wellness::from(row.wellness));
    let r = readiness(
        &trend,
        &LoadInput {
            daily: &history.daily,
            hard_days: &history.hard_days,
        },
        todays.as_ref(),
        &settings.morning.readiness,
    );
    Ok((trend, r))
}

/// The resting-HR baseline from morning checks (the mean of the normal range), once one exists.
pub fn resting_baseline(db: &Db, settings: &Settings) -> Result<Option<f64>, AppError> {
    let today = Local::now().date_naive();
    Ok(trend_as_of(db, today, settings, 1)?
        .today
        .rhr_range
        .map(|r| r.mean))
}

/// The zones in force from what the store knows: the morning-check baseline and the latest
/// talk test that reached a "no" (docs/science.md §17, §20).
pub fn zones_in_force(settings: &Settings, db: &Db) -> Result<ZonesInForce, AppError> {
    let baseline = resting_baseline(db, settings)?;
    let calibration = latest_talk_test(db)?;
    crate::session::zones_in_force(settings, baseline, calibration)
}

/// The latest talk-test calibration that reached a comfortable stage and a "no": the one
/// `[zones] model = "auto"` draws the zones from (an aborted or partial test never changes them,
/// docs/science.md §20).
pub fn latest_talk_test(db: &Db) -> Result<Option<MeasuredTalkTest>, AppError> {
    Ok(db.calibrations()?.iter().find_map(|c| {
        Some(MeasuredTalkTest {
            calibration: c.id,
            date: local_date(c.t),
            talk_ok_max_hr: c.talk_ok_max_hr.filter(|h| h.is_finite())?,
            cannot_talk_hr: c.cannot_talk_hr.filter(|h| h.is_finite())?,
            sing_ok_max_hr: c.sing_ok_max_hr,
        })
    }))
}
