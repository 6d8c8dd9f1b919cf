//! `talkzone trend`: resting HR and lnRMSSD day by day, their 7-day averages and the normal
//! band from your own last 60 days.

use crate::cli::{Cli, TrendArgs};
use crate::error::AppError;
use crate::history;
use crate::ui;

/// Show the trend.
pub fn run(cli: &Cli, args: &TrendArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let today = args.date.unwrap_or_else(super::morning::today);
    let trend = history::trend_as_of(&db, today, &settings, args.days as usize)?;
    if let Some(path) = &args.plot {
        let title = format!("Morning checks to {}", today.format("%a %d %b %Y"));
        let svg = ui::plot::trend_svg(&trend, &title);
        ui::plot::write_svg(path, &svg)?;
    }
    if args.json {
        let v = serde_json::to_value(&trend).map_err(|source| AppError::Encode {
            what: "trend",
            source,
        })?;
        super::print_json(&v)
    } else {
        super::print(&ui::readiness::trend(&trend))
    }
}
