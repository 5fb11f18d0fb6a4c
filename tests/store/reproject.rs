//! Re-projection at start: rows an older build wrote (stale after a migration) are rebuilt from
//! the stored documents, once, without bringing back an erased document or overwriting a newer
//! commit's rows.

use chrono::{NaiveDate, Utc};
use terrain_client_core::edit::{EditContext, NewPerson, NewWorksite};
use terrain_client_core::model::Document;
use terrain_client_core::replica::Replica;
use terrain_client_core::values::{ContractType, HoursSource, Outcome};
use terrain_client_core::{DeviceId, DocKind, DocumentId, Edit, ItemId};
use terrain_server::projection::{ProjectionRows, VERSION, project};
use terrain_server::reproject::reproject_if_outdated;
use terrain_server::store::{
    CommitBatch, DocumentCommit, EraseOutcome, Erasure, ErasureReason, NewChange, PortfolioQuery, PortfolioSort,
    Reprojected, Store,
};
use terrain_tests::db::execute;
use terrain_tests::portfolio::Seeder;
use uuid::Uuid;

use crate::Backend;
use crate::fixtures::{Doc, batch, device, person_projection, sample_projection};

/// What migrations 0006, 0010 and 0011 leave in the rows of documents stored before them, and
/// a database from before projection versions were recorded.
const MAKE_STALE: &str = "UPDATE worksites SET placement_count = 0, search_text = ''; \
     UPDATE placements SET outcome = '', outcome_contract = '', check_outcome = '', check_contract = '', \
     checked_on = NULL; \
     DELETE FROM placement_hours; \
     UPDATE projection_version SET version = 0;";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 31).expect("a date")
}

fn query(search: Option<&str>) -> PortfolioQuery {
    PortfolioQuery {
        advisor: None,
        authority: None,
        status: None,
        search: search.map(str::to_owned),
        sort: PortfolioSort::Name,
        descending: false,
        page: 1,
        today: today(),
    }
}

pub async fn stale_rows_are_rebuilt_at_start_from_the_documents(backend: Backend) {
    if backend.store.backend() == "memory" {
        // Its rows live as long as the process that wrote them: nothing to rebuild, ever.
        assert_eq!(backend.store.projection_version().await.unwrap(), VERSION);
        assert_eq!(reproject_if_outdated(backend.store.as_ref()).await.unwrap(), None);
        return;
    }
    let store = backend.store.as_ref();
    let tablet = device();
    let mut seeder = Seeder::new(tablet);
    seeder.seed(store, 30, 8, today()).await;
    let (worksite, placement) = worksite_with_an_outcome(store, tablet).await;
    let person = commit_person(store, tablet).await;
    let erased = Erasure { reason: ErasureReason::Request, by: None, at: Utc::now() };
    assert_eq!(store.erase(person, &erased).await.unwrap(), EraseOutcome::Erased);

    let portfolio = store.portfolio(&query(None)).await.unwrap();
    let placements = store.placement_facts().await.unwrap();
    let hours = store.hours_facts().await.unwrap();
    let found = store.portfolio(&query(Some("chantier 00007"))).await.unwrap();
    assert_eq!(found.totals.worksites, 1);
    let kept_on = placements.iter().find(|p| p.placement_id == placement).expect("the placement");
    assert_eq!((kept_on.outcome.as_str(), kept_on.check_outcome.as_str()), ("kept_on", "kept_on"));
    assert!(!hours.is_empty());

    // An upgrade from before the columns were filled: the office reads wrong figures.
    execute(&backend.url, MAKE_STALE).await;
    assert_eq!(store.portfolio(&query(Some("chantier 00007"))).await.unwrap().totals.worksites, 0);
    assert_ne!(store.portfolio(&query(None)).await.unwrap(), portfolio, "positions clauses count no placement");
    let stale = store.placement_facts().await.unwrap();
    assert_eq!(stale.iter().find(|p| p.placement_id == placement).map(|p| p.outcome.as_str()), Some(""));
    assert!(store.hours_facts().await.unwrap().is_empty());

    // The next start rebuilds every document's rows.
    let store = backend.reopen().await;
    let summary = reproject_if_outdated(store.as_ref()).await.unwrap().expect("the rows were outdated");
    assert_eq!(summary.from, 0);
    assert_eq!(summary.written, 31, "30 seeded worksites and one with an outcome, not the erased person");
    assert_eq!(summary.changed_meanwhile, 0);
    assert!(summary.unreadable.is_empty(), "{:?}", summary.unreadable);
    assert_eq!(store.projection_version().await.unwrap(), VERSION);

    let db = backend.db().await;
    let stored = store.documents_after(None, 1_000).await.unwrap();
    assert_eq!(stored.len(), 31);
    for (id, _) in &stored {
        assert_eq!(sorted(db.projection(*id).await), recomputed(store.as_ref(), *id).await, "document {id}");
    }
    assert!(stored.iter().any(|(id, _)| *id == worksite));
    assert_eq!(store.portfolio(&query(None)).await.unwrap(), portfolio);
    assert_eq!(store.portfolio(&query(Some("chantier 00007"))).await.unwrap(), found);
    assert_eq!(store.placement_facts().await.unwrap(), placements);
    assert_eq!(store.hours_facts().await.unwrap(), hours);

    // The erased person stays erased.
    assert!(store.load(&[person]).await.unwrap().is_empty());
    assert_eq!(db.projection(person).await, ProjectionRows::default());
    assert!(store.is_erased(person).await.unwrap());

    // A second start rebuilds nothing.
    assert_eq!(reproject_if_outdated(store.as_ref()).await.unwrap(), None);
}

pub async fn an_unreadable_document_is_left_alone_and_the_others_rebuilt(backend: Backend) {
    let store = backend.store.as_ref();
    let tablet = device();
    // Automerge changes, but no worksite the schema reads.
    let mut junk = Doc::new(DocKind::Worksite);
    let changes = junk.edit(2);
    let mut commit = junk.commit(0, changes);
    let junk_rows = sample_projection(junk.id, 2);
    commit.projection = Some(junk_rows.clone());
    store.commit(batch(tablet, vec![commit])).await.unwrap();
    if store.backend() == "memory" {
        // Nothing is ever rebuilt there, so nothing is read.
        assert_eq!(reproject_if_outdated(store).await.unwrap(), None);
        assert_eq!(backend.db().await.projection(junk.id).await, junk_rows);
        return;
    }
    let mut seeder = Seeder::new(tablet);
    seeder.seed(store, 3, 3, today()).await;
    // A document whose stored change count does not match its change log: the store refuses to
    // load it (`StoreError::Corrupt`).
    let mut corrupt = Doc::new(DocKind::Worksite);
    let changes = corrupt.edit(2);
    store.commit(batch(tablet, vec![corrupt.commit(0, changes)])).await.unwrap();
    execute(&backend.url, MAKE_STALE).await;
    let id = if backend.url.starts_with("postgres") {
        format!("'{}'", corrupt.id.0)
    } else {
        // SQLite keeps ids as 16-byte blobs.
        format!("x'{}'", corrupt.id.0.simple())
    };
    execute(&backend.url, &format!("UPDATE documents SET change_count = 7 WHERE id = {id}")).await;
    assert!(store.load(&[corrupt.id]).await.is_err());
    let db = backend.db().await;
    let stale_junk = db.projection(junk.id).await;
    assert_ne!(stale_junk, junk_rows);

    let store = backend.reopen().await;
    let summary = reproject_if_outdated(store.as_ref()).await.unwrap().expect("the rows were outdated");
    assert_eq!(summary.written, 3);
    let mut unreadable: Vec<_> = summary.unreadable.iter().map(|(id, _)| *id).collect();
    unreadable.sort();
    let mut expected = vec![junk.id, corrupt.id];
    expected.sort();
    assert_eq!(unreadable, expected);
    assert_eq!(db.projection(junk.id).await, stale_junk, "left as it was");
    for (id, _) in store.documents_after(None, 10).await.unwrap() {
        if id != junk.id && id != corrupt.id {
            assert_eq!(sorted(db.projection(id).await), recomputed(store.as_ref(), id).await);
        }
    }
    // Recorded all the same: the document would fail the same way at every start.
    assert_eq!(store.projection_version().await.unwrap(), VERSION);
    assert_eq!(reproject_if_outdated(store.as_ref()).await.unwrap(), None);
}

pub async fn rows_of_an_older_state_never_replace_a_newer_commit(backend: Backend) {
    let store = backend.store.as_ref();
    let tablet = device();
    let mut a = Doc::new(DocKind::Worksite);
    let first = a.edit(1);
    let mut commit = a.commit(0, first);
    commit.projection = Some(sample_projection(a.id, 3));
    store.commit(batch(tablet, vec![commit])).await.unwrap();
    // A sync commits after the re-projection loaded `a` at one change.
    let newer = sample_projection(a.id, 1);
    let more = a.edit(1);
    let mut commit = a.commit(1, more);
    commit.projection = Some(newer.clone());
    store.commit(batch(tablet, vec![commit])).await.unwrap();

    let older = Reprojected { id: a.id, change_count: 1, rows: sample_projection(a.id, 3) };
    assert_eq!(store.replace_projections(&[older]).await.unwrap(), 0);
    let db = backend.db().await;
    assert_eq!(db.projection(a.id).await, newer);
    let rebuilt = sample_projection(a.id, 2);
    let current = Reprojected { id: a.id, change_count: 2, rows: rebuilt.clone() };
    assert_eq!(store.replace_projections(&[current]).await.unwrap(), 1);
    assert_eq!(db.projection(a.id).await, rebuilt);

    // A person erased after it was loaded is not written back.
    let mut person = Doc::new(DocKind::Person);
    let changes = person.edit(1);
    let mut commit = person.commit(0, changes);
    commit.projection = Some(person_projection(person.id));
    store.commit(batch(tablet, vec![commit])).await.unwrap();
    let erased = Erasure { reason: ErasureReason::Request, by: None, at: Utc::now() };
    assert_eq!(store.erase(person.id, &erased).await.unwrap(), EraseOutcome::Erased);
    let late = Reprojected { id: person.id, change_count: 1, rows: person_projection(person.id) };
    assert_eq!(store.replace_projections(&[late]).await.unwrap(), 0);
    assert_eq!(db.projection(person.id).await, ProjectionRows::default());
    assert!(store.load(&[person.id]).await.unwrap().is_empty());

    // Paging by id lists the stored documents only, each once.
    let mut b = Doc::new(DocKind::Worksite);
    let changes = b.edit(3);
    store.commit(batch(tablet, vec![b.commit(0, changes)])).await.unwrap();
    let mut ids = [a.id, b.id];
    ids.sort();
    let first = store.documents_after(None, 1).await.unwrap();
    let rest = store.documents_after(Some(ids[0]), 10).await.unwrap();
    let count = |id| if id == a.id { 2 } else { 3 };
    assert_eq!(first, vec![(ids[0], count(ids[0]))]);
    assert_eq!(rest, vec![(ids[1], count(ids[1]))]);
    assert!(store.documents_after(Some(ids[1]), 10).await.unwrap().is_empty());
}

/// A worksite whose placement has its outcome and six-month check recorded (the columns of 0011),
/// committed as a sync commits it. Returns its id and the placement's.
async fn worksite_with_an_outcome(store: &dyn Store, tablet: DeviceId) -> (DocumentId, Uuid) {
    let mut replica = Replica::new(tablet, [3; 16]);
    let ctx = EditContext { author_label: "Test".into(), now_ms: 1_767_000_000_000 };
    let id = DocumentId(Uuid::new_v4());
    let new =
        NewWorksite { name: "Piscine de Forest".into(), advisor: "Sophie Martin".into(), ..NewWorksite::default() };
    replica.create_worksite(id, &new, &ctx).unwrap();
    let (position, placement) = (item(1), item(2));
    for edit in [
        Edit::AddPosition {
            id: position,
            title: "Maçon".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: ContractType::FixedTerm,
            planned_start: Some(today()),
            hours_planned: 300.0,
        },
        Edit::AddPlacement {
            id: placement,
            person: DocumentId(Uuid::new_v4()),
            position,
            contract_type: ContractType::FixedTerm,
            start: Some(NaiveDate::from_ymd_opt(2025, 6, 2).unwrap()),
            end: Some(NaiveDate::from_ymd_opt(2025, 11, 28).unwrap()),
            weekly_hours: 38.0,
        },
        Edit::RecordHours { placement, month: "2025-10".parse().unwrap(), hours: 152.0, source: HoursSource::Payroll },
        Edit::RecordOutcome {
            placement,
            outcome: Outcome::KeptOn,
            contract: Some(ContractType::Permanent),
            note: String::new(),
        },
        Edit::RecordOutcomeCheck {
            placement,
            outcome: Outcome::KeptOn,
            contract: Some(ContractType::Permanent),
            checked_on: NaiveDate::from_ymd_opt(2026, 5, 28).unwrap(),
        },
    ] {
        replica.edit(id, &edit, &ctx).unwrap();
    }
    commit_new(store, tablet, &replica, id).await;
    (id, placement.uuid())
}

/// A person document, committed as a sync commits it.
async fn commit_person(store: &dyn Store, tablet: DeviceId) -> DocumentId {
    let mut replica = Replica::new(tablet, [4; 16]);
    let ctx = EditContext { author_label: "Test".into(), now_ms: 1_767_000_000_000 };
    let id = DocumentId(Uuid::new_v4());
    let new = NewPerson { first_name: "Amina".into(), last_name: "Diallo".into(), ..NewPerson::default() };
    replica.create_person(id, &new, &ctx).unwrap();
    commit_new(store, tablet, &replica, id).await;
    id
}

async fn commit_new(store: &dyn Store, tablet: DeviceId, replica: &Replica, id: DocumentId) {
    let doc = replica.automerge(id).unwrap();
    let read = Document::read(doc).unwrap();
    let kind = match read {
        Document::Worksite(_) => DocKind::Worksite,
        Document::Person(_) => DocKind::Person,
    };
    let commit = DocumentCommit {
        id,
        kind,
        expected_change_count: 0,
        changes: doc.get_changes(&[]).into_iter().map(|c| NewChange::from(&c)).collect(),
        snapshot: None,
        projection: Some(project(&read)),
        sync_state: None,
        heads: doc.get_heads().iter().map(|h| h.0).collect(),
    };
    store.commit(CommitBatch::new(tablet, Utc::now(), vec![commit])).await.unwrap();
}

fn item(n: u8) -> ItemId {
    ItemId::from_random_bytes([n; 16])
}

/// The rows a commit would write for the document as stored now, in the order the test's reader
/// reads them back.
async fn recomputed(store: &dyn Store, id: DocumentId) -> ProjectionRows {
    let stored = store.load(&[id]).await.unwrap().pop().expect("the document is stored");
    let doc = terrain_server::sync::rebuild(&stored).unwrap();
    sorted(project(&Document::read(&doc).unwrap()))
}

/// Each table's rows ordered by their key, as [`crate::fixtures::Db::projection`] reads them.
fn sorted(mut rows: ProjectionRows) -> ProjectionRows {
    rows.positions.sort_by_key(|r| r.id);
    rows.referrals.sort_by_key(|r| r.id);
    rows.placements.sort_by_key(|r| r.id);
    rows.hours.sort_by(|a, b| (a.placement_id, &a.month).cmp(&(b.placement_id, &b.month)));
    rows.meetings.sort_by_key(|r| r.id);
    rows.actions.sort_by_key(|r| r.id);
    rows.job_offers.sort_by_key(|r| r.id);
    rows
}
