//! Plain-text views of readiness: the verdict with its reasons and advice, and the
//! morning trend table. Pure formatting.

use crate::physiology::baseline::{Trend, TrendToday};
use crate::physiology::readiness::{unjudged, Readiness, Verdict};

fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "READY: train as planned",
        Verdict::TakeItEasy => "TAKE IT EASY: an easy day today",
        Verdict::ScaleBack => "SCALE BACK: rest or train very lightly for a few days",
    }
}

/// The verdict, its reasons (which carry each signal's detail) and advice. When nothing but
/// "no signal" stands behind a `ready` (no week of checks, no baseline yet: [`unjudged`]), the
/// first line says what is missing instead of "READY".
pub fn readiness(r: &Readiness, today: &TrendToday) -> String {
    let headline = match unjudged(today) {
        Some(missing) if r.verdict == Verdict::Ready => missing,
        _ => verdict_words(r.verdict).to_string(),
    };
    let mut out = format!("{headline}\n");
    for reason in &r.reasons {
        out.push_str(&format!("  - {reason}\n"));
    }
    if !r.advice.is_empty() {
        out.push_str("Advice:\n");
        for a in &r.advice {
            out.push_str(&format!("  * {a}\n"));
        }
    }
    out
}

fn num(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "-".into(),
    }
}

/// The trend as a table, one row per day, newest last.
pub fn trend(t: &Trend) -> String {
    let d = &t.today;
    let mut out = String::new();
    if let Some(status) = &d.baseline_status {
        out.push_str(&format!("{status}\n"));
    }
    out.push_str(&format!(
        "As of {}: resting HR 7-day {} bpm (normal {}), lnRMSSD 7-day {} (normal {}), \
         resting-HR slope {} bpm/week over 14 days\n",
        d.date.format("%a %d %b %Y"),
        num(d.rhr_7d, 1),
        d.rhr_range
            .as_ref()
            .map(|r| format!("{:.1}-{:.1}", r.low, r.high))
            .unwrap_or_else(|| "not yet".into()),
        num(d.ln_rmssd_7d, 2),
        d.ln_rmssd_range
            .as_ref()
            .map(|r| format!("{:.2}-{:.2}", r.low, r.high))
            .unwrap_or_else(|| "not yet".into()),
        num(d.slope_14d, 1),
    ));
    out.push_str("  date        rest HR  7-day   band          lnRMSSD  7-day  band\n");
    for row in &t.days {
        if row.resting_hr.is_none() && row.rhr_7d.is_none() {
            continue;
        }
        let band = |lo: Option<f64>, hi: Option<f64>, dec: usize| match (lo, hi) {
            (Some(l), Some(h)) => format!("{}-{}", num(Some(l), dec), num(Some(h), dec)),
            _ => "-".into(),
        };
        out.push_str(&format!(
            "  {}  {:>7}  {:>5}  {:<12}  {:>7}  {:>5}  {}\n",
            row.date.format("%a %d %b"),
            num(row.resting_hr, 0),
            num(row.rhr_7d, 1),
            band(row.rhr_low, row.rhr_high, 1),
            num(row.ln_rmssd, 2),
            num(row.ln_rmssd_7d, 2),
            band(row.ln_rmssd_low, row.ln_rmssd_high, 2),
        ));
    }
    out
}
