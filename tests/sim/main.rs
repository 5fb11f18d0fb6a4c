//! The deterministic simulator: seeded worlds of tablets, a faulty network, the office and the
//! server's sync core on the in-memory store, each checked against every invariant once healed
//! (docs/RELIABILITY.md).
//!
//! - `cargo nextest run --workspace --test sim` runs 10 000 seeds in 8 shards.
//! - A failing seed prints its replay command: `TERRAIN_SIM_SEED=<seed> cargo nextest run
//!   --workspace --test sim replay --no-capture` (every event is traced).
//! - Soak: `TERRAIN_SIM_SEEDS=1000000 TERRAIN_SIM_FIRST=10000 cargo nextest run --release
//!   --workspace --test sim shard` (seeds `FIRST..FIRST+SEEDS`, split over the shards).

mod converge;
mod fuzz_smoke;
mod rng;
mod world;

use std::time::Instant;

const SHARDS: u64 = 8;
const DEFAULT_SEEDS: u64 = 10_000;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}")))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

fn replay_command(seed: u64) -> String {
    format!("TERRAIN_SIM_SEED={seed} cargo nextest run --workspace --test sim replay --no-capture")
}

/// Run this shard's part of the seeds; fail on the first seed that breaks an invariant.
fn shard(index: u64) {
    if std::env::var("TERRAIN_SIM_SEED").is_ok() {
        return; // a replay runs alone
    }
    let first = env_u64("TERRAIN_SIM_FIRST").unwrap_or(0);
    let total = env_u64("TERRAIN_SIM_SEEDS").unwrap_or(DEFAULT_SEEDS);
    let rt = runtime();
    let started = Instant::now();
    let mut stats = world::Stats::default();
    let mut seeds = 0;
    let mut seed = first + index;
    while seed < first + total {
        match rt.block_on(world::run(seed, false)) {
            Ok(s) => stats += s,
            Err(report) => panic!("{report}\n\nreplay: {}", replay_command(seed)),
        }
        seeds += 1;
        seed += SHARDS;
    }
    eprintln!(
        "shard {index}: {seeds} seeds in {:.1} s; {} requests, {} faults injected, {} tablet crashes, {} office \
         actions, {} edits confirmed, {} changes acknowledged, {} paged answers, {} cache hits, lost {}",
        started.elapsed().as_secs_f64(),
        stats.requests,
        stats.faults,
        stats.crashes,
        stats.office_actions,
        stats.edits_confirmed,
        stats.changes_acknowledged,
        stats.paged,
        stats.cache_hits,
        stats.lost
    );
    assert_eq!(stats.lost, 0);
    assert!(stats.paged > 0 || seeds < 20, "the worlds answered in pages never needed a second page");
    assert!(stats.cache_hits > 0 || seeds < 20, "the worlds with a cache never found a document in it");
}

#[test]
fn shard_0() {
    shard(0)
}
#[test]
fn shard_1() {
    shard(1)
}
#[test]
fn shard_2() {
    shard(2)
}
#[test]
fn shard_3() {
    shard(3)
}
#[test]
fn shard_4() {
    shard(4)
}
#[test]
fn shard_5() {
    shard(5)
}
#[test]
fn shard_6() {
    shard(6)
}
#[test]
fn shard_7() {
    shard(7)
}

/// `TERRAIN_SIM_SEED=<seed>`: play one seed, tracing every event.
#[test]
fn replay() {
    let Some(seed) = env_u64("TERRAIN_SIM_SEED") else { return };
    match runtime().block_on(world::run(seed, true)) {
        Ok(stats) => eprintln!("seed {seed} passed: {stats:?}"),
        Err(report) => panic!("{report}"),
    }
}

/// The same seed plays the same world: one RNG for every id, actor, nonce and time.
#[test]
fn a_seed_replays_identically() {
    let rt = runtime();
    for seed in [1, 42, 4242] {
        let a = rt.block_on(world::digest(seed));
        let b = rt.block_on(world::digest(seed));
        assert!(!a.is_empty(), "seed {seed} stored something");
        assert_eq!(a, b, "seed {seed} replays identically");
    }
}
