//! Plain-text reports a person reads: a session summary, the session list, a week. Pure
//! formatting over plain data; local time for what a person reads.

use chrono::{DateTime, Local, Utc};

use crate::physiology::dfa::SessionAlpha1;
use crate::physiology::summary::Summary;
use crate::physiology::week::WeekSummary;
use crate::physiology::zones::{TalkZone, ZoneTable};

/// "38 min", "1 h 05 min", "45 s".
pub fn minutes(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", (s + 30) / 60)
    } else {
        let m = (s + 30) / 60;
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

/// Local date and time, e.g. "Tue 25 Nov 2026 07:00".
pub fn local_when(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%a %d %b %Y %H:%M")
        .to_string()
}

fn bar(share: f64, width: usize) -> String {
    let n = (share.clamp(0.0, 1.0) * width as f64).round() as usize;
    "#".repeat(n)
}

/// A session summary as a few readable lines.
pub fn summary(id: i64, s: &Summary) -> String {
    let mut out = String::new();
    let when = s
        .start
        .map(local_when)
        .unwrap_or_else(|| "no readings".into());
    out.push_str(&format!(
        "Session {id} · {when} · {} (active {})\n",
        minutes(s.duration_s),
        minutes(s.active_s)
    ));
    out.push_str(&format!("{}\n", s.verdict));
    if s.active_s > 0.0 {
        out.push_str(&format!(
            "  average {} bpm · max {} bpm · moderate-equivalent {:.0} min · load (TRIMP) {:.0}{}\n",
            s.avg_hr.map(|h| format!("{h:.0}")).unwrap_or_else(|| "--".into()),
            s.max_hr.map(|h| h.to_string()).unwrap_or_else(|| "--".into()),
            s.moderate_equivalent_min,
            s.trimp,
            if s.trimp_basis.resting_hr_assumed {
                " (resting HR 60 assumed: set [profile] resting_hr)"
            } else {
                ""
            }
        ));
        out.push_str("  time in zones:\n");
        for z in TalkZone::ALL.iter().rev() {
            let secs = *s.time_in_zone_s.get(*z);
            out.push_str(&format!(
                "    {:<10} {:>8}  {:<22} {}\n",
                z.label(),
                minutes(secs),
                z.cue(),
                bar(*s.share_in_zone.get(*z), 30)
            ));
        }
    }
    if s.no_signal_s > 0.0 || s.gap_s > 0.0 {
        out.push_str(&format!(
            "  not counted: {} without signal, {} in gaps\n",
            minutes(s.no_signal_s),
            minutes(s.gap_s)
        ));
    }
    if let Some(hrr) = s.hrr_1min {
        out.push_str(&format!(
            "  heart-rate recovery after 1 min: {hrr:.0} bpm\n"
        ));
    }
    if let Some(a) = &s.alpha1 {
        out.push_str(&alpha1_lines(a));
    }
    for f in &s.flags {
        out.push_str(&format!("  ! {}\n", f.advice()));
    }
    out
}

/// What DFA alpha1 said of a session: time in its bands, and the thresholds on a ramp.
fn alpha1_lines(a: &SessionAlpha1) -> String {
    if a.reliable_windows == 0 {
        return format!(
            "  DFA alpha1: no reliable window of {} (too many RR artifacts)\n",
            a.windows
        );
    }
    let mut out = format!(
        "  DFA alpha1 ({} of {} windows reliable): {} above 0.75 (below the aerobic threshold), \
         {} between 0.75 and 0.5, {} below 0.5\n",
        a.reliable_windows,
        a.windows,
        minutes(a.above_075_s),
        minutes(a.between_s),
        minutes(a.below_050_s)
    );
    if a.ramp {
        let hr =
            |v: Option<f64>| v.map_or_else(|| "not reached".to_owned(), |h| format!("{h:.0} bpm"));
        out.push_str(&format!(
            "  a ramp: aerobic threshold (alpha1 0.75) {}, alpha1 0.5 {} (`talkzone thresholds` \
             for the windows)\n",
            hr(a.hr_at_alpha1_075),
            hr(a.hr_at_alpha1_050)
        ));
    }
    out
}

/// A session summary as the JSON object `summary --json` prints: the [`Summary`] with its `id`.
pub fn summary_json(id: i64, s: &Summary) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("id".into(), serde_json::json!(id));
    }
    v
}

/// The zone table as lines: model, HRmax, HRrest, and each zone's range.
pub fn zones(z: &ZoneTable) -> String {
    let mut out = format!(
        "Model: {} ({})\nHRmax: {:.1} bpm, {}\n",
        z.model.id(),
        z.model.describe(),
        z.max_hr,
        z.max_hr_source
    );
    match (&z.resting_hr, &z.resting_hr_source) {
        (Some(r), Some(src)) => out.push_str(&format!("HRrest: {r:.1} bpm, {src}\n")),
        _ => out.push_str("HRrest: not known (set [profile] resting_hr, or do morning checks)\n"),
    }
    for zone in TalkZone::ALL.iter().rev() {
        let range = match z.max_bpm(*zone) {
            Some(max) => format!("{:>6.1} - {:<6.1}", z.min_bpm(*zone), max),
            None => format!("{:>6.1} and up ", z.min_bpm(*zone)),
        };
        out.push_str(&format!(
            "  {:<10} {range} bpm  {}\n",
            zone.label(),
            zone.cue()
        ));
    }
    out
}

/// Whole minutes, blank for nothing (and never "-0").
fn whole(x: f64) -> String {
    let r = x.round();
    if r == 0.0 {
        String::new()
    } else {
        format!("{r:.0}")
    }
}

/// A week as readable lines.
pub fn week(w: &WeekSummary) -> String {
    let mut out = format!(
        "Week {} to {}: {:.0} moderate-equivalent min (WHO: 150-300) - {}\n",
        w.monday.format("%a %d %b"),
        w.sunday.format("%a %d %b %Y"),
        w.moderate_equivalent_min,
        w.status_text
    );
    out.push_str(&format!(
        "Days trained: {} · strength days: {} of {} · pattern (H hard, E easy, - rest): {}\n",
        w.days_trained, w.strength_days, w.strength_days_target, w.pattern
    ));
    out.push_str("       light  moderate  vigorous+  mod-eq\n");
    for d in &w.days {
        let m = &d.minutes_in_zone;
        out.push_str(&format!(
            "  {} {:>5}  {:>8}  {:>9}  {:>6}  {}{}\n",
            d.weekday,
            whole(m.very_light + m.light),
            whole(m.moderate),
            whole(m.vigorous + m.near_max),
            whole(d.moderate_equivalent_min),
            match d.kind.symbol() {
                'H' => "hard",
                'E' => "easy",
                _ => "",
            },
            if d.strength { " + strength" } else { "" }
        ));
    }
    for f in &w.flags {
        out.push_str(&format!("  ! {}\n", f.advice()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_read_naturally() {
        assert_eq!(minutes(45.0), "45 s");
        assert_eq!(minutes(38.0 * 60.0 + 10.0), "38 min");
        assert_eq!(minutes(3600.0 + 5.0 * 60.0), "1 h 05 min");
        assert_eq!(minutes(-3.0), "0 s");
    }
}
