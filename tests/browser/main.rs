//! The office dashboard in a real browser: headless Chromium driven through chromedriver
//! (`terrain_tests::browser`), against a real server on SQLite, with tablets syncing over HTTP.
//!
//! Needs Debian's `chromium`, `chromium-driver` and `poppler-utils` (`scripts/test.sh` installs
//! them); without them the tests fail and name the package. Screenshots land in
//! `tests/artifacts/screenshots/`.

mod account;
mod admin;
mod agenda;
mod conflict;
mod exports;
mod field_day;
mod fixtures;
mod languages;
mod live;
mod office_day;
mod office_steps;
mod offline;
mod partners;
mod people;
mod portfolio;
mod tablet;
mod tablet_steps;
mod update;
mod whole_day;
