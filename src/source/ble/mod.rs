//! The Bluetooth Low Energy source: finding straps ([`scan`]), keeping the link up
//! ([`supervisor`], a pure state machine) and the btleplug shell that talks to the radio
//! ([`transport`]), and what can go wrong on the way ([`error`]).

pub mod error;
pub mod scan;
pub mod supervisor;
pub mod transport;

use btleplug::api::bleuuid::uuid_from_u16;
use uuid::Uuid;

pub use error::BleError;

/// Heart Rate Service.
pub const HEART_RATE_SERVICE: Uuid = uuid_from_u16(0x180D);
/// Heart Rate Measurement characteristic.
pub const HEART_RATE_MEASUREMENT: Uuid = uuid_from_u16(0x2A37);
/// Body Sensor Location characteristic.
pub const BODY_SENSOR_LOCATION: Uuid = uuid_from_u16(0x2A38);
/// Battery Level characteristic (in Battery Service 0x180F).
pub const BATTERY_LEVEL: Uuid = uuid_from_u16(0x2A19);
