//! Shared helpers for integration tests. Each test binary that needs them says `mod support;`.

#![allow(dead_code)] // Each test binary uses its own subset.

pub mod ble_world;
