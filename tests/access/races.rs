//! One transaction per request: what a request writes besides its documents (actor bindings, the
//! creator, a new worksite's assignment) commits with them or not at all, whatever races it.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ReadDoc};
use terrain_client_core::edit::WorksiteField;
use terrain_client_core::{DocKind, DocumentId, Edit, NewWorksite};
use terrain_tests::db::{Backend, execute, fingerprint, fresh, query};
use terrain_tests::device::{SyncFailure, TestDevice, push_raw};

use terrain_tests::server::{TestServer, create_user, default_settings};

use crate::setup::{device, worksite_with_person, world};

/// Two office devices send, at the same moment, changes made under one actor id that no device
/// has used yet, each to another worksite (so the documents do not conflict). The binding of the
/// actor is part of each commit, so exactly one request binds it; the other is refused
/// `forged_actor` and nothing of it is stored.
///
/// On Postgres the race is forced: a side transaction locks the actor bindings against writes
/// until both requests wait on it inside their commit, then lets them go together. (On SQLite the
/// server's commits are serialized, so the requests only race up to the commit.)
pub async fn of_two_devices_racing_with_one_fresh_actor_exactly_one_is_refused(backend: Backend) {
    let w = world(backend).await;
    let mut dirs = Vec::new();
    let colleague = device(&w.server, &mut dirs, "office", 42).await;
    let actor = ActorId::from([0xac; 16].as_slice());
    let mut first = edited(&w.office, w.assigned, &actor, "Rue du Premier 1");
    let mut second = edited(&w.office, w.unassigned, &actor, "Rue du Second 2");

    let bindings_before = count_bindings(&w.url).await;
    let hold = ActorLock::take(&w.url).await;
    let base = w.server.base_url.as_str();
    let (a, b, ()) = tokio::join!(
        push_raw(base, w.office.token(), &mut first, w.assigned, DocKind::Worksite),
        push_raw(base, colleague.token(), &mut second, w.unassigned, DocKind::Worksite),
        async {
            if let Some(hold) = hold {
                hold.release_when_waited_on_by(2).await;
            }
        },
    );

    let outcomes = [(w.assigned, "Rue du Premier 1", a), (w.unassigned, "Rue du Second 2", b)];
    let accepted = outcomes.iter().filter(|(_, _, r)| r.is_ok()).count();
    assert_eq!(accepted, 1, "exactly one request binds the actor: {:?}", outcomes.map(|(_, _, r)| r));
    for (doc, address, result) in &outcomes {
        let stored = w.server.store.load(&[*doc]).await.unwrap().pop().unwrap();
        let stored = terrain_server::sync::rebuild(&stored).unwrap();
        let kept = address_of(&stored) == *address;
        match result {
            Ok(()) => assert!(kept, "the accepted change is stored"),
            Err((status, body)) => {
                assert_eq!((*status, body.code.as_str(), body.doc), (403, "forged_actor", Some(*doc)));
                assert!(!kept, "nothing of the refused request is stored");
            }
        }
    }
    assert_eq!(count_bindings(&w.url).await, bindings_before + 1, "the actor is bound once");
}

/// A person is erased while an advisor's sync is past reading the tombstones but has not yet
/// computed the cursor it answers. The device is told to destroy the person exactly once over its
/// next syncs, and no longer holds them.
///
/// On Postgres the interleaving is forced: a side transaction locks the actor bindings, so the
/// sync (which carries a change under a new actor) waits inside its commit, after its reads; the
/// erasure commits meanwhile, then the lock is released. On SQLite commits and erasures are
/// serialized in the server, so the two only race up to that point.
pub async fn an_erasure_during_a_sync_is_announced_exactly_once(backend: Backend) {
    let mut w = world(backend).await;
    let base = w.server.base_url.clone();
    w.advisor.sync(&base).await.expect("the advisor's first sync");
    assert!(w.advisor.device.replica().person(w.person).is_ok(), "the advisor holds the person");
    w.advisor.edit(w.assigned, Edit::SetWorksiteField { field: WorksiteField::Address, value: "Rue Haute 12".into() });
    let office = w.office.token().to_owned();
    let person = w.person;

    let hold = ActorLock::take(&w.url).await;
    let (synced, ()) = tokio::join!(w.advisor.sync(&base), async {
        match hold {
            Some(hold) => {
                hold.wait_until_waited_on_by(1).await;
                let erased =
                    tokio::time::timeout(std::time::Duration::from_secs(20), erase(&base, &office, person)).await;
                assert_eq!(erased.expect("the erasure does not wait on the sync"), 204, "the person is erased");
                hold.release().await;
            }
            None => assert_eq!(erase(&base, &office, person).await, 204, "the person is erased"),
        }
    });
    synced.expect("the sync around the erasure is answered");
    for _ in 0..3 {
        w.advisor.sync(&base).await.expect("a later sync");
    }
    let heard = w.advisor.erasures_heard.iter().filter(|d| **d == w.person).count();
    assert_eq!(heard, 1, "the erasure is announced exactly once: {:?}", w.advisor.erasures_heard);
    assert!(w.advisor.device.replica().person(w.person).is_err(), "the device no longer holds the person");
    assert!(!w.advisor.device.replica().status().pending_documents.contains(&w.person));
    let stored = w.server.store.load(&[w.assigned]).await.unwrap().pop().unwrap();
    assert!(
        address_of(&terrain_server::sync::rebuild(&stored).unwrap()) == "Rue Haute 12",
        "the sync's edit is stored"
    );
}

/// An erasure numbered among the commits of a paged answer is announced once, by the page whose
/// cursor passes its number. Each page's request starts from a cursor below the commits still to
/// list, so announcing every erasure after the request's cursor told the device on every page.
pub async fn an_erasure_among_the_pages_of_an_answer_is_announced_once(backend: Backend) {
    let (_db, url) = fresh(backend).await;
    let mut settings = default_settings();
    settings.page_documents = 1;
    let server = TestServer::start_with(&url, settings).await;
    create_user(server.store.as_ref(), "office", "office").await;
    let base = server.base_url.clone();
    let mut dirs = Vec::new();
    let mut writer = device(&server, &mut dirs, "office", 2).await;
    let mut reader = device(&server, &mut dirs, "office", 3).await;
    let (first, person) = worksite_with_person(&mut writer, &base, "Crèche Saint-Gilles").await;
    let (second, _) = worksite_with_person(&mut writer, &base, "Dépôt STIB Haren").await;
    reader.sync(&base).await.expect("the reader gets everything");
    assert!(reader.device.replica().person(person).is_ok());

    // Commits after the reader's cursor: the second worksite, the erasure, the first worksite.
    writer.edit(second, Edit::SetWorksiteField { field: WorksiteField::Address, value: "Rue Bara 1".into() });
    writer.sync(&base).await.expect("an edit");
    assert_eq!(erase(&base, writer.token(), person).await, 204, "the person is erased");
    writer.edit(first, Edit::SetWorksiteField { field: WorksiteField::Address, value: "Rue Haute 12".into() });
    writer.sync(&base).await.expect("another edit");

    let report = reader.sync(&base).await.expect("the reader's paged sync");
    assert!(report.pages >= 1, "the answer came in pages: {report:?}");
    reader.sync(&base).await.expect("a later sync");
    let heard = reader.erasures_heard.iter().filter(|d| **d == person).count();
    assert_eq!(heard, 1, "the erasure is announced exactly once: {:?}", reader.erasures_heard);
    assert!(reader.device.replica().person(person).is_err(), "the reader no longer holds the person");
    let site = reader.device.replica().worksite(first).expect("the first worksite");
    assert_eq!(site.address, "Rue Haute 12", "every page arrived");
}

/// Erase `person` as the office does, confirming with their name ("Amina B.", see `setup`).
async fn erase(base: &str, token: &str, person: DocumentId) -> u16 {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/people/{person}/erase"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "confirm": "Amina B." }))
        .send()
        .await
        .expect("the server answers");
    r.status().as_u16()
}

async fn count_bindings(url: &str) -> i64 {
    let rows: Vec<(i64,)> = query(url, "SELECT COUNT(*) FROM device_actors").await;
    rows[0].0
}

/// The database fails a request's commit after the documents are written, at the actor binding.
/// Nothing of the request stays (no worksite, no assignment, no binding), the tablet is told and
/// keeps its work unsynced; once the database works again, the same sync stores all of it and the
/// new worksite is the advisor's.
pub async fn a_commit_failing_part_way_stores_nothing_and_the_tablet_keeps_its_work(backend: Backend) {
    let mut w = world(backend).await;
    let base = w.server.base_url.clone();
    w.advisor.sync(&base).await.expect("the advisor's first sync");
    let site = DocumentId(uuid::Uuid::new_v4());
    let ctx = w.advisor.ctx();
    let new = NewWorksite { name: "Piscine Neptunium".into(), ..NewWorksite::default() };
    w.advisor.device.create_worksite(site, &new, &ctx).expect("created offline");

    execute(&w.url, fault(backend, true)).await;
    let before = without_sync_states(fingerprint(&w.url).await);
    let refused = w.advisor.sync(&base).await;
    let Err(SyncFailure::Refused(500, body)) = refused else { panic!("the device is told: {refused:?}") };
    assert_eq!(body.code.as_str(), "internal");
    assert_eq!(without_sync_states(fingerprint(&w.url).await), before, "nothing of the request was stored");
    let status = w.advisor.device.replica().status();
    assert!(status.pending_documents.contains(&site), "the new worksite is still to be synced: {status:?}");

    execute(&w.url, fault(backend, false)).await;
    w.advisor.sync(&base).await.expect("the sync goes through once the database works");
    assert!(w.advisor.device.replica().status().pending_documents.is_empty(), "everything is synced");
    assert!(w.server.store.load(&[site]).await.unwrap().len() == 1, "the worksite is stored");
    let entitled = w.server.store.entitled(w.advisor_id).await.unwrap();
    assert!(entitled.contains(&site), "the advisor's new worksite is assigned to them");
    let bindings = count_bindings(&w.url).await;
    assert_eq!(
        bindings,
        before.iter().find(|(t, _)| t == "device_actors").unwrap().1 + 1,
        "the advisor's actor is bound"
    );
}

/// The worksite `doc` as `office` holds it, with its address set under `actor`.
fn edited(office: &TestDevice, doc: DocumentId, actor: &ActorId, address: &str) -> Automerge {
    let mut forked = office.device.replica().automerge(doc).unwrap().fork().with_actor(actor.clone());
    let mut tx = forked.transaction();
    let site = tx.get(automerge::ROOT, "worksite").unwrap().unwrap().1;
    tx.put(&site, "address", address).unwrap();
    tx.commit();
    forked
}

fn address_of(doc: &Automerge) -> String {
    let site = doc.get(automerge::ROOT, "worksite").unwrap().unwrap().1;
    match doc.get(&site, "address").unwrap() {
        Some((value, _)) => value.as_str().map(str::to_owned).unwrap_or_default(),
        None => String::new(),
    }
}

/// A trigger that makes every actor binding fail (`on`), or its removal.
fn fault(backend: Backend, on: bool) -> &'static str {
    match (backend, on) {
        (Backend::Sqlite, true) => {
            "CREATE TRIGGER injected_failure BEFORE INSERT ON device_actors \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        }
        (Backend::Sqlite, false) => "DROP TRIGGER injected_failure",
        (Backend::Postgres, true) => {
            "CREATE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; \
             CREATE TRIGGER injected_failure BEFORE INSERT ON device_actors \
             FOR EACH ROW EXECUTE FUNCTION injected_failure()"
        }
        (Backend::Postgres, false) => "DROP TRIGGER injected_failure ON device_actors",
    }
}

/// The sync states move with every round, refused or not (a round without changes is stored).
fn without_sync_states(fingerprint: Vec<(String, i64)>) -> Vec<(String, i64)> {
    fingerprint.into_iter().filter(|(table, _)| table != "sync_states").collect()
}

/// A side transaction on Postgres that blocks every write to the actor bindings.
struct ActorLock {
    conn: sqlx::PgConnection,
    url: String,
}

impl ActorLock {
    /// Taken on Postgres; `None` on SQLite.
    async fn take(url: &str) -> Option<ActorLock> {
        use sqlx::Connection;
        if !url.starts_with("postgres") {
            return None;
        }
        let mut conn = sqlx::PgConnection::connect(url).await.expect("side connection");
        sqlx::raw_sql("BEGIN; LOCK TABLE device_actors IN SHARE ROW EXCLUSIVE MODE").execute(&mut conn).await.unwrap();
        Some(ActorLock { conn, url: url.to_owned() })
    }

    /// Wait until `n` other sessions wait on a lock, then roll the side transaction back.
    async fn release_when_waited_on_by(self, n: i64) {
        self.wait_until_waited_on_by(n).await;
        self.release().await;
    }

    /// Wait until `n` other sessions wait on a lock (polling `pg_stat_activity`).
    async fn wait_until_waited_on_by(&self, n: i64) {
        let sql = "SELECT COUNT(*) FROM pg_stat_activity \
                   WHERE wait_event_type = 'Lock' AND datname = current_database()";
        for _ in 0..600 {
            let waiting: Vec<(i64,)> = query(&self.url, sql).await;
            if waiting[0].0 >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the requests never reached the actor binding inside their commit");
    }

    /// Roll the side transaction back: the waiting commits go on.
    async fn release(mut self) {
        sqlx::raw_sql("ROLLBACK").execute(&mut self.conn).await.unwrap();
    }
}
