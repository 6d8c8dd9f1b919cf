//! The live screen in a real pseudo-terminal: `talkzone live --simulate` runs under tmux at
//! 80x24, shows a heart rate and a zone, `q` ends it, and the summary appears once the terminal
//! is restored. Likewise the talk-test calibration's screen: the passage, the question, the
//! answer keys and `q`. tmux plays the terminal (scripts/setup-test-env installs it when missing).
//!
//! Waiting is polling the screen for a condition with a deadline, never a fixed sleep.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(cmd: &str) -> Tmux {
        // One server per test: tests of this file run in parallel.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("talkzone-test-{}-{n}", std::process::id());
        let t = Tmux { socket };
        // The pane stays open after talkzone exits, so its last screen can be read.
        let ok = t
            .cmd(&["new-session", "-d", "-x", "80", "-y", "24", "-s", "tz", cmd])
            .status()
            .expect("tmux runs (scripts/test installs it)")
            .success();
        assert!(ok, "tmux new-session failed");
        t.cmd(&["set-option", "-t", "tz", "remain-on-exit", "on"])
            .status()
            .unwrap();
        t
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-L").arg(&self.socket).args(args);
        c
    }

    fn screen(&self) -> String {
        let out = self
            .cmd(&["capture-pane", "-p", "-t", "tz"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &str) {
        self.cmd(&["send-keys", "-t", "tz", keys]).status().unwrap();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

/// The "active M:SS" time shown in the header, in seconds (0 when not shown).
fn active_seconds(screen: &str) -> u64 {
    let Some(at) = screen.find("active ") else {
        return 0;
    };
    let time = screen[at + 7..].split_whitespace().next().unwrap_or("");
    let mut parts = time.split(':').map(|p| p.parse::<u64>().unwrap_or(0));
    match (parts.next(), parts.next()) {
        (Some(m), Some(s)) => m * 60 + s,
        _ => 0,
    }
}

#[test]
fn the_dashboard_shows_heart_rate_and_zone_and_q_ends_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_talkzone");
    let data = dir.path().join("data");
    let cmd = format!(
        "env -u TALKZONE_CONFIG HOME={home} TZ=UTC {bin} --data-dir {data} live --simulate",
        home = dir.path().display(),
        data = data.display(),
    );
    assert!(Path::new(bin).exists());
    let tmux = Tmux::start(&cmd);
    let zones = ["Very light", "Light", "Moderate", "Vigorous", "Near max"];
    // A few seconds in (the warm-up starts very light), so the summary has something to say.
    let screen = tmux.wait_for("a heart rate, a zone cue and 3 s of active time", |s| {
        s.contains("bpm")
            && s.contains("Very light: easy chat")
            && s.contains("connected")
            && active_seconds(s) >= 3
    });
    assert!(zones.iter().all(|z| screen.contains(z)), "{screen}");
    assert!(screen.contains("q quit"), "{screen}");
    tmux.keys("q");
    let after = tmux.wait_for("the summary after q", |s| s.contains("session ended:"));
    assert!(after.contains("Session 1 ·"), "{after}");
    assert!(after.contains("time in zones:"), "{after}");
    // The terminal is back to normal: the dashboard's frame is gone.
    assert!(!after.contains("Heart rate, last"), "{after}");
}

#[test]
fn the_calibration_screen_shows_the_passage_takes_answer_keys_and_q_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_talkzone");
    let data = dir.path().join("data");
    // --fast: the simulated test runs ahead to the first question and waits there.
    let cmd = format!(
        "env -u TALKZONE_CONFIG HOME={home} TZ=UTC {bin} --data-dir {data} calibrate --simulate \
         --fast --modality bike",
        home = dir.path().display(),
        data = data.display(),
    );
    let tmux = Tmux::start(&cmd);
    let screen = tmux.wait_for("the first question under its passage", |s| {
        s.contains("Could you speak comfortably?")
    });
    assert!(screen.contains("Read this aloud"), "{screen}");
    assert!(screen.contains("The old bakery"), "{screen}");
    assert!(screen.contains("Talk test · bike · stage 2"), "{screen}");
    assert!(screen.contains("Add 25 W"), "{screen}");
    assert!(screen.contains("bpm"), "{screen}");
    assert!(screen.contains("q stop"), "{screen}");
    // A key that is no answer changes nothing; 1 answers and singing is asked.
    tmux.keys("x");
    tmux.keys("1");
    tmux.wait_for("the singing question", |s| {
        s.contains("Could you have sung it?")
    });
    // The workload, typed.
    tmux.keys("w");
    tmux.cmd(&["send-keys", "-t", "tz", "-l", "75 W"])
        .status()
        .unwrap();
    tmux.keys("Enter");
    tmux.keys("y");
    let screen = tmux.wait_for("stage 2's question", |s| {
        s.contains("Could you speak comfortably?") && s.contains("Every spring the river")
    });
    assert!(screen.contains("stage 3"), "{screen}");
    tmux.keys("q");
    let after = tmux.wait_for("the result after q", |s| s.contains("Talk test 1 ("));
    assert!(after.contains("stopped early"), "{after}");
    assert!(after.contains("75 W"), "{after}");
    assert!(after.contains("comfortable up to"), "{after}");
    assert!(!after.contains("Read this aloud"), "{after}");
}
