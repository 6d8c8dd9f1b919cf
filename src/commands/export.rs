//! `talkzone export [ID|last] --format tcx|csv|json [-o FILE]`: one session's readings as TCX
//! (with its laps and sport, for Strava, GoldenCheetah, Runalyze), CSV or JSON, to standard
//! output or to an owner-only file.
//!
//! Every stored reading is written, paused stretches included (the file is the recording; a
//! summary leaves paused time out). A session with no known sport (every live one) is exported
//! as TCX sport `Other`; an imported one keeps the sport its file gave.
//!
//! `-o` onto a symbolic link is refused (see [`crate::owner_only::create_file`]); a write that
//! fails (a full disk) names the output file and leaves no cut-off file behind. The database is
//! only read (read-only when it cannot be written), so a full disk is never a database error.

use std::io::Write;

use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::error::AppError;
use crate::interop::{export_csv, export_json, export_tcx, ExportMeta};
use crate::owner_only;

/// Export a session.
pub fn run(cli: &Cli, args: &ExportArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let db = super::open_db_to_read(&settings)?;
    let row = super::summary::find(&db, &args.session)?;
    let readings = db.readings(row.id)?;
    let meta = ExportMeta {
        // The one rule (crate::timeline): a session starts at its first reading.
        start: readings.first().map_or(row.start, |r| r.t),
        sport: db.sport(row.id)?,
        laps: db.laps(row.id)?,
    };
    let text = match args.format {
        ExportFormat::Tcx => export_tcx(&meta, &readings),
        ExportFormat::Csv => export_csv(&readings),
        ExportFormat::Json => format!("{}\n", export_json(&meta, &readings)),
    };
    match &args.output {
        None => super::print(&text),
        Some(path) => {
            let cannot = |source: std::io::Error| AppError::Export {
                path: path.clone(),
                source,
            };
            let mut file = owner_only::create_file(path).map_err(cannot)?;
            let written = file
                .write_all(text.as_bytes())
                .and_then(|()| file.sync_all());
            if let Err(e) = written {
                // A full disk leaves a cut-off file that would look like an export: remove it.
                drop(file);
                let _ = std::fs::remove_file(path);
                return Err(cannot(e));
            }
            Ok(())
        }
    }
}
