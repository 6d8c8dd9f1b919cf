//! The one session runner for every recorded session (a live workout, the morning check, the
//! talk-test calibration): source events in; the raw capture; the pipeline; the running
//! numbers ([`LiveNumbers`]); the recording; a [`View`]; the end conditions. Each command
//! supplies only what differs: which source, which view, whether and how it records, when it
//! ends.
//!
//! One heart beat's way through it: the source task sends a [`SourceEvent`] -> it is written to
//! the capture, if any -> [`pipeline::process`] decodes it into an [`Output`] -> the running
//! numbers take it -> the recording stores it (committed at least once a second) -> the view
//! shows it and answers with [`Effect`]s, which the runner applies to the numbers and the
//! recording.
//!
//! A session ends at the end of the source (a replay, the simulator), when the view asks
//! ([`Effect::Quit`]: `q`, a closed pipe, a protocol that is done), after `stop_after` of wall
//! clock (`--duration`), after `reading_time` of the readings' own clock (the morning check: a
//! replayed check lasts its capture's length, also with `--fast`), or on Ctrl-C or SIGTERM.
//! Whatever ends it, what was recorded is flushed, summarised and kept.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use crate::error::AppError;
use crate::event::{LinkEvent, SourceEvent};
use crate::physiology::live::{LiveNumbers, LiveSettings};
use crate::physiology::summary::{Summary, SummaryOptions};
use crate::physiology::zones::ZoneTable;
use crate::pipeline::{self, Output};
use crate::protocol::capture;
use crate::reading::Reading;
use crate::session::Recording;
use crate::source::simulator::Workout;
use crate::source::start::{self, BleTarget, SourceInputs};
use crate::source::SourceKind;
use crate::store::db::{Db, SessionId};
use crate::store::strap;
use crate::ui::session_view::{Effect, Input, View};

/// How often the recording commits what it holds (so a kill loses at most this much).
const COMMIT_EVERY: Duration = Duration::from_millis(500);

/// Where the session's data comes from.
pub struct SourcePlan {
    pub kind: SourceKind,
    pub ble: BleTarget,
    /// The capture's events, read before anything starts (so a bad file fails at once).
    pub replayed: Vec<SourceEvent>,
    /// The workout to simulate (the simulator's default workout when `None`).
    pub workout: Option<Workout>,
    /// `--capture FILE`, created owner-only: every event is written to it as received.
    pub capture: Option<std::fs::File>,
}

/// How a session is recorded as a workout session in the store.
pub struct RecordingPlan {
    pub db: Db,
    pub zones: ZoneTable,
    pub summary: SummaryOptions,
}

/// Everything a session needs besides its view.
pub struct SessionPlan {
    pub source: SourcePlan,
    /// The running numbers' settings (zones, max gap, the week so far).
    pub live: LiveSettings,
    /// Record it as a session (`None`: `--no-record`, or a morning check, stored its own way).
    pub recording: Option<RecordingPlan>,
    /// Keep every reading in [`Outcome::readings`] (the morning check computes on them).
    pub keep_readings: bool,
    /// End after this much wall-clock time (`--duration`).
    pub stop_after: Option<Duration>,
    /// End once the readings span this much of their own time.
    pub reading_time: Option<Duration>,
    /// Where a strap that connects is remembered for next time.
    pub data_dir: PathBuf,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The replay or the simulation ended (or the strap side gave up before connecting).
    SourceEnded,
    /// The view asked (`q`, a closed pipe, a protocol that is done).
    Quit,
    /// `stop_after` passed.
    Duration,
    /// The readings span `reading_time`.
    ReadingTime,
    /// Ctrl-C or SIGTERM.
    Signal,
}

/// Counts for the closing line.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub readings: u64,
    pub bad_packets: u64,
    pub gaps: u64,
    pub gap_time: Duration,
    pub dropouts: u64,
}

impl Tally {
    fn count(&mut self, out: &Output) {
        match out {
            Output::Reading(_) => self.readings += 1,
            Output::BadPacket { .. } => self.bad_packets += 1,
            Output::Link {
                event: LinkEvent::Reconnected { gap },
                ..
            } => {
                self.gaps += 1;
                self.gap_time += *gap;
            }
            Output::Link {
                event: LinkEvent::Lost { .. },
                ..
            } => self.dropouts += 1,
            Output::Link { .. } => {}
        }
    }

    /// "session ended: 2400 readings, 0 malformed packets skipped, 1 gaps (7 s without data)".
    pub fn closing_line(&self) -> String {
        format!(
            "session ended: {} readings, {} malformed packets skipped, {} gaps{}",
            self.readings,
            self.bad_packets,
            self.gaps,
            if self.gaps > 0 {
                format!(
                    " ({} without data)",
                    crate::ui::lines::human_duration(self.gap_time)
                )
            } else {
                String::new()
            }
        )
    }
}

/// What a session left.
pub struct Outcome {
    pub ended: Ended,
    pub tally: Tally,
    pub live: LiveNumbers,
    /// The stored session and its summary, when it was recorded and got a reading.
    pub finished: Option<(SessionId, Summary)>,
    /// Every reading, when [`SessionPlan::keep_readings`] asked for them.
    pub readings: Vec<Reading>,
}

/// The recording, started at the first event (so a strap that is never found leaves no
/// session behind).
enum Recorder {
    NotYet(Box<RecordingPlan>),
    Running(Box<Recording>),
    Off,
}

impl Recorder {
    fn start_if_new(
        &mut self,
        t: DateTime<Utc>,
        tag: crate::reading::Source,
    ) -> Result<(), AppError> {
        if matches!(self, Recorder::NotYet(_)) {
            let Recorder::NotYet(plan) = std::mem::replace(self, Recorder::Off) else {
                return Ok(());
            };
            let plan = *plan;
            *self = Recorder::Running(Box::new(Recording::start(
                plan.db,
                t,
                tag,
                None,
                &plan.zones,
                plan.summary,
            )?));
        }
        Ok(())
    }

    fn running(&mut self) -> Option<&mut Recording> {
        match self {
            Recorder::Running(r) => Some(r),
            _ => None,
        }
    }
}

/// Runs one session to its end with `view`. The view is closed before this returns, so the
/// caller can print the closing lines on the normal screen.
pub async fn run(plan: SessionPlan, view: &mut dyn View) -> Result<Outcome, AppError> {
    let SessionPlan {
        source,
        live,
        recording,
        keep_readings,
        stop_after,
        reading_time,
        data_dir,
    } = plan;
    let tag = source.kind.tag();
    let (tx, mut rx) = mpsc::channel::<SourceEvent>(256);
    let (quit_tx, quit_rx) = watch::channel(false);
    let (input_tx, mut input_rx) = mpsc::channel::<Input>(64);

    let mut live = LiveNumbers::new(live);
    let mut recorder = match recording {
        Some(plan) => Recorder::NotYet(Box::new(plan)),
        None => Recorder::Off,
    };
    let mut capture = source.capture.map(std::io::BufWriter::new);
    let mut tally = Tally::default();
    let mut readings = Vec::new();

    if let Err(e) = view.start(input_tx) {
        view.close();
        return Err(e.into());
    }
    let task = start::start(
        &source.kind,
        SourceInputs {
            ble: source.ble,
            replayed: source.replayed,
            workout: source.workout,
        },
        tx,
        quit_rx,
    );

    let stop = stop_signal(stop_after);
    tokio::pin!(stop);
    let origin = Instant::now();
    let mut commit_tick = tokio::time::interval(COMMIT_EVERY);
    commit_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let tick_every = view.tick_every();
    let mut view_tick = tokio::time::interval(tick_every.unwrap_or(Duration::from_secs(3600)));
    view_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut input_open = true;
    let mut last_t = Utc::now();
    let mut ended: Option<Ended> = None;

    let result: Result<(), AppError> = async {
        loop {
            let effects = tokio::select! {
                e = rx.recv() => {
                    let Some(event) = e else { break };
                    if let Some(w) = capture.as_mut() {
                        if write_capture(w, &event).is_err() {
                            eprintln!(
                                "talkzone: the capture file could not be written; capturing \
                                 stops, the session goes on"
                            );
                            capture = None;
                        }
                    }
                    let out = pipeline::process(event, tag);
                    last_t = time_of(&out);
                    match &out {
                        Output::Reading(r) => {
                            live.reading(r);
                            if keep_readings {
                                readings.push(r.clone());
                            }
                        }
                        Output::Link { event, .. } => {
                            live.link_changed();
                            if let LinkEvent::Connected(info) = event {
                                remember(&data_dir, info);
                            }
                        }
                        Output::BadPacket { .. } => {}
                    }
                    recorder.start_if_new(last_t, tag)?;
                    if let Some(r) = recorder.running() {
                        r.record(&out, Instant::now())?;
                    }
                    tally.count(&out);
                    let mut effects = view.output(&out, &live)?;
                    if reading_time.is_some_and(|limit| live.reading_time() >= limit) {
                        effects.push(Effect::Quit);
                        ended.get_or_insert(Ended::ReadingTime);
                    }
                    effects
                }
                why = &mut stop, if ended.is_none() => {
                    ended = Some(why);
                    vec![Effect::Quit]
                }
                _ = commit_tick.tick() => {
                    if let Some(r) = recorder.running() {
                        r.tick(Instant::now())?;
                    }
                    Vec::new()
                }
                i = input_rx.recv(), if input_open => {
                    let input = i.unwrap_or_else(|| {
                        input_open = false;
                        Input::EndOfInput
                    });
                    if input == Input::EndOfInput {
                        input_open = false;
                    }
                    view.input(input, &live)?
                }
                _ = view_tick.tick(), if tick_every.is_some() => {
                    view.tick(origin.elapsed(), Utc::now(), &live)?
                }
            };
            for effect in effects {
                match effect {
                    Effect::Pause => {
                        live.pause();
                        if let Some(r) = recorder.running() {
                            r.pause(last_t)?;
                        }
                    }
                    Effect::Resume => {
                        live.resume();
                        if let Some(r) = recorder.running() {
                            r.resume(last_t)?;
                        }
                    }
                    Effect::Lap { t } => {
                        if let Some(r) = recorder.running() {
                            r.lap(t.unwrap_or(last_t))?;
                        }
                    }
                    Effect::Quit => {
                        ended.get_or_insert(Ended::Quit);
                        let _ = quit_tx.send(true);
                    }
                }
            }
            if ended == Some(Ended::ReadingTime) {
                break;
            }
        }
        Ok(())
    }
    .await;
    // Leave the full screen before anything else is printed.
    view.close();
    let _ = quit_tx.send(true);
    drop(rx);

    let source_result = task.await;
    // Whatever happened, what was recorded is kept and summarised.
    let finished = match recorder {
        Recorder::Running(r) => (*r).finish()?,
        _ => None,
    };
    result?;
    source_result??;
    Ok(Outcome {
        ended: ended.unwrap_or(Ended::SourceEnded),
        tally,
        live,
        finished,
        readings,
    })
}

/// Writes one event to the capture, flushed (a capture is for bug reports: it must hold what
/// arrived up to a crash).
fn write_capture(
    w: &mut std::io::BufWriter<std::fs::File>,
    event: &SourceEvent,
) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(w, "{}", capture::event_line(event))?;
    w.flush()
}

fn time_of(out: &Output) -> DateTime<Utc> {
    match out {
        Output::Reading(r) => r.t,
        Output::Link { t, .. } | Output::BadPacket { t, .. } => *t,
    }
}

/// Remembers the strap that connected, for next time; a failure only costs a message.
fn remember(data_dir: &std::path::Path, info: &crate::event::DeviceInfo) {
    let remembered = strap::RememberedStrap {
        address: info.address.clone(),
        name: info.name.clone(),
    };
    if let Err(e) = strap::save(data_dir, &remembered) {
        eprintln!(
            "talkzone: could not remember the strap in {} ({e})",
            data_dir.display()
        );
    }
}

/// Resolves on Ctrl-C or SIGTERM ([`Ended::Signal`]) or after `duration` ([`Ended::Duration`]).
/// (On the dashboard, Ctrl-C arrives as a key in raw mode and ends the session through the
/// view's quit.)
async fn stop_signal(duration: Option<Duration>) -> Ended {
    let timer = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = timer => Ended::Duration,
        _ = term => Ended::Signal,
        r = tokio::signal::ctrl_c() => {
            if r.is_err() {
                std::future::pending::<()>().await;
            }
            Ended::Signal
        }
    }
}
