//! The live screen's state ([`App`]) and the pure [`update`] that applies one [`Event`] to it
//! and returns the [`Effect`]s the user asked for (pause, resume, lap, quit).
//!
//! Owns what is only the screen's: what heart rate may be shown (never a stale one), the link
//! state, the chart's history, the laps and pause as shown, the help overlay and the redraw
//! flag. The session's running numbers (time in zones, moderate-equivalent minutes, RMSSD,
//! week progress) are the physiology core's [`LiveNumbers`], owned by the session runner and
//! passed in to be drawn. Pure: no clock, no terminal, no I/O; monotonic and wall times come in
//! [`Event::Tick`], reading times in the readings. Drawing is [`super::view`]'s job.
//!
//! Freshness: a heart rate is shown only while its reading arrived at most [`FRESH_FOR`] ago
//! (monotonic, by the ticks) and the link has not been lost since (after a reconnect show "--"
//! until a fresh reading arrives: other projects kept showing the last value, dundring #156). Arrival is stamped with the latest tick's
//! monotonic time, so "3 s" is good to a tick (250 ms at 4 Hz).

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::event::{DeviceInfo, LinkEvent, LossReason};
use crate::physiology::dfa::DfaWindow;
use crate::physiology::live::{target_cue, LiveNumbers, TargetCue};
use crate::physiology::summary::has_signal;
use crate::physiology::zones::{TalkZone, ZoneTable};
use crate::pipeline::Output;
use crate::reading::{Contact, Reading};
use crate::ui::session_view::Effect;

/// A reading older than this (monotonic, since it arrived) is no longer shown.
pub const FRESH_FOR: Duration = Duration::from_secs(3);
/// How much heart-rate history the state keeps for the chart (it shows 5 or 10 minutes).
pub const CHART_HISTORY: Duration = Duration::from_secs(600);
/// The target zone when none is configured.
pub const DEFAULT_TARGET: TalkZone = TalkZone::Moderate;

/// What the dashboard is told once, at the start of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardSettings {
    /// The zone table in force (the one the session is recorded under).
    pub zones: ZoneTable,
    /// The zone the user aims for ([`DEFAULT_TARGET`] unless configured).
    pub target: TalkZone,
    /// Where the data comes from, as shown in the header ("strap", "simulator", a file name).
    pub source_label: String,
    /// Where the zones' talk-test thresholds came from, shown with the cue ("your talk test
    /// of 12 Nov"); `None` for the population models.
    pub zones_from: Option<String>,
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
    /// The link was lost (for `reason`) and the supervisor is reconnecting; the data stopped at
    /// monotonic time `gap_start`.
    Reconnecting {
        gap_start: Duration,
        reason: LossReason,
    },
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
    paused_since: Option<Duration>,
    paused_total: Duration,
    laps: Vec<Lap>,
    history: VecDeque<HrPoint>,
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
            paused_since: None,
            paused_total: Duration::ZERO,
            laps: Vec::new(),
            history: VecDeque::new(),
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

    /// `q` or Ctrl-C was pressed (also returned as [`Effect::Quit`]).
    pub fn quit_requested(&self) -> bool {
        self.quit_requested
    }

    /// Laps marked so far, oldest first (each was also returned as an [`Effect::Lap`]).
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
            LinkState::Reconnecting { gap_start, .. } => Some(self.now.saturating_sub(gap_start)),
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

    /// The cue against the target zone ([`target_cue`]), when there is a heart rate to judge.
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
        } else if !latest.signal {
            Some("the strap sent an impossible heart rate: ignored; check its fit and battery")
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

    /// The session's live RMSSD ([`LiveNumbers::rmssd_ms`]), shown only while the heart rate
    /// is fresh.
    pub fn live_rmssd_ms(&self, live: &LiveNumbers) -> Option<f64> {
        self.heart_rate()?;
        live.rmssd_ms()
    }

    /// The session's latest DFA alpha1 window ([`LiveNumbers::alpha1`]), shown only while the
    /// heart rate is fresh (an old window would describe an effort that is over).
    pub fn live_alpha1<'a>(&self, live: &'a LiveNumbers) -> Option<&'a DfaWindow> {
        self.heart_rate()?;
        live.alpha1()
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

    fn on_reading(&mut self, r: &Reading, live: &LiveNumbers) {
        let signal = has_signal(r, live.settings().plausible);
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

    fn on_link(&mut self, event: LinkEvent) {
        match event {
            LinkEvent::Connected(info) => {
                self.device = Some(info);
                self.link = LinkState::Connected;
            }
            LinkEvent::Lost { reason } => {
                let gap_start = self.last_data.map_or(self.now, |(_, seen)| seen);
                self.link = LinkState::Reconnecting { gap_start, reason };
                self.latest = None;
            }
            LinkEvent::Reconnected { gap } => {
                self.link = LinkState::Connected;
                self.last_gap = Some(gap);
                self.latest = None;
            }
        }
    }

    fn on_key(&mut self, key: KeyInput, live: &LiveNumbers) -> Option<Effect> {
        match key {
            KeyInput::Quit => {
                self.quit_requested = true;
                Some(Effect::Quit)
            }
            KeyInput::PauseResume => match self.paused_since.take() {
                Some(since) => {
                    self.paused_total += self.now.saturating_sub(since);
                    Some(Effect::Resume)
                }
                None => {
                    self.paused_since = Some(self.now);
                    Some(Effect::Pause)
                }
            },
            KeyInput::Lap => {
                let number = u32::try_from(self.laps.len()).map_or(u32::MAX, |n| n + 1);
                let reading_t = self.last_data.map(|(t, _)| t);
                self.laps.push(Lap {
                    number,
                    elapsed: self.now,
                    wall: self.wall,
                    reading_t,
                    active: live.active_time(),
                });
                Some(Effect::Lap { t: reading_t })
            }
            KeyInput::ToggleHelp => {
                self.show_help = !self.show_help;
                None
            }
            KeyInput::Dismiss => {
                self.show_help = false;
                None
            }
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

/// Applies one event to the state and returns what the user asked the session to do. Pure:
/// everything it needs is in `app`, `event` and the session's running numbers `live` (read
/// only: the runner applies the effects to them).
pub fn update(app: &mut App, event: Event, live: &LiveNumbers) -> Option<Effect> {
    match event {
        Event::Output(Output::Reading(r)) => {
            app.on_reading(&r, live);
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
            app.dirty = true;
            return app.on_key(key, live);
        }
        Event::Tick { now, wall } => app.on_tick(now, wall),
        Event::Resize => app.dirty = true,
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::LossReason;
    use crate::physiology::live::LiveSettings;
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
            source_label: "simulator".into(),
            zones_from: None,
        }
    }

    /// The screen with the session's running numbers, fed as the session runner feeds them:
    /// outputs go to the numbers first, then to the screen; the screen's effects are applied to
    /// the numbers.
    pub(crate) struct Screen {
        pub(crate) app: App,
        pub(crate) live: LiveNumbers,
        pub(crate) effects: Vec<Effect>,
    }

    impl Screen {
        pub(crate) fn new() -> Self {
            Self::with_settings(settings())
        }

        pub(crate) fn with_settings(settings: DashboardSettings) -> Self {
            Screen {
                app: App::new(settings),
                live: LiveNumbers::new(LiveSettings {
                    zones: Some(zones()),
                    max_gap: Duration::from_secs(10),
                    week_minutes_before: 100.0,
                    plausible: crate::physiology::summary::PlausibleHr::DEFAULT,
                    alpha1_step: crate::physiology::dfa::STEP,
                }),
                effects: Vec::new(),
            }
        }

        pub(crate) fn send(&mut self, event: Event) {
            if let Event::Output(out) = &event {
                match out {
                    Output::Reading(r) => self.live.reading(r),
                    Output::Link { .. } => self.live.link_changed(),
                    Output::BadPacket { .. } => {}
                }
            }
            if let Some(effect) = update(&mut self.app, event, &self.live) {
                match effect {
                    Effect::Pause => self.live.pause(),
                    Effect::Resume => self.live.resume(),
                    Effect::Lap { .. } | Effect::Quit => {}
                }
                self.effects.push(effect);
            }
        }

        pub(crate) fn feed(&mut self, events: impl IntoIterator<Item = Event>) {
            for e in events {
                self.send(e);
            }
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
            rr: rr.into_iter().map(RrInterval::Ticks).collect(),
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

    /// `p` returns Pause then Resume; the screen shows the paused time, the running numbers
    /// (which the effects reach) count nothing while paused, and the heart rate stays shown.
    #[test]
    fn pause_and_resume_are_effects_and_paused_time_counts_nothing() {
        let mut s = Screen::new();
        s.feed((0..=10).map(|t| reading(t * 1000, 120)));
        s.feed([tick(10_100), Event::Key(KeyInput::PauseResume)]);
        assert!(s.app.paused() && s.live.paused());
        s.feed((11..=20).map(|t| reading(t * 1000, 150)));
        s.feed([tick(20_600), Event::Key(KeyInput::PauseResume)]);
        assert!(!s.app.paused() && !s.live.paused());
        assert_eq!(s.effects, vec![Effect::Pause, Effect::Resume]);
        assert_eq!(s.app.paused_total(), Duration::from_millis(10_500));
        s.feed((21..=30).map(|t| reading(t * 1000, 120)));
        let z = s.live.time_in_zones();
        // 0..10 s and 21..30 s; the intervals across the switches are dropped.
        assert_eq!(z.moderate, secs(19));
        assert_eq!(z.vigorous, Duration::ZERO);
        // The heart rate is still shown while paused.
        assert_eq!(s.app.heart_rate(), Some(120));
    }

    #[test]
    fn heart_rate_is_dashes_after_a_link_loss_until_a_fresh_reading() {
        let mut s = Screen::new();
        s.feed([tick(0), reading(0, 130)]);
        assert_eq!(s.app.heart_rate(), Some(130));
        assert_eq!(s.app.zone(), Some(TalkZone::Moderate));
        s.send(tick(1_000));
        s.send(link(LinkEvent::Lost {
            reason: LossReason::Watchdog,
        }));
        assert_eq!(s.app.heart_rate(), None);
        assert_eq!(s.app.zone(), None);
        assert_eq!(
            s.app.link(),
            LinkState::Reconnecting {
                gap_start: Duration::ZERO,
                reason: LossReason::Watchdog
            }
        );
        s.send(tick(12_000));
        assert_eq!(s.app.gap_so_far(), Some(secs(12)));
        s.send(link(LinkEvent::Reconnected { gap: secs(12) }));
        assert_eq!(s.app.link(), LinkState::Connected);
        assert_eq!(s.app.last_gap(), Some(secs(12)));
        // Reconnected, but no reading yet: still "--", never the old 130.
        assert_eq!(s.app.heart_rate(), None);
        s.send(reading(12_500, 141));
        assert_eq!(s.app.heart_rate(), Some(141));
        assert_eq!(s.app.zone(), Some(TalkZone::Vigorous));
    }

    #[test]
    fn heart_rate_is_dashes_three_seconds_after_the_last_reading() {
        let mut s = Screen::new();
        s.feed([tick(5_000), reading(0, 120), tick(8_000)]);
        assert_eq!(s.app.heart_rate(), Some(120));
        assert_eq!(s.app.silent_for(), None);
        s.send(tick(8_250));
        assert_eq!(s.app.heart_rate(), None);
        assert_eq!(s.app.silent_for(), Some(Duration::from_millis(3_250)));
        s.send(reading(4_000, 121));
        assert_eq!(s.app.heart_rate(), Some(121));
    }

    /// A glitch of 65535 bpm never reaches the big number: "--" until a plausible reading.
    #[test]
    fn an_implausible_heart_rate_is_not_shown() {
        let mut s = Screen::new();
        s.feed([tick(0), reading(0, 130)]);
        assert_eq!(s.app.heart_rate(), Some(130));
        s.send(reading(1_000, 65_535));
        assert_eq!(s.app.heart_rate(), None);
        assert!(s
            .app
            .contact_warning()
            .unwrap()
            .contains("impossible heart rate"));
        assert_eq!(s.app.zone(), None);
        assert!(s.app.history().iter().all(|p| p.hr == 130));
        s.send(reading(2_000, 131));
        assert_eq!(s.app.heart_rate(), Some(131));
    }

    #[test]
    fn contact_warnings_come_from_fresh_readings() {
        let mut s = Screen::new();
        s.send(reading_with(0, 90, Contact::NotDetected, vec![]));
        assert_eq!(s.app.heart_rate(), None);
        assert_eq!(
            s.app.contact_warning(),
            Some("no skin contact: wet the electrodes")
        );
        s.send(reading(1_000, 0));
        assert!(s
            .app
            .contact_warning()
            .is_some_and(|w| w.contains("electrodes")));
        s.send(reading(2_000, 90));
        assert_eq!(s.app.contact_warning(), None);
    }

    /// The RMSSD is the running numbers' (tested in `physiology::live`); the screen shows it
    /// only while the heart rate is fresh.
    #[test]
    fn rmssd_is_shown_only_with_a_fresh_heart_rate() {
        let mut s = Screen::new();
        for t in 0..12 {
            s.send(reading_with(
                t * 1000,
                60,
                Contact::Detected,
                vec![1024, 1044],
            ));
        }
        assert!(s.live.rr_seen());
        let rmssd = s.app.live_rmssd_ms(&s.live).unwrap();
        assert!((rmssd - 19.53125).abs() < 1e-9, "{rmssd}");
        // A link loss: no RMSSD shown (the numbers still have one).
        s.send(link(LinkEvent::Lost {
            reason: LossReason::Disconnected,
        }));
        assert_eq!(s.app.live_rmssd_ms(&s.live), None);
        assert!(s.live.rmssd_ms().is_some());
        // Over a minute later every old beat has left the window: 1 difference only.
        s.send(reading_with(
            80_000,
            60,
            Contact::Detected,
            vec![1024, 1044],
        ));
        assert_eq!(s.app.heart_rate(), Some(60));
        assert_eq!(s.app.live_rmssd_ms(&s.live), None);
    }

    #[test]
    fn target_cues_above_and_below() {
        let mut s = Screen::new();
        s.send(reading(0, 150));
        assert_eq!(
            s.app.target_cue(),
            Some(TargetCue::Above(
                "ease off: you should be able to talk in full sentences"
            ))
        );
        s.send(reading(1_000, 110));
        assert_eq!(
            s.app.target_cue(),
            Some(TargetCue::Below(
                "pick it up a little: you should find singing hard"
            ))
        );
        s.send(reading(2_000, 120));
        assert_eq!(s.app.target_cue(), Some(TargetCue::OnTarget));
    }

    #[test]
    fn laps_record_their_times_and_are_effects() {
        let mut s = Screen::new();
        s.feed((0..=30).map(|t| reading(t * 1000, 120)));
        s.feed([tick(30_200), Event::Key(KeyInput::Lap)]);
        s.feed([tick(45_000), Event::Key(KeyInput::Lap)]);
        let laps = s.app.laps();
        assert_eq!(laps.len(), 2);
        assert_eq!(laps[0].number, 1);
        assert_eq!(laps[0].elapsed, Duration::from_millis(30_200));
        assert_eq!(laps[0].reading_t, Some(t0() + TimeDelta::seconds(30)));
        assert_eq!(laps[0].wall, Some(t0() + TimeDelta::milliseconds(30_200)));
        assert_eq!(laps[0].active, secs(30));
        assert_eq!(laps[1].number, 2);
        assert_eq!(laps[1].elapsed, secs(45));
        let at_30 = Some(t0() + TimeDelta::seconds(30));
        assert_eq!(
            s.effects,
            vec![Effect::Lap { t: at_30 }, Effect::Lap { t: at_30 }]
        );
    }

    #[test]
    fn quit_help_and_redraw() {
        let mut s = Screen::new();
        assert!(s.app.needs_redraw());
        s.app.mark_drawn();
        s.send(tick(0));
        assert!(s.app.needs_redraw(), "the first tick shows the clock");
        s.app.mark_drawn();
        s.send(tick(250));
        assert!(!s.app.needs_redraw(), "nothing shown changed");
        s.send(tick(1_000));
        assert!(s.app.needs_redraw(), "the clock moved on a second");
        s.app.mark_drawn();
        s.send(reading(0, 100));
        assert!(s.app.needs_redraw());
        s.app.mark_drawn();
        s.send(Event::Key(KeyInput::ToggleHelp));
        assert!(s.app.show_help() && s.app.needs_redraw());
        s.send(Event::Key(KeyInput::Dismiss));
        assert!(!s.app.show_help());
        assert!(!s.app.quit_requested());
        assert!(s.effects.is_empty(), "help is the screen's own business");
        s.send(Event::Key(KeyInput::Quit));
        assert!(s.app.quit_requested());
        assert_eq!(s.effects, vec![Effect::Quit]);
    }

    #[test]
    fn chart_history_is_bounded_and_scrolls_through_gaps() {
        let mut s = Screen::new();
        s.feed((0..=700).map(|t| reading(t * 1000, 120)));
        assert_eq!(s.app.history().len(), 601);
        assert_eq!(s.app.chart_now(), Some(t0() + TimeDelta::seconds(700)));
        s.send(tick(5_000));
        assert_eq!(s.app.chart_now(), Some(t0() + TimeDelta::seconds(705)));
        // Readings without a signal are not drawn.
        s.send(reading(701_000, 0));
        assert_eq!(s.app.history().back().map(|p| p.hr), Some(120));
    }
}
