//! Writes raw capture files (the `--capture` format) for a made-up history, dated in the past,
//! so a talkzone history can be built by replaying them: `scripts/demo-overreaching` uses it.
//!
//! `history_captures DIR [FIRST_DAY]` writes, for 60 days from FIRST_DAY (default 60 days ago):
//! `morning-YYYY-MM-DD.jsonl`, a 4-minute resting check at 06:30 UTC (55 bpm for 50 days, then
//! 1 bpm more each morning), and on days with a workout `workout-YYYY-MM-DD.jsonl`, the
//! simulator's 40-minute session at 17:30 UTC (every other day; daily in the last 10 days, the
//! overload that the rising resting HR answers).

use std::path::Path;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use talkzone::event::Packet;
use talkzone::protocol::capture::packet_line;
use talkzone::protocol::heart_rate::encode;
use talkzone::source::simulator::{resting_plan, simulated_workout, Workout};

fn write(path: &Path, start: chrono::DateTime<Utc>, workout: Workout) -> std::io::Result<()> {
    let mut text = String::new();
    for p in workout {
        let offset = chrono::Duration::from_std(p.offset).unwrap_or_default();
        text.push_str(&packet_line(&Packet {
            t: start + offset,
            bytes: encode(&p.measurement),
        }));
        text.push('\n');
    }
    std::fs::write(path, text)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: history_captures DIR [FIRST_DAY]");
        std::process::exit(2);
    };
    let today = Utc::now().date_naive();
    let first = match args.next() {
        Some(d) => d.parse::<NaiveDate>().unwrap_or(today),
        None => today.checked_sub_days(Days::new(59)).unwrap_or(today),
    };
    std::fs::create_dir_all(&dir)?;
    for i in 0..60u64 {
        let Some(day) = first.checked_add_days(Days::new(i)) else {
            break;
        };
        let at = |h, m| Utc.from_utc_datetime(&day.and_hms_opt(h, m, 0).unwrap_or_default());
        let bpm = if i < 50 { 55.0 } else { 55.0 + (i - 49) as f64 };
        let morning = Path::new(&dir).join(format!("morning-{day}.jsonl"));
        write(
            &morning,
            at(6, 30),
            Workout::new(resting_plan(4, bpm), 1000 + i),
        )?;
        if i % 2 == 0 || i >= 50 {
            let workout = Path::new(&dir).join(format!("workout-{day}.jsonl"));
            write(&workout, at(17, 30), simulated_workout(i))?;
        }
    }
    Ok(())
}
