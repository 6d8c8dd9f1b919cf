//! The built-in workout simulator: a realistic ~40-minute session sent as the same raw 0x2A37
//! packets a chest strap sends, so `talkzone` runs end to end with no strap and simulated packets
//! take exactly the decode path a strap's packets take.
//!
//! Owns two things: a pure, seeded generator ([`Workout`], no clock, no I/O) and a thin async
//! [`run`] that stamps and sends its packets. It must not decode, judge or display anything.
//!
//! # The plan ([`default_plan`])
//! | phase      | duration | target HR (setpoint)       |
//! |------------|----------|----------------------------|
//! | warm-up    | 6 min    | ramps 75 -> 115 bpm        |
//! | moderate   | 20 min   | 132 bpm                    |
//! | vigorous   | 4 min    | 165 bpm                    |
//! | moderate   | 5 min    | 132 bpm                    |
//! | cool-down  | 5 min    | ramps 132 -> 88 bpm        |
//!
//! Heart rate lags a ramp by slope x time constant, so the warm-up ends near 112 bpm and the
//! cool-down, aimed at 88, ends near 95 bpm.
//!
//! For a 35-year-old (Tanaka HRmax 208 - 0.7 x 35 ~ 183 bpm, docs/science.md §2) moderate sits at
//! ~72 %HRmax and vigorous at ~90 %HRmax (ACSM categories, docs/science.md §1; the whole model: §19).
//!
//! # The beat model
//! - Heart rate follows the setpoint with first-order kinetics (time constant 30 s rising, 40 s
//!   falling: general exercise physiology, HR on-kinetics are faster than recovery), so changes of
//!   intensity are exponential, never steps. A slow random wander (SD ~1.5 bpm) rides on top.
//! - Beat by beat: RR = 60000 / HR + RSA + noise. Respiratory sinus arrhythmia (Task Force 1996,
//!   Eur Heart J 17:354, docs/science.md §6: the high-frequency band is breathing-driven) is a sine at
//!   the breathing rate, 0.22 Hz at 75 bpm rising to 0.5 Hz at 165 bpm, with an amplitude of
//!   +-50 ms at 75 bpm shrinking exponentially to +-3 ms at 165 bpm (vagal withdrawal with
//!   intensity). The beat-to-beat fluctuation whose correlations fall with intensity (so DFA
//!   alpha1 is ~1.0 at easy effort, 0.75 at the simulated person's VT1 and 0.5 near VT2) comes
//!   from [`super::simulated_heart`], which documents it. RR is clamped to 300-2000 ms, the
//!   plausible range of docs/science.md §11, and quantised to 1/1024 s (docs/science.md §8).
//! - Beats are continuous: each starts where the last ended, on the 1/1024 s grid, so the sum of
//!   all RR sent equals the time of the last beat exactly.
//!
//! # The packets (docs/science.md §8, like a Polar H10)
//! Packet n (n = 1, 2, ...) goes out at n seconds and carries the RR of the beats that ended in
//! ((n-1) s, n s], oldest first (0 to 3 of them). HR = round(60000 / mean of those RR), or of the
//! last beat when none ended. Contact detected, uint8 HR, RR flag always set. Every 10th packet
//! carries the cumulative energy expended in kJ, at 0.0015 kJ/s per bpm (0.11 kJ/s at 75 bpm,
//! 0.25 kJ/s at 165 bpm): an illustrative figure for the field, not an estimate of anyone's
//! expenditure.

use std::f64::consts::TAU;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::simulated_heart::{standard_normal, HeartModel, HeartNoise, SimulatedPerson};
use super::EventSender;
use crate::event::{Packet, SourceEvent};
use crate::protocol::heart_rate::{encode, HrFormat, Measurement};
use crate::reading::{Contact, RrInterval};

/// HR kinetics time constant when the setpoint is above the current HR, seconds.
const TAU_RISE_S: f64 = 30.0;
/// HR kinetics time constant when the setpoint is below the current HR, seconds.
const TAU_FALL_S: f64 = 40.0;
/// Slow HR wander: standard deviation (bpm) and correlation time (s).
const WANDER_SD_BPM: f64 = 1.5;
const WANDER_TAU_S: f64 = 60.0;
/// RR bounds, ms (docs/science.md §11 plausibility range).
const RR_MIN_MS: f64 = 300.0;
const RR_MAX_MS: f64 = 2000.0;
/// Energy expended per second per bpm, kJ.
const KJ_PER_S_PER_BPM: f64 = 0.0015;
/// Energy rides in every this many packets.
const ENERGY_EVERY: u64 = 10;
/// Units of an RR interval per second (1/1024 s, docs/science.md §8).
const TICKS_PER_S: u64 = 1024;

/// One part of a workout: the HR setpoint moves linearly from `start_bpm` to `end_bpm` over
/// `duration` (equal for a steady phase).
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// What the phase is, in the user's words.
    pub name: &'static str,
    /// How long it lasts.
    pub duration: Duration,
    /// Setpoint at the start of the phase, bpm.
    pub start_bpm: f64,
    /// Setpoint at the end of the phase, bpm.
    pub end_bpm: f64,
}

impl Phase {
    /// A phase holding one target heart rate.
    pub fn steady(name: &'static str, minutes: u64, bpm: f64) -> Self {
        Self::ramp(name, minutes, bpm, bpm)
    }

    /// A phase whose target moves linearly from `from_bpm` to `to_bpm`.
    pub fn ramp(name: &'static str, minutes: u64, from_bpm: f64, to_bpm: f64) -> Self {
        Phase {
            name,
            duration: Duration::from_secs(minutes * 60),
            start_bpm: from_bpm,
            end_bpm: to_bpm,
        }
    }
}

/// The default ~40-minute session (see the module doc for the table).
pub fn default_plan() -> Vec<Phase> {
    vec![
        Phase::ramp("warm-up", 6, 75.0, 115.0),
        Phase::steady("moderate", 20, 132.0),
        Phase::steady("vigorous", 4, 165.0),
        Phase::steady("moderate", 5, 132.0),
        Phase::ramp("cool-down", 5, 132.0, 88.0),
    ]
}

/// A ramp for threshold tests (talk-test calibration, DFA alpha1): a 6-minute warm-up from 90
/// bpm (light effort already: see [`person_ramp_plan`]) to `from_bpm`, then 2-minute steps from `from_bpm` rising by `step_bpm` while at most
/// `to_bpm`, then a 5-minute cool-down to 90 bpm. With the first-order kinetics of the beat
/// model (30 s rising) heart rate settles within the first minute of each step.
pub fn ramp_plan(from_bpm: f64, to_bpm: f64, step_bpm: f64) -> Vec<Phase> {
    let mut plan = vec![Phase::ramp("warm-up", 6, 90.0, from_bpm)];
    let step = step_bpm.max(1.0);
    let mut bpm = from_bpm;
    let mut last = from_bpm;
    while bpm <= to_bpm && plan.len() < 100 {
        plan.push(Phase::steady("step", 2, bpm));
        last = bpm;
        bpm += step;
    }
    plan.push(Phase::ramp("cool-down", 5, last, 90.0));
    plan
}

/// The ramp for `person`: steps of 8 bpm from 36 bpm below VT1 up to 5 bpm below the maximum
/// (for the default person 104, 112, ..., 176 bpm).
pub fn person_ramp_plan(person: &SimulatedPerson) -> Vec<Phase> {
    ramp_plan(person.vt1_bpm - 36.0, person.max_hr_bpm - 5.0, 8.0)
}

/// A talk-test calibration for `person` (`talkzone calibrate --simulate`): a warm-up of
/// `warmup` from 90 bpm to 36 bpm below VT1, then `stages` stages of `stage` each, 8 bpm apart
/// from there as in [`person_ramp_plan`] but never above the person's maximum, then a 5-minute
/// cool-down to 90 bpm.
pub fn talk_test_plan(
    person: &SimulatedPerson,
    warmup: Duration,
    stage: Duration,
    stages: u32,
) -> Vec<Phase> {
    let from = person.vt1_bpm - 36.0;
    let mut plan = vec![Phase {
        duration: warmup,
        ..Phase::ramp("warm-up", 0, 90.0, from)
    }];
    let mut last = from;
    for n in 0..stages {
        last = (from + 8.0 * f64::from(n)).min(person.max_hr_bpm);
        plan.push(Phase {
            duration: stage,
            ..Phase::steady("stage", 0, last)
        });
    }
    plan.push(Phase::ramp("cool-down", 5, last, 90.0));
    plan
}

/// Total duration of a plan.
pub fn plan_duration(plan: &[Phase]) -> Duration {
    plan.iter().map(|p| p.duration).sum()
}

/// The HR setpoint `t_s` seconds into a plan; the last phase's end value holds after the plan
/// ends. An empty plan holds 70 bpm.
fn setpoint_bpm(plan: &[Phase], t_s: f64) -> f64 {
    let mut phase_start = 0.0;
    for p in plan {
        let len = p.duration.as_secs_f64();
        if t_s < phase_start + len {
            let frac = ((t_s - phase_start) / len).clamp(0.0, 1.0);
            return p.start_bpm + frac * (p.end_bpm - p.start_bpm);
        }
        phase_start += len;
    }
    plan.last().map_or(70.0, |p| p.end_bpm)
}

/// Breathing rate, Hz: 0.22 at <= 75 bpm rising linearly to 0.5 at >= 165 bpm.
fn breathing_hz(hr: f64) -> f64 {
    let x = ((hr - 75.0) / 90.0).clamp(0.0, 1.0);
    0.22 + x * (0.5 - 0.22)
}

/// RSA amplitude, ms: 50 at 75 bpm, 3 at 165 bpm, exponential in between; capped at 60 ms.
fn rsa_amplitude_ms(hr: f64) -> f64 {
    let k = 90.0 / (50.0_f64 / 3.0).ln();
    (50.0 * (-(hr - 75.0) / k).exp()).min(60.0)
}

/// One simulated packet: what the strap sends and when, relative to the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPacket {
    /// Time since the workout started (a whole number of seconds).
    pub offset: Duration,
    /// The measurement; encode it with [`encode`] for the raw bytes.
    pub measurement: Measurement,
}

/// The pure, seeded generator: an iterator of one packet per second over the plan.
#[derive(Debug, Clone)]
pub struct Workout {
    plan: Vec<Phase>,
    /// Number of packets in the whole workout (plan duration in whole seconds).
    packets_total: u64,
    rng: StdRng,
    /// The beat-to-beat fluctuation (super::simulated_heart).
    heart: HeartNoise,
    /// Heart rate following the setpoint with first-order kinetics, bpm.
    hr: f64,
    /// Slow random wander added to `hr`, bpm.
    wander: f64,
    /// Breathing phase, in cycles (0..1).
    breath: f64,
    /// The beat in progress and when it ends, in 1/1024 s since the start.
    pending: RrInterval,
    pending_end: u64,
    /// The last beat sent, for the HR field of a packet with no beats.
    last_sent: Option<RrInterval>,
    energy_kj: f64,
    /// Packets emitted so far.
    sent: u64,
}

impl Workout {
    /// A workout over `plan`, reproducible for a given `seed`. The first beat starts at 0 s.
    pub fn new(plan: Vec<Phase>, seed: u64) -> Self {
        Self::with_heart(plan, seed, HeartModel::default())
    }

    /// The same with another heart (person, fluctuation model).
    pub fn with_heart(plan: Vec<Phase>, seed: u64, model: HeartModel) -> Self {
        let packets_total = plan_duration(&plan).as_secs();
        let hr = setpoint_bpm(&plan, 0.0);
        let mut rng = StdRng::seed_from_u64(seed);
        let heart = HeartNoise::new(model, &mut rng);
        let mut w = Workout {
            plan,
            packets_total,
            rng,
            heart,
            hr,
            wander: 0.0,
            breath: 0.0,
            pending: RrInterval::Ticks(0),
            pending_end: 0,
            last_sent: None,
            energy_kj: 0.0,
            sent: 0,
        };
        w.pending = w.next_beat(0);
        w.pending_end = u64::from(w.pending.raw());
        w
    }

    /// A standard normal sample (Box-Muller).
    fn gaussian(&mut self) -> f64 {
        standard_normal(&mut self.rng)
    }

    /// Generate the beat starting at `start` (1/1024 s since the start), advancing the HR
    /// kinetics, the wander and the breathing phase over it.
    fn next_beat(&mut self, start: u64) -> RrInterval {
        let t_s = start as f64 / TICKS_PER_S as f64;
        let target = setpoint_bpm(&self.plan, t_s);
        let dt = 60.0 / self.hr.max(30.0);
        let tau = if target > self.hr {
            TAU_RISE_S
        } else {
            TAU_FALL_S
        };
        self.hr += (target - self.hr) * (1.0 - (-dt / tau).exp());
        // Ornstein-Uhlenbeck step for the wander (exact discretisation).
        let decay = (-dt / WANDER_TAU_S).exp();
        self.wander =
            self.wander * decay + WANDER_SD_BPM * (1.0 - decay * decay).sqrt() * self.gaussian();
        let hr = (self.hr + self.wander).max(30.0);

        let rsa = rsa_amplitude_ms(hr) * (TAU * self.breath).sin();
        let fluctuation = self.heart.next_ms(self.hr, &mut self.rng);
        let rr_ms = (60_000.0 / hr + rsa + fluctuation).clamp(RR_MIN_MS, RR_MAX_MS);
        let rr = RrInterval::from_ms(rr_ms);
        self.breath = (self.breath + breathing_hz(hr) * rr.ms() / 1000.0).fract();
        rr
    }
}

impl Iterator for Workout {
    type Item = SimPacket;

    fn next(&mut self) -> Option<SimPacket> {
        if self.sent >= self.packets_total {
            return None;
        }
        self.sent += 1;
        let now = self.sent * TICKS_PER_S;

        let mut rr = Vec::with_capacity(3);
        while self.pending_end <= now {
            rr.push(self.pending);
            let start = self.pending_end;
            self.pending = self.next_beat(start);
            self.pending_end = start + u64::from(self.pending.raw());
        }
        if let Some(&last) = rr.last() {
            self.last_sent = Some(last);
        }

        let mean_ms = if rr.is_empty() {
            self.last_sent.map_or(60_000.0 / self.hr, |r| r.ms())
        } else {
            rr.iter().map(|r| r.ms()).sum::<f64>() / rr.len() as f64
        };
        let hr = (60_000.0 / mean_ms).round().clamp(1.0, 255.0) as u16;

        self.energy_kj += KJ_PER_S_PER_BPM * f64::from(hr);
        let energy_kj = (self.sent % ENERGY_EVERY == 0)
            .then(|| self.energy_kj.floor().min(f64::from(u16::MAX)) as u16);

        Some(SimPacket {
            offset: Duration::from_secs(self.sent),
            measurement: Measurement {
                hr,
                hr_format: HrFormat::U8,
                contact: Contact::Detected,
                energy_kj,
                rr_present: true,
                rr,
            },
        })
    }
}

/// The default workout for `seed`.
pub fn simulated_workout(seed: u64) -> Workout {
    Workout::new(default_plan(), seed)
}

/// A morning resting check: lying still, heart rate steady around `bpm` for `minutes`, with the
/// large breathing-driven variability of a rested heart (see the beat model above).
pub fn resting_plan(minutes: u64, bpm: f64) -> Vec<Phase> {
    vec![Phase::steady("rest", minutes, bpm)]
}

/// Send a workout's packets stamped `start + offset`: in real time (no drift: each packet waits
/// for its own deadline) or, when `fast`, as fast as the channel takes them. Ends quietly when
/// the workout ends or the receiver is gone.
pub async fn run(
    workout: Workout,
    start: chrono::DateTime<chrono::Utc>,
    fast: bool,
    tx: EventSender,
) {
    let t0 = tokio::time::Instant::now();
    for p in workout {
        if !fast {
            tokio::time::sleep_until(t0 + p.offset).await;
        }
        let Ok(offset) = chrono::Duration::from_std(p.offset) else {
            return;
        };
        let packet = Packet {
            t: start + offset,
            bytes: encode(&p.measurement),
        };
        if tx.send(SourceEvent::Packet(packet)).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::heart_rate::decode;

    fn all(seed: u64) -> Vec<SimPacket> {
        simulated_workout(seed).collect()
    }

    /// RR (ms) of the beats in packets with offset in (from_s, to_s].
    fn rr_between(packets: &[SimPacket], from_s: u64, to_s: u64) -> Vec<f64> {
        packets
            .iter()
            .filter(|p| p.offset.as_secs() > from_s && p.offset.as_secs() <= to_s)
            .flat_map(|p| p.measurement.rr.iter().map(|r| r.ms()))
            .collect()
    }

    fn mean_hr(rr: &[f64]) -> f64 {
        60_000.0 / (rr.iter().sum::<f64>() / rr.len() as f64)
    }

    fn rmssd(rr: &[f64]) -> f64 {
        let sq: Vec<f64> = rr.windows(2).map(|w| (w[1] - w[0]).powi(2)).collect();
        (sq.iter().sum::<f64>() / sq.len() as f64).sqrt()
    }

    #[test]
    fn the_talk_test_plan_holds_its_stages_for_the_test_s_own_lengths() {
        let person = SimulatedPerson::default();
        let plan = talk_test_plan(
            &person,
            Duration::from_secs(100),
            Duration::from_secs(150),
            15,
        );
        assert_eq!(plan.len(), 17);
        assert_eq!(plan[0].duration, Duration::from_secs(100));
        assert_eq!((plan[0].start_bpm, plan[0].end_bpm), (90.0, 104.0));
        // 104, 112, ... capped at the maximum (183) from stage 11 (184) on.
        assert_eq!(plan[1].start_bpm, 104.0);
        assert_eq!(plan[10].start_bpm, 176.0);
        assert_eq!(plan[11].start_bpm, 183.0);
        assert!(plan[1..16]
            .iter()
            .all(|p| p.duration == Duration::from_secs(150) && p.start_bpm == p.end_bpm));
        assert_eq!((plan[16].start_bpm, plan[16].end_bpm), (183.0, 90.0));
    }

    #[test]
    fn plan_phases_and_duration() {
        let plan = default_plan();
        let names: Vec<_> = plan.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            ["warm-up", "moderate", "vigorous", "moderate", "cool-down"]
        );
        let minutes: Vec<_> = plan.iter().map(|p| p.duration.as_secs() / 60).collect();
        assert_eq!(minutes, [6, 20, 4, 5, 5]);
        assert_eq!(plan_duration(&plan), Duration::from_secs(40 * 60));
        assert_eq!((plan[0].start_bpm, plan[0].end_bpm), (75.0, 115.0));
        assert_eq!((plan[4].start_bpm, plan[4].end_bpm), (132.0, 88.0));
    }

    #[test]
    fn setpoint_follows_the_plan() {
        let plan = default_plan();
        assert_eq!(setpoint_bpm(&plan, 0.0), 75.0);
        assert_eq!(setpoint_bpm(&plan, 180.0), 95.0); // halfway up the warm-up ramp
        assert_eq!(setpoint_bpm(&plan, 600.0), 132.0);
        assert_eq!(setpoint_bpm(&plan, 27.0 * 60.0), 165.0);
        assert_eq!(setpoint_bpm(&plan, 5000.0), 88.0); // holds after the end
    }

    #[test]
    fn one_packet_per_second_for_forty_minutes() {
        let packets = all(1);
        assert_eq!(packets.len(), 2400);
        for (i, p) in packets.iter().enumerate() {
            assert_eq!(p.offset, Duration::from_secs(i as u64 + 1));
            assert!(p.measurement.rr.len() <= 3, "packet {i}");
            assert!(p.measurement.rr_present);
            assert_eq!(p.measurement.contact, Contact::Detected);
            assert_eq!(p.measurement.hr_format, HrFormat::U8);
        }
    }

    #[test]
    fn heart_rate_matches_each_phase() {
        for seed in [1, 2, 3] {
            let p = all(seed);
            // Start of the warm-up: ~75-85 bpm.
            let hr = mean_hr(&rr_between(&p, 0, 60));
            assert!((72.0..=88.0).contains(&hr), "seed {seed}: warm-up {hr}");
            // Moderate, settled: minutes 12-20 -> 132 +- 4.
            let hr = mean_hr(&rr_between(&p, 12 * 60, 20 * 60));
            assert!((hr - 132.0).abs() <= 4.0, "seed {seed}: moderate {hr}");
            // Vigorous, settled: minutes 28-30 -> 165 +- 4, and reaches >= 155.
            let hr = mean_hr(&rr_between(&p, 28 * 60, 30 * 60));
            assert!((hr - 165.0).abs() <= 4.0, "seed {seed}: vigorous {hr}");
            let peak = p[26 * 60..30 * 60]
                .iter()
                .map(|x| x.measurement.hr)
                .max()
                .unwrap_or(0);
            assert!(peak >= 155, "seed {seed}: peak {peak}");
            // Second moderate, settled: minutes 32-35.
            let hr = mean_hr(&rr_between(&p, 32 * 60, 35 * 60));
            assert!((hr - 132.0).abs() <= 4.0, "seed {seed}: moderate 2 {hr}");
            // End of the cool-down: HR lags the ramp by ~6 bpm and ends near 95.
            let hr = mean_hr(&rr_between(&p, 2370, 2400));
            assert!((hr - 95.0).abs() <= 5.0, "seed {seed}: cool-down {hr}");
        }
    }

    #[test]
    fn vigorous_onset_is_gradual() {
        // First-order kinetics: 10 s into the interval HR is well short of 165, after 2 min close.
        let p = all(4);
        let at = |s: usize| p[s - 1].measurement.hr;
        let onset = 26 * 60;
        assert!(at(onset + 10) < 150, "{}", at(onset + 10));
        assert!(at(onset + 120) > 155, "{}", at(onset + 120));
    }

    #[test]
    fn rr_is_continuous_and_plausible() {
        for seed in 0..6 {
            let mut sum_ms = 0.0;
            let mut last = 0.0;
            for p in simulated_workout(seed) {
                for r in &p.measurement.rr {
                    let ms = r.ms();
                    assert!((300.0..=2000.0).contains(&ms), "seed {seed}: {ms}");
                    sum_ms += ms;
                    last = ms;
                }
                // Every beat counted once: the beats sent end no later than now, and the one in
                // progress is shorter than the 2000 ms maximum.
                let elapsed = p.offset.as_secs_f64() * 1000.0;
                assert!(sum_ms <= elapsed, "seed {seed}: {sum_ms} > {elapsed}");
                assert!(elapsed - sum_ms < 2000.0, "seed {seed}: lag at {elapsed}");
            }
            // At the end: within one beat.
            let gap = 2_400_000.0 - sum_ms;
            assert!((0.0..1.5 * last).contains(&gap), "seed {seed}: gap {gap}");
        }
    }

    #[test]
    fn hr_field_is_mean_of_packet_rr() {
        let mut prev: Option<f64> = None;
        for p in simulated_workout(5) {
            let m = &p.measurement;
            let mean = if m.rr.is_empty() {
                prev.unwrap_or(0.0)
            } else {
                m.rr.iter().map(|r| r.ms()).sum::<f64>() / m.rr.len() as f64
            };
            assert_eq!(f64::from(m.hr), (60_000.0 / mean).round());
            if let Some(r) = m.rr.last() {
                prev = Some(r.ms());
            }
        }
    }

    #[test]
    fn rmssd_shrinks_with_intensity() {
        let p = all(7);
        let rest = rmssd(&rr_between(&p, 0, 120));
        let hard = rmssd(&rr_between(&p, 28 * 60, 30 * 60));
        assert!(rest > 20.0, "warm-up RMSSD {rest}");
        assert!(hard < 10.0, "vigorous RMSSD {hard}");
        assert!(rest > 3.0 * hard, "{rest} vs {hard}");
    }

    #[test]
    fn deterministic_per_seed() {
        assert_eq!(all(42), all(42));
        assert_ne!(all(42), all(43));
    }

    #[test]
    fn every_packet_round_trips_through_the_decoder() {
        for p in simulated_workout(9) {
            assert_eq!(decode(&encode(&p.measurement)), Ok(p.measurement));
        }
    }

    #[test]
    fn energy_every_tenth_packet_and_never_decreasing() {
        let p = all(11);
        let mut last = 0;
        for x in &p {
            let n = x.offset.as_secs();
            assert_eq!(x.measurement.energy_kj.is_some(), n % 10 == 0, "packet {n}");
            if let Some(e) = x.measurement.energy_kj {
                assert!(e >= last, "packet {n}: {e} < {last}");
                last = e;
            }
        }
        // 40 min at 0.11-0.25 kJ/s: a few hundred kJ.
        assert!((300..=600).contains(&last), "total {last} kJ");
    }

    #[test]
    fn empty_plan_sends_nothing() {
        assert_eq!(Workout::new(Vec::new(), 1).count(), 0);
    }

    #[tokio::test]
    async fn run_fast_sends_every_packet_stamped() {
        let start = chrono::DateTime::parse_from_rfc3339("2024-05-01T07:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        let sender = tokio::spawn(run(simulated_workout(3), start, true, tx));
        let mut got = Vec::new();
        while let Some(ev) = rx.recv().await {
            got.push(ev);
        }
        sender.await.unwrap();
        assert_eq!(got.len(), 2400);
        let expected = all(3);
        for (i, (ev, sim)) in got.iter().zip(&expected).enumerate() {
            let SourceEvent::Packet(pk) = ev else {
                panic!("event {i} is not a packet");
            };
            assert_eq!(pk.t, start + chrono::Duration::seconds(i as i64 + 1));
            assert_eq!(pk.bytes, encode(&sim.measurement));
        }
    }

    #[tokio::test]
    async fn run_stops_when_the_receiver_is_dropped() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let sender = tokio::spawn(run(simulated_workout(3), chrono::Utc::now(), true, tx));
        assert!(rx.recv().await.is_some());
        drop(rx);
        sender.await.unwrap(); // returns instead of hanging or panicking
    }
}
