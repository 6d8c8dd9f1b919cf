//! `talkzone log strength [--date D]`: log a day of muscle-strengthening exercise, which a heart
//! rate strap cannot measure (WHO 2020: at least 2 days a week).

use chrono::Local;

use crate::cli::{Cli, LogStrengthArgs};
use crate::error::AppError;

/// Log a strength day.
pub fn strength(cli: &Cli, args: &LogStrengthArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let mut db = super::open_db(&settings)?;
    let day = args.date.unwrap_or_else(|| Local::now().date_naive());
    let added = db.log_strength(day)?;
    super::print(&format!(
        "{} strength training on {}.\n",
        if added { "Logged" } else { "Already logged" },
        day.format("%a %d %b %Y")
    ))
}
