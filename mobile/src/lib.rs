//! Terrain's tablet app: an installable web app that works with no network.
//!
//! The app is a thin browser layer around [`terrain_client_core`]'s replica. [`app`] holds the
//! state (session, replica, screen, sync status) and [`view`] renders it as HTML; [`forms`] turns a
//! submitted form into typed edits. Those three are plain Rust and tested natively. The browser
//! layer (`web`, `idb`, `net`, compiled for wasm32 only) stores every edit in IndexedDB before it
//! confirms it, and syncs with the server over `fetch`. The service worker (`static/sw.js`) keeps
//! the app shell so the app opens offline.
#![warn(missing_docs)]

pub mod account;
pub mod app;
pub mod forms;
pub mod i18n;
pub mod lock;
pub mod records;
pub mod view;

#[cfg(target_arch = "wasm32")]
mod feedback;
#[cfg(target_arch = "wasm32")]
mod idb;
#[cfg(target_arch = "wasm32")]
mod net;
#[cfg(target_arch = "wasm32")]
mod web;
