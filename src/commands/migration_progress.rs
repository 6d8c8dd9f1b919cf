//! What the user sees while an old database is converted to the current layout (once, when a
//! new talkzone first opens it; seconds for ten years of readings): a bar on stderr when it is
//! a terminal, else one line when it starts and one when it is done. A new or current database
//! shows nothing.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::store::db::MigrationStep;

/// Fed every [`MigrationStep`] of an open.
#[derive(Default)]
pub(super) struct MigrationProgress {
    bar: Option<ProgressBar>,
    /// Whether anything was converted (a new database converts nothing and shows nothing).
    converting: bool,
}

impl MigrationProgress {
    pub(super) fn show(&mut self, step: MigrationStep) {
        match step {
            MigrationStep::Converting { total: 0, .. } => {}
            MigrationStep::Converting { done, total } => {
                if !self.converting {
                    self.converting = true;
                    eprintln!(
                        "talkzone: converting the database to the compact layout (once): \
                         {total} readings"
                    );
                    if std::io::stderr().is_terminal() {
                        let bar = ProgressBar::new(total);
                        if let Ok(style) = ProgressStyle::with_template(
                            "{bar:30} {human_pos}/{human_len} readings",
                        ) {
                            bar.set_style(style);
                        }
                        self.bar = Some(bar);
                    }
                }
                if let Some(bar) = &self.bar {
                    bar.set_position(done);
                }
            }
            MigrationStep::Compacting if self.converting => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                eprintln!("talkzone: giving the space of the old layout back...");
            }
            MigrationStep::Done if self.converting => {
                eprintln!("talkzone: the database is converted");
            }
            _ => {}
        }
    }
}
