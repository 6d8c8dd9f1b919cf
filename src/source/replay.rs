//! Replay of a raw capture file (see [`crate::protocol::capture`]): the same packets and link
//! events, with the capture's own timestamps, in real time or as fast as possible.
//!
//! Real time follows the capture step by step: each event waits for its step from the one
//! before, a step back in time does not wait, and a step longer than [`MAX_WAIT`] waits only
//! that long. The readings keep their own times, so a long silence in the capture is still a
//! gap in the session (and on the screen); the replay just does not sit through it (a capture
//! that jumped to the year 9999 used to wait for ever).

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::{sleep_until, Instant};

use super::EventSender;
use crate::event::SourceEvent;
use crate::protocol::capture::{self, time_of, CaptureLineError};

/// The longest a real-time replay waits between two events. Longer than the summary's default
/// gap (10 s), so a gap in the capture still shows as one while it plays.
pub const MAX_WAIT: Duration = Duration::from_secs(15);

/// A capture read from disk: the events that parsed, and the lines that did not.
#[derive(Debug)]
pub struct Capture {
    pub events: Vec<SourceEvent>,
    pub bad_lines: Vec<CaptureLineError>,
}

/// A capture file that cannot be replayed at all: which file, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct CaptureFileError {
    pub path: std::path::PathBuf,
    pub message: String,
}

/// Read a capture file, `now` being the time of the replay (for the "not in the future" rule).
/// Unreadable lines are kept in `bad_lines` for the caller to report (a capture cut short by a
/// crash still replays); a file with no usable line at all is an error.
pub fn load(path: &Path, now: DateTime<Utc>) -> Result<Capture, CaptureFileError> {
    let input = |message: String| CaptureFileError {
        path: path.to_owned(),
        message,
    };
    let file =
        std::fs::File::open(path).map_err(|e| input(format!("cannot read the capture: {e}")))?;
    let (events, bad_lines) = capture::read(std::io::BufReader::new(file), now)
        .map_err(|e| input(format!("cannot read the capture: {e}")))?;
    if events.is_empty() {
        return Err(input(match bad_lines.first() {
            Some(e) => format!(
                "no usable line in this capture; first problem: {e}. \
                 A capture is JSON Lines written by `talkzone live --capture FILE`"
            ),
            None => "the capture is empty".into(),
        }));
    }
    Ok(Capture { events, bad_lines })
}

/// How long a real-time replay waits before `next`, the event after `prev` (see the module
/// doc).
pub fn wait_between(prev: DateTime<Utc>, next: DateTime<Utc>) -> Duration {
    (next - prev).to_std().unwrap_or_default().min(MAX_WAIT)
}

/// Send the events in order. In real time, each waits for its step from the one before (see
/// the module doc); with `fast`, no waiting at all. Stops when the receiver is gone.
pub async fn run(events: Vec<SourceEvent>, fast: bool, tx: EventSender) {
    // The replay's own clock: advanced by each wait, so sleeping never drifts.
    let mut due = Instant::now();
    let mut prev: Option<DateTime<Utc>> = None;
    for e in events {
        let t = time_of(&e);
        if !fast {
            if let Some(prev) = prev {
                due += wait_between(prev, t);
                sleep_until(due).await;
            }
        }
        prev = Some(t);
        if tx.send(e).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn unreadable_and_foreign_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.jsonl");
        let e = load(&missing, now()).unwrap_err().to_string();
        assert!(e.contains("nope.jsonl") && e.contains("cannot read"), "{e}");

        let foreign = dir.path().join("foreign.txt");
        std::fs::write(&foreign, "hello\nworld\n").unwrap();
        let e = load(&foreign, now()).unwrap_err().to_string();
        assert!(
            e.contains("foreign.txt: no usable line") && e.contains("line 1"),
            "{e}"
        );

        let binary = dir.path().join("bin");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        let e = load(&binary, now()).unwrap_err().to_string();
        assert!(
            e.contains("no usable line") && e.contains("line 1: not UTF-8"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_truncated_capture_still_replays_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        std::fs::write(
            &path,
            "{\"t\":\"2026-11-25T07:00:00.000Z\",\"hex\":\"0048\"}\n\
             {\"t\":\"2026-11-25T07:00:01.000Z\",\"hex\":\"0049\"}\n\
             {\"t\":\"2026-11-25T07:00:02.0",
        )
        .unwrap();
        let c = load(&path, now()).unwrap();
        assert_eq!(c.events.len(), 2);
        assert_eq!(c.bad_lines.len(), 1);
        assert_eq!(c.bad_lines[0].line, 3);

        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        run(c.events.clone(), true, tx).await;
        let mut got = Vec::new();
        while let Some(e) = rx.recv().await {
            got.push(e);
        }
        assert_eq!(got, c.events);
    }

    #[test]
    fn waits_follow_the_steps_up_to_the_cap() {
        let t = |s: i64| now() + chrono::Duration::milliseconds(s);
        assert_eq!(wait_between(t(0), t(1_500)), Duration::from_millis(1_500));
        assert_eq!(wait_between(t(1_000), t(0)), Duration::ZERO, "back in time");
        assert_eq!(wait_between(t(0), t(3_600_000)), MAX_WAIT);
        let year_9999 = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(wait_between(t(0), year_9999), MAX_WAIT);
        assert_eq!(
            wait_between(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC),
            MAX_WAIT
        );
    }

    /// Real time on tokio's paused clock (it moves only when every task waits): a capture
    /// with an hour's silence and a step back replays in 1 s + MAX_WAIT + 0 + 1 s.
    #[tokio::test(start_paused = true)]
    async fn a_long_silence_replays_as_a_short_wait() {
        let packet = |ms: i64| {
            SourceEvent::Packet(crate::event::Packet {
                t: now() + chrono::Duration::milliseconds(ms),
                bytes: vec![0, 100],
            })
        };
        let events = vec![
            packet(0),
            packet(1_000),
            packet(3_601_000),
            packet(3_500_000),
            packet(3_501_000),
        ];
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let started = Instant::now();
        tokio::spawn(run(events.clone(), false, tx));
        let mut got = Vec::new();
        while let Some(e) = rx.recv().await {
            got.push((e, started.elapsed()));
        }
        let at: Vec<Duration> = got.iter().map(|(_, d)| *d).collect();
        let s = Duration::from_secs;
        assert_eq!(
            at,
            [
                s(0),
                s(1),
                s(1) + MAX_WAIT,
                s(1) + MAX_WAIT,
                s(2) + MAX_WAIT
            ]
        );
        assert_eq!(got.into_iter().map(|(e, _)| e).collect::<Vec<_>>(), events);
    }
}
