//! Documents, batches and raw-SQL readers shared by the conformance tests.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, Change, ROOT, ReadDoc};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use terrain_client_core::{DeviceId, DocKind, DocumentId};
use terrain_server::projection::{
    ActionRow, HoursRow, JobOfferRow, MeetingRow, PersonRow, PlacementRow, PositionRow, ProjectionRows, ReferralRow,
    WorksiteRow,
};
use terrain_server::store::{CommitBatch, DocumentCommit, NewChange, StoredDocument};
use uuid::Uuid;

/// A document being edited on a pretend tablet: real Automerge changes, so that what the store
/// returns can be checked by rebuilding the document.
pub struct Doc {
    pub id: DocumentId,
    pub kind: DocKind,
    am: AutoCommit,
    edits: i64,
}

impl Doc {
    pub fn new(kind: DocKind) -> Self {
        Self { id: DocumentId(Uuid::new_v4()), kind, am: AutoCommit::new(), edits: 0 }
    }

    /// A copy that edits as another actor (another tablet holding the same document).
    pub fn fork(&mut self) -> Self {
        Self { id: self.id, kind: self.kind, am: self.am.fork(), edits: self.edits }
    }

    /// Make `n` changes; returns them as the store takes them.
    pub fn edit(&mut self, n: usize) -> Vec<NewChange> {
        let before = self.am.get_heads();
        for _ in 0..n {
            self.edits += 1;
            self.am.put(ROOT, "edits", self.edits).unwrap();
            self.am.put(ROOT, format!("edit-{}", self.edits), "x").unwrap();
            self.am.commit();
        }
        self.am.get_changes(&before).iter().map(new_change).collect()
    }

    pub fn heads(&mut self) -> Vec<[u8; 32]> {
        self.am.get_heads().into_iter().map(|h| h.0).collect()
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.am.save()
    }

    /// A commit of `changes` made when the store held `expected` changes of this document.
    pub fn commit(&mut self, expected: i64, changes: Vec<NewChange>) -> DocumentCommit {
        DocumentCommit {
            id: self.id,
            kind: self.kind,
            expected_change_count: expected,
            changes,
            snapshot: None,
            projection: None,
            sync_state: None,
            heads: self.heads(),
        }
    }
}

pub fn new_change(change: &Change) -> NewChange {
    NewChange {
        hash: change.hash().0,
        actor: change.actor_id().to_bytes().to_vec(),
        seq: change.seq() as i64,
        bytes: change.raw_bytes().to_vec(),
        client_time: change.timestamp(),
    }
}

/// The heads of the document rebuilt from what the store returned, checking that nothing is
/// missing.
pub fn rebuild(stored: &StoredDocument) -> Vec<[u8; 32]> {
    let mut am = match &stored.snapshot {
        Some(snapshot) => Automerge::load(snapshot).expect("snapshot loads"),
        None => Automerge::new(),
    };
    let tail = stored.tail.iter().map(|bytes| Change::from_bytes(bytes.clone()).expect("stored change parses"));
    am.apply_changes(tail).unwrap();
    assert!(am.get_missing_deps(&[]).is_empty(), "the stored changes miss dependencies");
    am.get_heads().into_iter().map(|h| h.0).collect()
}

/// The server's receipt time for every batch of the suite.
pub fn received_at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_438_400, 0).unwrap()
}

pub fn batch(device: DeviceId, documents: Vec<DocumentCommit>) -> CommitBatch {
    CommitBatch::new(device, received_at(), documents)
}

pub fn device() -> DeviceId {
    DeviceId(Uuid::new_v4())
}

fn date(s: &str) -> Option<NaiveDate> {
    Some(s.parse().unwrap())
}

/// A worksite projection with `n` rows in each table (ids in ascending order, as read back).
pub fn sample_projection(worksite: DocumentId, n: usize) -> ProjectionRows {
    let w = worksite.0;
    let ids = || -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
        ids.sort();
        ids
    };
    let (positions, referrals, placements, meetings, actions, offers) = (ids(), ids(), ids(), ids(), ids(), ids());
    let person = Uuid::new_v4();
    ProjectionRows {
        worksite: Some(WorksiteRow {
            id: w,
            name: "Groupe scolaire Jean Jaurès".into(),
            address: "12 rue des Lilas, Lyon".into(),
            contract_reference: "MP-2026-014".into(),
            authority: "Ville de Lyon".into(),
            contractor: "Bâtir SA".into(),
            advisor: "Nadia".into(),
            status: "open".into(),
            clause_unit: "hours".into(),
            clause_objective: 1200.0,
            order_to_start: date("2026-01-05"),
            planned_end: date("2027-06-30"),
            clause_deadline: None,
            hours_realised: 151.67,
            placement_count: 3,
            search_text: "groupe scolaire jean jaures | mp-2026-014 | ville de lyon | batir sa | nadia | open".into(),
        }),
        positions: positions
            .iter()
            .map(|&id| PositionRow {
                id,
                worksite_id: w,
                title: "Maçon".into(),
                contract_type: "cdd".into(),
                planned_start: date("2026-02-01"),
                hours_planned: 455.0,
                status: "open".into(),
            })
            .collect(),
        referrals: referrals
            .iter()
            .zip(&positions)
            .map(|(&id, &position_id)| ReferralRow {
                id,
                worksite_id: w,
                position_id,
                person_id: person,
                partner_body: "Mission locale".into(),
                proposed_on: date("2026-01-20"),
                interview_held: true,
                sent_to_company: false,
                company_answer: "pending".into(),
                ..ReferralRow::default()
            })
            .collect(),
        placements: placements
            .iter()
            .zip(&positions)
            .map(|(&id, &position_id)| PlacementRow {
                id,
                worksite_id: w,
                position_id,
                person_id: person,
                contract_type: "interim".into(),
                start_date: date("2026-02-02"),
                end_date: None,
                weekly_hours: 35.0,
                end_reason: String::new(),
                outcome: "kept_on".into(),
                outcome_contract: "permanent".into(),
                check_outcome: String::new(),
                check_contract: String::new(),
                checked_on: None,
            })
            .collect(),
        hours: placements
            .iter()
            .map(|&placement_id| HoursRow {
                placement_id,
                worksite_id: w,
                month: "2026-02".into(),
                hours: 151.67,
                source: "attendance_sheet".into(),
            })
            .collect(),
        meetings: meetings
            .iter()
            .map(|&id| MeetingRow {
                id,
                worksite_id: w,
                kind: "follow_up".into(),
                date: date("2026-03-02"),
                place: "Base vie".into(),
                notes: "RAS".into(),
                next_meeting: date("2026-04-06"),
            })
            .collect(),
        actions: actions
            .iter()
            .zip(&meetings)
            .map(|(&id, &meeting_id)| ActionRow {
                id,
                meeting_id,
                worksite_id: w,
                what: "Relancer l'entreprise".into(),
                who: "Nadia".into(),
                due: date("2026-03-09"),
                done: false,
            })
            .collect(),
        job_offers: offers
            .iter()
            .map(|&id| JobOfferRow {
                id,
                worksite_id: w,
                employer: "Plâtres & Co".into(),
                role: "Plaquiste".into(),
                contact: "accueil@example.org".into(),
                status: "open".into(),
            })
            .collect(),
        person: None,
    }
}

pub fn person_projection(person: DocumentId) -> ProjectionRows {
    ProjectionRows {
        person: Some(PersonRow {
            id: person.0,
            display_name: "K. M.".into(),
            partner_body: "France Travail".into(),
            last_contact: Some(NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()),
            licence: "none".into(),
            ..PersonRow::default()
        }),
        ..ProjectionRows::default()
    }
}

/// Reads a document's projection with either pool type (the decoding is the same code).
macro_rules! read_projection {
    ($pool:expr, $id:expr) => {{
        let pool = $pool;
        let id: DocumentId = $id;
        let fetch = |sql: &'static str| sqlx::query(sql).bind(id.0).fetch_all(pool);
        let worksite = fetch(
            "SELECT id, name, address, contract_reference, authority, contractor, advisor, \
             status, clause_unit, clause_objective, order_to_start, planned_end, \
             clause_deadline, hours_realised, placement_count, search_text FROM worksites WHERE document_id = $1",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| WorksiteRow {
            id: r.get("id"),
            name: r.get("name"),
            address: r.get("address"),
            contract_reference: r.get("contract_reference"),
            authority: r.get("authority"),
            contractor: r.get("contractor"),
            advisor: r.get("advisor"),
            status: r.get("status"),
            clause_unit: r.get("clause_unit"),
            clause_objective: r.get("clause_objective"),
            order_to_start: r.get("order_to_start"),
            planned_end: r.get("planned_end"),
            clause_deadline: r.get("clause_deadline"),
            hours_realised: r.get("hours_realised"),
            placement_count: r.get("placement_count"),
            search_text: r.get("search_text"),
        })
        .next();
        let positions = fetch(
            "SELECT id, worksite_id, title, contract_type, planned_start, hours_planned, status \
             FROM positions WHERE document_id = $1 ORDER BY id",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| PositionRow {
            id: r.get("id"),
            worksite_id: r.get("worksite_id"),
            title: r.get("title"),
            contract_type: r.get("contract_type"),
            planned_start: r.get("planned_start"),
            hours_planned: r.get("hours_planned"),
            status: r.get("status"),
        })
        .collect();
        let referrals = fetch(
            "SELECT id, worksite_id, position_id, person_id, partner_body, proposed_on, \
             interview_held, sent_to_company, company_answer, partner_id, session_id \
             FROM referrals WHERE document_id = $1 ORDER BY id",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| ReferralRow {
            id: r.get("id"),
            worksite_id: r.get("worksite_id"),
            position_id: r.get("position_id"),
            person_id: r.get("person_id"),
            partner_body: r.get("partner_body"),
            proposed_on: r.get("proposed_on"),
            interview_held: r.get("interview_held"),
            sent_to_company: r.get("sent_to_company"),
            company_answer: r.get("company_answer"),
            partner_id: r.get("partner_id"),
            session_id: r.get("session_id"),
        })
        .collect();
        let placements = fetch(
            "SELECT id, worksite_id, position_id, person_id, contract_type, start_date, \
             end_date, weekly_hours, end_reason, outcome, outcome_contract, check_outcome, check_contract, \
             checked_on \
             FROM placements WHERE document_id = $1 ORDER BY id",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| PlacementRow {
            id: r.get("id"),
            worksite_id: r.get("worksite_id"),
            position_id: r.get("position_id"),
            person_id: r.get("person_id"),
            contract_type: r.get("contract_type"),
            start_date: r.get("start_date"),
            end_date: r.get("end_date"),
            weekly_hours: r.get("weekly_hours"),
            end_reason: r.get("end_reason"),
            outcome: r.get("outcome"),
            outcome_contract: r.get("outcome_contract"),
            check_outcome: r.get("check_outcome"),
            check_contract: r.get("check_contract"),
            checked_on: r.get("checked_on"),
        })
        .collect();
        let hours = fetch(
            "SELECT placement_id, worksite_id, month, hours, source \
             FROM placement_hours WHERE document_id = $1 ORDER BY placement_id, month",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| HoursRow {
            placement_id: r.get("placement_id"),
            worksite_id: r.get("worksite_id"),
            month: r.get("month"),
            hours: r.get("hours"),
            source: r.get("source"),
        })
        .collect();
        let meetings = fetch(
            "SELECT id, worksite_id, kind, date, place, notes, next_meeting \
             FROM meetings WHERE document_id = $1 ORDER BY id",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| MeetingRow {
            id: r.get("id"),
            worksite_id: r.get("worksite_id"),
            kind: r.get("kind"),
            date: r.get("date"),
            place: r.get("place"),
            notes: r.get("notes"),
            next_meeting: r.get("next_meeting"),
        })
        .collect();
        let actions = fetch(
            "SELECT id, meeting_id, worksite_id, what, who, due, done \
             FROM actions WHERE document_id = $1 ORDER BY id",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| ActionRow {
            id: r.get("id"),
            meeting_id: r.get("meeting_id"),
            worksite_id: r.get("worksite_id"),
            what: r.get("what"),
            who: r.get("who"),
            due: r.get("due"),
            done: r.get("done"),
        })
        .collect();
        let job_offers = fetch(
            "SELECT id, worksite_id, employer, role, contact, status \
             FROM job_offers WHERE document_id = $1 ORDER BY id",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| JobOfferRow {
            id: r.get("id"),
            worksite_id: r.get("worksite_id"),
            employer: r.get("employer"),
            role: r.get("role"),
            contact: r.get("contact"),
            status: r.get("status"),
        })
        .collect();
        let person = fetch(
            "SELECT id, display_name, partner_body, last_contact, partner_id, session_id, in_pool, trades, \
             qualifications, licence, languages, available_from, area FROM people WHERE document_id = $1",
        )
        .await
        .unwrap()
        .iter()
        .map(|r| PersonRow {
            id: r.get("id"),
            display_name: r.get("display_name"),
            partner_body: r.get("partner_body"),
            last_contact: r.get("last_contact"),
            partner_id: r.get("partner_id"),
            session_id: r.get("session_id"),
            in_pool: r.get("in_pool"),
            trades: r.get("trades"),
            qualifications: r.get("qualifications"),
            licence: r.get("licence"),
            languages: r.get("languages"),
            available_from: r.get("available_from"),
            area: r.get("area"),
        })
        .next();
        ProjectionRows { worksite, positions, referrals, placements, hours, meetings, actions, job_offers, person }
    }};
}

/// Raw SQL on the store's database. Queries use `$1` placeholders, which both backends accept.
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    /// The in-memory store, read through its own accessors.
    Memory(std::sync::Arc<terrain_server::store::MemoryStore>),
}

impl Db {
    pub async fn open(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Db::Sqlite(SqlitePool::connect(url).await.unwrap())
        } else {
            Db::Postgres(PgPool::connect(url).await.unwrap())
        }
    }

    /// The `heads` column of a document.
    pub async fn heads(&self, id: DocumentId) -> Vec<u8> {
        let sql = "SELECT heads FROM documents WHERE id = $1";
        match self {
            Db::Sqlite(pool) => sqlx::query_scalar(sql).bind(id.0).fetch_one(pool).await,
            Db::Postgres(pool) => sqlx::query_scalar(sql).bind(id.0).fetch_one(pool).await,
            Db::Memory(store) => return store.heads(id).expect("the document is stored").concat(),
        }
        .unwrap()
    }

    /// Rows of every projection table and of `changes` that belong to the document.
    pub async fn row_count(&self, id: DocumentId) -> i64 {
        let sql = "SELECT \
            (SELECT count(*) FROM changes WHERE document_id = $1) + \
            (SELECT count(*) FROM worksites WHERE document_id = $1) + \
            (SELECT count(*) FROM positions WHERE document_id = $1) + \
            (SELECT count(*) FROM referrals WHERE document_id = $1) + \
            (SELECT count(*) FROM placements WHERE document_id = $1) + \
            (SELECT count(*) FROM placement_hours WHERE document_id = $1) + \
            (SELECT count(*) FROM meetings WHERE document_id = $1) + \
            (SELECT count(*) FROM actions WHERE document_id = $1) + \
            (SELECT count(*) FROM job_offers WHERE document_id = $1) + \
            (SELECT count(*) FROM people WHERE document_id = $1) + \
            (SELECT count(*) FROM sync_states WHERE document_id = $1) + \
            (SELECT count(*) FROM documents WHERE id = $1)";
        match self {
            Db::Sqlite(pool) => sqlx::query_scalar(sql).bind(id.0).fetch_one(pool).await,
            Db::Postgres(pool) => sqlx::query_scalar(sql).bind(id.0).fetch_one(pool).await,
            Db::Memory(store) => return store.row_count(id),
        }
        .unwrap()
    }

    /// The projection rows stored for a document, each table ordered by its key.
    pub async fn projection(&self, id: DocumentId) -> ProjectionRows {
        match self {
            Db::Sqlite(pool) => read_projection!(pool, id),
            Db::Postgres(pool) => read_projection!(pool, id),
            Db::Memory(store) => store.projection(id).unwrap_or_default(),
        }
    }
}
