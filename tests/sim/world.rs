//! One simulated world: tablets, a network, the server's sync core on the in-memory store, the
//! office, one RNG and one clock. [`run`] plays a seed and checks every invariant.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use automerge::ChangeHash;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use terrain_client_core::edit::{NewPerson, NewWorksite, PersonField, WorksiteField};
use terrain_client_core::model::Document;
use terrain_client_core::protocol::{self, ErrorBody, ErrorCode, SyncRequest, SyncResponse};
use terrain_client_core::replica::{ReplicaMeta, StoredReplica};
use terrain_client_core::values::{ContractType, HoursSource, MeetingKind, NoteKind, PartnerKind};
use terrain_client_core::{
    DeviceId, DocKind, DocumentId, Edit, EditContext, ItemId, Persist, Refusal, Replica, ReplicaError,
};
use terrain_server::auth::{self, Caller, Role};
use terrain_server::store::{Accounts, DeviceRecord, Erasure, ErasureReason, MemoryStore, Store, User};
use terrain_server::sync::{self, DocCache, Limits};
use uuid::Uuid;

use crate::rng::Rng;

/// How hostile the world is, per mille.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub drop_request: u32,
    pub drop_response: u32,
    pub server_crash: u32,
    pub duplicate: u32,
    pub tablet_crash: u32,
    pub crash_mid_persist: u32,
}

impl Faults {
    pub fn from_rng(rng: &mut Rng) -> Faults {
        // Some seeds are calm, some are storms.
        let scale = [0, 1, 2, 4][rng.below(4) as usize];
        Faults {
            drop_request: 40 * scale,
            drop_response: 40 * scale,
            server_crash: 20 * scale,
            duplicate: 30 * scale,
            tablet_crash: 10 * scale,
            crash_mid_persist: 30 * scale,
        }
    }
}

/// What one run did, for the totals in docs/RELIABILITY.md.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub requests: u64,
    pub faults: u64,
    pub edits_confirmed: u64,
    pub changes_acknowledged: u64,
    pub crashes: u64,
    pub office_actions: u64,
    pub lost: u64,
    /// Answers that were one page of several (`more`).
    pub paged: u64,
    /// Stored documents a request found in the server's cache instead of rebuilding them.
    pub cache_hits: u64,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, o: Stats) {
        self.requests += o.requests;
        self.faults += o.faults;
        self.edits_confirmed += o.edits_confirmed;
        self.changes_acknowledged += o.changes_acknowledged;
        self.crashes += o.crashes;
        self.office_actions += o.office_actions;
        self.lost += o.lost;
        self.paged += o.paged;
        self.cache_hits += o.cache_hits;
    }
}

/// The tablet's "disk": only what was persisted. A crash rebuilds the replica from it.
#[derive(Default, Clone)]
struct Disk {
    meta: Option<ReplicaMeta>,
    docs: BTreeMap<DocumentId, (DocKind, Vec<u8>)>,
}

impl Disk {
    fn apply(&mut self, op: &Persist) {
        match op {
            Persist::Changes { doc, kind, bytes } => {
                self.docs.entry(*doc).or_insert_with(|| (*kind, Vec::new())).1.extend_from_slice(bytes)
            }
            Persist::Snapshot { doc, kind, bytes } => {
                self.docs.insert(*doc, (*kind, bytes.clone()));
            }
            Persist::Meta(meta) => self.meta = Some(meta.clone()),
            Persist::Remove { doc } => {
                self.docs.remove(doc);
            }
        }
    }

    fn load(&self) -> StoredReplica {
        StoredReplica {
            meta: self.meta.clone(),
            docs: self.docs.iter().map(|(id, (kind, bytes))| (*id, *kind, bytes.clone())).collect(),
        }
    }
}

struct Tablet {
    label: String,
    caller: Caller,
    token: String,
    replica: Replica,
    disk: Disk,
    /// The request this tablet waits an answer for.
    waiting: Option<u64>,
    partitioned_until: i64,
    revoked: bool,
    cursor: i64,
    /// (doc, head) of every edit confirmed to the user (persisted whole).
    confirmed: Vec<(DocumentId, ChangeHash)>,
    /// (doc, head) the server acknowledged as stored.
    acked: Vec<(DocumentId, [u8; 32])>,
    /// Documents the server refused, with the code.
    quarantined: BTreeMap<DocumentId, ErrorCode>,
    counter: u64,
    /// The protocol version its app speaks: a quarter of the tablets are not updated yet (1).
    protocol: u32,
}

enum Event {
    /// A request arrives at the server.
    Deliver { tablet: usize, id: u64, body: Vec<u8>, reply: bool },
    /// An answer arrives at a tablet.
    Answer { tablet: usize, id: u64, result: Result<Vec<u8>, ErrorBody> },
    /// The tablet gives up waiting.
    Timeout { tablet: usize, id: u64 },
}

struct World {
    seed: u64,
    rng: Rng,
    now: i64,
    store: Arc<MemoryStore>,
    dyn_store: Arc<dyn Store>,
    limits: Limits,
    /// The server process's document cache, as `terrain serve` keeps one; a server crash empties it.
    cache: DocCache,
    tablets: Vec<Tablet>,
    advisors: Vec<User>,
    office: Caller,
    queue: Vec<(i64, u64, Event)>,
    next_id: u64,
    faults: Faults,
    stats: Stats,
    erased: BTreeSet<DocumentId>,
    /// (worksite, advisor) pairs unassigned during the run: edits refused for those are by design.
    unassigned: BTreeSet<(DocumentId, Uuid)>,
    log: String,
    verbose: bool,
}

const START_MS: i64 = 1_780_000_000_000;
const WORDS: &[&str] = &["façade", "échafaudage", "Noël 👷", "grue", "béton", "dalle", "toiture", "plâtre"];

/// Last names of the people the tablets create: none of them is in [`WORDS`], since a worksite's
/// text may not name a person it refers to (the server refuses it, `personal_data`).
const LAST_NAMES: &[&str] = &["Mbuyi", "Janssens", "Peeters", "Dubois", "Yılmaz", "Van Damme", "Ngoma", "Lambert"];

/// The server's document cache in a world: a third rebuild every document in every request (no
/// cache), a third keep two (so documents are evicted and rebuilt mid-session), a third keep far
/// more than a world holds. Taken from the seed, not drawn, so the worlds' draws stay the same.
fn cache_capacity(seed: u64) -> usize {
    [0, 2, 256][(seed % 3) as usize]
}

fn ts(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().expect("a valid virtual time")
}

/// Play one seed: a random workload under faults, then heal and check every invariant.
pub async fn run(seed: u64, verbose: bool) -> Result<Stats, String> {
    let mut world = World::new(seed, verbose).await;
    let steps = 30 + world.rng.below(50);
    for _ in 0..steps {
        world.step().await?;
    }
    world.heal().await?;
    world.check().await?;
    world.stats.cache_hits += world.cache.stats().hits;
    Ok(world.stats)
}

impl World {
    async fn new(seed: u64, verbose: bool) -> World {
        let mut rng = Rng::new(seed);
        let store = Arc::new(MemoryStore::new());
        let dyn_store: Arc<dyn Store> = store.clone();
        let at = ts(START_MS);
        let user = |rng: &mut Rng, login: &str, role: Role| User {
            id: Uuid::from_bytes(rng.bytes16()),
            login: login.to_owned(),
            display_name: login.to_owned(),
            role,
            password_hash: "simulated".to_owned(),
        };
        let office_user = user(&mut rng, "office", Role::Office);
        let advisors: Vec<User> = (0..2).map(|i| user(&mut rng, &format!("advisor{i}"), Role::Advisor)).collect();
        for u in std::iter::once(&office_user).chain(&advisors) {
            store.create_user(u, at).await.expect("create user");
        }
        let (office, _) = register(&store, &mut rng, &office_user, "dashboard").await;
        // One office tablet and one or two per advisor.
        let mut owners: Vec<&User> = vec![&office_user, &advisors[0], &advisors[1]];
        if rng.below(2) == 0 {
            owners.push(&advisors[0]);
        }
        let mut tablets = Vec::new();
        for (i, owner) in owners.into_iter().enumerate() {
            let label = format!("T{i}:{}", owner.login);
            let (caller, token) = register(&store, &mut rng, owner, &label).await;
            let mut replica = Replica::new(caller.device.id, rng.bytes16());
            // From the seed, not the world's generator: the same seed keeps its world.
            let protocol = if (seed >> (2 * i)) & 3 == 0 { 1 } else { 2 };
            replica.set_protocol(protocol);
            let mut disk = Disk::default();
            disk.apply(&Persist::Meta(replica.meta()));
            tablets.push(Tablet {
                label,
                caller,
                token,
                replica,
                disk,
                waiting: None,
                partitioned_until: 0,
                revoked: false,
                cursor: 0,
                confirmed: Vec::new(),
                acked: Vec::new(),
                quarantined: BTreeMap::new(),
                counter: 0,
                protocol,
            });
        }
        let faults = Faults::from_rng(&mut rng);
        // Half the worlds answer in pages of one to three documents, so first syncs, new
        // assignments and catch-ups run over several rounds (`more`, the page mark) under the same
        // faults; the others use the server's default page (larger than any world).
        let mut limits = Limits::default();
        if rng.below(2) == 0 {
            limits.page_documents = 1 + rng.below(3) as usize;
        }
        World {
            seed,
            rng,
            now: START_MS,
            store,
            dyn_store,
            limits,
            cache: DocCache::new(cache_capacity(seed)),
            tablets,
            advisors,
            office,
            queue: Vec::new(),
            next_id: 0,
            faults,
            stats: Stats::default(),
            erased: BTreeSet::new(),
            unassigned: BTreeSet::new(),
            log: String::new(),
            verbose,
        }
    }

    fn trace(&mut self, line: impl AsRef<str>) {
        let _ = writeln!(self.log, "[{:>7}] {}", self.now - START_MS, line.as_ref());
        if self.verbose {
            eprintln!("[{:>7}] {}", self.now - START_MS, line.as_ref());
        }
    }

    fn fail(&self, what: impl AsRef<str>) -> String {
        let tail: Vec<&str> = self.log.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("seed {}: {}\n--- last events ---\n{}", self.seed, what.as_ref(), tail.join("\n"))
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        per_mille > 0 && self.rng.below(1000) < u64::from(per_mille)
    }

    fn schedule(&mut self, delay: i64, event: Event) {
        let order = self.next_id;
        self.next_id += 1;
        self.queue.push((self.now + delay, order, event));
    }

    fn live(&self, t: usize) -> bool {
        !self.tablets[t].revoked
    }

    /// One step of the workload: advance the clock, deliver what is due, then act.
    async fn step(&mut self) -> Result<(), String> {
        self.now += self.rng.below(400) as i64;
        self.deliver_due(false).await?;
        let t = self.rng.below(self.tablets.len() as u64) as usize;
        if !self.live(t) {
            return Ok(());
        }
        match self.rng.below(100) {
            0..45 => self.edit(t)?,
            45..75 => self.start_sync(t).await?,
            75..85 => self.office_action().await?,
            85..90 => {
                let until = self.now + 500 + self.rng.below(3000) as i64;
                self.tablets[t].partitioned_until = until;
                self.trace(format!("{} partitioned until {}", self.tablets[t].label, until - START_MS));
            }
            90..95 if self.chance(self.faults.tablet_crash * 50) => self.crash(t, "at rest"),
            _ => {}
        }
        Ok(())
    }

    /// Deliver every event due now (or all of them when `all`), earliest first.
    async fn deliver_due(&mut self, all: bool) -> Result<(), String> {
        loop {
            self.queue.sort_by_key(|(at, order, _)| (*at, *order));
            let due = self.queue.first().is_some_and(|(at, _, _)| all || *at <= self.now);
            if !due {
                return Ok(());
            }
            let (at, _, event) = self.queue.remove(0);
            self.now = self.now.max(at);
            match event {
                Event::Deliver { tablet, id, body, reply } => self.serve(tablet, id, body, reply).await?,
                Event::Answer { tablet, id, result } => self.answer(tablet, id, result).await?,
                Event::Timeout { tablet, id } => {
                    if self.tablets[tablet].waiting == Some(id) {
                        self.tablets[tablet].waiting = None;
                        self.tablets[tablet].replica.abort_sync();
                        self.trace(format!("{} request {id} timed out", self.tablets[tablet].label));
                    }
                }
            }
        }
    }

    fn ctx(&self, t: usize) -> EditContext {
        EditContext { author_label: self.tablets[t].label.clone(), now_ms: self.now }
    }

    fn item(&mut self, t: usize) -> ItemId {
        self.tablets[t].counter += 1;
        ItemId::from_random_bytes(self.rng.bytes16())
    }

    fn word(&mut self) -> String {
        WORDS[self.rng.below(WORDS.len() as u64) as usize].to_owned()
    }

    /// A random edit on the tablet; confirmed once every operation is on its disk. A crash may
    /// strike before that: the edit is then not confirmed, and only what was persisted survives.
    fn edit(&mut self, t: usize) -> Result<(), String> {
        let ctx = self.ctx(t);
        let docs = self.tablets[t].replica.documents();
        let worksites: Vec<DocumentId> =
            docs.iter().filter(|(_, k)| *k == DocKind::Worksite).map(|(d, _)| *d).collect();
        let people: Vec<DocumentId> = docs.iter().filter(|(_, k)| *k == DocKind::Person).map(|(d, _)| *d).collect();
        let choice = self.rng.below(100);
        let (doc, result) = if worksites.is_empty() || choice < 8 {
            let id = DocumentId::from_random_bytes(self.rng.bytes16());
            let new = NewWorksite {
                name: format!("Chantier {}", self.word()),
                address: "Rue Wayez 1".into(),
                contractor: "Bâtiments Dupont SA".into(),
                order_to_start: Some(date(2026, 1, 5)),
                ..Default::default()
            };
            self.trace(format!("{} creates worksite {id}", self.tablets[t].label));
            (id, self.tablets[t].replica.create_worksite(id, &new, &ctx))
        } else if people.is_empty() || choice < 14 {
            let id = DocumentId::from_random_bytes(self.rng.bytes16());
            let new = NewPerson {
                first_name: "Karim".into(),
                last_name: LAST_NAMES[self.rng.below(LAST_NAMES.len() as u64) as usize].to_owned(),
                phone: "+32 470 00 00 00".into(),
                partner_kind: Some(PartnerKind::ReferenceCentre),
                partner_name: "IrisTech".into(),
                ..Default::default()
            };
            self.trace(format!("{} creates person {id}", self.tablets[t].label));
            (id, self.tablets[t].replica.create_person(id, &new, &ctx))
        } else if choice < 30 {
            let p = people[self.rng.below(people.len() as u64) as usize];
            let edit = if self.rng.below(2) == 0 {
                Edit::SetPersonField { field: PersonField::PartnerName, value: self.word() }
            } else {
                let id = self.item(t);
                Edit::AddPersonNote {
                    id,
                    kind: NoteKind::ALL[0],
                    date: Some(date(2026, 3, 1)),
                    worksite: None,
                    text: self.word(),
                }
            };
            (p, self.tablets[t].replica.edit(p, &edit, &ctx))
        } else {
            let w = worksites[self.rng.below(worksites.len() as u64) as usize];
            let edit = self.worksite_edit(t, w, &people);
            if let Edit::Refer { person, .. } | Edit::AddPlacement { person, .. } = &edit {
                self.trace(format!("{} makes {w} refer to {person}", self.tablets[t].label));
            }
            (w, self.tablets[t].replica.edit(w, &edit, &ctx))
        };
        let ops = match result {
            Ok(ops) => ops,
            // The edit rules refused it (say, a splice past the end): nothing changed.
            Err(ReplicaError::Edit(_)) => return Ok(()),
            Err(e) => return Err(self.fail(format!("an edit failed: {e}"))),
        };
        if ops.is_empty() {
            return Ok(());
        }
        if self.chance(self.faults.crash_mid_persist) {
            let keep = self.rng.below(ops.len() as u64) as usize;
            for op in &ops[..keep] {
                self.tablets[t].disk.apply(op);
            }
            self.crash(t, &format!("between edit and persist ({keep}/{} written)", ops.len()));
            return Ok(());
        }
        for op in &ops {
            self.tablets[t].disk.apply(op);
        }
        let heads = self.tablets[t].replica.automerge(doc).map(|d| d.get_heads()).unwrap_or_default();
        for h in heads {
            self.tablets[t].confirmed.push((doc, h));
        }
        self.stats.edits_confirmed += 1;
        Ok(())
    }

    fn worksite_edit(&mut self, t: usize, w: DocumentId, people: &[DocumentId]) -> Edit {
        let ws = self.tablets[t].replica.worksite(w).ok();
        let meetings: Vec<(ItemId, usize)> =
            ws.as_ref().map(|ws| ws.meetings.iter().map(|m| (m.id, m.notes.len())).collect()).unwrap_or_default();
        let positions: Vec<ItemId> =
            ws.as_ref().map(|ws| ws.positions.iter().map(|p| p.id).collect()).unwrap_or_default();
        let placements: Vec<ItemId> =
            ws.as_ref().map(|ws| ws.placements.iter().map(|p| p.id).collect()).unwrap_or_default();
        let pick = |rng: &mut Rng, v: &[ItemId]| v[rng.below(v.len() as u64) as usize];
        match self.rng.below(8) {
            0 => Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: self.word() },
            1 => Edit::SetWorksiteField { field: WorksiteField::Lots, value: self.word() },
            2 if !meetings.is_empty() => {
                let (meeting, len) = meetings[self.rng.below(meetings.len() as u64) as usize];
                let pos = if self.rng.below(2) == 0 { 0 } else { len };
                Edit::SpliceMeetingNotes { meeting, pos, delete: 0, insert: format!(" {}", self.word()) }
            }
            3 if !positions.is_empty() && !people.is_empty() => {
                let person = people[self.rng.below(people.len() as u64) as usize];
                let position = pick(&mut self.rng, &positions);
                let id = self.item(t);
                Edit::Refer {
                    id,
                    person,
                    position,
                    partner_kind: PartnerKind::ReferenceCentre,
                    partner_name: "IrisTech".into(),
                    proposed_on: Some(date(2026, 1, 20)),
                }
            }
            4 if !positions.is_empty() && !people.is_empty() => {
                let person = people[self.rng.below(people.len() as u64) as usize];
                let position = pick(&mut self.rng, &positions);
                let id = self.item(t);
                Edit::AddPlacement {
                    id,
                    person,
                    position,
                    contract_type: ContractType::ALL[0],
                    start: Some(date(2026, 2, 2)),
                    end: Some(date(2026, 9, 30)),
                    weekly_hours: 38.0,
                }
            }
            5 if !placements.is_empty() => Edit::RecordHours {
                placement: pick(&mut self.rng, &placements),
                month: format!("2026-{:02}", 2 + self.rng.below(6)).parse().expect("a month"),
                hours: (self.rng.below(160) + 1) as f64,
                source: HoursSource::ALL[0],
            },
            6 => {
                let id = self.item(t);
                Edit::AddPosition {
                    id,
                    title: "Maçon".into(),
                    tasks: self.word(),
                    requirements: String::new(),
                    contract_type: ContractType::ALL[0],
                    planned_start: Some(date(2026, 2, 1)),
                    hours_planned: 600.0,
                }
            }
            _ => {
                let id = self.item(t);
                Edit::AddMeeting {
                    id,
                    kind: MeetingKind::ALL[self.rng.below(MeetingKind::ALL.len() as u64) as usize],
                    date: Some(date(2026, 1, 12)),
                    place: "Sur chantier".into(),
                    notes: self.word(),
                    next_meeting: None,
                }
            }
        }
    }

    /// The tablet loses its memory: the replica is rebuilt from its disk, any session is gone.
    /// The server process restarts: what it committed stays, its memory (the cache) is gone.
    fn restart_server(&mut self) {
        self.stats.cache_hits += self.cache.stats().hits;
        self.cache = DocCache::new(cache_capacity(self.seed));
    }

    fn crash(&mut self, t: usize, when: &str) {
        self.stats.crashes += 1;
        self.stats.faults += 1;
        let stored = self.tablets[t].disk.load();
        match Replica::restore(stored) {
            Ok(mut replica) => {
                replica.set_protocol(self.tablets[t].protocol);
                self.tablets[t].replica = replica;
            }
            Err(e) => panic!("{}", self.fail(format!("{} cannot restore after a crash: {e}", self.tablets[t].label))),
        }
        self.tablets[t].waiting = None;
        let label = self.tablets[t].label.clone();
        self.trace(format!("{label} CRASH {when}"));
    }

    async fn start_sync(&mut self, t: usize) -> Result<(), String> {
        if self.tablets[t].waiting.is_some() {
            return Ok(());
        }
        let request = self.tablets[t].replica.start_sync();
        // Its number is stored before it leaves.
        for op in self.tablets[t].replica.take_unpersisted() {
            self.tablets[t].disk.apply(&op);
        }
        self.send(t, request);
        Ok(())
    }

    /// Put a request on the network: it may be dropped, duplicated, delayed.
    fn send(&mut self, t: usize, request: SyncRequest) {
        self.stats.requests += 1;
        let id = self.next_id;
        self.next_id += 1;
        self.tablets[t].waiting = Some(id);
        let body = protocol::encode(&request);
        let label = self.tablets[t].label.clone();
        let docs: Vec<String> = request.docs.iter().map(|d| d.doc.to_string()[..8].to_owned()).collect();
        let pushes: Vec<String> = request
            .pushes
            .iter()
            .map(|p| format!("{}{}", &p.doc.to_string()[..8], if p.changes.is_empty() { "" } else { "+" }))
            .collect();
        self.trace(format!(
            "{label} sends {id} (v{}): cursor {} docs {:?} pushes {:?} removed {}",
            request.protocol,
            request.cursor,
            docs,
            pushes,
            request.removed.len()
        ));
        self.schedule(5_000, Event::Timeout { tablet: t, id });
        if self.tablets[t].partitioned_until > self.now || self.chance(self.faults.drop_request) {
            self.stats.faults += 1;
            self.trace(format!("  request {id} lost"));
            return;
        }
        let delay = 1 + self.rng.below(800) as i64;
        if self.chance(self.faults.duplicate) {
            self.stats.faults += 1;
            let later = delay + self.rng.below(4000) as i64;
            self.trace(format!("  request {id} duplicated (+{later} ms)"));
            self.schedule(later, Event::Deliver { tablet: t, id, body: body.clone(), reply: true });
        }
        self.schedule(delay, Event::Deliver { tablet: t, id, body, reply: true });
    }

    /// The server handles a request exactly as `POST /v1/sync` does, minus the sockets.
    async fn serve(&mut self, t: usize, id: u64, body: Vec<u8>, reply: bool) -> Result<(), String> {
        let result = self.handle(t, &body).await;
        let label = self.tablets[t].label.clone();
        match &result {
            Ok(r) => self.trace(format!(
                "  server answered {id} for {label}: cursor {} docs {} remove {:?}",
                r.cursor,
                r.docs.len(),
                r.remove.iter().map(|d| d.to_string()[..8].to_owned()).collect::<Vec<_>>()
            )),
            Err(e) => {
                self.trace(format!("  server refused {id} for {label}: {:?} {:?} ({})", e.code, e.doc, e.message))
            }
        }
        if let Err(e) = &result
            && e.code == ErrorCode::Internal
        {
            return Err(self.fail(format!("the server failed: {}", e.message)));
        }
        if !reply {
            return Ok(());
        }
        if self.chance(self.faults.server_crash) {
            self.stats.faults += 1;
            self.trace(format!("  SERVER CRASH after handling {id}, before replying"));
            self.restart_server();
            return Ok(());
        }
        if self.tablets[t].partitioned_until > self.now || self.chance(self.faults.drop_response) {
            self.stats.faults += 1;
            self.trace(format!("  answer to {id} lost after the commit"));
            return Ok(());
        }
        let result = result.map(|r| protocol::encode(&r));
        let delay = 1 + self.rng.below(800) as i64;
        self.schedule(delay, Event::Answer { tablet: t, id, result });
        Ok(())
    }

    async fn handle(&mut self, t: usize, body: &[u8]) -> Result<SyncResponse, ErrorBody> {
        let caller = auth::authenticate_token(self.dyn_store.as_ref(), &self.tablets[t].token)
            .await
            .map_err(|e| ErrorBody { code: e.code(), message: e.to_string(), doc: None })?;
        let request: SyncRequest = protocol::decode(body).expect("the simulator's own request decodes");
        let at = ts(self.now);
        sync::handle_with_cache(&self.dyn_store, &self.limits, &self.cache, &caller, request, at)
            .await
            .map_err(|e| ErrorBody { code: e.code(), message: format!("{e} ({e:?})"), doc: e.doc() })
    }

    async fn answer(&mut self, t: usize, id: u64, result: Result<Vec<u8>, ErrorBody>) -> Result<(), String> {
        if self.tablets[t].waiting != Some(id) || !self.live(t) {
            return Ok(());
        }
        self.tablets[t].waiting = None;
        let label = self.tablets[t].label.clone();
        let response: SyncResponse = match result {
            Ok(bytes) => protocol::decode(&bytes).expect("the server's answer decodes"),
            Err(error) => return self.refused(t, error),
        };
        let acked: Vec<(DocumentId, [u8; 32])> = response
            .docs
            .iter()
            .flat_map(|d| {
                d.stored_heads.iter().filter_map(move |h| <[u8; 32]>::try_from(h.as_slice()).ok().map(|h| (d.doc, h)))
            })
            .collect();
        let cursor = response.cursor;
        self.stats.paged += u64::from(response.more);
        let step = match self.tablets[t].replica.handle_response(response) {
            Ok(step) => step,
            Err(e) => return Err(self.fail(format!("{label} could not handle the answer to {id}: {e}"))),
        };
        // The acknowledgement counts once the device saw it, whether or not it persists it.
        self.stats.changes_acknowledged += acked.len() as u64;
        self.tablets[t].acked.extend(acked);
        if self.chance(self.faults.crash_mid_persist) {
            let keep = self.rng.below(step.persist.len() as u64 + 1) as usize;
            for op in &step.persist[..keep] {
                self.tablets[t].disk.apply(op);
            }
            self.crash(t, &format!("while persisting an answer ({keep}/{} written)", step.persist.len()));
            return Ok(());
        }
        for op in &step.persist {
            self.tablets[t].disk.apply(op);
        }
        match step.next {
            Some(next) => self.send(t, next),
            None => {
                if cursor < self.tablets[t].cursor {
                    return Err(
                        self.fail(format!("{label}'s cursor went back from {} to {cursor}", self.tablets[t].cursor))
                    );
                }
                self.tablets[t].cursor = cursor;
                self.trace(format!("{label} sync complete at cursor {cursor}"));
            }
        }
        Ok(())
    }

    fn refused(&mut self, t: usize, error: ErrorBody) -> Result<(), String> {
        let label = self.tablets[t].label.clone();
        let (refusal, ops) = self.tablets[t].replica.handle_refusal(&error);
        for op in &ops {
            self.tablets[t].disk.apply(op);
        }
        match refusal {
            Refusal::Revoked { unsynced } => {
                self.trace(format!("{label} REVOKED, wiped ({} documents with unsynced changes)", unsynced.len()));
                self.tablets[t].revoked = true;
                self.tablets[t].disk = Disk::default();
            }
            Refusal::Quarantined { doc } => {
                self.trace(format!("{label} quarantines {doc}: {:?}", error.code));
                self.tablets[t].quarantined.insert(doc, error.code);
            }
            Refusal::Other => self.trace(format!("{label} refused: {:?}", error.code)),
        }
        Ok(())
    }

    /// The office at work: assignments, an erasure, a revoked tablet, a dashboard edit.
    async fn office_action(&mut self) -> Result<(), String> {
        self.stats.office_actions += 1;
        let docs = self.store.document_ids();
        let stored = self.dyn_store.load(&docs).await.map_err(|e| e.to_string())?;
        let worksites: Vec<DocumentId> = stored.iter().filter(|d| d.kind == DocKind::Worksite).map(|d| d.id).collect();
        let people: Vec<DocumentId> = stored.iter().filter(|d| d.kind == DocKind::Person).map(|d| d.id).collect();
        let at = ts(self.now);
        match self.rng.below(100) {
            0..40 if !worksites.is_empty() => {
                let w = worksites[self.rng.below(worksites.len() as u64) as usize];
                let a = self.advisors[self.rng.below(2) as usize].clone();
                self.dyn_store.assign(w, a.id, at).await.map_err(|e| e.to_string())?;
                self.trace(format!("office assigns {w} to {}", a.login));
            }
            40..60 if !worksites.is_empty() => {
                let w = worksites[self.rng.below(worksites.len() as u64) as usize];
                let a = self.advisors[self.rng.below(2) as usize].clone();
                if self.dyn_store.unassign(w, a.id).await.map_err(|e| e.to_string())? {
                    self.unassigned.insert((w, a.id));
                    self.trace(format!("office unassigns {w} from {}", a.login));
                }
            }
            60..70 if !people.is_empty() => {
                let p = people[self.rng.below(people.len() as u64) as usize];
                let erasure = Erasure { reason: ErasureReason::Request, by: Some(self.office.user.id), at };
                self.dyn_store.erase(p, &erasure).await.map_err(|e| e.to_string())?;
                self.erased.insert(p);
                self.trace(format!("office ERASES person {p}"));
            }
            70..73 => {
                let t = self.rng.below(self.tablets.len() as u64) as usize;
                if self.live(t) {
                    let id = self.tablets[t].caller.device.id;
                    self.dyn_store.revoke_device(id, at).await.map_err(|e| e.to_string())?;
                    self.trace(format!("office REVOKES {}", self.tablets[t].label));
                    // The tablet learns at its next request; mark it now so the heal phase ends it.
                    self.tablets[t].partitioned_until = 0;
                }
            }
            _ if !worksites.is_empty() => {
                let w = worksites[self.rng.below(worksites.len() as u64) as usize];
                let value = self.word();
                let edit = Edit::SetWorksiteField { field: WorksiteField::AuthorityContact, value };
                match sync::write_edit_at(&self.dyn_store, &self.office, w, edit, at).await {
                    Ok(()) => self.trace(format!("dashboard edits {w}")),
                    Err(e) => return Err(self.fail(format!("the dashboard edit of {w} failed: {e}"))),
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Faults stop, partitions heal, the network drains, and every tablet syncs until nothing
    /// moves.
    async fn heal(&mut self) -> Result<(), String> {
        self.trace("=== heal ===");
        self.faults = Faults {
            drop_request: 0,
            drop_response: 0,
            server_crash: 0,
            duplicate: 0,
            tablet_crash: 0,
            crash_mid_persist: 0,
        };
        for tablet in &mut self.tablets {
            tablet.partitioned_until = 0;
        }
        self.deliver_due(true).await?;
        for pass in 0..6 {
            let before = self.fingerprint();
            for t in 0..self.tablets.len() {
                if self.live(t) {
                    self.sync_to_completion(t).await?;
                }
            }
            if pass > 0 && self.fingerprint() == before {
                return Ok(());
            }
        }
        Err(self.fail("the world did not settle within 6 passes of syncs"))
    }

    async fn sync_to_completion(&mut self, t: usize) -> Result<(), String> {
        self.start_sync(t).await?;
        while self.tablets[t].waiting.is_some() || !self.queue.is_empty() {
            if self.queue.is_empty() {
                return Err(self.fail("a tablet waits for an answer that will never come"));
            }
            self.deliver_due(true).await?;
        }
        Ok(())
    }

    fn fingerprint(&self) -> Vec<(usize, Vec<(DocumentId, Vec<ChangeHash>)>)> {
        let mut out = Vec::new();
        for (i, t) in self.tablets.iter().enumerate() {
            let docs = t
                .replica
                .documents()
                .into_iter()
                .map(|(d, _)| (d, t.replica.automerge(d).map(|a| a.get_heads()).unwrap_or_default()))
                .collect();
            out.push((i, docs));
        }
        // The server's heads too: a pass in which a tablet only uploaded must be followed by one in
        // which the others download it.
        let server = self.store.document_ids().into_iter().map(|d| {
            let heads = self.store.heads(d).unwrap_or_default().into_iter().map(ChangeHash).collect();
            (d, heads)
        });
        out.push((usize::MAX, server.collect()));
        out
    }

    /// Every invariant, after the world healed.
    async fn check(&mut self) -> Result<(), String> {
        let store = self.dyn_store.clone();
        // The projection equals one recomputed from scratch; erased persons are gone.
        let ids = self.store.document_ids();
        let stored = store.load(&ids).await.map_err(|e| e.to_string())?;
        let mut server = BTreeMap::new();
        for s in &stored {
            let doc = sync::rebuild(s).map_err(|e| self.fail(format!("{} does not rebuild: {e}", s.id)))?;
            let typed = Document::read(&doc).map_err(|e| self.fail(format!("{} breaks the schema: {e}", s.id)))?;
            let recomputed = terrain_server::projection::project(&typed);
            if self.store.projection(s.id) != Some(recomputed) {
                return Err(self.fail(format!("the projection of {} differs from one recomputed from scratch", s.id)));
            }
            if self.erased.contains(&s.id) {
                return Err(self.fail(format!("erased {} is still stored", s.id)));
            }
            server.insert(s.id, (doc, typed));
        }
        let counter = store.changed_since(0).await.map_err(|e| e.to_string())?.cursor;
        for t in 0..self.tablets.len() {
            let tablet = &self.tablets[t];
            let label = tablet.label.clone();
            // Every change ever acknowledged to the device is in the server's store.
            for (doc, head) in &tablet.acked {
                if !self.erased.contains(doc) && !self.store.has_change(*doc, head) {
                    return Err(self.fail(format!("{label}: a change of {doc} acknowledged to it is not stored")));
                }
            }
            // No refusal but by design: an advisor's edit of a document that left their access
            // (its worksite, or the worksite referring to the person, was unassigned).
            for (doc, code) in &tablet.quarantined {
                let by_design =
                    *code == ErrorCode::Forbidden && self.unassigned.iter().any(|(_, u)| *u == tablet.caller.user.id);
                if !by_design {
                    return Err(self.fail(format!("{label}: {doc} quarantined with {code:?}")));
                }
            }
            if tablet.revoked {
                continue;
            }
            // No confirmed edit lost (except on an erased person or a quarantined document).
            for (doc, head) in &tablet.confirmed {
                if self.erased.contains(doc) || tablet.quarantined.contains_key(doc) {
                    continue;
                }
                if !self.store.has_change(*doc, &head.0) {
                    return Err(self.fail(format!("{label}: a confirmed edit of {doc} never reached the server")));
                }
            }
            if tablet.cursor > counter {
                return Err(self.fail(format!("{label}'s cursor {} is past the server's {counter}", tablet.cursor)));
            }
            // Same heads and state as the server, for everything the device holds.
            let access = sync::access(store.as_ref(), &tablet.caller).await.map_err(|e| e.to_string())?;
            let held: BTreeSet<DocumentId> = tablet.replica.documents().into_iter().map(|(d, _)| d).collect();
            for doc in &held {
                if self.erased.contains(doc) {
                    return Err(self.fail(format!("{label} still holds erased {doc}")));
                }
                if tablet.quarantined.contains_key(doc) {
                    continue;
                }
                let Some((on_server, typed)) = server.get(doc) else {
                    return Err(self.fail(format!("{label} holds {doc}, which the server never stored")));
                };
                let mine = tablet.replica.automerge(*doc).expect("held");
                if mine.get_heads() != on_server.get_heads() {
                    return Err(self.fail(format!("{label} and the server hold different heads for {doc}")));
                }
                if tablet.replica.read(*doc).ok().as_ref() != Some(typed) {
                    return Err(self.fail(format!("{label} and the server read {doc} differently")));
                }
                if !access.allows(*doc) {
                    return Err(self.fail(format!("{label} holds {doc}, which it may no longer hold")));
                }
            }
            // The cursor never skipped a commit: every document it may hold is on the device.
            for doc in server.keys() {
                if access.allows(*doc) && !held.contains(doc) {
                    return Err(self.fail(format!("{label} may hold {doc} but never received it")));
                }
            }
            if tablet.replica.status().pending_changes > 0
                && tablet.replica.status().pending_documents.iter().any(|d| !tablet.quarantined.contains_key(d))
            {
                return Err(self.fail(format!("{label} still has unacknowledged changes after healing")));
            }
        }
        Ok(())
    }
}

/// A device of `user`, registered with a token drawn from the seed.
async fn register(store: &MemoryStore, rng: &mut Rng, user: &User, name: &str) -> (Caller, String) {
    let at = ts(START_MS);
    let device = DeviceRecord {
        id: DeviceId::from_random_bytes(rng.bytes16()),
        user_id: user.id,
        name: name.to_owned(),
        app_version: "sim".to_owned(),
        created_at: at,
        last_seen_at: at,
        revoked_at: None,
    };
    let token = format!("token-{:032x}", u128::from_le_bytes(rng.bytes16()));
    store.register_device(&device, &auth::token_hash(&token), &[0; 32]).await.expect("register device");
    (Caller { device, user: user.clone() }, token)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// A digest of a finished world, to show two runs of a seed are identical.
pub async fn digest(seed: u64) -> String {
    let mut world = World::new(seed, false).await;
    let steps = 30 + world.rng.below(50);
    for _ in 0..steps {
        let _ = world.step().await;
    }
    let _ = world.heal().await;
    let mut out = String::new();
    for (doc, seq) in world.store.seqs() {
        let heads = world.store.heads(doc).unwrap_or_default();
        let _ = write!(out, "{doc}:{seq}:{};", heads.iter().map(|h| format!("{:02x}", h[0])).collect::<String>());
    }
    out
}
