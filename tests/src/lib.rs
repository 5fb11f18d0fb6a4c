//! Shared helpers for Terrain's integration suites (`tests/<suite>/main.rs`): throwaway
//! databases, a real server on a loopback port, and devices that sync with it over HTTP.

pub mod db;
pub mod device;
pub mod server;
