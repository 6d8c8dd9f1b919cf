//! The connection supervisor: a pure state machine that decides when the link to the strap is
//! lost and when to try again. It knows no Bluetooth and no clock: the BLE shell
//! ([`super::transport`]) feeds it inputs stamped with a monotonic `now` and carries out the
//! actions it returns. That is what lets it be tested without a radio.
//!
//! Rules (docs/ble-testing.md §6):
//! - btleplug's notification stream never ends on a disconnect, and straps on Linux can go silent
//!   without one (OpenHRV #39, bluepy #53). So a link is lost either when the adapter reports
//!   `DeviceDisconnected` **and** the device really is disconnected, or when no packet arrived for
//!   the watchdog time.
//! - Our own `disconnect()` (after a watchdog expiry) also produces a `DeviceDisconnected` event,
//!   which can arrive after we have reconnected. Acting on it would flap forever, so the event
//!   only counts when the shell has checked that the device is not connected.
//! - Once lost, retry with a short backoff until the user quits; the session goes on with a gap.
//! - When connect attempts get no answer at all ([`SILENT_ATTEMPTS`] in a row), the
//!   Bluetooth service itself is gone (BlueZ or the system bus restarted: btleplug's D-Bus
//!   connection is dead and never comes back): the shell must start the whole BLE side again
//!   with a new connection ([`Action::RestartService`]).

use std::time::Duration;

use crate::event::{LinkEvent, LossReason};

/// Delay before reconnect attempt `n` (1-based): at once, then 1, 2, 4 s, then every 5 s.
/// Short, because a strap that comes back should resume within seconds; capped, because a user
/// mid-workout wants it back as soon as it is in range again.
pub fn backoff(attempt: u32) -> Duration {
    match attempt {
        0 | 1 => Duration::ZERO,
        n => Duration::from_secs((1u64 << (n - 2).min(3)).min(5)),
    }
}

/// Consecutive connect attempts that got no answer before the Bluetooth service counts as gone.
/// Two: one can be a slow strap; two in a row are a D-Bus connection that no longer answers.
pub const SILENT_ATTEMPTS: u32 = 2;

/// Where the link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Connected and subscribed; `last_packet` is when data last arrived (or the link came up).
    Streaming { last_packet: Duration },
    /// Lost; trying to get back. `data_stopped` is when data last flowed.
    Reconnecting {
        data_stopped: Duration,
        reason: LossReason,
        attempt: u32,
        next_attempt: Duration,
    },
}

/// Something that happened, as the shell saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A Heart Rate Measurement notification arrived.
    Packet,
    /// The adapter reported `DeviceDisconnected` for our strap; `still_connected` is what the
    /// shell read from the device afterwards (true = a stale event from our own disconnect).
    DeviceDisconnected { still_connected: bool },
    /// A timer fired (at or after [`Supervisor::deadline`]).
    Tick,
    /// A connect + discover + subscribe attempt succeeded.
    ConnectSucceeded,
    /// A connect attempt failed with an answer (not in range, no HR characteristic yet...).
    ConnectFailed,
    /// A connect attempt got no answer (timed out, or the D-Bus connection could not send).
    ConnectUnanswered,
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Tell the user / outputs about a link change.
    Emit(LinkEvent),
    /// Drop the current link (best effort) so a fresh connect can start clean.
    Disconnect,
    /// Try to connect, discover and subscribe now, then feed the result back.
    Connect,
    /// The Bluetooth service does not answer: give up this connection to it and start the BLE
    /// side again (the link stays lost meanwhile).
    RestartService,
}

/// The supervisor for one session's link.
#[derive(Debug, Clone)]
pub struct Supervisor {
    watchdog: Duration,
    state: LinkState,
    /// Connect attempts in a row that timed out.
    silent: u32,
}

impl Supervisor {
    /// A supervisor for a link that just came up at `now`.
    pub fn connected(now: Duration, watchdog: Duration) -> Self {
        Supervisor {
            watchdog,
            state: LinkState::Streaming { last_packet: now },
            silent: 0,
        }
    }

    /// The current state.
    pub fn state(&self) -> LinkState {
        self.state
    }

    /// When the shell must feed a [`Input::Tick`] at the latest.
    pub fn deadline(&self) -> Duration {
        match self.state {
            LinkState::Streaming { last_packet } => last_packet + self.watchdog,
            LinkState::Reconnecting { next_attempt, .. } => next_attempt,
        }
    }

    /// Apply one input at monotonic time `now`; returns the actions to carry out, in order.
    pub fn handle(&mut self, now: Duration, input: Input) -> Vec<Action> {
        match (self.state, input) {
            (LinkState::Streaming { .. }, Input::Packet) => {
                self.state = LinkState::Streaming { last_packet: now };
                vec![]
            }
            (LinkState::Streaming { last_packet }, Input::Tick) => {
                if now.saturating_sub(last_packet) >= self.watchdog {
                    self.lose(last_packet, LossReason::Watchdog, now)
                } else {
                    vec![]
                }
            }
            (
                LinkState::Streaming { last_packet },
                Input::DeviceDisconnected {
                    still_connected: false,
                },
            ) => self.lose(last_packet, LossReason::Disconnected, now),
            // A stale event from a disconnect we made ourselves: the link is up, ignore it.
            (LinkState::Streaming { .. }, Input::DeviceDisconnected { .. }) => vec![],
            // Connect results only matter while reconnecting.
            (
                LinkState::Streaming { .. },
                Input::ConnectSucceeded | Input::ConnectFailed | Input::ConnectUnanswered,
            ) => vec![],

            (LinkState::Reconnecting { next_attempt, .. }, Input::Tick) => {
                if now >= next_attempt {
                    vec![Action::Connect]
                } else {
                    vec![]
                }
            }
            (
                LinkState::Reconnecting {
                    data_stopped,
                    reason,
                    attempt,
                    ..
                },
                failure @ (Input::ConnectFailed | Input::ConnectUnanswered),
            ) => {
                if failure == Input::ConnectUnanswered {
                    self.silent += 1;
                    if self.silent >= SILENT_ATTEMPTS {
                        self.silent = 0;
                        return vec![Action::RestartService];
                    }
                } else {
                    self.silent = 0;
                }
                let attempt = attempt + 1;
                self.state = LinkState::Reconnecting {
                    data_stopped,
                    reason,
                    attempt,
                    next_attempt: now + backoff(attempt),
                };
                vec![Action::Disconnect]
            }
            (LinkState::Reconnecting { data_stopped, .. }, Input::ConnectSucceeded) => {
                self.state = LinkState::Streaming { last_packet: now };
                self.silent = 0;
                vec![Action::Emit(LinkEvent::Reconnected {
                    gap: now.saturating_sub(data_stopped),
                })]
            }
            // Late packets from the old link or disconnect events while already reconnecting
            // change nothing.
            (LinkState::Reconnecting { .. }, Input::Packet | Input::DeviceDisconnected { .. }) => {
                vec![]
            }
        }
    }

    fn lose(&mut self, data_stopped: Duration, reason: LossReason, now: Duration) -> Vec<Action> {
        self.state = LinkState::Reconnecting {
            data_stopped,
            reason,
            attempt: 1,
            next_attempt: now + backoff(1),
        };
        vec![
            Action::Emit(LinkEvent::Lost { reason }),
            Action::Disconnect,
            Action::Connect,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    const WD: Duration = Duration::from_secs(5);

    #[test]
    fn packets_keep_the_watchdog_away() {
        let mut sup = Supervisor::connected(s(0.0), WD);
        for i in 1..=20 {
            assert_eq!(sup.handle(s(f64::from(i)), Input::Packet), vec![]);
        }
        assert_eq!(sup.deadline(), s(25.0));
        assert_eq!(sup.handle(s(24.9), Input::Tick), vec![]);
        assert!(matches!(sup.state(), LinkState::Streaming { .. }));
    }

    #[test]
    fn silence_for_the_watchdog_time_is_a_loss() {
        let mut sup = Supervisor::connected(s(0.0), WD);
        sup.handle(s(10.0), Input::Packet);
        let actions = sup.handle(s(15.0), Input::Tick);
        assert_eq!(
            actions,
            vec![
                Action::Emit(LinkEvent::Lost {
                    reason: LossReason::Watchdog
                }),
                Action::Disconnect,
                Action::Connect
            ]
        );
        // The first attempt fails, the second after 1 s succeeds: the gap runs from the last packet.
        assert_eq!(
            sup.handle(s(15.5), Input::ConnectFailed),
            vec![Action::Disconnect]
        );
        assert_eq!(sup.deadline(), s(16.5));
        assert_eq!(sup.handle(s(16.0), Input::Tick), vec![]);
        assert_eq!(sup.handle(s(16.5), Input::Tick), vec![Action::Connect]);
        assert_eq!(
            sup.handle(s(17.0), Input::ConnectSucceeded),
            vec![Action::Emit(LinkEvent::Reconnected { gap: s(7.0) })]
        );
        assert_eq!(
            sup.state(),
            LinkState::Streaming {
                last_packet: s(17.0)
            }
        );
    }

    #[test]
    fn a_real_disconnect_is_a_loss() {
        let mut sup = Supervisor::connected(s(0.0), WD);
        sup.handle(s(3.0), Input::Packet);
        let actions = sup.handle(
            s(3.2),
            Input::DeviceDisconnected {
                still_connected: false,
            },
        );
        assert_eq!(
            actions[0],
            Action::Emit(LinkEvent::Lost {
                reason: LossReason::Disconnected
            })
        );
        assert!(matches!(
            sup.state(),
            LinkState::Reconnecting { data_stopped, attempt: 1, .. } if data_stopped == s(3.0)
        ));
    }

    #[test]
    fn our_own_late_disconnect_event_does_not_flap() {
        // Watchdog loss, we disconnect, reconnect, and only then our disconnect's event arrives.
        let mut sup = Supervisor::connected(s(0.0), WD);
        sup.handle(s(5.0), Input::Tick);
        sup.handle(s(5.1), Input::ConnectSucceeded);
        assert_eq!(
            sup.handle(
                s(5.2),
                Input::DeviceDisconnected {
                    still_connected: true
                }
            ),
            vec![]
        );
        assert_eq!(
            sup.state(),
            LinkState::Streaming {
                last_packet: s(5.1)
            }
        );
        // While reconnecting, disconnect events and stray packets change nothing.
        sup.handle(s(20.0), Input::Tick);
        assert_eq!(
            sup.handle(
                s(20.1),
                Input::DeviceDisconnected {
                    still_connected: false
                }
            ),
            vec![]
        );
        assert_eq!(sup.handle(s(20.1), Input::Packet), vec![]);
        assert!(matches!(
            sup.state(),
            LinkState::Reconnecting { attempt: 1, .. }
        ));
    }

    #[test]
    fn retries_back_off_and_never_give_up() {
        assert_eq!(
            (1..=8).map(backoff).collect::<Vec<_>>(),
            [0, 1, 2, 4, 5, 5, 5, 5].map(Duration::from_secs).to_vec()
        );
        let mut sup = Supervisor::connected(s(0.0), WD);
        sup.handle(s(5.0), Input::Tick);
        let mut now = s(5.0);
        for _ in 0..100 {
            sup.handle(now, Input::ConnectFailed);
            now = sup.deadline();
            assert_eq!(sup.handle(now, Input::Tick), vec![Action::Connect]);
        }
        assert!(matches!(
            sup.state(),
            LinkState::Reconnecting { attempt: 101, .. }
        ));
        let back = sup.handle(now, Input::ConnectSucceeded);
        assert_eq!(
            back,
            vec![Action::Emit(LinkEvent::Reconnected { gap: now })]
        );
    }

    /// Attempts that get no answer twice in a row mean the Bluetooth service is gone: restart
    /// it. One timeout, or timeouts broken by an answer, are a strap out of range.
    #[test]
    fn silent_attempts_restart_the_service() {
        let mut sup = Supervisor::connected(s(0.0), WD);
        assert_eq!(
            sup.handle(s(5.0), Input::Tick),
            vec![
                Action::Emit(LinkEvent::Lost {
                    reason: LossReason::Watchdog
                }),
                Action::Disconnect,
                Action::Connect
            ]
        );
        assert_eq!(
            sup.handle(s(15.0), Input::ConnectUnanswered),
            vec![Action::Disconnect]
        );
        assert_eq!(
            sup.handle(s(16.0), Input::ConnectFailed),
            vec![Action::Disconnect]
        );
        assert_eq!(
            sup.handle(s(26.0), Input::ConnectUnanswered),
            vec![Action::Disconnect]
        );
        assert_eq!(
            sup.handle(s(36.0), Input::ConnectUnanswered),
            vec![Action::RestartService]
        );
        assert!(matches!(sup.state(), LinkState::Reconnecting { .. }));
    }
}
