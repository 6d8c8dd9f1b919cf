//! The configuration's tests, by area.

mod load;
mod parse;
