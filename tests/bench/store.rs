//! Device store: what one sync response costs to make durable on the native file store, written
//! as one batch (`LocalStore::persist_batch`: one journal record, one fsync) or operation by
//! operation (`LocalStore::persist`: an fsync per document and for the metadata).
//!
//! ```text
//! cargo bench --workspace --bench store
//! ```
//!
//! The response is the bench's spread catch-up: 50 worksites each receiving about 250 bytes of
//! changes, then the replica's metadata. The same operations, sealed the same way, in a fresh
//! store folder each time; 7 repeats, median (min). What is measured and how to read it:
//! docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use terrain_client_core::replica::ReplicaMeta;
use terrain_client_core::seal::StorageKey;
use terrain_client_core::store::native::FileStore;
use terrain_client_core::{DeviceId, DocKind, DocumentId, LocalStore, Persist, Replica};

const DOCUMENTS: usize = 50;
const CHANGE_BYTES: usize = 250;
const REPEATS: usize = 7;

fn response(meta: &ReplicaMeta) -> Vec<Persist> {
    let mut ops: Vec<Persist> = (0..DOCUMENTS)
        .map(|i| Persist::Changes {
            doc: DocumentId(uuid::Uuid::from_u128(i as u128 + 1)),
            kind: DocKind::Worksite,
            bytes: (0..CHANGE_BYTES).map(|b| (b * 31 + i) as u8).collect(),
        })
        .collect();
    ops.push(Persist::Meta(meta.clone()));
    ops
}

fn time(batched: bool, ops: &[Persist]) -> Duration {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut store = FileStore::open(dir.path(), StorageKey::from_bytes([7; 32])).expect("open the store");
    // The documents exist already (a catch-up appends to them).
    store.persist_batch(ops).expect("first write");
    store.persist(&ops[ops.len() - 1]).expect("checkpoint");
    let start = Instant::now();
    if batched {
        store.persist_batch(ops).expect("batch");
    } else {
        ops.iter().for_each(|op| store.persist(op).expect("one operation"));
    }
    start.elapsed()
}

fn main() {
    let meta = Replica::new(DeviceId::from_random_bytes([1; 16]), [2; 16]).meta();
    let ops = response(&meta);
    let mut one_by_one = Vec::new();
    let mut batched = Vec::new();
    for _ in 0..REPEATS {
        one_by_one.push(time(false, &ops));
        batched.push(time(true, &ops));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let show = |v: &mut Vec<Duration>| {
        v.sort();
        (ms(v[v.len() / 2]), ms(v[0]))
    };
    let (a, a_min) = show(&mut one_by_one);
    let (b, b_min) = show(&mut batched);
    println!(
        "device store: one response of {DOCUMENTS} documents x {CHANGE_BYTES} bytes + metadata, {REPEATS} repeats"
    );
    println!("| write                         |  median ms |     min ms |");
    println!("|-------------------------------|------------|------------|");
    println!("| operation by operation        | {a:>10.1} | {a_min:>10.1} |");
    println!("| one batch (journal, 1 fsync)  | {b:>10.1} | {b_min:>10.1} |");
    println!("batch / one by one (medians): {:.3}", b / a);
}
