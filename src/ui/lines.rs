//! `--plain` output: one line a person can read per reading or link change. Times are shown in
//! local time (what a person reads); everything stored stays UTC.

use chrono::{DateTime, Local, Utc};

use crate::event::{LinkEvent, LossReason};
use crate::physiology::dfa::{meaning, DfaWindow};
use crate::physiology::summary::{has_signal, PlausibleHr};
use crate::physiology::zones::ZoneTable;
use crate::pipeline::Output;
use crate::protocol::heart_rate::to_hex;
use crate::reading::{Contact, Reading};

fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%H:%M:%S").to_string()
}

/// Whole seconds for a person, e.g. "7 s", "2 min 5 s".
pub fn human_duration(d: std::time::Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    if s < 60 {
        format!("{s} s")
    } else {
        format!("{} min {} s", s / 60, s % 60)
    }
}

fn reading(r: &Reading, zones: Option<&ZoneTable>, plausible: PlausibleHr) -> String {
    let mut line = format!("{}  {:>3} bpm", clock(r.t), r.hr);
    if let Some(z) = zones.filter(|_| has_signal(r, plausible)) {
        let zone = z.zone_of(f64::from(r.hr));
        line.push_str(&format!("  {:<10} {:<22}", zone.label(), zone.cue()));
    }
    match r.contact {
        Contact::Detected => {}
        Contact::NotDetected => line.push_str("  NO SKIN CONTACT (wet the electrodes)"),
        Contact::NotSupported => {}
    }
    if !r.rr.is_empty() {
        let rr: Vec<String> = r.rr_ms().iter().map(|ms| format!("{ms:.0}")).collect();
        line.push_str(&format!("  RR {} ms", rr.join(", ")));
    }
    if let Some(e) = r.energy_kj {
        line.push_str(&format!("  energy {e} kJ"));
    }
    line
}

/// The line for one DFA alpha1 window: "07:02:00  alpha1 0.82  below your aerobic threshold
/// (131 bpm, 1 % artifacts)", "unreliable" when over 5 % of its beats were artifacts.
pub fn alpha1(w: &DfaWindow) -> String {
    let artifacts = format!("{:.0} % artifacts", w.artifact_share * 100.0);
    match (w.alpha1, w.hr) {
        (Some(a), Some(hr)) if w.reliable => format!(
            "{}  alpha1 {a:.2}  {} ({hr:.0} bpm, {artifacts})",
            clock(w.end),
            meaning(a)
        ),
        (Some(a), _) => format!(
            "{}  alpha1 {a:.2}  unreliable: {artifacts} (over 5 %)",
            clock(w.end)
        ),
        (None, _) => format!(
            "{}  alpha1 -  too few clean beats in the last 2 min ({} beats, {artifacts})",
            clock(w.end),
            w.beats
        ),
    }
}

/// The line for one pipeline output; with `zones`, readings show their talk-test zone.
pub fn output(o: &Output, zones: Option<&ZoneTable>, plausible: PlausibleHr) -> String {
    match o {
        Output::Reading(r) => reading(r, zones, plausible),
        Output::Link { t, event } => {
            let what = match event {
                LinkEvent::Connected(info) => {
                    let mut s = format!(
                        "connected to {}",
                        match &info.name {
                            Some(n) => format!("{n} ({})", info.address),
                            None => info.address.clone(),
                        }
                    );
                    if let Some(b) = info.battery_percent {
                        s.push_str(&format!(", battery {b} %"));
                    }
                    if let Some(l) = &info.body_location {
                        s.push_str(&format!(", worn on the {l}"));
                    }
                    s
                }
                LinkEvent::Lost {
                    reason: LossReason::Disconnected,
                } => "strap lost (disconnected), reconnecting...".to_owned(),
                LinkEvent::Lost {
                    reason: LossReason::Watchdog,
                } => "strap lost (no data), reconnecting...".to_owned(),
                LinkEvent::Lost {
                    reason: LossReason::ServiceLost,
                } => "the Bluetooth service went away: reconnecting...".to_owned(),
                LinkEvent::Lost {
                    reason: LossReason::Paused,
                } => "paused".to_owned(),
                LinkEvent::Reconnected { gap } => format!("back after {}", human_duration(*gap)),
            };
            format!("{}  -- {what}", clock(*t))
        }
        Output::BadPacket { t, bytes, error } => format!(
            "{}  -- skipped a malformed packet ({}): {error}",
            clock(*t),
            if bytes.is_empty() {
                "empty".to_owned()
            } else {
                to_hex(bytes)
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_millis(7200)), "7 s");
        assert_eq!(human_duration(Duration::from_secs(125)), "2 min 5 s");
    }

    #[test]
    fn link_lines() {
        let t = Utc::now();
        let line = output(
            &Output::Link {
                t,
                event: LinkEvent::Reconnected {
                    gap: Duration::from_secs(7),
                },
            },
            None,
            PlausibleHr::DEFAULT,
        );
        assert!(line.ends_with("-- back after 7 s"), "{line}");
        let line = output(
            &Output::Link {
                t,
                event: LinkEvent::Lost {
                    reason: LossReason::Watchdog,
                },
            },
            None,
            PlausibleHr::DEFAULT,
        );
        assert!(line.contains("strap lost"), "{line}");
    }

    #[test]
    fn readings_show_their_zone_and_contact() {
        use crate::physiology::zones::{zone_table, PersonInputs, ZoneConfig};
        use crate::reading::{Contact, Source};
        let zones = zone_table(
            &ZoneConfig::default(),
            &PersonInputs {
                age: Some(40),
                ..PersonInputs::default()
            },
        )
        .unwrap();
        let r = Reading {
            t: Utc::now(),
            hr: 130,
            contact: Contact::Detected,
            energy_kj: None,
            rr: vec![],
            source: Source::Simulator,
        };
        let line = output(
            &Output::Reading(r.clone()),
            Some(&zones),
            PlausibleHr::DEFAULT,
        );
        assert!(
            line.contains("130 bpm  Moderate   you can talk, not sing"),
            "{line}"
        );
        let off = Reading {
            contact: Contact::NotDetected,
            ..r
        };
        let line = output(&Output::Reading(off), Some(&zones), PlausibleHr::DEFAULT);
        assert!(
            line.contains("NO SKIN CONTACT") && !line.contains("Moderate"),
            "{line}"
        );
    }
}
