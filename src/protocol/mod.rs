//! Wire formats: the Heart Rate Measurement characteristic ([`heart_rate`]) and the raw capture
//! file ([`capture`]). Pure: bytes and text in, typed values or typed errors out.

pub mod capture;
pub mod heart_rate;
