//! Fuzz the sync request path without the database: MessagePack decoding of a `SyncRequest`, then
//! `terrain_server::sync::merge` against a realistic stored worksite.
//!
//! What counts as a finding: a panic that escapes `merge` (or the MessagePack decoder). Panics
//! that automerge raises and `merge` catches with `catch_unwind` are the expected, handled case.
//!
//! libfuzzer-sys installs a panic hook that calls `process::abort()` as soon as *any* panic is
//! raised, before unwinding, so a panic that `merge` would catch would still be reported as a
//! crash. The `init` block below therefore replaces that hook by one that only remembers the
//! panic's message. A panic that is not caught inside `merge` unwinds to the `catch_unwind` in
//! this target, which prints the remembered message and aborts: libFuzzer records the input as a
//! crash. (libfuzzer-sys wraps the target in its own `catch_unwind` + `abort` too.)

#![no_main]

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};

use automerge::ActorId;
use libfuzzer_sys::fuzz_target;
use terrain_client_core::edit::{self, NewWorksite, WorksiteField};
use terrain_client_core::protocol::{self, SyncRequest};
use terrain_client_core::values::{ContractType, CountingUnit, MeetingKind};
use terrain_client_core::{DocKind, DocumentId, Edit, EditContext, ItemId};
use terrain_server::auth::Access;
use terrain_server::store::StoredDocument;
use terrain_server::sync::{MergeInput, merge};

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The id of the stored worksite. The seed corpus (`tests/corpus/main.rs`, `generate_seed_corpus`)
/// builds the very same document (same actor, id, edits and clock), so its messages about this id
/// meet a stored document with shared history.
pub const STORED_WORKSITE: u128 = 0x7e44_a1e0_0000_4000_8000_0000_0000_0001;

fn stored_worksite() -> &'static StoredDocument {
    static STORED: OnceLock<StoredDocument> = OnceLock::new();
    STORED.get_or_init(|| {
        let id = DocumentId(uuid::Uuid::from_u128(STORED_WORKSITE));
        let ctx = EditContext { author_label: "Bureau · poste 1".into(), now_ms: 1_780_000_000_000 };
        let mut doc = edit::create_worksite(
            ActorId::from([0x5e; 16]),
            id,
            &NewWorksite {
                name: "École communale Anderlecht".into(),
                address: "Rue Wayez 1, 1070 Anderlecht".into(),
                contract_reference: "MP-2026-014".into(),
                authority: "Commune d'Anderlecht".into(),
                contractor: "Bâtiments Dupont SA".into(),
                advisor: "Sophie Martin".into(),
                order_to_start: None,
                planned_end: None,
            },
            &ctx,
        )
        .expect("create the stored worksite");
        let position = ItemId::from_random_bytes([1; 16]);
        let meeting = ItemId::from_random_bytes([2; 16]);
        for e in [
            Edit::SetClause { unit: CountingUnit::Hours, objective: 1200.0, deadline: None },
            Edit::AddPosition {
                id: position,
                title: "Maçon".into(),
                tasks: "Maçonnerie de façade".into(),
                requirements: "Permis B".into(),
                contract_type: ContractType::FixedTerm,
                planned_start: None,
                hours_planned: 600.0,
            },
            Edit::AddMeeting {
                id: meeting,
                kind: MeetingKind::Kickoff,
                date: None,
                place: "Sur chantier".into(),
                notes: "Kick-off on site. 🚧 café".into(),
                next_meeting: None,
            },
            Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Accueil".into() },
        ] {
            edit::apply(&mut doc, &e, &ctx).expect("edit the stored worksite");
        }
        let change_count = doc.get_changes(&[]).len() as i64;
        StoredDocument { id, kind: DocKind::Worksite, change_count, snapshot: Some(doc.save()), tail: Vec::new() }
    })
}

fuzz_target!(
    init: {
        // Keep the stored document's construction out of the first input's timing.
        stored_worksite();
        std::panic::set_hook(Box::new(|info| {
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
        }));
    },
    |data: &[u8]| {
        let outcome = catch_unwind(AssertUnwindSafe(|| run(data)));
        if outcome.is_err() {
            let message = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
            eprintln!("a panic escaped the sync request path: {message}");
            std::process::abort();
        }
    }
);

fn run(data: &[u8]) {
    let Ok(request) = protocol::decode::<SyncRequest>(data) else { return };
    let input = MergeInput {
        request: Arc::new(request),
        flagged: Vec::new(),
        stored: vec![stored_worksite().clone()],
        states: Vec::new(),
        access: Arc::new(Access::All),
        held: BTreeSet::new(),
        cached: Default::default(),
    };
    let _ = merge(input);
}
