//! A workout session's life in the imperative shell: which zones are in force, recording every
//! reading to the store while it runs, summarising it at the end (with the flags that need other
//! days), and recovering sessions that a killed process left unfinished.
//!
//! Physiology stays pure in [`crate::physiology`]; storage stays dumb in [`crate::store::db`];
//! this module is where the two meet, so `live`, `import` and recovery share one way to finish
//! a session.

use std::time::Instant;

use chrono::{DateTime, Days, Local, NaiveDate, TimeZone, Utc};

use crate::config::Settings;
use crate::error::AppError;
use crate::event::{DeviceInfo, LinkEvent, LossReason};
use crate::physiology::dfa::{self, DfaOptions};
use crate::physiology::summary::{
    summarise, without_paused, Flag, PausedSpan, Summary, SummaryOptions,
};
use crate::physiology::week::{hard_day_after_hard_day, SessionDigest};
use crate::physiology::zones::{resolve, zone_table, MeasuredTalkTest, PersonInputs, ZoneTable};
use crate::pipeline::Output;
use crate::reading::{Reading, Source};
use crate::store::db::{Db, Listing, NewSession, Recorder, SessionId, SessionRow, SessionStatus};
use crate::store::lock::RecordingLock;

/// The age zones assume when the profile has neither an age nor a measured HRmax, so a first
/// run with no config still shows sensible zones (and says how to make them personal).
pub const ASSUMED_AGE: u8 = 40;

/// The zone table to use now, and anything the user should be told about it.
#[derive(Debug, Clone)]
pub struct ZonesInForce {
    pub table: ZoneTable,
    /// E.g. "zones assume age 40: set `[profile]` age or max_hr in your config".
    pub notes: Vec<String>,
    /// Which model and why ("auto: talk_test, from your talk test of 12 Nov 2026 ...").
    pub why: String,
    /// Where talk-test thresholds came from, for the live cue ("your talk test of 12 Nov").
    pub cue_source: Option<String>,
    /// The calibration the zones come from, if any.
    pub calibration: Option<i64>,
}

/// The zones in force for these settings. `baseline_resting_hr` is the morning-check baseline,
/// when one exists (it wins over `profile.resting_hr`, docs/science.md §2, §17);
/// `calibration` the latest talk test that reached a "no" (`[zones] model = "auto"`, §20).
pub fn zones_in_force(
    settings: &Settings,
    baseline_resting_hr: Option<f64>,
    calibration: Option<MeasuredTalkTest>,
) -> Result<ZonesInForce, AppError> {
    let mut person = PersonInputs::from_profile(&settings.profile, baseline_resting_hr);
    person.calibration = calibration;
    // Resolved before an age is assumed: an assumed HRmax is no reason to choose `hrr`.
    let basis = resolve(&settings.zones.config, &person);
    let mut notes = Vec::new();
    let assumed = person.age.is_none() && person.max_hr.is_none();
    if assumed {
        person.age = Some(ASSUMED_AGE);
        notes.push(format!(
            "zones assume age {ASSUMED_AGE}: set [profile] age (or max_hr) in your config for \
             zones of your own (`talkzone zones` shows them)"
        ));
    }
    let mut table = zone_table(&basis.config, &person)?;
    if assumed {
        table.max_hr_source = format!(
            "{} (age {ASSUMED_AGE} assumed: profile.age not set)",
            table.max_hr_source
        );
    }
    Ok(ZonesInForce {
        table,
        notes,
        why: basis.why,
        cue_source: basis.cue_source,
        calibration: basis.calibration,
    })
}

/// Summary options from the settings.
pub fn summary_options(settings: &Settings) -> SummaryOptions {
    SummaryOptions {
        max_gap: settings.summary.max_gap,
        sex: settings.profile.sex,
        exercise_end: None,
        plausible: settings.summary.plausible,
    }
}

/// The stored summary of a finished session, if it has one that parses.
pub fn stored_summary(row: &SessionRow) -> Option<Summary> {
    serde_json::from_str(row.summary_json.as_deref()?).ok()
}

/// A finished session's digest (what week and readiness rules need), if its summary parses.
pub fn digest_of(row: &SessionRow) -> Option<SessionDigest> {
    let s = stored_summary(row)?;
    Some(SessionDigest::from_summary(
        &s,
        row.start.with_timezone(&Local).naive_local(),
    ))
}

/// The local calendar date an instant falls on (what a person calls "that day").
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Local).date_naive()
}

/// UTC bounds of local date `d` (start inclusive, next day's start exclusive).
pub fn local_day_bounds(d: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        Local
            .from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
    };
    let next = d.checked_add_days(Days::new(1)).unwrap_or(d);
    (start(d), start(next))
}

/// Digests of the finished sessions that started on local date `d`, except `skip`.
pub fn digests_on(
    db: &Db,
    d: NaiveDate,
    skip: Option<SessionId>,
) -> Result<Vec<SessionDigest>, AppError> {
    let (from, to) = local_day_bounds(d);
    Ok(db
        .sessions_between(from, to)?
        .iter()
        .filter(|row| Some(row.id) != skip)
        .filter_map(digest_of)
        .collect())
}

/// Summarise `readings` (less the `paused` spans) as session `id` and store the result with
/// `status`. Adds the flags that need other days (a hard day right after a hard day).
#[allow(clippy::too_many_arguments)]
pub fn finish(
    db: &mut Db,
    id: SessionId,
    start: DateTime<Utc>,
    readings: &[Reading],
    paused: &[PausedSpan],
    zones: &ZoneTable,
    opts: &SummaryOptions,
    status: SessionStatus,
) -> Result<Summary, AppError> {
    let counted;
    let readings = if paused.is_empty() {
        readings
    } else {
        counted = without_paused(readings, paused);
        &counted[..]
    };
    let mut summary = summarise(readings, zones, opts);
    // DFA alpha1 over the same readings (a day of them takes tens of milliseconds, once).
    summary.alpha1 = dfa::session_alpha1(&dfa::analyse(
        readings,
        &DfaOptions {
            max_gap: opts.max_gap,
            ..DfaOptions::default()
        },
    ));
    let day = local_date(start);
    let mut today = digests_on(db, day, Some(id))?;
    today.push(SessionDigest::from_summary(
        &summary,
        start.with_timezone(&Local).naive_local(),
    ));
    if let Some(yesterday) = day.checked_sub_days(Days::new(1)) {
        let before = digests_on(db, yesterday, None)?;
        if hard_day_after_hard_day(&today, &before)
            && !summary.flags.contains(&Flag::HardDayAfterHardDay)
        {
            summary.flags.push(Flag::HardDayAfterHardDay);
        }
    }
    let json = serde_json::to_string(&summary).map_err(|source| AppError::Encode {
        what: "summary",
        source,
    })?;
    let listing = Listing {
        class: Some(summary.class.id().to_owned()),
        avg_hr: summary.avg_hr,
        max_hr: summary.max_hr,
        active_s: Some(summary.active_s),
        moderate_equivalent_min: Some(summary.moderate_equivalent_min),
        trimp: Some(summary.trimp),
    };
    let end = summary.end.unwrap_or(start);
    db.finish_session(id, end, status, &json, &listing)?;
    Ok(summary)
}

/// The folder holding the database (and the recording locks).
fn data_dir_of(db: &Db) -> std::path::PathBuf {
    db.path()
        .parent()
        .map(ToOwned::to_owned)
        .unwrap_or_default()
}

/// Close, summarise and mark `recovered` every session a killed process left `recording`, with
/// the zones stored when it started. A session without a single reading (killed before its
/// first commit) is removed instead, as a finished one would be. Sessions another live
/// talkzone is still recording (it holds their lock) are left alone. Returns what was
/// recovered.
pub fn recover_unfinished(
    db: &mut Db,
    settings: &Settings,
) -> Result<Vec<(SessionId, Summary)>, AppError> {
    let opts = summary_options(settings);
    let dir = data_dir_of(db);
    let mut out = Vec::new();
    for row in db.unfinished_sessions()? {
        // Held by us while we recover it, so two talkzones never recover the same session; if
        // someone holds it, it is being recorded right now.
        let Ok(_lock) = RecordingLock::acquire(&dir, row.id) else {
            continue;
        };
        let zones: ZoneTable = match serde_json::from_str(&row.zones_json) {
            Ok(z) => z,
            Err(_) => zones_in_force(settings, None, None)?.table,
        };
        let readings = db.readings(row.id)?;
        if readings.is_empty() {
            db.delete_session(row.id)?;
            continue;
        }
        let paused = paused_spans(db, row.id)?;
        let opts = SummaryOptions {
            exercise_end: db.laps(row.id)?.last().copied(),
            ..opts
        };
        let summary = finish(
            db,
            row.id,
            row.start,
            &readings,
            &paused,
            &zones,
            &opts,
            SessionStatus::Recovered,
        )?;
        out.push((row.id, summary));
    }
    Ok(out)
}

/// The spans session `id` was paused, as stored.
pub fn paused_spans(db: &Db, id: SessionId) -> Result<Vec<PausedSpan>, AppError> {
    Ok(db
        .gaps(id)?
        .into_iter()
        .filter(|g| g.reason == LossReason::Paused)
        .map(|g| (g.start, g.end))
        .collect())
}

/// A session being recorded live: every reading goes to the store (committed at least once a
/// second) and is kept for the summary at the end.
pub struct Recording {
    /// Held while recording, so no other talkzone "recovers" this session under our feet.
    _lock: RecordingLock,
    db: Db,
    recorder: Recorder,
    id: SessionId,
    start: DateTime<Utc>,
    readings: Vec<Reading>,
    paused: Vec<PausedSpan>,
    zones: ZoneTable,
    opts: SummaryOptions,
}

impl Recording {
    /// Start session at `start` in `db`.
    pub fn start(
        mut db: Db,
        start: DateTime<Utc>,
        source: Source,
        device: Option<DeviceInfo>,
        zones: &ZoneTable,
        opts: SummaryOptions,
    ) -> Result<Self, AppError> {
        let zones_json = serde_json::to_string(zones).map_err(|source| AppError::Encode {
            what: "zones",
            source,
        })?;
        let id = db.start_session(&NewSession {
            start,
            source,
            device,
            zones_json,
        })?;
        // Between the insert above and this lock, another talkzone starting up may be looking at
        // the new row as unfinished and hold its lock for a moment: try again briefly. (If it
        // did recover it, finishing this recording rewrites its summary and status anyway.)
        let mut tries = 0;
        let lock = loop {
            match RecordingLock::acquire(&data_dir_of(&db), id) {
                Ok(lock) => break lock,
                Err(_) if tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(source) => {
                    return Err(AppError::Lock {
                        dir: data_dir_of(&db),
                        source,
                    })
                }
            }
        };
        let recorder = db.recorder(id)?;
        Ok(Recording {
            _lock: lock,
            db,
            recorder,
            id,
            start,
            readings: Vec::new(),
            paused: Vec::new(),
            zones: zones.clone(),
            opts,
        })
    }

    /// The session's id.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// Record one pipeline output: readings are stored and kept, link losses open a gap, a
    /// reconnection closes it, the strap's identity is stored once known.
    pub fn record(&mut self, out: &Output, now: Instant) -> Result<(), AppError> {
        match out {
            Output::Reading(r) => {
                self.recorder.push(r, now)?;
                self.readings.push(r.clone());
            }
            Output::Link { t, event } => match event {
                LinkEvent::Connected(info) => self.db.set_device(self.id, info)?,
                LinkEvent::Lost { reason } => self.recorder.gap_started(*t, *reason)?,
                LinkEvent::Reconnected { .. } => self.recorder.gap_ended(*t)?,
            },
            Output::BadPacket { .. } => {}
        }
        Ok(())
    }

    /// Commit what has waited long enough (call at [`Recording::commit_due`]).
    pub fn tick(&mut self, now: Instant) -> Result<(), AppError> {
        Ok(self.recorder.tick(now)?)
    }

    /// When the next commit is due, if anything waits for one: so no reading waits longer than
    /// [`crate::store::db::COMMIT_EVERY`] (a killed process loses at most that).
    pub fn commit_due(&self) -> Option<Instant> {
        self.recorder.commit_due()
    }

    /// Mark a lap at `t`. The last lap also marks the end of the exercise: when the strap stays
    /// on for a minute after it, the summary gives the heart-rate recovery.
    pub fn lap(&mut self, t: DateTime<Utc>) -> Result<(), AppError> {
        self.opts.exercise_end = Some(t);
        Ok(self.recorder.lap(t)?)
    }

    /// The user paused at `t`: readings go on being stored, but do not count until [`resume`].
    ///
    /// [`resume`]: Recording::resume
    pub fn pause(&mut self, t: DateTime<Utc>) -> Result<(), AppError> {
        if self.paused.last().is_some_and(|(_, end)| end.is_none()) {
            return Ok(());
        }
        self.paused.push((t, None));
        Ok(self.recorder.gap_started(t, LossReason::Paused)?)
    }

    /// The user resumed at `t`.
    pub fn resume(&mut self, t: DateTime<Utc>) -> Result<(), AppError> {
        match self.paused.last_mut() {
            Some((_, end @ None)) => {
                *end = Some(t);
                Ok(self.recorder.gap_ended(t)?)
            }
            _ => Ok(()),
        }
    }

    /// The readings so far.
    pub fn readings(&self) -> &[Reading] {
        &self.readings
    }

    /// Flush, summarise and store the summary; the session is `complete`. A session that got no
    /// reading at all (the strap connected, then nothing) is removed instead: `None`.
    pub fn finish(mut self) -> Result<Option<(SessionId, Summary)>, AppError> {
        self.recorder.flush()?;
        if self.readings.is_empty() {
            self.db.delete_session(self.id)?;
            return Ok(None);
        }
        let summary = finish(
            &mut self.db,
            self.id,
            self.start,
            &self.readings,
            &self.paused,
            &self.zones,
            &self.opts,
            SessionStatus::Complete,
        )?;
        Ok(Some((self.id, summary)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physiology::zones::{zone_table, PersonInputs, ZoneConfig};
    use crate::reading::Contact;
    use chrono::TimeZone;

    fn reading(t: DateTime<Utc>, hr: u16) -> Output {
        Output::Reading(Reading {
            t,
            hr,
            contact: Contact::Detected,
            energy_kj: None,
            rr: vec![],
            source: Source::Simulator,
        })
    }

    /// A recording with a lap as the end of exercise and a minute of readings after it: the
    /// summary has the heart-rate recovery (160 at the lap, 130 a minute later: 30 bpm), and
    /// the paused span counts as nothing.
    #[test]
    fn a_recording_stores_readings_laps_pauses_and_summarises() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let zones = zone_table(
            &ZoneConfig::default(),
            &PersonInputs {
                age: Some(40),
                ..PersonInputs::default()
            },
        )
        .unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).unwrap();
        let at = |s: i64| t0 + chrono::Duration::seconds(s);
        let mut rec = Recording::start(
            db,
            t0,
            Source::Simulator,
            None,
            &zones,
            SummaryOptions::default(),
        )
        .unwrap();
        let now = Instant::now();
        // 0-599 s at 160 bpm, paused 300-420 s (2 min), lap at 600 s, then 130 bpm to 660 s.
        for s in 0..=600 {
            if s == 300 {
                rec.pause(at(s)).unwrap();
            }
            if s == 420 {
                rec.resume(at(s)).unwrap();
            }
            rec.record(&reading(at(s), 160), now).unwrap();
        }
        rec.lap(at(600)).unwrap();
        for s in 601..=660 {
            rec.record(&reading(at(s), 130), now).unwrap();
        }
        let (id, summary) = rec.finish().unwrap().unwrap();
        assert_eq!(summary.hrr_1min, Some(30.0));
        // 660 s in all; the 2 paused minutes (readings 300..419 dropped, leaving a 121 s gap
        // from 299 to 420) count as nothing.
        assert_eq!(summary.duration_s, 660.0);
        assert_eq!(summary.gap_s, 121.0);
        assert_eq!(summary.active_s, 539.0);

        let db = Db::open(dir.path()).unwrap();
        assert_eq!(
            db.readings(id).unwrap().len(),
            661,
            "every beat is stored, paused or not"
        );
        assert_eq!(db.laps(id).unwrap(), vec![at(600)]);
        assert_eq!(
            paused_spans(&db, id).unwrap(),
            vec![(at(300), Some(at(420)))]
        );
        let row = db.session(id).unwrap().unwrap();
        assert_eq!(row.status, SessionStatus::Complete);
        assert_eq!(stored_summary(&row).unwrap(), summary);
    }

    /// Killed before its first commit (the first second): a session without a reading is
    /// removed at the next start, never listed as "recovered" forever; one with readings is
    /// recovered.
    #[test]
    fn recovery_removes_a_session_without_readings_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(dir.path()).unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).unwrap();
        let new = crate::store::db::NewSession {
            start: t0,
            source: Source::Simulator,
            device: None,
            zones_json: "{}".into(),
        };
        let empty = db.start_session(&new).unwrap();
        let kept = db.start_session(&new).unwrap();
        let Output::Reading(r) = reading(t0, 120) else {
            unreachable!()
        };
        db.insert_readings(kept, &[r]).unwrap();
        let settings = Settings::default();
        let recovered = recover_unfinished(&mut db, &settings).unwrap();
        assert_eq!(
            recovered.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            vec![kept]
        );
        assert_eq!(db.session(empty).unwrap(), None);
        assert_eq!(
            db.session(kept).unwrap().unwrap().status,
            SessionStatus::Recovered
        );
    }
}
