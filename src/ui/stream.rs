//! A live session as a stream of lines on standard output: one readable line ([`super::lines`],
//! `--plain`, the default when the output is not a terminal) or one JSON object
//! ([`super::json`], `--json`) per reading and link change, and one per DFA alpha1 window as
//! soon as the first reading after its end arrives (`{"event": "alpha1", ...}`, docs/science.md
//! §9). A closed pipe (`| head`) ends the session quietly, as a quit.

use std::io::Write;

use crate::physiology::live::LiveNumbers;
use crate::physiology::zones::ZoneTable;
use crate::pipeline::Output;
use crate::ui::session_view::{Effect, View, ViewError, ViewResult};

/// Which line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFormat {
    Plain,
    Json,
}

/// Writes one line per output to standard output.
pub struct LinesView {
    format: LineFormat,
    zones: ZoneTable,
    out: std::io::Stdout,
}

impl LinesView {
    /// Lines in `format`, readings with their zone in `zones`.
    pub fn new(format: LineFormat, zones: ZoneTable) -> Self {
        LinesView {
            format,
            zones,
            out: std::io::stdout(),
        }
    }
}

impl View for LinesView {
    fn output(&mut self, out: &Output, live: &LiveNumbers) -> ViewResult {
        let plausible = live.settings().plausible;
        let mut lines = vec![match self.format {
            LineFormat::Json => super::json::output(out, Some(&self.zones), plausible).to_string(),
            LineFormat::Plain => super::lines::output(out, Some(&self.zones), plausible),
        }];
        if matches!(out, Output::Reading(_)) {
            lines.extend(live.new_alpha1_windows().iter().map(|w| match self.format {
                LineFormat::Json => super::json::alpha1(w).to_string(),
                LineFormat::Plain => super::lines::alpha1(w),
            }));
        }
        match lines
            .iter()
            .try_for_each(|line| writeln!(self.out, "{line}"))
        {
            Ok(()) => Ok(Vec::new()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(vec![Effect::Quit]),
            Err(source) => Err(ViewError {
                doing: "write output",
                source,
            }),
        }
    }
}
