//! Many varied worksites, built with `client-core`'s replica and typed edits and committed
//! through the store API as a sync commits them (changes, snapshot, projection, heads): the
//! portfolio's tests and its benchmark.

use chrono::{Days, NaiveDate};
use terrain_client_core::edit::{EditContext, NewWorksite};
use terrain_client_core::model::{Document, Worksite};
use terrain_client_core::replica::Replica;
use terrain_client_core::values::{ContractType, CountingUnit, HoursSource, MeetingKind, Month, WorksiteStatus};
use terrain_client_core::{DeviceId, DocKind, DocumentId, Edit, ItemId};
use terrain_server::projection::project;
use terrain_server::store::{CommitBatch, DocumentCommit, NewChange, Store};

/// Advisors the generated worksites are spread over (one with accents, for the search).
pub const ADVISORS: [&str; 4] = ["Élodie Dupré", "Sophie Martin", "Karim Benali", "Jan Peeters"];

/// Authorities the generated worksites are spread over.
pub const AUTHORITIES: [&str; 3] = ["Commune d'Anderlecht", "Région de Bruxelles-Capitale", "CPAS de Schaerbeek"];

/// The status of worksite `n`.
pub fn status_of(n: usize) -> WorksiteStatus {
    [WorksiteStatus::InProgress, WorksiteStatus::Planned, WorksiteStatus::InProgress, WorksiteStatus::Completed][n % 4]
}

/// Worksite `n`'s name: `Chantier 00042 — Rue …`, sortable by number.
pub fn name_of(n: usize) -> String {
    format!("Chantier {n:05} — {}", ["Rue Wayez", "Place Bara", "Avenue Louise", "Quai des Usines"][n % 4])
}

/// Writes worksites to a store in batches of one sync request each.
pub struct Seeder {
    replica: Replica,
    device: DeviceId,
    counter: u64,
    pending: usize,
    /// What was written, as typed worksites (the indicators' input).
    pub worksites: Vec<Worksite>,
    /// Changes written in all.
    pub changes: usize,
}

impl Seeder {
    /// A seeder committing as `device`.
    pub fn new(device: DeviceId) -> Self {
        Seeder {
            replica: Replica::new(device, [7; 16]),
            device,
            counter: 0,
            pending: 0,
            worksites: Vec::new(),
            changes: 0,
        }
    }

    fn item(&mut self) -> ItemId {
        self.counter += 1;
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&0x5eed_u64.to_be_bytes());
        b[8..].copy_from_slice(&self.counter.to_be_bytes());
        ItemId::from_random_bytes(b)
    }

    /// Add worksite `n`, with dates around `today`; it is committed by the next [`Self::flush`].
    /// About 30 changes: the creation, a clause, a status, one to three positions and placements
    /// (some active today, some ended), hours for up to six months, a kick-off and follow-ups
    /// (for some, the last follow-up is more than two months ago).
    pub fn add(&mut self, n: usize, today: NaiveDate) -> DocumentId {
        let id = DocumentId(uuid::Uuid::from_u128(0x5173_0000_0000_0000_0000_0000_0000_0000 + n as u128));
        let ctx = EditContext { author_label: "Seeder".into(), now_ms: 1_767_000_000_000 };
        let day = |offset: i64| {
            if offset >= 0 { today + Days::new(offset as u64) } else { today - Days::new(offset.unsigned_abs()) }
        };
        let start = day(-(30 + (n % 300) as i64));
        let new = NewWorksite {
            name: name_of(n),
            address: format!("{} {}, 1070 Anderlecht", ["Rue Wayez", "Place Bara"][n % 2], n % 200),
            contract_reference: format!("MP-{}-{:04}", 2024 + n % 3, n),
            authority: AUTHORITIES[n % AUTHORITIES.len()].into(),
            contractor: format!("Bâtiments {} SA", ["Şahin", "Dubois", "Van Damme", "Leroy", "Janssens"][n % 5]),
            advisor: ADVISORS[n % ADVISORS.len()].into(),
            order_to_start: (!n.is_multiple_of(11)).then_some(start),
            planned_end: Some(day(60 + (n % 400) as i64)),
        };
        let edit = |s: &mut Self, e: Edit| s.replica.edit(id, &e, &ctx).expect("a valid edit");
        self.replica.create_worksite(id, &new, &ctx).expect("create the worksite");
        let positions_clause = n % 7 == 3;
        let (unit, objective) = if positions_clause {
            (CountingUnit::Positions, 3.0)
        } else {
            (CountingUnit::Hours, 800.0 + (n % 9) as f64 * 150.0)
        };
        edit(
            self,
            Edit::SetClause { unit, objective, deadline: n.is_multiple_of(5).then(|| day(200 + (n % 90) as i64)) },
        );
        edit(self, Edit::SetWorksiteStatus { status: status_of(n) });
        for k in 0..(1 + n % 3) {
            let position = self.item();
            edit(
                self,
                Edit::AddPosition {
                    id: position,
                    title: ["Maçon", "Coffreur", "Électricien"][k].into(),
                    tasks: "Maçonnerie".into(),
                    requirements: String::new(),
                    contract_type: ContractType::FixedTerm,
                    planned_start: Some(start),
                    hours_planned: 600.0,
                },
            );
            let placement = self.item();
            let ended = (n + k).is_multiple_of(4);
            edit(
                self,
                Edit::AddPlacement {
                    id: placement,
                    person: DocumentId(uuid::Uuid::from_u128(0x9e75_0000 + ((n * 3 + k) % 20_000) as u128)),
                    position,
                    contract_type: ContractType::FixedTerm,
                    start: Some(day(-(20 + ((n + k) % 100) as i64))),
                    end: Some(if ended { day(-3) } else { day(30 + ((n * 7 + k) % 250) as i64) }),
                    weekly_hours: 19.0 + ((n + k) % 4) as f64 * 6.0,
                },
            );
            for m in 0..(2 + (n + k) % 5) {
                let month = today.checked_sub_months(chrono::Months::new(m as u32 + 1)).expect("a month");
                edit(
                    self,
                    Edit::RecordHours {
                        placement,
                        month: Month::new(chrono::Datelike::year(&month), chrono::Datelike::month(&month))
                            .expect("a month"),
                        hours: 60.0 + ((n + m) % 50) as f64,
                        source: HoursSource::AttendanceSheet,
                    },
                );
            }
        }
        for k in 0..(1 + n % 4) {
            let meeting = self.item();
            // The last follow-up 0 to 90 days ago: more than two months for some.
            let date = day(-((n % 7) as i64 * 15) - 35 * k as i64);
            edit(
                self,
                Edit::AddMeeting {
                    id: meeting,
                    kind: if k == 0 { MeetingKind::Kickoff } else { MeetingKind::FollowUp },
                    date: Some(date),
                    place: "Sur chantier".into(),
                    notes: format!("Réunion {k} du chantier {n}."),
                    next_meeting: None,
                },
            );
        }
        self.pending += 1;
        id
    }

    /// Commit what was added since the last flush, as one sync request.
    pub async fn flush(&mut self, store: &dyn Store) {
        if self.pending == 0 {
            return;
        }
        let mut documents = Vec::new();
        for (id, kind) in self.replica.documents() {
            let doc = self.replica.automerge(id).expect("a document");
            let read = Document::read(doc).expect("a valid worksite");
            let changes: Vec<NewChange> = doc.get_changes(&[]).into_iter().map(|c| NewChange::from(&c)).collect();
            self.changes += changes.len();
            assert_eq!(kind, DocKind::Worksite);
            documents.push(DocumentCommit {
                id,
                kind,
                expected_change_count: 0,
                changes,
                snapshot: Some(doc.save()),
                projection: Some(project(&read)),
                sync_state: None,
                heads: doc.get_heads().iter().map(|h| h.0).collect(),
            });
            if let Document::Worksite(w) = read {
                self.worksites.push(w);
            }
        }
        store.commit(CommitBatch::new(self.device, chrono::Utc::now(), documents)).await.expect("commit the worksites");
        // A fresh replica for the next batch: the committed documents are not kept in memory.
        self.replica = Replica::new(self.device, [7; 16]);
        self.pending = 0;
    }

    /// Add worksites `0..count` in batches of `batch` and commit them.
    pub async fn seed(&mut self, store: &dyn Store, count: usize, batch: usize, today: NaiveDate) {
        for n in 0..count {
            self.add(n, today);
            if (n + 1) % batch == 0 {
                self.flush(store).await;
            }
        }
        self.flush(store).await;
    }
}
