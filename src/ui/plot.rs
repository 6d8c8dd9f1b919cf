//! SVG plots: one session's heart rate over time on its zone bands ([`session_svg`], with DFA
//! alpha1 under it: [`session_svg_with_alpha1`]), a week's
//! daily minutes per zone ([`week_svg`]), and the morning resting HR and lnRMSSD against their
//! normal bands ([`trend_svg`]); [`write_svg`] saves any of them, owner-only.
//!
//! Owns the zone colours ([`zone_colour`], shared with any other view that colours zones) and
//! the drawing. Pure apart from [`write_svg`]: readings, zone table and week summary come in,
//! an SVG document comes out as a `String`; no clock, no terminal.
//!
//! Why the SVG is written by hand rather than with plotters: plotters' SVG backend does emit
//! `<text>` without a font feature, but sizes label areas and legends from a crude width guess
//! and decides the element structure itself. These pictures need text placed by `text-anchor`
//! (exact in any viewer: nothing to measure, no font file, no fontconfig), a line broken at
//! gaps, per-pixel thinning and stable classes that tests can count: a few hundred lines of
//! plain string writing.
//!
//! Files: `session.rs` (the session chart), `trace.rs` (its line: breaks and thinning),
//! `week.rs` (the week chart), `trend.rs` (the morning trend), `alpha1.rs` (the alpha1 panel), `axis.rs` (scales, round ticks), `svg.rs` (the SVG writer).

mod alpha1;
mod axis;
mod session;
mod svg;
mod trace;
mod trend;
mod week;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::owner_only;
use crate::physiology::zones::TalkZone;

pub use session::{session_svg, session_svg_with_alpha1};
pub use trend::trend_svg;
pub use week::week_svg;

/// Why a plot could not be saved. Each message names the file and what to check.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error(
        "could not create the plot file {}: {source}. Check that the folder exists and that you \
         may write to it, or choose another path",
        path.display()
    )]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "could not write the plot file {}: {source}. Check the free space on that disk, then try \
         again",
        path.display()
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The colour of a zone, as `(r, g, b)`: a light grey-blue, a light blue, a green, an orange
/// and a dark red.
///
/// Chosen to stay apart for the common colour-vision deficiencies: besides the hue, lightness
/// steps down and up (CIE L* about 86, 69, 51, 72, 39), so no two zones differ by a red-green
/// contrast alone; in simulated protanopia, deuteranopia and tritanopia (Machado 2009) every
/// pair stays at least 20 CIE76 units apart. Plots draw zone bands as a 50 % tint of these
/// colours, and bars at full strength.
pub fn zone_colour(zone: TalkZone) -> (u8, u8, u8) {
    match zone {
        TalkZone::VeryLight => (208, 215, 224),
        TalkZone::Light => (100, 176, 225),
        TalkZone::Moderate => (0, 140, 100),
        TalkZone::Vigorous => (236, 163, 36),
        TalkZone::NearMax => (178, 34, 40),
    }
}

/// Saves `svg` at `path`, created (or truncated) owner-only (`0600` on Unix): a plot of heart
/// data is health data. The folder must exist.
pub fn write_svg(path: &Path, svg: &str) -> Result<(), PlotError> {
    let mut file = owner_only::create_file(path).map_err(|source| PlotError::Create {
        path: path.to_owned(),
        source,
    })?;
    file.write_all(svg.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|source| PlotError::Write {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests;
