//! What talkzone keeps on disk, all of it health data and all of it private to the user: the
//! SQLite database ([`db`]: sessions, readings, morning checks, imports), the recording locks
//! ([`lock`]: which session a live talkzone is recording now) and the strap used last time
//! ([`strap`]). Files are created owner-only through [`crate::owner_only`].

pub mod db;
pub mod lock;
pub mod strap;
