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
//! recording. A view that waits for the user can hold the source meanwhile
//! ([`View::holds_source`]: the calibration's question, with a `--fast` source).
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

/// How long the source may take to end after the session is told to end (it unsubscribes and
/// disconnects); then it is stopped. So `--duration`, `q`, Ctrl-C and SIGTERM end a session
/// within a second whatever BlueZ does.
const QUIT_GRACE: Duration = Duration::from_secs(1);

/// What the runner knows of the link beyond what the events say: whether the strap was ever
/// connected (errors before that end the command; after it, the BLE side is restarted), and
/// whether the link is lost now, since when data last flowed.
#[derive(Debug, Default)]
struct LinkWatch {
    connected_once: bool,
    lost: bool,
    /// When the last reading arrived (monotonic).
    last_data: Option<Instant>,
    /// The BLE side was restarted: its `Connected` is this session's reconnection.
    restarted: bool,
}

/// The session's state while it runs: everything an event passes through.
struct Session<'v> {
    tag: crate::reading::Source,
    live: LiveNumbers,
    recorder: Recorder,
    capture: Option<std::io::BufWriter<std::fs::File>>,
    tally: Tally,
    keep_readings: bool,
    readings: Vec<Reading>,
    reading_time: Option<Duration>,
    data_dir: PathBuf,
    last_t: DateTime<Utc>,
    link: LinkWatch,
    view: &'v mut dyn View,
}

impl Session<'_> {
    /// One source event through capture, pipeline, numbers, recording and view.
    fn event(
        &mut self,
        event: SourceEvent,
        ended: &mut Option<Ended>,
    ) -> Result<Vec<Effect>, AppError> {
        let event = self.translate(event);
        if let Some(w) = self.capture.as_mut() {
            if write_capture(w, &event).is_err() {
                eprintln!(
                    "talkzone: the capture file could not be written; capturing stops, the \
                     session goes on"
                );
                self.capture = None;
            }
        }
        let out = pipeline::process(event, self.tag);
        self.last_t = time_of(&out);
        match &out {
            Output::Reading(r) => {
                self.live.reading(r);
                self.link.last_data = Some(Instant::now());
                if self.keep_readings {
                    self.readings.push(r.clone());
                }
            }
            Output::Link { event, .. } => {
                self.live.link_changed();
                match event {
                    LinkEvent::Connected(info) => {
                        self.link.connected_once = true;
                        self.link.lost = false;
                        remember(&self.data_dir, info);
                    }
                    LinkEvent::Reconnected { .. } => self.link.lost = false,
                    LinkEvent::Lost { .. } => self.link.lost = true,
                }
            }
            Output::BadPacket { .. } => {}
        }
        self.recorder.start_if_new(self.last_t, self.tag)?;
        if let Some(r) = self.recorder.running() {
            r.record(&out, Instant::now())?;
        }
        self.tally.count(&out);
        let mut effects = self.view.output(&out, &self.live)?;
        if self
            .reading_time
            .is_some_and(|limit| self.live.reading_time() >= limit)
        {
            effects.push(Effect::Quit);
            ended.get_or_insert(Ended::ReadingTime);
        }
        Ok(effects)
    }

    /// After a restart of the BLE side, its first `Connected` is this session's reconnection.
    fn translate(&mut self, event: SourceEvent) -> SourceEvent {
        match event {
            SourceEvent::Link {
                t,
                event: LinkEvent::Connected(_),
            } if self.link.restarted => {
                self.link.restarted = false;
                let gap = self
                    .link
                    .last_data
                    .map(|at| at.elapsed())
                    .unwrap_or_default();
                SourceEvent::Link {
                    t,
                    event: LinkEvent::Reconnected { gap },
                }
            }
            other => other,
        }
    }

    /// The BLE side failed during the session (the service went away, or a task of the
    /// Bluetooth library panicked): the link is lost, unless it already was.
    fn service_lost(&mut self, ended: &mut Option<Ended>) -> Result<Vec<Effect>, AppError> {
        self.link.restarted = true;
        if self.link.lost {
            return Ok(Vec::new());
        }
        self.event(
            SourceEvent::Link {
                t: Utc::now(),
                event: LinkEvent::Lost {
                    reason: crate::event::LossReason::ServiceLost,
                },
            },
            ended,
        )
    }

    fn apply(
        &mut self,
        effects: Vec<Effect>,
        ended: &mut Option<Ended>,
        quit: &watch::Sender<bool>,
    ) -> Result<(), AppError> {
        for effect in effects {
            match effect {
                Effect::Pause => {
                    self.live.pause();
                    if let Some(r) = self.recorder.running() {
                        r.pause(self.last_t)?;
                    }
                }
                Effect::Resume => {
                    self.live.resume();
                    if let Some(r) = self.recorder.running() {
                        r.resume(self.last_t)?;
                    }
                }
                Effect::Lap { t } => {
                    let at = t.unwrap_or(self.last_t);
                    if let Some(r) = self.recorder.running() {
                        r.lap(at)?;
                    }
                }
                Effect::Quit => {
                    ended.get_or_insert(Ended::Quit);
                    let _ = quit.send(true);
                }
            }
        }
        Ok(())
    }
}

/// Runs one session to its end with `view`. The view is closed before this returns, so the
/// caller can print the closing lines on the normal screen.
///
/// The BLE side is supervised: once the strap has connected, a BLE source that fails (the
/// Bluetooth service went away, a panic inside the Bluetooth library) is a lost link: it is
/// started again, with a backoff, until the strap is back or the session ends. Before the
/// first connection, its error ends the command (no adapter, no strap...).
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
    let kind = source.kind.clone();
    let ble = source.ble.clone();
    let (tx, mut rx) = mpsc::channel::<SourceEvent>(256);
    let (quit_tx, quit_rx) = watch::channel(false);
    let (input_tx, mut input_rx) = mpsc::channel::<Input>(64);
    if let Err(e) = view.start(input_tx) {
        view.close();
        return Err(e.into());
    }
    let mut session = Session {
        tag: kind.tag(),
        live: LiveNumbers::new(live),
        recorder: match recording {
            Some(plan) => Recorder::NotYet(Box::new(plan)),
            None => Recorder::Off,
        },
        capture: source.capture.map(std::io::BufWriter::new),
        tally: Tally::default(),
        keep_readings,
        readings: Vec::new(),
        reading_time,
        data_dir,
        last_t: Utc::now(),
        link: LinkWatch::default(),
        view,
    };
    // A sender kept for restarts of the BLE side; dropped once the source is done for good, so
    // the channel closes when it is drained.
    let mut spare = Some(tx.clone());
    let mut task = start::start(
        &kind,
        SourceInputs {
            ble: source.ble,
            replayed: source.replayed,
            workout: source.workout,
        },
        tx,
        quit_rx.clone(),
    );
    let mut task_running = true;
    let mut restarts: u32 = 0;
    let mut restart_at: Option<tokio::time::Instant> = None;
    let mut failure: Option<AppError> = None;

    let stop = stop_signal(stop_after);
    tokio::pin!(stop);
    let origin = Instant::now();
    let tick_every = session.view.tick_every();
    let mut view_tick = tokio::time::interval(tick_every.unwrap_or(Duration::from_secs(3600)));
    view_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut input_open = true;
    let mut ended: Option<Ended> = None;
    let mut quit_deadline: Option<tokio::time::Instant> = None;
    let far = tokio::time::Instant::now() + Duration::from_secs(86_400 * 365);

    let result: Result<(), AppError> = async {
        loop {
            // The next commit, when readings wait for one, exactly a second after the oldest
            // (a fixed half-second tick checking "a second old?" let one wait 1.5 s).
            let commit_at = session
                .recorder
                .running()
                .and_then(|r| r.commit_due())
                .map(tokio::time::Instant::from_std);
            let effects = tokio::select! {
                e = rx.recv(), if !session.view.holds_source() => {
                    let Some(event) = e else { break };
                    session.event(event, &mut ended)?
                }
                done = &mut task, if task_running => {
                    task_running = false;
                    let supervised = kind == SourceKind::Ble
                        && session.link.connected_once
                        && ended.is_none();
                    let failed: Option<AppError> = match done {
                        Ok(Ok(())) => None,
                        Ok(Err(e)) => Some(e.into()),
                        Err(join) => Some(join.into()),
                    };
                    match failed {
                        Some(_) if supervised => {
                            restarts += 1;
                            restart_at = Some(
                                tokio::time::Instant::now()
                                    + crate::source::ble::supervisor::backoff(restarts + 1),
                            );
                            session.service_lost(&mut ended)?
                        }
                        other => {
                            failure = other;
                            spare = None;
                            Vec::new()
                        }
                    }
                }
                _ = tokio::time::sleep_until(restart_at.unwrap_or(far)), if restart_at.is_some() && ended.is_none() => {
                    restart_at = None;
                    if let Some(tx) = spare.clone() {
                        task = start::start(
                            &SourceKind::Ble,
                            SourceInputs { ble: ble.clone(), replayed: Vec::new(), workout: None },
                            tx,
                            quit_rx.clone(),
                        );
                        task_running = true;
                    }
                    Vec::new()
                }
                why = &mut stop, if ended.is_none() => {
                    ended = Some(why);
                    vec![Effect::Quit]
                }
                _ = tokio::time::sleep_until(quit_deadline.unwrap_or(far)), if quit_deadline.is_some() => break,
                _ = tokio::time::sleep_until(commit_at.unwrap_or(far)), if commit_at.is_some() => {
                    if let Some(r) = session.recorder.running() {
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
                    session.view.input(input, &session.live)?
                }
                _ = view_tick.tick(), if tick_every.is_some() => {
                    session.view.tick(origin.elapsed(), Utc::now(), &session.live)?
                }
            };
            session.apply(effects, &mut ended, &quit_tx)?;
            if ended == Some(Ended::ReadingTime) {
                break;
            }
            if ended.is_some() {
                // The source has a moment to end cleanly; no restart any more.
                quit_deadline.get_or_insert_with(|| tokio::time::Instant::now() + QUIT_GRACE);
                restart_at = None;
                if !task_running {
                    spare = None;
                }
            }
        }
        Ok(())
    }
    .await;
    // Leave the full screen before anything else is printed.
    session.view.close();
    let _ = quit_tx.send(true);
    drop(rx);
    drop(spare);
    if task_running {
        // Whatever BlueZ does, the session ends now: what the source still holds is dropped.
        task.abort();
        let _ = tokio::time::timeout(Duration::from_millis(200), &mut task).await;
    }

    // Whatever happened, what was recorded is kept and summarised.
    let finished = match session.recorder {
        Recorder::Running(r) => (*r).finish()?,
        _ => None,
    };
    result?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(Outcome {
        ended: ended.unwrap_or(Ended::SourceEnded),
        tally: session.tally,
        live: session.live,
        finished,
        readings: session.readings,
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
