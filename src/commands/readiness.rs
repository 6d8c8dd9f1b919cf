//! `talkzone readiness`: today's verdict (`ready`, `take_it_easy`, `scale_back`) from the
//! resting-HR and HRV trends, training load and how you feel, with reasons and advice.

use crate::cli::{Cli, ReadinessArgs};
use crate::error::AppError;
use crate::history;
use crate::ui;

/// Show the verdict.
pub fn run(cli: &Cli, args: &ReadinessArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let today = args.date.unwrap_or_else(super::morning::today);
    let (trend, readiness) = history::readiness_as_of(&db, today, &settings)?;
    if args.json {
        let mut v = serde_json::to_value(&readiness).map_err(|source| AppError::Encode {
            what: "verdict",
            source,
        })?;
        v["date"] = serde_json::json!(today.to_string());
        v["baseline"] = serde_json::to_value(&trend.today).unwrap_or_default();
        super::print_json(&v)
    } else {
        let mut out = format!("Readiness for {}\n", today.format("%a %d %b %Y"));
        if let Some(status) = &trend.today.baseline_status {
            out.push_str(&format!("{status}\n"));
        }
        out.push_str(&ui::readiness::readiness(&readiness));
        super::print(&out)
    }
}
