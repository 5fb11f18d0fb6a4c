//! Fuzz `Replica::handle_response` with hostile server answers: the device must never panic and
//! never lose a local change (the harness, shared with the suite's smoke run, says exactly what is
//! checked). Run: `cargo +nightly fuzz run handle_response` from `fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/handle_response.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = harness::run(data) {
        panic!("{broken}");
    }
});
