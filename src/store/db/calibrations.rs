//! Talk-test calibrations: one row per test in `calibrations`, partial and aborted ones too,
//! each tied to the session that recorded it (deleting the session deletes its calibration).
//!
//! The store computes nothing: the caller hands over the three talk-test thresholds and the
//! alpha1 cross-check as plain columns (for the zones and the history without parsing JSON),
//! the stages as opaque JSON text, and why the test stopped (one of the protocol's four ids,
//! which a CHECK keeps even when the file is edited by hand). Its migration is
//! [`MIGRATION`], one self-contained entry of the schema's list.

use chrono::{DateTime, Utc};
use rusqlite::{params, Row};

use super::decode::{self, col, Bad};
use super::{sql_err, Db, SessionId, StoreError};

/// The migration that adds the table (appended to the schema's migrations).
pub(super) const MIGRATION: &str = "
CREATE TABLE calibrations (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_ms INTEGER NOT NULL,
    modality TEXT NOT NULL,
    warmup_s REAL NOT NULL,
    stage_s REAL NOT NULL,
    stopped TEXT NOT NULL CHECK (stopped IN ('negative', 'hr_limit', 'user', 'max_stages')),
    talk_ok_max_hr REAL,
    cannot_talk_hr REAL,
    sing_ok_max_hr REAL,
    hr_at_alpha1_075 REAL,
    hr_at_alpha1_050 REAL,
    stages_json TEXT NOT NULL
);
CREATE INDEX calibrations_by_time ON calibrations(t_ms);
CREATE INDEX calibrations_by_session ON calibrations(session_id);
";

/// A calibration, to store or as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationRow {
    /// The row id (ignored when adding).
    pub id: i64,
    pub session_id: SessionId,
    /// When the test started (its first reading).
    pub t: DateTime<Utc>,
    /// `walk`, `run`, `bike`, `other`.
    pub modality: String,
    pub warmup_s: f64,
    pub stage_s: f64,
    /// `negative`, `hr_limit`, `user`, `max_stages`.
    pub stopped: String,
    pub talk_ok_max_hr: Option<f64>,
    pub cannot_talk_hr: Option<f64>,
    pub sing_ok_max_hr: Option<f64>,
    pub hr_at_alpha1_075: Option<f64>,
    pub hr_at_alpha1_050: Option<f64>,
    /// The stages as JSON text (opaque to the store).
    pub stages_json: String,
}

const COLUMNS: &str = "id, session_id, t_ms, modality, warmup_s, stage_s, stopped, \
                       talk_ok_max_hr, cannot_talk_hr, sing_ok_max_hr, hr_at_alpha1_075, \
                       hr_at_alpha1_050, stages_json";

impl Db {
    /// Store a calibration; its id.
    pub fn add_calibration(&mut self, c: &CalibrationRow) -> Result<i64, StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO calibrations (session_id, t_ms, modality, warmup_s, stage_s, \
                 stopped, talk_ok_max_hr, cannot_talk_hr, sing_ok_max_hr, hr_at_alpha1_075, \
                 hr_at_alpha1_050, stages_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
                 ?10, ?11, ?12)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    c.session_id,
                    decode::to_ms(c.t),
                    c.modality,
                    c.warmup_s,
                    c.stage_s,
                    c.stopped,
                    c.talk_ok_max_hr,
                    c.cannot_talk_hr,
                    c.sing_ok_max_hr,
                    c.hr_at_alpha1_075,
                    c.hr_at_alpha1_050,
                    c.stages_json,
                ])
            })
            .map_err(sql_err(&self.path))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every calibration, newest first.
    pub fn calibrations(&self) -> Result<Vec<CalibrationRow>, StoreError> {
        self.rows(
            "calibrations",
            "id",
            &format!("SELECT {COLUMNS} FROM calibrations ORDER BY t_ms DESC, id DESC"),
            [],
            decode_calibration,
        )
    }
}

fn decode_calibration(row: &Row<'_>) -> Result<CalibrationRow, Bad> {
    let real =
        |i: usize, name: &str| -> Result<Option<f64>, Bad> { decode::opt_real(col(row, i)?, name) };
    Ok(CalibrationRow {
        id: decode::int(col(row, 0)?, "id")?,
        session_id: decode::int(col(row, 1)?, "session_id")?,
        t: decode::instant(decode::int(col(row, 2)?, "t_ms")?, "t_ms")?,
        modality: decode::text(col(row, 3)?, "modality")?.to_owned(),
        warmup_s: decode::real(col(row, 4)?, "warmup_s")?,
        stage_s: decode::real(col(row, 5)?, "stage_s")?,
        stopped: decode::text(col(row, 6)?, "stopped")?.to_owned(),
        talk_ok_max_hr: real(7, "talk_ok_max_hr")?,
        cannot_talk_hr: real(8, "cannot_talk_hr")?,
        sing_ok_max_hr: real(9, "sing_ok_max_hr")?,
        hr_at_alpha1_075: real(10, "hr_at_alpha1_075")?,
        hr_at_alpha1_050: real(11, "hr_at_alpha1_050")?,
        stages_json: decode::text(col(row, 12)?, "stages_json")?.to_owned(),
    })
}
