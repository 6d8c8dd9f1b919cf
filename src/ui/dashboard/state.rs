//! The live screen's state ([`App`]) and the pure [`update`] that applies one [`Event`] to it.
//!
//! Owns the live accounting: what heart rate may be shown (never a stale one), time in each
//! zone, pause, laps, the rolling RMSSD, the link state and the redraw flag. Pure: no clock, no
//! terminal, no I/O; monotonic and wall times come in [`Event::Tick`], reading times in the
//! readings. Drawing is [`super::view`]'s job.
//!
//! Time in zones follows the session summary's rules ([`crate::physiology::summary`]): a reading
//! stands for the time until the next one (in the readings' own times, so a replay adds up like
//! the stored session), an interval longer than `max_gap` counts nothing, and a reading without
//! a signal (HR 0, no skin contact) counts nothing. On top of that, paused time counts nothing:
//! the interval running when `p` is pressed (at most one reading interval) is dropped too.
//!
//! Freshness: a heart rate is shown only while its reading arrived at most [`FRESH_FOR`] ago
//! (monotonic, by the ticks) and the link has not been lost since (shared/pitfalls.md: after a
//! reconnect show "--" until a fresh reading arrives). Arrival is stamped with the latest tick's
//! monotonic time, so "3 s" is good to a tick (250 ms at 4 Hz).

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::event::{DeviceInfo, LinkEvent};
use crate::physiology::summary::has_signal;
use crate::physiology::zones::{PerZone, TalkZone, ZoneTable};
use crate::pipeline::Output;
use crate::reading::{Contact, Reading};

/// A reading older than this (monotonic, since it arrived) is no longer shown.
pub const FRESH_FOR: Duration = Duration::from_secs(3);
/// How much heart-rate history the state keeps for the chart (it shows 5 or 10 minutes).
pub const CHART_HISTORY: Duration = Duration::from_secs(600);
/// The live RMSSD is worked out over the RR intervals of the last minute (reading times).
pub const RR_WINDOW: Duration = Duration::from_secs(60);
/// RR intervals outside this range (ms) are dropped (and break the run of adjacent beats).
pub const RR_RANGE_MS: (f64, f64) = (300.0, 2000.0);
/// A successive difference larger than this share of the earlier RR is treated as an artifact
/// (a missed or extra beat) and skipped.
pub const RR_MAX_CHANGE: f64 = 0.20;
/// Fewer successive differences than this in the window: no RMSSD yet.
pub const RR_MIN_PAIRS: usize = 10;
/// The week's goal in moderate-equivalent minutes (WHO 2020: 150-300 min a week).
pub const WEEK_GOAL_MIN: f64 = 150.0;
/// The target zone when none is configured.
pub const DEFAULT_TARGET: TalkZone = TalkZone::Moderate;

/// What the dashboard is told once, at the start of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardSettings {
    /// The zone table in force (the one the session is recorded under).
    pub zones: ZoneTable,
    /// The zone the user aims for ([`DEFAULT_TARGET`] unless configured).
    pub target: TalkZone,
    /// Moderate-equivalent minutes already done this week, before this session.
    pub week_minutes_before: f64,
    /// Reading intervals longer than this count nothing (the summary's `max_gap`).
    pub max_gap: Duration,
    /// Where the data comes from, as shown in the header ("strap", "simulator", a file name).
    pub source_label: String,
}

/// A key, already mapped from the terminal (see [`super::terminal::key_from_crossterm`]), so
/// [`update`] does not depend on crossterm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyInput {
    /// `q` or Ctrl-C: end the session.
    Quit,
    /// `p`: pause or resume.
    PauseResume,
    /// `l`: mark a lap.
    Lap,
    /// `?`: show or hide the help.
    ToggleHelp,
    /// Esc: close the help (nothing else).
    Dismiss,
}

/// One thing that happened, as [`update`] takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A pipeline output: a reading, a link change or a malformed packet.
    Output(Output),
    /// A key press.
    Key(KeyInput),
    /// The clock, 4 times a second: `now` is monotonic time since the session started, `wall`
    /// the wall clock (for lap times).
    Tick { now: Duration, wall: DateTime<Utc> },
    /// The terminal changed size: draw again.
    Resize,
}

/// A lap marker, as recorded when `l` was pressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Lap {
    /// 1 for the first lap.
    pub number: u32,
    /// Monotonic time since the session started.
    pub elapsed: Duration,
    /// Wall clock at the latest tick, if a tick came yet.
    pub wall: Option<DateTime<Utc>>,
    /// Time of the latest reading, in the readings' timeline (lines up with the stored readings,
    /// also in a replay); `None` before the first reading.
    pub reading_t: Option<DateTime<Utc>>,
    /// Active time (time in zones) at the marker.
    pub active: Duration,
}

/// The state of the link to the data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Nothing received yet.
    Waiting,
    /// Data flows (a strap connected, or a replay or the simulator sends readings).
    Connected,
    /// The link was lost and the supervisor is reconnecting; the data stopped at monotonic
    /// time `gap_start`.
    Reconnecting { gap_start: Duration },
}

/// How the current zone stands against the target zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetCue {
    /// Harder than the target: a gentle "ease off" with the talk test of the target zone.
    Above(&'static str),
    /// In the target zone.
    OnTarget,
    /// Easier than the target: "pick it up" with the talk test of the target zone.
    Below(&'static str),
}

/// The cue for being in `current` when aiming for `target`.
pub fn target_cue(current: TalkZone, target: TalkZone) -> TargetCue {
    use std::cmp::Ordering;
    match current.cmp(&target) {
        Ordering::Equal => TargetCue::OnTarget,
        Ordering::Greater => TargetCue::Above(match target {
            TalkZone::VeryLight => "ease off: you should be able to chat easily",
            TalkZone::Light => "ease off: you should be able to sing",
            TalkZone::Moderate => "ease off: you should be able to talk in full sentences",
            TalkZone::Vigorous | TalkZone::NearMax => {
                "ease off: you should still manage a few words"
            }
        }),
        Ordering::Less => TargetCue::Below(match target {
            TalkZone::VeryLight | TalkZone::Light => {
                "pick it up a little: breathe a bit harder, you should still be able to sing"
            }
            TalkZone::Moderate => "pick it up a little: you should find singing hard",
            TalkZone::Vigorous => "pick it up a little: you should manage only a few words",
            TalkZone::NearMax => "pick it up: you should not be able to talk",
        }),
    }
}

/// One point of the heart-rate chart: a reading with a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HrPoint {
    pub t: DateTime<Utc>,
    pub hr: u16,
}

/// The latest reading, as far as the screen needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Latest {
    hr: u16,
    contact: Contact,
    signal: bool,
    /// Monotonic time of the tick before it arrived.
    seen: Duration,
}

/// The reading that opened the interval being counted.
#[derive(Debug, Clone, Copy, PartialEq)]
struct IntervalStart {
    t: DateTime<Utc>,
    hr: u16,
    signal: bool,
}

/// One RR interval in the rolling window; `run` numbers the runs of adjacent beats.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Beat {
    t: DateTime<Utc>,
    ms: f64,
    run: u32,
}

/// Everything the live screen shows, and what the caller's loop needs (quit, laps, redraw).
#[derive(Debug, Clone)]
pub struct App {
    settings: DashboardSettings,
    /// Monotonic time since the session started, from the latest tick.
    now: Duration,
    wall: Option<DateTime<Utc>>,
    link: LinkState,
    device: Option<DeviceInfo>,
    last_gap: Option<Duration>,
    /// Cleared when the link is lost or comes back: never shown stale.
    latest: Option<Latest>,
    /// Time and arrival of the last reading of any kind; kept across link losses.
    last_data: Option<(DateTime<Utc>, Duration)>,
    counting_from: Option<IntervalStart>,
    zone_time: [Duration; 5],
    paused_since: Option<Duration>,
    paused_total: Duration,
    laps: Vec<Lap>,
    history: VecDeque<HrPoint>,
    beats: VecDeque<Beat>,
    run: u32,
    rr_seen: bool,
    readings: u64,
    bad_packets: u64,
    show_help: bool,
    quit_requested: bool,
    dirty: bool,
    /// What the last tick saw (whole seconds, fresh or not), to redraw only when it changes.
    tick_shown: Option<(u64, bool)>,
}

impl App {
    /// A new session's screen: nothing received yet, not paused, needs a first draw.
    pub fn new(settings: DashboardSettings) -> App {
        App {
            settings,
            now: Duration::ZERO,
            wall: None,
            link: LinkState::Waiting,
            device: None,
            last_gap: None,
            latest: None,
            last_data: None,
            counting_from: None,
            zone_time: [Duration::ZERO; 5],
            paused_since: None,
            paused_total: Duration::ZERO,
            laps: Vec::new(),
            history: VecDeque::new(),
            beats: VecDeque::new(),
            run: 0,
            rr_seen: false,
            readings: 0,
            bad_packets: 0,
            show_help: false,
            quit_requested: false,
            dirty: true,
            tick_shown: None,
        }
    }

    /// The settings the screen was made with.
    pub fn settings(&self) -> &DashboardSettings {
        &self.settings
    }

    /// `q` or Ctrl-C was pressed: the caller ends the session and shows the summary.
    pub fn quit_requested(&self) -> bool {
        self.quit_requested
    }

    /// Laps marked so far, oldest first. New ones are appended, so a caller storing them keeps
    /// a count and stores `laps()[stored..]`.
    pub fn laps(&self) -> &[Lap] {
        &self.laps
    }

    /// Whether what is on screen is out of date. Set by readings, link changes, keys, resizes,
    /// and by ticks only when a shown clock second or the freshness of the heart rate changed.
    pub fn needs_redraw(&self) -> bool {
        self.dirty
    }

    /// Call after drawing.
    pub fn mark_drawn(&mut self) {
        self.dirty = false;
    }

    /// Monotonic time since the session started (from the latest tick).
    pub fn elapsed(&self) -> Duration {
        self.now
    }

    /// The link state.
    pub fn link(&self) -> LinkState {
        self.link
    }

    /// While reconnecting: how long no data has flowed so far.
    pub fn gap_so_far(&self) -> Option<Duration> {
        match self.link {
            LinkState::Reconnecting { gap_start } => Some(self.now.saturating_sub(gap_start)),
            _ => None,
        }
    }

    /// The length of the last gap that ended with a reconnect.
    pub fn last_gap(&self) -> Option<Duration> {
        self.last_gap
    }

    /// The strap, when it said who it is.
    pub fn device(&self) -> Option<&DeviceInfo> {
        self.device.as_ref()
    }

    /// The heart rate to show: from a reading with a signal that arrived at most [`FRESH_FOR`]
    /// ago, with no link loss since. `None` means "--".
    pub fn heart_rate(&self) -> Option<u16> {
        self.fresh().filter(|l| l.signal).map(|l| l.hr)
    }

    /// The zone of [`App::heart_rate`].
    pub fn zone(&self) -> Option<TalkZone> {
        self.heart_rate()
            .map(|hr| self.settings.zones.zone_of(f64::from(hr)))
    }

    /// The cue against the target zone, when there is a heart rate to judge.
    pub fn target_cue(&self) -> Option<TargetCue> {
        self.zone().map(|z| target_cue(z, self.settings.target))
    }

    /// A warning about the strap's contact, from a fresh reading without a signal.
    pub fn contact_warning(&self) -> Option<&'static str> {
        let latest = self.fresh()?;
        if latest.contact == Contact::NotDetected {
            Some("no skin contact: wet the electrodes")
        } else if latest.hr == 0 {
            Some("no heart rate from the strap: wet the electrodes and tighten the strap")
        } else {
            None
        }
    }

    /// While the link is up: how long since the last reading arrived, once that is longer than
    /// [`FRESH_FOR`].
    pub fn silent_for(&self) -> Option<Duration> {
        if self.link != LinkState::Connected {
            return None;
        }
        let (_, seen) = self.last_data?;
        Some(self.now.saturating_sub(seen)).filter(|d| *d > FRESH_FOR)
    }

    /// Time counted in each zone (not paused, no gaps, with a signal).
    pub fn time_in_zones(&self) -> PerZone<Duration> {
        PerZone::from_fn(|z| self.zone_time[z.index()])
    }

    /// Time in all zones together.
    pub fn active_time(&self) -> Duration {
        self.zone_time.iter().sum()
    }

    /// This session's moderate-equivalent minutes: moderate + 2 x (vigorous + near max).
    pub fn moderate_equivalent_min(&self) -> f64 {
        let z = self.time_in_zones();
        (z.moderate.as_secs_f64() + 2.0 * (z.vigorous + z.near_max).as_secs_f64()) / 60.0
    }

    /// The week's moderate-equivalent minutes including this session so far.
    pub fn week_total_min(&self) -> f64 {
        self.settings.week_minutes_before + self.moderate_equivalent_min()
    }

    /// RMSSD (ms) over the RR intervals of the last [`RR_WINDOW`]: successive differences only
    /// between adjacent beats of one run, a difference over [`RR_MAX_CHANGE`] of the earlier
    /// interval skipped. `None` until [`RR_MIN_PAIRS`] differences are in, and whenever the
    /// heart rate is not fresh.
    pub fn live_rmssd_ms(&self) -> Option<f64> {
        self.heart_rate()?;
        let mut sum = 0.0;
        let mut pairs = 0usize;
        for (a, b) in self.beats.iter().zip(self.beats.iter().skip(1)) {
            let d = b.ms - a.ms;
            if a.run == b.run && d.abs() <= RR_MAX_CHANGE * a.ms {
                sum += d * d;
                pairs += 1;
            }
        }
        (pairs >= RR_MIN_PAIRS).then(|| (sum / pairs as f64).sqrt())
    }

    /// Whether any reading so far carried RR intervals.
    pub fn rr_seen(&self) -> bool {
        self.rr_seen
    }

    /// Whether the session is paused.
    pub fn paused(&self) -> bool {
        self.paused_since.is_some()
    }

    /// Total paused time, including the pause in progress.
    pub fn paused_total(&self) -> Duration {
        self.paused_total
            + self
                .paused_since
                .map_or(Duration::ZERO, |since| self.now.saturating_sub(since))
    }

    /// Whether the help overlay is shown.
    pub fn show_help(&self) -> bool {
        self.show_help
    }

    /// Readings with a signal over the last [`CHART_HISTORY`] of reading time, oldest first.
    pub fn history(&self) -> &VecDeque<HrPoint> {
        &self.history
    }

    /// "Now" in the readings' timeline, for the chart's right edge: the last reading's time plus
    /// the monotonic time since it arrived (so the chart keeps scrolling through a gap).
    pub fn chart_now(&self) -> Option<DateTime<Utc>> {
        let (t, seen) = self.last_data?;
        let since = TimeDelta::from_std(self.now.saturating_sub(seen)).unwrap_or(TimeDelta::zero());
        Some(t + since)
    }

    /// Readings received.
    pub fn readings(&self) -> u64 {
        self.readings
    }

    /// Malformed packets received (skipped).
    pub fn bad_packets(&self) -> u64 {
        self.bad_packets
    }

    fn fresh(&self) -> Option<&Latest> {
        self.latest
            .as_ref()
            .filter(|l| self.now.saturating_sub(l.seen) <= FRESH_FOR)
    }

    fn on_reading(&mut self, r: &Reading) {
        let signal = has_signal(r);
        self.collect_rr(r, signal);
        if self.paused_since.is_none() {
            if let Some(start) = self.counting_from {
                self.count(start, r.t);
            }
            self.counting_from = Some(IntervalStart {
                t: r.t,
                hr: r.hr,
                signal,
            });
        } else {
            self.counting_from = None;
        }
        if signal {
            self.history.push_back(HrPoint { t: r.t, hr: r.hr });
        }
        while self
            .history
            .front()
            .is_some_and(|p| older_than(p.t, r.t, CHART_HISTORY))
        {
            self.history.pop_front();
        }
        self.latest = Some(Latest {
            hr: r.hr,
            contact: r.contact,
            signal,
            seen: self.now,
        });
        self.last_data = Some((r.t, self.now));
        self.link = LinkState::Connected;
        self.readings += 1;
    }

    /// Counts the interval from `start` to `end` in the zone of `start`'s heart rate.
    fn count(&mut self, start: IntervalStart, end: DateTime<Utc>) {
        let Ok(dt) = (end - start.t).to_std() else {
            return;
        };
        if start.signal && dt <= self.settings.max_gap {
            let zone = self.settings.zones.zone_of(f64::from(start.hr));
            self.zone_time[zone.index()] += dt;
        }
    }

    fn collect_rr(&mut self, r: &Reading, signal: bool) {
        // Beats are adjacent only within one run: a reading without a signal, a reading more
        // than FRESH_FOR after the previous one (packets, hence beats, were missed) or a dropped
        // RR starts a new run.
        let late = self
            .last_data
            .is_some_and(|(prev, _)| (r.t - prev).to_std().map_or(true, |dt| dt > FRESH_FOR));
        if !signal || late {
            self.break_run();
        }
        if signal {
            self.rr_seen |= !r.rr.is_empty();
            for rr in &r.rr {
                let ms = rr.ms();
                if (RR_RANGE_MS.0..=RR_RANGE_MS.1).contains(&ms) {
                    self.beats.push_back(Beat {
                        t: r.t,
                        ms,
                        run: self.run,
                    });
                } else {
                    self.break_run();
                }
            }
        }
        while self
            .beats
            .front()
            .is_some_and(|b| older_than(b.t, r.t, RR_WINDOW))
        {
            self.beats.pop_front();
        }
    }

    fn break_run(&mut self) {
        self.run = self.run.wrapping_add(1);
    }

    fn on_link(&mut self, event: LinkEvent) {
        match event {
            LinkEvent::Connected(info) => {
                self.device = Some(info);
                self.link = LinkState::Connected;
            }
            LinkEvent::Lost { .. } => {
                let gap_start = self.last_data.map_or(self.now, |(_, seen)| seen);
                self.link = LinkState::Reconnecting { gap_start };
                self.latest = None;
                self.break_run();
            }
            LinkEvent::Reconnected { gap } => {
                self.link = LinkState::Connected;
                self.last_gap = Some(gap);
                self.latest = None;
                self.break_run();
            }
        }
    }

    fn on_key(&mut self, key: KeyInput) {
        match key {
            KeyInput::Quit => self.quit_requested = true,
            KeyInput::PauseResume => {
                match self.paused_since.take() {
                    Some(since) => self.paused_total += self.now.saturating_sub(since),
                    None => self.paused_since = Some(self.now),
                }
                // The interval running across the switch counts nothing.
                self.counting_from = None;
            }
            KeyInput::Lap => {
                let number = u32::try_from(self.laps.len()).map_or(u32::MAX, |n| n + 1);
                self.laps.push(Lap {
                    number,
                    elapsed: self.now,
                    wall: self.wall,
                    reading_t: self.last_data.map(|(t, _)| t),
                    active: self.active_time(),
                });
            }
            KeyInput::ToggleHelp => self.show_help = !self.show_help,
            KeyInput::Dismiss => self.show_help = false,
        }
    }

    fn on_tick(&mut self, now: Duration, wall: DateTime<Utc>) {
        self.now = self.now.max(now);
        self.wall = Some(wall);
        let shown = (self.now.as_secs(), self.fresh().is_some());
        if self.tick_shown != Some(shown) {
            self.tick_shown = Some(shown);
            self.dirty = true;
        }
    }
}

/// Whether `t` lies more than `window` before `latest`.
fn older_than(t: DateTime<Utc>, latest: DateTime<Utc>, window: Duration) -> bool {
    (latest - t).to_std().is_ok_and(|age| age > window)
}

/// Applies one event to the state. Pure: everything it needs is in `app` and `event`.
pub fn update(app: &mut App, event: Event) {
    match event {
        Event::Output(Output::Reading(r)) => {
            app.on_reading(&r);
            app.dirty = true;
        }
        Event::Output(Output::Link { event, .. }) => {
            app.on_link(event);
            app.dirty = true;
        }
        Event::Output(Output::BadPacket { .. }) => {
            app.bad_packets += 1;
            app.dirty = true;
        }
        Event::Key(key) => {
            app.on_key(key);
            app.dirty = true;
        }
        Event::Tick { now, wall } => app.on_tick(now, wall),
        Event::Resize => app.dirty = true,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::LossReason;
    use crate::physiology::zones::ZoneModel;
    use crate::reading::{RrInterval, Source};
    use chrono::TimeZone;

    /// HRmax 180, ACSM %HRmax: light 102.6, moderate 115.2, vigorous 138.6, near max 172.8.
    pub(crate) fn zones() -> ZoneTable {
        ZoneTable {
            model: ZoneModel::HrMax,
            max_hr: 180.0,
            max_hr_source: "test".into(),
            resting_hr: None,
            resting_hr_source: None,
            min_bpm: [0.0, 102.6, 115.2, 138.6, 172.8],
        }
    }

    pub(crate) fn settings() -> DashboardSettings {
        DashboardSettings {
            zones: zones(),
            target: DEFAULT_TARGET,
            week_minutes_before: 100.0,
            max_gap: Duration::from_secs(10),
            source_label: "simulator".into(),
        }
    }

    pub(crate) fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap()
    }

    pub(crate) fn reading(ms: i64, hr: u16) -> Event {
        reading_with(ms, hr, Contact::Detected, vec![])
    }

    pub(crate) fn reading_with(ms: i64, hr: u16, contact: Contact, rr: Vec<u16>) -> Event {
        Event::Output(Output::Reading(Reading {
            t: t0() + TimeDelta::milliseconds(ms),
            hr,
            contact,
            energy_kj: None,
            rr: rr.into_iter().map(RrInterval).collect(),
            source: Source::Simulator,
        }))
    }

    pub(crate) fn link(event: LinkEvent) -> Event {
        Event::Output(Output::Link { t: t0(), event })
    }

    pub(crate) fn tick(ms: u64) -> Event {
        Event::Tick {
            now: Duration::from_millis(ms),
            wall: t0() + TimeDelta::milliseconds(ms as i64),
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn feed(app: &mut App, events: impl IntoIterator<Item = Event>) {
        for e in events {
            update(app, e);
        }
    }

    #[test]
    fn zone_time_follows_the_reading_intervals() {
        let mut app = App::new(settings());
        // Readings at 0..59 s moderate, 60..=90 s vigorous.
        feed(&mut app, (0..60).map(|s| reading(s * 1000, 120)));
        feed(&mut app, (60..=90).map(|s| reading(s * 1000, 150)));
        // The last vigorous reading stands for the second up to this one.
        update(&mut app, reading(91_000, 150));
        let z = app.time_in_zones();
        assert_eq!(z.moderate, secs(60));
        assert_eq!(z.vigorous, secs(31));
        assert_eq!(app.active_time(), secs(91));
        // (60 + 2 x 31) s = 122 s.
        assert!((app.moderate_equivalent_min() - 122.0 / 60.0).abs() < 1e-12);
        assert!((app.week_total_min() - (100.0 + 122.0 / 60.0)).abs() < 1e-12);
    }

    #[test]
    fn gaps_and_readings_without_signal_count_nothing() {
        let mut app = App::new(settings());
        feed(
            &mut app,
            [
                // Each comment is about the interval the reading closes.
                reading(0, 120),
                reading(5_000, 120),  // 5 s moderate
                reading(16_000, 120), // 11 s > max_gap: a gap
                reading(17_000, 0),   // 1 s moderate
                reading(18_000, 120), // opened by HR 0: nothing
                reading_with(19_000, 120, Contact::NotDetected, vec![]), // 1 s moderate
                reading(20_000, 120), // opened without contact: nothing
                reading_with(21_000, 120, Contact::NotSupported, vec![]), // 1 s moderate
                reading(22_000, 120), // opened by "not supported": counts, 1 s
            ],
        );
        assert_eq!(app.time_in_zones().moderate, secs(9));
        assert_eq!(app.active_time(), secs(9));
        // Exactly at max_gap still counts.
        update(&mut app, reading(32_000, 120));
        assert_eq!(app.active_time(), secs(19));
    }

    #[test]
    fn paused_time_counts_nothing() {
        let mut app = App::new(settings());
        feed(&mut app, (0..=10).map(|s| reading(s * 1000, 120)));
        feed(&mut app, [tick(10_100), Event::Key(KeyInput::PauseResume)]);
        assert!(app.paused());
        feed(&mut app, (11..=20).map(|s| reading(s * 1000, 150)));
        feed(&mut app, [tick(20_600), Event::Key(KeyInput::PauseResume)]);
        assert!(!app.paused());
        assert_eq!(app.paused_total(), Duration::from_millis(10_500));
        feed(&mut app, (21..=30).map(|s| reading(s * 1000, 120)));
        let z = app.time_in_zones();
        // 0..10 s and 21..30 s; the intervals across the switches are dropped.
        assert_eq!(z.moderate, secs(19));
        assert_eq!(z.vigorous, Duration::ZERO);
        // The heart rate is still shown while paused.
        assert_eq!(app.heart_rate(), Some(120));
    }

    #[test]
    fn heart_rate_is_dashes_after_a_link_loss_until_a_fresh_reading() {
        let mut app = App::new(settings());
        feed(&mut app, [tick(0), reading(0, 130)]);
        assert_eq!(app.heart_rate(), Some(130));
        assert_eq!(app.zone(), Some(TalkZone::Moderate));
        update(&mut app, tick(1_000));
        update(
            &mut app,
            link(LinkEvent::Lost {
                reason: LossReason::Watchdog,
            }),
        );
        assert_eq!(app.heart_rate(), None);
        assert_eq!(app.zone(), None);
        assert_eq!(
            app.link(),
            LinkState::Reconnecting {
                gap_start: Duration::ZERO
            }
        );
        update(&mut app, tick(12_000));
        assert_eq!(app.gap_so_far(), Some(secs(12)));
        update(&mut app, link(LinkEvent::Reconnected { gap: secs(12) }));
        assert_eq!(app.link(), LinkState::Connected);
        assert_eq!(app.last_gap(), Some(secs(12)));
        // Reconnected, but no reading yet: still "--", never the old 130.
        assert_eq!(app.heart_rate(), None);
        update(&mut app, reading(12_500, 141));
        assert_eq!(app.heart_rate(), Some(141));
        assert_eq!(app.zone(), Some(TalkZone::Vigorous));
    }

    #[test]
    fn heart_rate_is_dashes_three_seconds_after_the_last_reading() {
        let mut app = App::new(settings());
        feed(&mut app, [tick(5_000), reading(0, 120), tick(8_000)]);
        assert_eq!(app.heart_rate(), Some(120));
        assert_eq!(app.silent_for(), None);
        update(&mut app, tick(8_250));
        assert_eq!(app.heart_rate(), None);
        assert_eq!(app.silent_for(), Some(Duration::from_millis(3_250)));
        update(&mut app, reading(4_000, 121));
        assert_eq!(app.heart_rate(), Some(121));
    }

    #[test]
    fn contact_warnings_come_from_fresh_readings() {
        let mut app = App::new(settings());
        update(&mut app, reading_with(0, 90, Contact::NotDetected, vec![]));
        assert_eq!(app.heart_rate(), None);
        assert_eq!(
            app.contact_warning(),
            Some("no skin contact: wet the electrodes")
        );
        update(&mut app, reading(1_000, 0));
        assert!(app
            .contact_warning()
            .is_some_and(|w| w.contains("electrodes")));
        update(&mut app, reading(2_000, 90));
        assert_eq!(app.contact_warning(), None);
    }

    /// The alternating series 1024, 1044 (1/1024 s) has every successive difference 20 raw
    /// units = 19.53125 ms, so its RMSSD is 19.53125 ms exactly.
    #[test]
    fn rmssd_on_a_hand_checkable_series() {
        let mut app = App::new(settings());
        let mut ms = 0;
        let mut send = |app: &mut App, rr: Vec<u16>| {
            update(app, reading_with(ms, 60, Contact::Detected, rr));
            ms += 1000;
        };
        // 5 readings x 2 beats: 10 beats, 9 differences: not enough yet.
        for _ in 0..5 {
            send(&mut app, vec![1024, 1044]);
        }
        assert!(app.rr_seen());
        assert_eq!(app.live_rmssd_ms(), None);
        send(&mut app, vec![1024]);
        let rmssd = app.live_rmssd_ms().unwrap();
        assert!((rmssd - 19.53125).abs() < 1e-9, "{rmssd}");

        // An ectopic-looking 1400 (+34 %, then -27 %): both differences are skipped.
        send(&mut app, vec![1400, 1044]);
        let rmssd = app.live_rmssd_ms().unwrap();
        assert!((rmssd - 19.53125).abs() < 1e-9, "{rmssd}");

        // 250 raw = 244 ms is dropped and breaks the run: 1044 -> 1084 is not a pair.
        // 1084 -> 1044 is (40 raw), and 1044 -> 1024 (20 raw): 11 x 20 and 1 x 40 in all.
        send(&mut app, vec![250, 1084, 1044, 1024]);
        let raw = (11.0 * 400.0 + 1600.0) / 12.0;
        let expected = f64::sqrt(raw) * 1000.0 / 1024.0;
        let rmssd = app.live_rmssd_ms().unwrap();
        assert!((rmssd - expected).abs() < 1e-9, "{rmssd} vs {expected}");
    }

    #[test]
    fn rmssd_window_runs_and_freshness() {
        let mut app = App::new(settings());
        for s in 0..12 {
            update(
                &mut app,
                reading_with(s * 1000, 60, Contact::Detected, vec![1024, 1044]),
            );
        }
        assert!(app.live_rmssd_ms().is_some());
        // A link loss: no RMSSD shown, and the next beats start a new run.
        update(
            &mut app,
            link(LinkEvent::Lost {
                reason: LossReason::Disconnected,
            }),
        );
        assert_eq!(app.live_rmssd_ms(), None);
        // Over a minute later every old beat has left the window: 1 difference only.
        update(
            &mut app,
            reading_with(80_000, 60, Contact::Detected, vec![1024, 1044]),
        );
        assert_eq!(app.heart_rate(), Some(60));
        assert_eq!(app.live_rmssd_ms(), None);
    }

    #[test]
    fn target_cues_above_and_below() {
        let mut app = App::new(settings());
        update(&mut app, reading(0, 150));
        assert_eq!(
            app.target_cue(),
            Some(TargetCue::Above(
                "ease off: you should be able to talk in full sentences"
            ))
        );
        update(&mut app, reading(1_000, 110));
        assert_eq!(
            app.target_cue(),
            Some(TargetCue::Below(
                "pick it up a little: you should find singing hard"
            ))
        );
        update(&mut app, reading(2_000, 120));
        assert_eq!(app.target_cue(), Some(TargetCue::OnTarget));
        assert_eq!(
            target_cue(TalkZone::Light, TalkZone::Vigorous),
            TargetCue::Below("pick it up a little: you should manage only a few words")
        );
        assert!(matches!(
            target_cue(TalkZone::NearMax, TalkZone::Vigorous),
            TargetCue::Above(_)
        ));
    }

    #[test]
    fn laps_record_their_times() {
        let mut app = App::new(settings());
        feed(&mut app, (0..=30).map(|s| reading(s * 1000, 120)));
        feed(&mut app, [tick(30_200), Event::Key(KeyInput::Lap)]);
        feed(&mut app, [tick(45_000), Event::Key(KeyInput::Lap)]);
        let laps = app.laps();
        assert_eq!(laps.len(), 2);
        assert_eq!(laps[0].number, 1);
        assert_eq!(laps[0].elapsed, Duration::from_millis(30_200));
        assert_eq!(laps[0].reading_t, Some(t0() + TimeDelta::seconds(30)));
        assert_eq!(laps[0].wall, Some(t0() + TimeDelta::milliseconds(30_200)));
        assert_eq!(laps[0].active, secs(30));
        assert_eq!(laps[1].number, 2);
        assert_eq!(laps[1].elapsed, secs(45));
    }

    #[test]
    fn quit_help_and_redraw() {
        let mut app = App::new(settings());
        assert!(app.needs_redraw());
        app.mark_drawn();
        update(&mut app, tick(0));
        assert!(app.needs_redraw(), "the first tick shows the clock");
        app.mark_drawn();
        update(&mut app, tick(250));
        assert!(!app.needs_redraw(), "nothing shown changed");
        update(&mut app, tick(1_000));
        assert!(app.needs_redraw(), "the clock moved on a second");
        app.mark_drawn();
        update(&mut app, reading(0, 100));
        assert!(app.needs_redraw());
        app.mark_drawn();
        update(&mut app, Event::Key(KeyInput::ToggleHelp));
        assert!(app.show_help() && app.needs_redraw());
        update(&mut app, Event::Key(KeyInput::Dismiss));
        assert!(!app.show_help());
        assert!(!app.quit_requested());
        update(&mut app, Event::Key(KeyInput::Quit));
        assert!(app.quit_requested());
    }

    #[test]
    fn chart_history_is_bounded_and_scrolls_through_gaps() {
        let mut app = App::new(settings());
        feed(&mut app, (0..=700).map(|s| reading(s * 1000, 120)));
        assert_eq!(app.history().len(), 601);
        assert_eq!(app.chart_now(), Some(t0() + TimeDelta::seconds(700)));
        update(&mut app, tick(5_000));
        assert_eq!(app.chart_now(), Some(t0() + TimeDelta::seconds(705)));
        // Readings without a signal are not drawn.
        update(&mut app, reading(701_000, 0));
        assert_eq!(app.history().back().map(|p| p.hr), Some(120));
    }
}
