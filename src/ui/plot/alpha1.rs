//! The DFA alpha1 panel under a session's heart-rate chart (`summary --plot`, issue 11): one
//! dot per window at its end time, on the same time axis as the heart rate; filled for a
//! reliable window, hollow and grey for an unreliable one; dashed lines at 0.75 (aerobic
//! threshold, ~VT1) and 0.5 (~VT2), docs/science.md §9.

use crate::physiology::dfa::{DfaWindow, ALPHA1_AEROBIC, ALPHA1_VT2};

use super::axis::Scale;
use super::svg::{num, Svg, INK};

/// The panel's height in pixels, including its gap to the chart above.
pub(super) const PANEL_HEIGHT: f64 = 170.0;
/// alpha1 shown from 0 to this (values above are drawn at the top edge).
const ALPHA1_TOP: f64 = 1.5;

const MUTED: &str = "#52606d";
const RELIABLE: &str = "#1b2430";
const UNRELIABLE: &str = "#9aa5b1";

/// Where the panel goes: the plot area's left and right edges and its top and bottom.
pub(super) struct Area {
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
}

/// Draws `windows` into `area`; `x_of` places a window's end on the shared time axis and
/// `x_ticks` are that axis's tick positions (pixels) for the grid.
pub(super) fn draw_panel(
    svg: &mut Svg,
    windows: &[DfaWindow],
    area: &Area,
    x_of: impl Fn(&DfaWindow) -> f64,
    x_ticks: &[f64],
) {
    let y = Scale::new((0.0, ALPHA1_TOP), (area.y1, area.y0));
    let grid = [
        ("stroke", "#d9e2ec".to_owned()),
        ("stroke-width", "0.75".to_owned()),
    ];
    svg.group("alpha1-panel", &[("fill", MUTED.into())]);
    svg.rect(
        "alpha1-frame",
        (area.x0, area.y0),
        (area.x1 - area.x0, area.y1 - area.y0),
        &[("fill", "#f8fafc".into()), ("stroke", "#9aa5b1".into())],
    );
    for &px in x_ticks {
        svg.line("grid", (px, area.y0), (px, area.y1), &grid);
    }
    for v in [0.0, 0.5, 1.0, 1.5] {
        svg.text(
            "tick",
            (area.x0 - 8.0, y.at(v) + 4.0),
            &format!("{v:.1}"),
            &[("text-anchor", "end".into())],
        );
    }
    for (v, label) in [
        (ALPHA1_AEROBIC, "0.75 aerobic threshold (~VT1)"),
        (ALPHA1_VT2, "0.5 ~VT2"),
    ] {
        let py = y.at(v);
        svg.line(
            "alpha1-threshold",
            (area.x0, py),
            (area.x1, py),
            &[("stroke", MUTED.into()), ("stroke-dasharray", "5 4".into())],
        );
        svg.text(
            "alpha1-threshold-label",
            (area.x1 + 12.0, py + 4.0),
            label,
            &[],
        );
    }
    svg.y_axis_title((20.0, (area.y0 + area.y1) / 2.0), "DFA alpha1");
    svg.end_group();

    svg.group("alpha1-windows", &[]);
    for w in windows {
        let Some(a) = w.alpha1.filter(|a| a.is_finite()) else {
            continue;
        };
        let (cx, cy) = (x_of(w), y.at(a.clamp(0.0, ALPHA1_TOP)));
        let (class, attrs) = if w.reliable {
            ("alpha1 reliable", vec![("fill", RELIABLE.to_owned())])
        } else {
            (
                "alpha1 unreliable",
                vec![
                    ("fill", "none".to_owned()),
                    ("stroke", UNRELIABLE.to_owned()),
                ],
            )
        };
        svg.path(
            class,
            &format!("M{} {}m-3 0a3 3 0 1 0 6 0a3 3 0 1 0 -6 0", num(cx), num(cy)),
            &attrs,
        );
    }
    svg.end_group();
    if windows.iter().all(|w| w.alpha1.is_none()) {
        svg.text(
            "alpha1-note",
            ((area.x0 + area.x1) / 2.0, (area.y0 + area.y1) / 2.0),
            "no alpha1: too few clean beats in every window",
            &[("text-anchor", "middle".into()), ("fill", INK.into())],
        );
    }
}
