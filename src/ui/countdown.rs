//! The morning check's countdown on standard error, as a [`View`] of the session: the time
//! left and the heart rate (rewritten each second on a terminal, a line every 30 s otherwise),
//! whether the heart is still settling, and what happens to the strap (no skin contact, lost,
//! back). It asks for nothing: the check ends on its own clock (the runner's `reading_time`).

use std::io::Write;
use std::time::Duration;

use crate::event::LinkEvent;
use crate::physiology::live::LiveNumbers;
use crate::physiology::summary::has_signal;
use crate::pipeline::Output;
use crate::reading::Contact;
use crate::ui::lines::human_duration;
use crate::ui::session_view::{View, ViewResult};

/// The countdown of a check lasting `duration`, whose first `settle` is not used.
pub struct Countdown {
    duration: Duration,
    settle: Duration,
    interactive: bool,
    last_status_s: i64,
}

impl Countdown {
    /// `interactive`: standard error is a terminal (one line, rewritten in place).
    pub fn new(duration: Duration, settle: Duration, interactive: bool) -> Self {
        Countdown {
            duration,
            settle,
            interactive,
            last_status_s: -1,
        }
    }
}

impl View for Countdown {
    fn output(&mut self, out: &Output, live: &LiveNumbers) -> ViewResult {
        match out {
            Output::Reading(r) => {
                if r.contact == Contact::NotDetected {
                    eprintln!(
                        "\ntalkzone: no skin contact: wet the electrodes and settle the strap"
                    );
                }
                let elapsed = live.reading_time();
                let left = self.duration.saturating_sub(elapsed).as_secs() as i64;
                let done = elapsed >= self.duration;
                // Rewritten each second on a terminal, every 30 s otherwise.
                if self.interactive || (left + 29) / 30 != (self.last_status_s + 29) / 30 || done {
                    let hr = if has_signal(r, live.settings().plausible) {
                        r.hr.to_string()
                    } else {
                        "--".into()
                    };
                    let phase = if elapsed < self.settle {
                        "settling"
                    } else {
                        "recording"
                    };
                    if self.interactive {
                        eprint!(
                            "\r  {phase}: {}:{:02} left · {hr} bpm   ",
                            left / 60,
                            left % 60
                        );
                        let _ = std::io::stderr().flush();
                    } else if left != self.last_status_s {
                        eprintln!("  {phase}: {}:{:02} left · {hr} bpm", left / 60, left % 60);
                    }
                    self.last_status_s = left;
                }
            }
            Output::BadPacket { .. } => {}
            Output::Link { event, .. } => match event {
                LinkEvent::Lost { .. } => {
                    eprintln!("\ntalkzone: strap lost, reconnecting... (keep still)");
                }
                LinkEvent::Reconnected { gap } => {
                    eprintln!("talkzone: back after {}", human_duration(*gap));
                }
                LinkEvent::Connected(info) => {
                    eprintln!(
                        "connected to {}; starting",
                        info.name.clone().unwrap_or_else(|| info.address.clone())
                    );
                }
            },
        }
        Ok(Vec::new())
    }

    fn close(&mut self) {
        if self.interactive {
            eprintln!();
        }
    }
}
