//! Morning resting checks: one row per check in `morning_checks`, refused checks included,
//! each with every raw RR interval it recorded (settling time included), so its metrics can be
//! recomputed by a later talkzone.
//!
//! The store computes nothing: the caller hands over the metrics (plain columns, for trends
//! without parsing JSON), the full result as opaque JSON, the person's answers, and the local
//! calendar date the check counts for (the store reads no clock and knows no time zone).
//!
//! Metrics are all present or all absent; `rr_used` (an integer, never NULL when there are
//! metrics) tells which. SQLite stores a NaN as NULL, so a NaN metric comes back as NaN; minus
//! infinity (`ln_rmssd` of a perfectly constant series) is stored as such.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Params, Row};

use super::decode::{self, col, Bad};
use super::strength::epoch_day;
use super::{sql_err, Db, StoreError};
use crate::physiology::hrv::HrvMetrics;
use crate::physiology::person::Posture;
use crate::physiology::readiness::Wellness;
use crate::reading::{RrInterval, Source};

/// An accepted check's metrics, as plain columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorningMetricsRow {
    /// bpm (talkzone reports the lowest mean over 30 consecutive NN beats).
    pub resting_hr: f64,
    /// ln(RMSSD in ms); minus infinity when RMSSD is 0.
    pub ln_rmssd: f64,
    pub rmssd_ms: f64,
    pub sdnn_ms: f64,
    /// Share 0..1.
    pub pnn50: f64,
    pub mean_nn_ms: f64,
    /// NN intervals the metrics were computed from.
    pub rr_used: u32,
    /// Share 0..1 of the intervals after settling that were rejected.
    pub artifact_share: f64,
}

impl From<&HrvMetrics> for MorningMetricsRow {
    fn from(m: &HrvMetrics) -> Self {
        MorningMetricsRow {
            resting_hr: m.resting_hr_lowest_30_beats,
            ln_rmssd: m.ln_rmssd,
            rmssd_ms: m.rmssd_ms,
            sdnn_ms: m.sdnn_ms,
            pnn50: m.pnn50,
            mean_nn_ms: m.mean_nn_ms,
            rr_used: u32::try_from(m.nn_count).unwrap_or(u32::MAX),
            artifact_share: m.artifact_share,
        }
    }
}

/// The person's answers with a check; `None` = not answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WellnessRow {
    /// 1 (very poor) to 5 (very good). Anything else is refused on write (a CHECK constraint:
    /// [`StoreError::Sqlite`]).
    pub sleep_quality: Option<u8>,
    /// 1 (none) to 5 (very sore), likewise.
    pub soreness: Option<u8>,
    pub ill: Option<bool>,
    /// The last workout felt harder than usual at the same pace or power.
    pub workout_felt_harder: Option<bool>,
}

impl From<WellnessRow> for Wellness {
    /// Unanswered yes/no questions count as "no", as the readiness rules take them.
    fn from(w: WellnessRow) -> Self {
        Wellness {
            sleep_quality: w.sleep_quality,
            soreness: w.soreness,
            ill: w.ill.unwrap_or(false),
            workout_felt_harder: w.workout_felt_harder.unwrap_or(false),
        }
    }
}

/// A check to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMorningCheck {
    /// When the check started (stored to the millisecond).
    pub t: DateTime<Utc>,
    /// The person's local calendar date the check counts for.
    pub date: NaiveDate,
    pub source: Source,
    pub posture: Posture,
    /// How long the recording lasted, seconds (must not be NaN).
    pub duration_s: f64,
    /// The settling time asked for, seconds (must not be NaN).
    pub settle_s: f64,
    /// Every RR interval recorded, in order, settling time included.
    pub rr: Vec<RrInterval>,
    /// `None` for a refused check.
    pub metrics: Option<MorningMetricsRow>,
    /// The full result as JSON text (opaque to the store).
    pub metrics_json: Option<String>,
    pub wellness: WellnessRow,
    /// Why the check was refused, for a refused check.
    pub refused: Option<String>,
}

/// One stored check.
#[derive(Debug, Clone, PartialEq)]
pub struct MorningCheckRow {
    pub id: i64,
    pub t: DateTime<Utc>,
    pub date: NaiveDate,
    pub source: Source,
    pub posture: Posture,
    pub duration_s: f64,
    pub settle_s: f64,
    /// Every RR interval recorded; empty when listed without them.
    pub rr: Vec<RrInterval>,
    pub metrics: Option<MorningMetricsRow>,
    pub metrics_json: Option<String>,
    pub wellness: WellnessRow,
    pub refused: Option<String>,
}

/// The columns [`decode_check`] reads, in its order, but for the last one (`rr`, or NULL when
/// the intervals are not wanted).
const COLUMNS: &str = "id, t_ms, date_days, source, posture, duration_s, settle_s, resting_hr, \
                       ln_rmssd, rmssd_ms, sdnn_ms, pnn50, mean_nn_ms, rr_used, artifact_share, \
                       metrics_json, sleep_quality, soreness, ill, workout_felt_harder, refused";

impl Db {
    /// Store a morning check (accepted or refused); its id.
    pub fn add_morning_check(&mut self, c: &NewMorningCheck) -> Result<i64, StoreError> {
        let m = c.metrics.as_ref();
        let w = &c.wellness;
        let mut rr = Vec::new();
        decode::encode_rr(&c.rr, &mut rr);
        self.conn
            .prepare_cached(
                "INSERT INTO morning_checks (t_ms, date_days, source, posture, duration_s, \
                 settle_s, resting_hr, ln_rmssd, rmssd_ms, sdnn_ms, pnn50, mean_nn_ms, rr_used, \
                 artifact_share, metrics_json, sleep_quality, soreness, ill, \
                 workout_felt_harder, refused, rr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
                 ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    decode::to_ms(c.t),
                    epoch_day(c.date),
                    decode::source_str(c.source),
                    c.posture.as_str(),
                    c.duration_s,
                    c.settle_s,
                    m.map(|m| m.resting_hr),
                    m.map(|m| m.ln_rmssd),
                    m.map(|m| m.rmssd_ms),
                    m.map(|m| m.sdnn_ms),
                    m.map(|m| m.pnn50),
                    m.map(|m| m.mean_nn_ms),
                    m.map(|m| m.rr_used),
                    m.map(|m| m.artifact_share),
                    c.metrics_json,
                    w.sleep_quality,
                    w.soreness,
                    w.ill,
                    w.workout_felt_harder,
                    c.refused,
                    rr,
                ])
            })
            .map_err(sql_err(&self.path))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The checks dated `from` to `to_inclusive` (local dates, both included), in the order
    /// they were taken. Without `with_rr`, `rr` is left empty and the intervals are not read at
    /// all (fast for trends over years).
    pub fn morning_checks(
        &self,
        from: NaiveDate,
        to_inclusive: NaiveDate,
        with_rr: bool,
    ) -> Result<Vec<MorningCheckRow>, StoreError> {
        self.query_checks(
            with_rr,
            "WHERE date_days >= ?1 AND date_days <= ?2 ORDER BY t_ms, id",
            [epoch_day(from), epoch_day(to_inclusive)],
        )
    }

    /// The check taken last (by start time), with its intervals.
    pub fn last_morning_check(&self) -> Result<Option<MorningCheckRow>, StoreError> {
        Ok(self
            .query_checks(true, "ORDER BY t_ms DESC, id DESC LIMIT 1", [])?
            .into_iter()
            .next())
    }

    fn query_checks(
        &self,
        with_rr: bool,
        tail: &str,
        params: impl Params,
    ) -> Result<Vec<MorningCheckRow>, StoreError> {
        let rr = if with_rr { "rr" } else { "NULL" };
        self.rows(
            "morning_checks",
            "id",
            &format!("SELECT {COLUMNS}, {rr} FROM morning_checks {tail}"),
            params,
            |row| decode_check(row, with_rr),
        )
    }
}

/// One `morning_checks` row ([`COLUMNS`], then `rr` or NULL).
fn decode_check(row: &Row<'_>, with_rr: bool) -> Result<MorningCheckRow, Bad> {
    let id = decode::int(col(row, 0)?, "id")?;
    {
        let posture = decode::text(col(row, 4)?, "posture")?;
        let rr = col(row, 21)?;
        if with_rr && matches!(rr, rusqlite::types::ValueRef::Null) {
            return Err("rr is NULL, not a blob".into());
        }
        Ok(MorningCheckRow {
            id,
            t: decode::instant(decode::int(col(row, 1)?, "t_ms")?, "t_ms")?,
            date: decode::date(decode::int(col(row, 2)?, "date_days")?, "date_days")?,
            source: decode::source(decode::text(col(row, 3)?, "source")?)?,
            posture: Posture::parse(posture)
                .ok_or_else(|| format!("posture = {posture:?} is unknown"))?,
            duration_s: decode::real(col(row, 5)?, "duration_s")?,
            settle_s: decode::real(col(row, 6)?, "settle_s")?,
            rr: decode::rr(rr)?,
            metrics: decode_metrics(row)?,
            metrics_json: decode::opt_text(col(row, 15)?, "metrics_json")?,
            wellness: WellnessRow {
                sleep_quality: decode::opt_scale(col(row, 16)?, "sleep_quality")?,
                soreness: decode::opt_scale(col(row, 17)?, "soreness")?,
                ill: decode::opt_flag(col(row, 18)?, "ill")?,
                workout_felt_harder: decode::opt_flag(col(row, 19)?, "workout_felt_harder")?,
            },
            refused: decode::opt_text(col(row, 20)?, "refused")?,
        })
    }
}

/// Columns 7-14: all NULL (no metrics), or `rr_used` set (metrics; a NULL real is a NaN that
/// SQLite stored as NULL).
fn decode_metrics(row: &Row<'_>) -> Result<Option<MorningMetricsRow>, Bad> {
    const REALS: [(usize, &str); 7] = [
        (7, "resting_hr"),
        (8, "ln_rmssd"),
        (9, "rmssd_ms"),
        (10, "sdnn_ms"),
        (11, "pnn50"),
        (12, "mean_nn_ms"),
        (14, "artifact_share"),
    ];
    let mut reals = [None; REALS.len()];
    for (slot, (i, name)) in reals.iter_mut().zip(REALS) {
        *slot = decode::opt_real(col(row, i)?, name)?;
    }
    let Some(rr_used) = decode::opt_int(col(row, 13)?, "rr_used")? else {
        if let Some(k) = reals.iter().position(Option::is_some) {
            return Err(format!(
                "{} is set but rr_used is NULL (metrics are all set or all NULL)",
                REALS[k].1
            ));
        }
        return Ok(None);
    };
    let [resting_hr, ln_rmssd, rmssd_ms, sdnn_ms, pnn50, mean_nn_ms, artifact_share] =
        reals.map(|x| x.unwrap_or(f64::NAN));
    Ok(Some(MorningMetricsRow {
        resting_hr,
        ln_rmssd,
        rmssd_ms,
        sdnn_ms,
        pnn50,
        mean_nn_ms,
        rr_used: decode::narrow::<u32>(rr_used, "rr_used")?,
        artifact_share,
    }))
}
