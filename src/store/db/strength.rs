//! The strength-training log: the local calendar days on which the person did strength work
//! (WHO: muscle-strengthening on two or more days a week). One row per day, so logging twice
//! is harmless.
//!
//! A day is stored as an integer: days since 1970-01-01 (`date(day * 86400, 'unixepoch')` in
//! the sqlite3 shell shows it), which orders correctly for every date chrono can hold, unlike
//! ISO text past year 9999.

use chrono::NaiveDate;

use super::decode::{self, col};
use super::{sql_err, Db, StoreError};

/// The stored form of `date`.
pub(super) fn epoch_day(date: NaiveDate) -> i64 {
    (date - NaiveDate::default()).num_days()
}

/// Inverse of [`epoch_day`], `None` out of chrono's range.
fn from_epoch_day(day: i64) -> Option<NaiveDate> {
    NaiveDate::default().checked_add_signed(chrono::TimeDelta::try_days(day)?)
}

impl Db {
    /// Log strength training on `date`; whether it was newly added (false: already logged).
    pub fn log_strength(&mut self, date: NaiveDate) -> Result<bool, StoreError> {
        let added = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO strength_days (day) VALUES (?1)")
            .and_then(|mut st| st.execute([epoch_day(date)]))
            .map_err(sql_err(&self.path))?;
        Ok(added > 0)
    }

    /// The logged days in `[from, to]` (both included), oldest first.
    pub fn strength_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, StoreError> {
        self.rows(
            "strength_days",
            "day",
            "SELECT day FROM strength_days WHERE day >= ?1 AND day <= ?2 ORDER BY day",
            [epoch_day(from), epoch_day(to)],
            |row| {
                let day = decode::int(col(row, 0)?, "day")?;
                from_epoch_day(day).ok_or_else(|| "not a date".to_owned())
            },
        )
    }
}
