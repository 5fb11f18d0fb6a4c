//! A short fuzz run in the normal test command (no nightly needed): inputs generated from a seed
//! and replayed through the `handle_response` fuzz target's harness (`fuzz/harness/`), plus every
//! file of its corpus, if any.

use std::panic::{AssertUnwindSafe, catch_unwind};

use terrain_client_core::protocol::{self, DocReply, SyncResponse};
use terrain_client_core::{DocKind, DocumentId};

use crate::rng::Rng;

#[path = "../../fuzz/harness/handle_response.rs"]
mod harness;

fn check(input: &[u8]) {
    match catch_unwind(AssertUnwindSafe(|| harness::run(input))) {
        Ok(Ok(())) => {}
        Ok(Err(broken)) => panic!("input {input:02x?}: {broken}"),
        Err(_) => panic!("input {input:02x?}: handle_response panicked"),
    }
}

/// 5 000 hostile answers: mutated real answers, and MessagePack responses with random fields.
#[test]
fn handle_response_survives_hostile_answers() {
    let mut rng = Rng::new(0xF022);
    for i in 0..5_000u32 {
        let len = 1 + rng.below(48) as usize;
        let mut input: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if i % 4 == 0 {
            // A well-formed response with hostile content.
            let ids = [harness::WORKSITE, harness::PERSON, u128::from(rng.next() as u32)];
            let doc = DocumentId(uuid::Uuid::from_u128(ids[rng.below(3) as usize]));
            let message: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            let kind = if rng.below(2) == 0 { DocKind::Worksite } else { DocKind::Person };
            let heads = (0..rng.below(3)).map(|_| serde_bytes::ByteBuf::from(rng.bytes16().repeat(2))).collect();
            let response = SyncResponse {
                cursor: rng.next() as i64,
                docs: vec![DocReply {
                    doc,
                    kind,
                    message: (rng.below(2) == 0).then_some(message),
                    changes: Vec::new(),
                    whole: false,
                    stored_heads: heads,
                }],
                remove: if rng.below(4) == 0 { vec![doc] } else { vec![] },
                erased: if rng.below(8) == 0 { vec![doc] } else { vec![] },
                epoch: None,
                more: false,
                page: None,
            };
            input = [vec![0], protocol::encode(&response)].concat();
        } else {
            input[0] |= 1;
        }
        check(&input);
    }
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/handle_response");
    if let Ok(entries) = std::fs::read_dir(corpus) {
        for entry in entries.flatten() {
            check(&std::fs::read(entry.path()).expect("a corpus file"));
        }
    }
}
