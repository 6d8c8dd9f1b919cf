//! `talkzone week [--date D]`: Monday to Sunday (local time) against the WHO 150-300 min
//! guideline, days trained, the hard/easy pattern and strength days.

use chrono::{Days, Local, NaiveDate};

use crate::cli::{Cli, WeekArgs};
use crate::error::AppError;
use crate::physiology::week::{summarise_week, week_of, SessionDigest};
use crate::session::{digest_of, local_day_bounds};
use crate::ui;

/// Show the week holding `--date` (default today).
pub fn run(cli: &Cli, args: &WeekArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let day = args.date.unwrap_or_else(|| Local::now().date_naive());
    let monday = week_of(day);
    // From the Sunday before (to tell whether Monday was a hard day after a hard day).
    let first = monday.checked_sub_days(Days::new(1)).unwrap_or(monday);
    let after = monday
        .checked_add_days(Days::new(7))
        .unwrap_or(NaiveDate::MAX);
    let (from, _) = local_day_bounds(first);
    let (to, _) = local_day_bounds(after);
    let digests: Vec<SessionDigest> = db
        .sessions_between(from, to)?
        .iter()
        .filter_map(digest_of)
        .collect();
    let strength = db.strength_days(first, after)?;
    let week = summarise_week(monday, &digests, &strength);
    if let Some(path) = &args.plot {
        let svg = ui::plot::week_svg(&week);
        ui::plot::write_svg(path, &svg)?;
    }
    if args.json {
        let v = serde_json::to_value(&week).map_err(|source| AppError::Encode {
            what: "week",
            source,
        })?;
        super::print_json(&v)
    } else {
        super::print(&ui::report::week(&week))
    }
}
