//! What talkzone keeps on disk, all of it health data and all of it private to the user:
//! owner-only files ([`private`]) and the strap used last time ([`strap`]).

pub mod db;
pub mod lock;
pub mod private;
pub mod strap;
