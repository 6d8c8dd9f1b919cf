//! What the user sees: one readable line per event ([`lines`], `--plain`) or one JSON object per
//! event ([`json`], `--json`), written by the [`stream`] view; the live full-screen
//! [`dashboard`]; the morning check's [`countdown`]; the talk-test [`calibration`]'s questions
//! and screens; text [`report`]s of sessions,
//! weeks and zones and of [`readiness`] (the verdict, the trend table); SVG [`plot`]s. Formatting is pure;
//! the commands do the writing (the dashboard's terminal guard is the one exception). What a
//! view asks of its session (pause, lap, quit) is a [`session_view::Effect`]; every view of a
//! live session implements [`session_view::View`].

pub mod calibration;
pub mod countdown;
pub mod dashboard;
pub mod json;
pub mod lines;
pub mod plot;
pub mod readiness;
pub mod report;
pub mod session_view;
pub mod stream;
