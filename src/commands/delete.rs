//! `talkzone delete ID`: remove a session with its readings, after asking (`--yes` skips the
//! question; without a terminal to ask on, `--yes` is required). A session being recorded
//! right now (another talkzone holds its recording lock, [`crate::store::lock`]) is not
//! deleted: the lock is taken first and held until the session is gone, so no recording can be
//! pulled from under a running `live` or `morning`.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::{Cli, DeleteArgs};
use crate::error::AppError;
use crate::store::lock::RecordingLock;
use crate::ui::report::{local_when, minutes};

/// Delete a session.
pub fn run(cli: &Cli, args: &DeleteArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let mut db = super::open_db(&settings)?;
    let row = super::summary::find(&db, &args.id.to_string())?;
    let dir = &settings.storage.data_dir;
    let _lock = match RecordingLock::acquire(dir, row.id) {
        Ok(lock) => lock,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
            return Err(AppError::BeingRecorded(format!(
                "session {} is being recorded right now by another talkzone; not deleted. End \
                 that recording first (q or Ctrl-C where it runs), then delete it.",
                row.id
            )))
        }
        Err(source) => {
            return Err(AppError::Lock {
                dir: dir.clone(),
                source,
            })
        }
    };
    if !args.yes {
        let what = format!(
            "session {} ({}, {}{})",
            row.id,
            local_when(row.start),
            row.active_s
                .map(minutes)
                .unwrap_or_else(|| "unfinished".into()),
            row.class
                .as_deref()
                .map(|c| format!(", {c}"))
                .unwrap_or_default()
        );
        if !std::io::stdin().is_terminal() {
            return Err(AppError::NotConfirmed(format!(
                "not deleting {what}: no terminal to confirm on; add --yes to delete without asking"
            )));
        }
        eprint!("Delete {what} and all its readings? This cannot be undone. [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            return super::print("Not deleted.\n");
        }
    }
    db.delete_session(row.id)?;
    super::print(&format!("Deleted session {}.\n", row.id))
}
