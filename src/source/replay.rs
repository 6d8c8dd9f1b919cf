//! Replay of a raw capture file (see [`crate::protocol::capture`]): the same packets and link
//! events, with the capture's own timestamps, in real time or as fast as possible.

use std::path::Path;

use tokio::time::{sleep_until, Instant};

use super::EventSender;
use crate::event::SourceEvent;
use crate::protocol::capture::{self, CaptureLineError};

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

/// Read a capture file. Unreadable lines are kept in `bad_lines` for the caller to report (a
/// capture cut short by a crash still replays); a file with no usable line at all is an error.
pub fn load(path: &Path) -> Result<Capture, CaptureFileError> {
    let input = |message: String| CaptureFileError {
        path: path.to_owned(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| input(format!("cannot read the capture: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        input(format!(
            "not a text file (invalid UTF-8 at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let (events, bad_lines) = capture::parse(&text);
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

fn time_of(e: &SourceEvent) -> chrono::DateTime<chrono::Utc> {
    match e {
        SourceEvent::Packet(p) => p.t,
        SourceEvent::Link { t, .. } => *t,
    }
}

/// Send the events in order. In real time, each waits until its offset from the first event
/// (times that go backwards do not wait); with `fast`, no waiting at all. Stops when the
/// receiver is gone.
pub async fn run(events: Vec<SourceEvent>, fast: bool, tx: EventSender) {
    let origin = Instant::now();
    let first = events.first().map(time_of);
    for e in events {
        if !fast {
            if let Some(first) = first {
                let offset = (time_of(&e) - first).to_std().unwrap_or_default();
                sleep_until(origin + offset).await;
            }
        }
        if tx.send(e).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_and_foreign_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.jsonl");
        let e = load(&missing).unwrap_err().to_string();
        assert!(e.contains("nope.jsonl") && e.contains("cannot read"), "{e}");

        let foreign = dir.path().join("foreign.txt");
        std::fs::write(&foreign, "hello\nworld\n").unwrap();
        let e = load(&foreign).unwrap_err().to_string();
        assert!(
            e.contains("foreign.txt: no usable line") && e.contains("line 1"),
            "{e}"
        );

        let binary = dir.path().join("bin");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        assert!(load(&binary)
            .unwrap_err()
            .to_string()
            .contains("invalid UTF-8"));
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
        let c = load(&path).unwrap();
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
}
