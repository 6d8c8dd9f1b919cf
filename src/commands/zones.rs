//! `talkzone zones`: the talk-test zones in force, which model and why (`basis`: with the
//! default `auto`, a talk-test calibration, the resting baseline or HRmax), where HRmax and
//! HRrest came from, and each zone's lower bound in bpm.

use serde_json::json;

use crate::cli::{Cli, JsonArgs};
use crate::error::AppError;
use crate::physiology::zones::{TalkZone, ZoneTable};
use crate::ui;

/// The JSON form: `model`, `max_hr`, `resting_hr`, `zones` (each `id`, `label`, `min_bpm` as a
/// real number), plus where the numbers came from.
pub fn zones_json(z: &ZoneTable) -> serde_json::Value {
    json!({
        "model": z.model.id(),
        "max_hr": z.max_hr,
        "max_hr_source": z.max_hr_source,
        "resting_hr": z.resting_hr,
        "resting_hr_source": z.resting_hr_source,
        "zones": TalkZone::ALL.iter().map(|zone| json!({
            "id": zone.id(),
            "label": zone.label(),
            "cue": zone.cue(),
            "min_bpm": z.min_bpm(*zone),
            "max_bpm": z.max_bpm(*zone),
        })).collect::<Vec<_>>(),
    })
}

/// Print the zones in force.
pub fn run(cli: &Cli, args: &JsonArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let zones = crate::history::zones_in_force(&settings, &db)?;
    if args.json {
        let mut v = zones_json(&zones.table);
        v["basis"] = json!(zones.why);
        v["calibration"] = json!(zones.calibration);
        super::print_json(&v)
    } else {
        for note in &zones.notes {
            eprintln!("talkzone: {note}");
        }
        super::print(&format!(
            "Zones: {}\n{}",
            zones.why,
            ui::report::zones(&zones.table)
        ))
    }
}
