//! What the user sees: one readable line per event ([`lines`], `--plain`) or one JSON object per
//! event ([`json`], `--json`). Pure formatting; the commands do the writing.

pub mod dashboard;
pub mod json;
pub mod lines;
pub mod plot;
pub mod recovery;
pub mod report;
