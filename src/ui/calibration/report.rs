//! The calibration in words and JSON: a stage as JSON (the result line's `stages`, also how the
//! store keeps them) and back, the result line and its text, and the history of
//! `talkzone calibrations` with the change since the test before that found a comfortable limit
//! ("comfortable up to 146 bpm, +4 since 12 Sep, at +1.5 km/h"). Pure formatting.

use chrono::{DateTime, Local, Utc};
use serde_json::{json, Value};

use crate::physiology::talk_test::{
    threshold_stages, Speak, StageResult, Stop, TalkResults, ThresholdStages,
};
use crate::protocol::capture::format_time;

/// One stage: `stage`, `start`, `end`, `hr`, `speak`, `sing`, `workload`, plus `readings` and
/// `gap_s` (what the heart rate stands on).
pub fn stage_json(s: &StageResult) -> Value {
    json!({
        "stage": s.stage,
        "start": format_time(s.start),
        "end": format_time(s.end),
        "hr": s.hr,
        "speak": s.speak.map(Speak::id),
        "sing": s.sing,
        "workload": s.workload,
        "readings": s.readings,
        "gap_s": s.gap_s,
    })
}

/// A stage back from [`stage_json`]; `None` when it is not one.
pub fn stage_from_json(v: &Value) -> Option<StageResult> {
    let time = |key: &str| -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(v.get(key)?.as_str()?)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    Some(StageResult {
        stage: u32::try_from(v.get("stage")?.as_u64()?).ok()?,
        start: time("start")?,
        end: time("end")?,
        hr: v.get("hr").and_then(Value::as_f64),
        readings: v
            .get("readings")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0),
        gap_s: v.get("gap_s").and_then(Value::as_f64).unwrap_or(0.0),
        speak: v
            .get("speak")
            .and_then(Value::as_str)
            .and_then(Speak::from_id),
        sing: v.get("sing").and_then(Value::as_bool),
        workload: v.get("workload").and_then(Value::as_str).map(str::to_owned),
    })
}

/// The stages of a stored `stages_json` (what does not parse is left out).
pub fn stages_from_text(text: &str) -> Vec<StageResult> {
    serde_json::from_str::<Vec<Value>>(text)
        .unwrap_or_default()
        .iter()
        .filter_map(stage_from_json)
        .collect()
}

/// What a finished test reports.
#[derive(Debug, Clone, PartialEq)]
pub struct TestReport<'a> {
    pub calibration: i64,
    pub session: i64,
    pub modality: &'a str,
    pub stages: &'a [StageResult],
    pub results: TalkResults,
    pub hr_at_alpha1_075: Option<f64>,
    pub hr_at_alpha1_050: Option<f64>,
    pub stopped: Stop,
}

/// The last line of `--json`.
pub fn result_json(r: &TestReport<'_>) -> Value {
    json!({
        "calibration": r.calibration,
        "session": r.session,
        "modality": r.modality,
        "stages": r.stages.iter().map(stage_json).collect::<Vec<_>>(),
        "talk_ok_max_hr": r.results.talk_ok_max_hr,
        "cannot_talk_hr": r.results.cannot_talk_hr,
        "sing_ok_max_hr": r.results.sing_ok_max_hr,
        "hr_at_alpha1_075": r.hr_at_alpha1_075,
        "hr_at_alpha1_050": r.hr_at_alpha1_050,
        "stopped": r.stopped.id(),
    })
}

fn bpm(hr: Option<f64>) -> String {
    hr.map_or_else(|| "--".to_owned(), |h| format!("{h:.0} bpm"))
}

/// Why the test stopped, in words.
pub fn stop_words(stop: Stop) -> &'static str {
    match stop {
        Stop::Negative => "at the first \"no\"",
        Stop::HrLimit => "at 95 % of your maximum heart rate",
        Stop::User => "stopped early",
        Stop::MaxStages => "after the last stage",
    }
}

/// "talk test: comfortable up to 142 bpm; alpha1 says 139 bpm", or what the test did not reach.
pub fn comparison_line(results: &TalkResults, alpha1_075: Option<f64>) -> String {
    let talk = match results.talk_ok_max_hr {
        Some(hr) => format!("talk test: comfortable up to {hr:.0} bpm"),
        None => "talk test: no stage was comfortable".to_owned(),
    };
    match alpha1_075 {
        Some(a) => format!("{talk}; alpha1 says {a:.0} bpm"),
        None => talk,
    }
}

/// The text after the test.
pub fn result_text(r: &TestReport<'_>) -> String {
    let mut out = format!(
        "Talk test {} ({}, {} stage{}, {}):\n",
        r.calibration,
        r.modality,
        r.stages.len(),
        if r.stages.len() == 1 { "" } else { "s" },
        stop_words(r.stopped)
    );
    for s in r.stages {
        out.push_str(&format!(
            "  stage {:>2}  {:>7}  speak {:<9} sing {:<3}{}{}\n",
            s.stage,
            bpm(s.hr),
            s.speak.map_or("-", Speak::id),
            s.sing.map_or("-", |y| if y { "yes" } else { "no" }),
            s.workload
                .as_deref()
                .map(|w| format!("  {w}"))
                .unwrap_or_default(),
            if s.gap_s > 0.0 {
                format!("  ({:.0} s without data)", s.gap_s)
            } else {
                String::new()
            }
        ));
    }
    out.push_str(&format!(
        "  {}\n",
        comparison_line(&r.results, r.hr_at_alpha1_075)
    ));
    out.push_str(&format!(
        "  can't talk from {}{}; sing up to {}\n",
        bpm(r.results.cannot_talk_hr),
        r.hr_at_alpha1_050
            .map(|a| format!(" (alpha1 0.5 at {a:.0} bpm)"))
            .unwrap_or_default(),
        bpm(r.results.sing_ok_max_hr)
    ));
    out.push_str(if usable(&r.results) {
        "  Your zones now come from this test (with [zones] model = \"auto\"; `talkzone zones`).\n"
    } else {
        "  The test did not reach a comfortable stage and a \"no\": your zones are unchanged.\n"
    });
    out
}

/// Whether a test's results can set the zones: it reached a "yes" and a "no" (an aborted or
/// partial test never changes them, docs/science.md §20).
pub fn usable(r: &TalkResults) -> bool {
    r.talk_ok_max_hr.is_some() && r.cannot_talk_hr.is_some()
}

/// One stored calibration as the history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub calibration: i64,
    pub session: i64,
    pub t: DateTime<Utc>,
    pub modality: String,
    pub stopped: String,
    pub stages: Vec<StageResult>,
    pub results: TalkResults,
    pub hr_at_alpha1_075: Option<f64>,
    pub hr_at_alpha1_050: Option<f64>,
}

impl HistoryEntry {
    fn at(&self) -> ThresholdStages {
        threshold_stages(&self.stages)
    }

    fn workload(&self, i: Option<usize>) -> Option<&str> {
        i.and_then(|i| self.stages.get(i))
            .and_then(|s| s.workload.as_deref())
    }
}

/// The units a workload difference is worked out in.
const UNITS: [&str; 4] = ["km/h", "mph", "W", "%"];

/// The number before each known unit in a workload ("5.5 km/h 4 %" -> km/h 5.5, % 4; "150W"
/// and "150 w" are 150 W).
fn workload_numbers(text: &str) -> Vec<(&'static str, f64)> {
    let tokens: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut out: Vec<(&'static str, f64)> = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        for unit in UNITS {
            let lower = unit.to_ascii_lowercase();
            let number = match tok.strip_suffix(lower.as_str()) {
                Some(n) if !n.is_empty() => n,
                _ if tokens.get(i + 1) == Some(&lower) => tok.as_str(),
                _ => continue,
            };
            if let Ok(x) = number.parse::<f64>() {
                if x.is_finite() && !out.iter().any(|(u, _)| *u == unit) {
                    out.push((unit, x));
                }
            }
        }
    }
    out
}

/// "+1.5 km/h", "+2 % grade", "+25 W": how the workload at the same threshold moved, in the
/// units both workloads share; `None` when they share none or nothing moved.
pub fn workload_change(now: &str, before: &str) -> Option<String> {
    let before = workload_numbers(before);
    let parts: Vec<String> = workload_numbers(now)
        .into_iter()
        .filter_map(|(unit, x)| {
            let (_, y) = before.iter().find(|(u, _)| *u == unit)?;
            let d = x - y;
            (d.abs() > 1e-9).then(|| {
                let grade = if unit == "%" { " grade" } else { "" };
                format!("{d:+} {unit}{grade}")
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn diff(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    Some(now? - before?)
}

/// The change of `e` since `before` (the test before it).
fn change_json(e: &HistoryEntry, before: Option<&HistoryEntry>) -> Value {
    let Some(b) = before else {
        return Value::Null;
    };
    let (a, p) = (e.at(), b.at());
    let moved = |i: Option<usize>, j: Option<usize>| match (e.workload(i), b.workload(j)) {
        (Some(x), Some(y)) => workload_change(x, y),
        _ => None,
    };
    json!({
        "since": b.calibration,
        "since_date": local_date(b.t),
        "talk_ok_max_hr": diff(e.results.talk_ok_max_hr, b.results.talk_ok_max_hr),
        "cannot_talk_hr": diff(e.results.cannot_talk_hr, b.results.cannot_talk_hr),
        "sing_ok_max_hr": diff(e.results.sing_ok_max_hr, b.results.sing_ok_max_hr),
        "talk_ok_workload": moved(a.talk_ok, p.talk_ok),
    })
}

/// The test `entries[i]` is compared with: the next older one that found a comfortable limit
/// (a stopped test in between does not hide the change), else the next older one.
fn previous(entries: &[HistoryEntry], i: usize) -> Option<&HistoryEntry> {
    let older = entries.get(i + 1..).unwrap_or_default();
    older
        .iter()
        .find(|b| b.results.talk_ok_max_hr.is_some())
        .or(older.first())
}

fn local_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).date_naive().to_string()
}

/// `talkzone calibrations --json`: every calibration, newest first (as given).
pub fn history_json(entries: &[HistoryEntry]) -> Value {
    Value::Array(
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let at = e.at();
                json!({
                    "calibration": e.calibration,
                    "session": e.session,
                    "date": local_date(e.t),
                    "t": format_time(e.t),
                    "modality": e.modality,
                    "stages": e.stages.len(),
                    "stopped": e.stopped,
                    "talk_ok_max_hr": e.results.talk_ok_max_hr,
                    "cannot_talk_hr": e.results.cannot_talk_hr,
                    "sing_ok_max_hr": e.results.sing_ok_max_hr,
                    "talk_ok_workload": e.workload(at.talk_ok),
                    "cannot_talk_workload": e.workload(at.cannot_talk),
                    "sing_ok_workload": e.workload(at.sing_ok),
                    "hr_at_alpha1_075": e.hr_at_alpha1_075,
                    "hr_at_alpha1_050": e.hr_at_alpha1_050,
                    "change": change_json(e, previous(entries, i)),
                })
            })
            .collect(),
    )
}

/// `talkzone calibrations`: one block per calibration, newest first.
pub fn history_text(entries: &[HistoryEntry]) -> String {
    if entries.is_empty() {
        return "No talk-test calibrations yet: `talkzone calibrate` runs one.\n".to_owned();
    }
    let mut out = String::new();
    for (i, e) in entries.iter().enumerate() {
        let at = e.at();
        let with = |hr: Option<f64>, w: Option<&str>| {
            format!(
                "{}{}",
                bpm(hr),
                w.map(|w| format!(" ({w})")).unwrap_or_default()
            )
        };
        out.push_str(&format!(
            "{}  calibration {}  {}, {} stage{}, {}\n",
            e.t.with_timezone(&Local).format("%a %d %b %Y"),
            e.calibration,
            e.modality,
            e.stages.len(),
            if e.stages.len() == 1 { "" } else { "s" },
            Stop::from_id(&e.stopped)
                .map_or_else(|| e.stopped.clone(), |s| stop_words(s).to_owned()),
        ));
        out.push_str(&format!(
            "  sing up to {} · talk up to {} · can't talk at {}\n",
            with(e.results.sing_ok_max_hr, e.workload(at.sing_ok)),
            with(e.results.talk_ok_max_hr, e.workload(at.talk_ok)),
            with(e.results.cannot_talk_hr, e.workload(at.cannot_talk)),
        ));
        if e.hr_at_alpha1_075.is_some() || e.hr_at_alpha1_050.is_some() {
            out.push_str(&format!(
                "  alpha1 0.75 at {}, 0.5 at {}\n",
                bpm(e.hr_at_alpha1_075),
                bpm(e.hr_at_alpha1_050)
            ));
        }
        if let (Some(b), Some(now)) = (previous(entries, i), e.results.talk_ok_max_hr) {
            let mut line = format!("  comfortable up to {now:.0} bpm");
            if let Some(d) = diff(Some(now), b.results.talk_ok_max_hr) {
                line.push_str(&format!(
                    ", {d:+.0} since {}",
                    b.t.with_timezone(&Local).format("%d %b %Y")
                ));
            }
            if let (Some(x), Some(y)) = (e.workload(at.talk_ok), b.workload(b.at().talk_ok)) {
                if let Some(w) = workload_change(x, y) {
                    line.push_str(&format!(", at {w}"));
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests;
