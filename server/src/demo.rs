//! `terrain demo`: a living first look.
//!
//! [`load`] fills an empty database with a realistic sample portfolio — four worksites across
//! Brussels communes with their social clauses, job descriptions, candidates proposed by the
//! partner bodies, people hired and their monthly hours, site meetings, and the people's own
//! documents — plus demo accounts, so a newcomer sees within a minute what Terrain does.
//!
//! The documents are written the way the advisors' tablets write them: each demo advisor has a
//! client-core [`Replica`] with a fixed actor, every change is a typed [`Edit`], and the result is
//! committed as a sync request would commit it (changes, snapshot, projection, heads), from a
//! device registered for that advisor. Dates are relative to `today`, so the portfolio always
//! looks current: one worksite has an overdue follow-up, one needs new recruitments.
//!
//! Every name of a person is fictional. The public authorities are real Brussels bodies; the
//! contractors are invented.

use std::sync::Arc;

use chrono::{Days, NaiveDate, NaiveTime, Utc};
use terrain_client_core::edit::WorksiteField;
use terrain_client_core::model::Document;
use terrain_client_core::names::{self, KnownName};
use terrain_client_core::values::{
    CompanyAnswer, ContractType, CountingUnit, HoursSource, MeetingKind, Month, NoteKind, OfferStatus, PartnerKind,
    PositionStatus, WorksiteStatus,
};
use terrain_client_core::{DeviceId, DocKind, DocumentId, Edit, EditContext, ItemId, NewPerson, NewWorksite, Replica};
use uuid::Uuid;

use crate::config::Settings;
use crate::projection::project;
use crate::store::{AccountWrites, CommitBatch, DeviceRecord, DocumentCommit, NewChange, Store, StoreError, User};

/// A demo account.
#[derive(Debug, Clone, Copy)]
pub struct DemoAccount {
    /// Login.
    pub login: &'static str,
    /// Password (public: this is a demo).
    pub password: &'static str,
    /// Role.
    pub role: &'static str,
    /// Name shown to people.
    pub display_name: &'static str,
}

/// The demo accounts, in the order they are printed.
pub const ACCOUNTS: [DemoAccount; 4] = [
    DemoAccount { login: "admin", password: "terrain-demo-admin", role: "admin", display_name: "Administrateur démo" },
    DemoAccount {
        login: "bureau",
        password: "terrain-demo-office",
        role: "office",
        display_name: "Bureau clauses sociales",
    },
    DemoAccount { login: "sophie", password: "terrain-demo-advisor", role: "advisor", display_name: "Sophie Martin" },
    DemoAccount { login: "luc", password: "terrain-demo-advisor", role: "advisor", display_name: "Luc Peeters" },
];

/// What [`load`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Whether anything was written (false when the demo was already loaded).
    pub loaded: bool,
    /// Accounts created.
    pub users: usize,
    /// Worksite documents stored.
    pub worksites: usize,
    /// Person documents stored.
    pub people: usize,
    /// Meetings recorded.
    pub meetings: usize,
    /// Candidates proposed.
    pub referrals: usize,
    /// People hired.
    pub placements: usize,
    /// Automerge changes stored.
    pub changes: usize,
    /// One line for the console.
    pub message: String,
}

/// Load the demo portfolio and accounts into `store`, dated relative to `today`.
///
/// Idempotent: when a user `admin` exists, nothing is written. The `admin` account is created
/// last, so an interrupted load is completed by the next one (accounts already there are reused).
pub async fn load(store: &Arc<dyn Store>, today: NaiveDate) -> Result<DemoSummary, String> {
    if store.user_by_login("admin").await.map_err(|e| e.to_string())?.is_some() {
        return Ok(DemoSummary {
            message: "A user `admin` already exists: the demo data was not loaded again.".into(),
            ..DemoSummary::default()
        });
    }
    let now = Utc::now();
    let mut summary = DemoSummary { loaded: true, ..DemoSummary::default() };

    // Accounts other than admin first (reused when an earlier load was interrupted).
    let mut users = Vec::new();
    for account in &ACCOUNTS[1..] {
        users.push(ensure_user(store, account, &mut summary).await?);
    }
    let (sophie, luc) = (users[1].clone(), users[2].clone());

    // Each advisor's tablet: a device registered for the login, a replica with a fixed actor.
    let sophie_device = register_device(store, &sophie, "Tablette de Sophie (démo)").await?;
    let luc_device = register_device(store, &luc, "Tablette de Luc (démo)").await?;
    let mut sophie_desk =
        Desk::new(sophie_device, *b"terrain-demo-sop", 0x5e0f_1e00, "Sophie Martin · tablette", today);
    let mut luc_desk = Desk::new(luc_device, *b"terrain-demo-luc", 0x1c00_0000, "Luc Peeters · tablette", today);

    let sophie_sites = vec![anderlecht(&mut sophie_desk)?, saint_gilles(&mut sophie_desk)?];
    let luc_sites = vec![molenbeek(&mut luc_desk)?, schaerbeek(&mut luc_desk)?];

    for (desk, user, sites) in [(&sophie_desk, &sophie, &sophie_sites), (&luc_desk, &luc, &luc_sites)] {
        // As in a sync: the worksites an advisor creates are assigned to them before they are stored.
        for site in sites {
            store.assign(*site, user.id, now).await.map_err(|e| e.to_string())?;
        }
        commit(store, desk, user, &mut summary).await?;
        summary.meetings += desk.meetings;
        summary.referrals += desk.referrals;
        summary.placements += desk.placements;
    }

    ensure_user(store, &ACCOUNTS[0], &mut summary).await?;
    summary.message = format!(
        "Demo loaded: {} accounts, {} worksites, {} people, {} meetings, {} referrals, {} placements ({} changes).",
        summary.users,
        summary.worksites,
        summary.people,
        summary.meetings,
        summary.referrals,
        summary.placements,
        summary.changes
    );
    Ok(summary)
}

/// `terrain demo`: load the demo, print how to log in, then serve exactly like `terrain serve`.
pub async fn run(settings: Settings) -> Result<(), String> {
    let store = crate::open_store(&settings).await.map_err(|e| e.to_string())?;
    let summary = load(&store, Utc::now().date_naive()).await?;
    drop(store);
    let port = settings.listen.port();
    let host =
        if settings.listen.ip().is_unspecified() { "127.0.0.1".to_owned() } else { settings.listen.ip().to_string() };
    let host = if host.contains(':') { format!("[{host}]") } else { host };
    println!("\nTerrain — demo\n\n{}\n", summary.message);
    println!("Demo logins (password after the login):\n");
    for a in &ACCOUNTS {
        println!("    {:<8} {:<22} {:<8} {}", a.login, a.password, a.role, a.display_name);
    }
    println!("\nOffice dashboard: http://{host}:{port}/office  (log in as bureau, or admin)");
    println!("Tablets sync as sophie or luc. Press Ctrl-C to stop.\n");
    crate::serve(settings).await.map_err(|e| e.to_string())
}

async fn ensure_user(store: &Arc<dyn Store>, a: &DemoAccount, summary: &mut DemoSummary) -> Result<User, String> {
    if let Some(user) = store.user_by_login(a.login).await.map_err(|e| e.to_string())? {
        return Ok(user);
    }
    let user = crate::admin::new_user(a.login, a.display_name, a.role, a.password)?;
    match store.create_user(&user, Utc::now()).await {
        Ok(()) => {
            summary.users += 1;
            Ok(user)
        }
        Err(StoreError::Duplicate(_)) => Err(format!("the login {} is already taken", a.login)),
        Err(e) => Err(e.to_string()),
    }
}

async fn register_device(store: &Arc<dyn Store>, user: &User, name: &str) -> Result<DeviceId, String> {
    let (_token, hash) = crate::auth::new_token()?;
    let now = Utc::now();
    let device = DeviceRecord {
        id: DeviceId(Uuid::new_v4()),
        user_id: user.id,
        name: name.to_owned(),
        app_version: "demo".to_owned(),
        created_at: now,
        last_seen_at: now,
        revoked_at: None,
    };
    let key = crate::auth::new_storage_key()?;
    store.register_device(&device, &hash, key.as_bytes()).await.map_err(|e| e.to_string())?;
    Ok(device.id)
}

/// Store a desk's documents as one sync request from its device would: all or nothing.
async fn commit(store: &Arc<dyn Store>, desk: &Desk, user: &User, summary: &mut DemoSummary) -> Result<(), String> {
    let received_at = Utc::now();
    let mut documents = Vec::new();
    let mut ids = Vec::new();
    let people: Vec<KnownName> = desk
        .replica
        .documents()
        .into_iter()
        .filter_map(|(id, _)| desk.replica.person(id).ok())
        .map(|p| KnownName::new(p.id, &p.display_name()))
        .collect();
    for (id, kind) in desk.replica.documents() {
        let doc = desk.replica.automerge(id).ok_or_else(|| format!("document {id} vanished"))?;
        let document = Document::read(doc).map_err(|e| format!("demo document {id}: {e}"))?;
        // The server's check of names in worksite text (`sync/names.rs`): the demo writes none.
        if let Document::Worksite(w) = &document {
            let own: Vec<KnownName> = people.iter().filter(|n| w.people().contains(&n.person)).cloned().collect();
            let all = doc.get_changes(&[]);
            if let Some(m) = names::in_changes(doc, all.iter(), &own).or_else(|| names::in_worksite(w, &own)) {
                return Err(format!("demo worksite {id} names {} at {}", m.name.name, m.field));
            }
        }
        let changes: Vec<NewChange> = doc.get_changes(&[]).into_iter().map(|c| NewChange::from(&c)).collect();
        summary.changes += changes.len();
        match kind {
            DocKind::Worksite => summary.worksites += 1,
            DocKind::Person => summary.people += 1,
        }
        ids.push(id);
        documents.push(DocumentCommit {
            id,
            kind,
            expected_change_count: 0,
            changes,
            snapshot: Some(doc.save()),
            projection: Some(project(&document)),
            sync_state: None,
            heads: doc.get_heads().iter().map(|h| h.0).collect(),
        });
    }
    let device = desk.replica.device();
    let accounts = AccountWrites {
        actors: vec![desk.actor.to_vec()],
        created: ids.iter().map(|id| (*id, user.id)).collect(),
        ..AccountWrites::default()
    };
    store.commit(CommitBatch { device, received_at, documents, accounts }).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// One advisor's tablet while the demo is written: a replica and a seeded id counter.
struct Desk {
    replica: Replica,
    actor: [u8; 16],
    label: String,
    seed: u64,
    counter: u64,
    today: NaiveDate,
    meetings: usize,
    referrals: usize,
    placements: usize,
}

impl Desk {
    fn new(device: DeviceId, actor: [u8; 16], seed: u64, label: &str, today: NaiveDate) -> Desk {
        Desk {
            replica: Replica::new(device, actor),
            actor,
            label: label.to_owned(),
            seed,
            counter: 0,
            today,
            meetings: 0,
            referrals: 0,
            placements: 0,
        }
    }

    fn bytes(&mut self) -> [u8; 16] {
        self.counter += 1;
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.seed.to_be_bytes());
        b[8..].copy_from_slice(&self.counter.to_be_bytes());
        b
    }

    fn item(&mut self) -> ItemId {
        ItemId::from_random_bytes(self.bytes())
    }

    fn ago(&self, days: u64) -> NaiveDate {
        self.today - Days::new(days)
    }

    fn ahead(&self, days: u64) -> NaiveDate {
        self.today + Days::new(days)
    }

    /// The edit context of a change made on `day` (mid-morning, on site).
    fn ctx(&self, day: NaiveDate) -> EditContext {
        let at = day.and_time(NaiveTime::from_hms_opt(10, 30, 0).unwrap_or_default()).and_utc();
        EditContext { author_label: self.label.clone(), now_ms: at.timestamp_millis() }
    }

    fn edit(&mut self, doc: DocumentId, day: NaiveDate, edit: Edit) -> Result<(), String> {
        let ctx = self.ctx(day);
        self.replica.edit(doc, &edit, &ctx).map_err(|e| format!("demo edit {edit:?}: {e}"))?;
        Ok(())
    }

    fn worksite(
        &mut self,
        day: NaiveDate,
        new: NewWorksite,
        lots: &str,
        authority_contact: &str,
        contractor_contact: &str,
    ) -> Result<DocumentId, String> {
        let id = DocumentId(Uuid::new_v4());
        let ctx = self.ctx(day);
        self.replica.create_worksite(id, &new, &ctx).map_err(|e| e.to_string())?;
        self.edit(id, day, Edit::SetWorksiteField { field: WorksiteField::Lots, value: lots.into() })?;
        self.edit(
            id,
            day,
            Edit::SetWorksiteField { field: WorksiteField::AuthorityContact, value: authority_contact.into() },
        )?;
        self.edit(
            id,
            day,
            Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: contractor_contact.into() },
        )?;
        Ok(id)
    }

    fn phase(
        &mut self,
        ws: DocumentId,
        name: &str,
        trade: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<(), String> {
        let id = self.item();
        let day = self.today.min(start);
        self.edit(
            ws,
            day,
            Edit::AddPhase { id, name: name.into(), trade: trade.into(), start: Some(start), end: Some(end) },
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn position(
        &mut self,
        ws: DocumentId,
        day: NaiveDate,
        title: &str,
        tasks: &str,
        requirements: &str,
        contract_type: ContractType,
        planned_start: NaiveDate,
        hours_planned: f64,
    ) -> Result<ItemId, String> {
        let id = self.item();
        self.edit(
            ws,
            day,
            Edit::AddPosition {
                id,
                title: title.into(),
                tasks: tasks.into(),
                requirements: requirements.into(),
                contract_type,
                planned_start: Some(planned_start),
                hours_planned,
            },
        )?;
        Ok(id)
    }

    /// A person document, with the interview note taken when they were met.
    fn person(
        &mut self,
        who: &Who,
        met: NaiveDate,
        worksite: DocumentId,
        interview: &str,
    ) -> Result<DocumentId, String> {
        let id = DocumentId(Uuid::new_v4());
        let ctx = self.ctx(met);
        let new = NewPerson {
            first_name: who.first.into(),
            last_name: who.last.into(),
            phone: who.phone.into(),
            email: String::new(),
            partner_kind: Some(who.kind),
            partner_name: who.partner.into(),
        };
        self.replica.create_person(id, &new, &ctx).map_err(|e| e.to_string())?;
        for (flag, value) in [("job_seeker_6_months", true), ("low_qualification", who.low_qualification)] {
            self.edit(id, met, Edit::SetEligibility { flag: flag.into(), value })?;
        }
        let note = self.item();
        self.edit(
            id,
            met,
            Edit::AddPersonNote {
                id: note,
                kind: NoteKind::Interview,
                date: Some(met),
                worksite: Some(worksite),
                text: interview.into(),
            },
        )?;
        Ok(id)
    }

    fn note(
        &mut self,
        person: DocumentId,
        kind: NoteKind,
        day: NaiveDate,
        worksite: DocumentId,
        text: &str,
    ) -> Result<(), String> {
        let id = self.item();
        self.edit(
            person,
            day,
            Edit::AddPersonNote { id, kind, date: Some(day), worksite: Some(worksite), text: text.into() },
        )
    }

    /// Propose a person for a position and record how far it went.
    #[allow(clippy::too_many_arguments)]
    fn refer(
        &mut self,
        ws: DocumentId,
        person: DocumentId,
        who: &Who,
        position: ItemId,
        proposed: NaiveDate,
        interview_held: bool,
        sent_to_company: bool,
        answer: CompanyAnswer,
        reason: &str,
    ) -> Result<(), String> {
        let id = self.item();
        self.referrals += 1;
        self.edit(
            ws,
            proposed,
            Edit::Refer {
                id,
                person,
                position,
                partner_kind: who.kind,
                partner_name: who.partner.into(),
                proposed_on: Some(proposed),
            },
        )?;
        if interview_held || sent_to_company || answer != CompanyAnswer::Pending {
            let day = (proposed + Days::new(7)).min(self.today);
            self.edit(
                ws,
                day,
                Edit::SetReferralOutcome {
                    referral: id,
                    interview_held,
                    sent_to_company,
                    company_answer: answer,
                    answer_reason: reason.into(),
                },
            )?;
        }
        Ok(())
    }

    /// Record a hire and the hours realised each month up to last month (payroll for older
    /// months, attendance sheets for the last two).
    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        ws: DocumentId,
        person: DocumentId,
        position: ItemId,
        contract_type: ContractType,
        start: NaiveDate,
        end: NaiveDate,
        weekly_hours: f64,
    ) -> Result<ItemId, String> {
        let id = self.item();
        self.placements += 1;
        self.edit(
            ws,
            start,
            Edit::AddPlacement {
                id,
                person,
                position,
                contract_type,
                start: Some(start),
                end: Some(end),
                weekly_hours,
            },
        )?;
        self.edit(ws, start, Edit::SetPositionStatus { position, status: PositionStatus::Filled })?;
        let this_month = Month::of(self.today);
        let mut month = Month::of(start);
        while month < this_month && month <= Month::of(end) {
            let first = NaiveDate::from_ymd_opt(month.year(), month.number(), 1).ok_or("bad month")?;
            let next = first.checked_add_months(chrono::Months::new(1)).ok_or("bad month")?;
            let last = next.pred_opt().ok_or("bad month")?;
            let days = (last.min(end) - first.max(start)).num_days() + 1;
            let hours = (weekly_hours * days as f64 / 7.0).round();
            let months_ago =
                (this_month.year() - month.year()) * 12 + this_month.number() as i32 - month.number() as i32;
            let source = if months_ago <= 2 { HoursSource::AttendanceSheet } else { HoursSource::Payroll };
            // Hours are reported early in the next month.
            let reported = (next + Days::new(5)).min(self.today);
            if hours > 0.0 {
                self.edit(ws, reported, Edit::RecordHours { placement: id, month, hours, source })?;
            }
            month = Month::of(next);
        }
        Ok(id)
    }

    /// Record a meeting with its attendees, decisions and actions.
    #[allow(clippy::too_many_arguments)]
    fn meeting(
        &mut self,
        ws: DocumentId,
        kind: MeetingKind,
        date: NaiveDate,
        place: &str,
        notes: &str,
        next_meeting: Option<NaiveDate>,
        attendees: &[(&str, &str)],
        decisions: &[&str],
        actions: &[(&str, &str, Option<NaiveDate>, bool)],
    ) -> Result<ItemId, String> {
        let id = self.item();
        self.meetings += 1;
        self.edit(
            ws,
            date,
            Edit::AddMeeting { id, kind, date: Some(date), place: place.into(), notes: notes.into(), next_meeting },
        )?;
        for (name, organisation) in attendees {
            let a = self.item();
            self.edit(
                ws,
                date,
                Edit::AddAttendee { meeting: id, id: a, name: (*name).into(), organisation: (*organisation).into() },
            )?;
        }
        for text in decisions {
            let d = self.item();
            self.edit(ws, date, Edit::AddDecision { meeting: id, id: d, text: (*text).into() })?;
        }
        for (what, who, due, done) in actions {
            let a = self.item();
            self.edit(
                ws,
                date,
                Edit::AddAction { meeting: id, id: a, what: (*what).into(), who: (*who).into(), due: *due },
            )?;
            if *done {
                let day = due.unwrap_or(date).min(self.today);
                self.edit(ws, day, Edit::SetActionDone { meeting: id, action: a, done: true })?;
            }
        }
        Ok(id)
    }

    /// Job seekers among a meeting's attendees: references to their person documents, never names.
    fn attend(
        &mut self,
        ws: DocumentId,
        meeting: ItemId,
        date: NaiveDate,
        people: &[DocumentId],
    ) -> Result<(), String> {
        for person in people {
            let a = self.item();
            self.edit(ws, date, Edit::AddPersonAttendee { meeting, id: a, person: *person })?;
        }
        Ok(())
    }

    /// An action about a job seeker: the person is a reference, the text names no one.
    #[allow(clippy::too_many_arguments)]
    fn action_about(
        &mut self,
        ws: DocumentId,
        meeting: ItemId,
        date: NaiveDate,
        (what, who, due, done): (&str, &str, Option<NaiveDate>, bool),
        person: DocumentId,
    ) -> Result<(), String> {
        let a = self.item();
        self.edit(ws, date, Edit::AddAction { meeting, id: a, what: what.into(), who: who.into(), due })?;
        self.edit(ws, date, Edit::SetActionPerson { meeting, action: a, person: Some(person) })?;
        if done {
            let day = due.unwrap_or(date).min(self.today);
            self.edit(ws, day, Edit::SetActionDone { meeting, action: a, done: true })?;
        }
        Ok(())
    }

    fn offer(
        &mut self,
        ws: DocumentId,
        day: NaiveDate,
        employer: &str,
        role: &str,
        contact: &str,
        status: OfferStatus,
    ) -> Result<(), String> {
        let id = self.item();
        self.edit(
            ws,
            day,
            Edit::AddJobOffer { id, employer: employer.into(), role: role.into(), contact: contact.into() },
        )?;
        if status != OfferStatus::Open {
            self.edit(ws, day, Edit::SetJobOfferStatus { offer: id, status })?;
        }
        Ok(())
    }

    /// An end-of-contract evaluation in the person's document, with consent when given.
    fn evaluation(
        &mut self,
        person: DocumentId,
        day: NaiveDate,
        ws: DocumentId,
        placement: ItemId,
        text: &str,
        consent_by: Option<&str>,
    ) -> Result<(), String> {
        let id = self.item();
        self.edit(
            person,
            day,
            Edit::AddEvaluation {
                id,
                date: Some(day),
                worksite: Some(ws),
                placement: Some(placement),
                text: text.into(),
            },
        )?;
        if let Some(by) = consent_by {
            self.edit(person, day, Edit::RecordConsent { evaluation: id, recorded_by: by.into(), recorded_on: day })?;
        }
        Ok(())
    }
}

/// A fictional job seeker and the partner body that proposed them.
struct Who {
    first: &'static str,
    last: &'static str,
    phone: &'static str,
    kind: PartnerKind,
    partner: &'static str,
    low_qualification: bool,
}

const ACTIRIS: &str = "Actiris — clauses sociales";

/// Anderlecht: a school renovation, hours clause on track, a mediation that saved two hires.
fn anderlecht(d: &mut Desk) -> Result<DocumentId, String> {
    let start = d.ago(290);
    let ws = d.worksite(
        d.ago(300),
        NewWorksite {
            name: "Rénovation de l'école fondamentale n° 8".into(),
            address: "Rue du Chapelain 19, 1070 Anderlecht".into(),
            contract_reference: "AND/TRX/2025-041".into(),
            authority: "Commune d'Anderlecht".into(),
            contractor: "Bâtiments Delvaux SA".into(),
            advisor: "Sophie Martin".into(),
            order_to_start: Some(start),
            planned_end: Some(d.ahead(240)),
        },
        "Lot 1 gros œuvre · Lot 3 parachèvements",
        "Service Travaux publics — M. Vandamme, 02 558 08 00",
        "Marc Delvaux, conducteur de travaux — 0475 12 34 56",
    )?;
    d.edit(ws, d.ago(300), Edit::SetClause { unit: CountingUnit::Hours, objective: 4500.0, deadline: None })?;
    d.edit(ws, start, Edit::SetWorksiteStatus { status: WorksiteStatus::InProgress })?;
    let sub = d.item();
    d.edit(
        ws,
        d.ago(280),
        Edit::AddSubcontractor {
            id: sub,
            name: "Coffrages Bruxellois SRL".into(),
            contact: "Ilse Wouters — 0486 22 10 45".into(),
        },
    )?;
    d.phase(ws, "Démolition et désamiantage", "démolition", start, d.ago(230))?;
    d.phase(ws, "Gros œuvre aile B", "maçonnerie / coffrage", d.ago(240), d.ahead(30))?;
    d.phase(ws, "Parachèvements", "plafonnage / carrelage", d.ahead(20), d.ahead(220))?;

    let macon = d.position(
        ws,
        d.ago(285),
        "Maçon",
        "Maçonnerie de blocs et de briques, pose de linteaux, petits coffrages sous la conduite du chef d'équipe.",
        "Formation de base en maçonnerie; sécurité VCA appréciée.",
        ContractType::FixedTerm,
        d.ago(270),
        1600.0,
    )?;
    let coffreur = d.position(
        ws,
        d.ago(285),
        "Coffreur",
        "Montage et démontage des coffrages, ferraillage simple, bétonnage des voiles de l'aile B.",
        "Expérience de chantier ou formation coffreur; port de charges.",
        ContractType::TransitionPlacement,
        d.ago(210),
        1000.0,
    )?;
    let manoeuvre = d.position(
        ws,
        d.ago(285),
        "Manœuvre",
        "Approvisionnement du chantier, nettoyage, aide aux maçons.",
        "Motivation, ponctualité; pas de diplôme requis.",
        ContractType::Interim,
        d.ago(210),
        900.0,
    )?;

    let mut meeting_place = "Baraque de chantier, rue du Chapelain";
    d.meeting(
        ws,
        MeetingKind::Kickoff,
        d.ago(285),
        meeting_place,
        "Présentation de la clause sociale (4 500 h) et du rôle du conseiller. Planning : démolition jusqu'à la \
         fin de l'hiver, gros œuvre aile B ensuite. L'entreprise identifie trois postes : maçon, coffreur, \
         manœuvre. Descriptions de fonction construites ensemble.",
        Some(d.ago(225)),
        &[
            ("Marc Delvaux", "Bâtiments Delvaux SA"),
            ("M. Vandamme", "Commune d'Anderlecht"),
            ("Sophie Martin", ACTIRIS),
        ],
        &[
            "Trois postes au titre de la clause : maçon, coffreur, manœuvre.",
            "Réunion de suivi tous les deux mois sur chantier.",
        ],
        &[
            ("Envoyer les descriptions de fonction validées", "Sophie Martin", Some(d.ago(278)), true),
            ("Transmettre le planning détaillé du gros œuvre", "Marc Delvaux", Some(d.ago(270)), true),
        ],
    )?;

    let youssef = Who {
        first: "Youssef",
        last: "El Amrani",
        phone: "0488 10 20 31",
        kind: PartnerKind::BruxellesFormation,
        partner: "Bruxelles Formation — Construction",
        low_qualification: false,
    };
    let kevin = Who {
        first: "Kevin",
        last: "Mbuyi",
        phone: "0477 55 61 02",
        kind: PartnerKind::ReferenceCentre,
        partner: "Centre FAC",
        low_qualification: true,
    };
    let bilal = Who {
        first: "Bilal",
        last: "Haddou",
        phone: "0493 40 11 87",
        kind: PartnerKind::Isp,
        partner: "Mission locale d'Anderlecht (ISP)",
        low_qualification: true,
    };
    let ana = Who {
        first: "Ana",
        last: "Costa",
        phone: "0470 98 76 54",
        kind: PartnerKind::Spontaneous,
        partner: "",
        low_qualification: true,
    };

    let p_youssef = d.person(&youssef, d.ago(280), ws, "Sortant de la formation maçon de Bruxelles Formation, très motivé, habite Anderlecht. Disponible immédiatement.")?;
    d.refer(ws, p_youssef, &youssef, macon, d.ago(280), true, true, CompanyAnswer::Hired, "Bon contact à l'essai")?;
    let pl_youssef = d.place(ws, p_youssef, macon, ContractType::FixedTerm, d.ago(268), d.ahead(240), 38.0)?;

    let p_kevin = d.person(
        &kevin,
        d.ago(220),
        ws,
        "Formation coffreur au Centre FAC terminée; expérience d'un an en intérim. Souhaite un contrat stable.",
    )?;
    d.refer(ws, p_kevin, &kevin, coffreur, d.ago(220), true, true, CompanyAnswer::Hired, "")?;
    d.place(ws, p_kevin, coffreur, ContractType::TransitionPlacement, d.ago(205), d.ahead(90), 38.0)?;

    let p_bilal = d.person(
        &bilal,
        d.ago(220),
        ws,
        "Suivi par la Mission locale depuis six mois; premier emploi dans la construction. Ponctuel aux entretiens.",
    )?;
    d.refer(ws, p_bilal, &bilal, manoeuvre, d.ago(220), true, true, CompanyAnswer::Hired, "")?;
    d.place(ws, p_bilal, manoeuvre, ContractType::Interim, d.ago(205), d.ahead(60), 30.0)?;

    let p_ana = d.person(
        &ana,
        d.ago(225),
        ws,
        "Candidature spontanée à l'antenne Actiris d'Anderlecht; expérience en nettoyage industriel.",
    )?;
    d.refer(
        ws,
        p_ana,
        &ana,
        manoeuvre,
        d.ago(225),
        true,
        true,
        CompanyAnswer::Refused,
        "Horaires du chantier incompatibles avec ses disponibilités",
    )?;

    let mediation = d.meeting(
        ws,
        MeetingKind::Mediation,
        d.ago(190),
        meeting_place,
        "Après deux semaines, l'entreprise voulait mettre fin aux contrats de deux personnes engagées au titre de \
         la clause (retards, consignes mal comprises). Médiation sur chantier avec le chef d'équipe : consignes \
         reformulées, binôme avec un ouvrier expérimenté, horaires de bus vérifiés.",
        Some(d.ago(160)),
        &[("Marc Delvaux", "Bâtiments Delvaux SA"), ("Sophie Martin", ACTIRIS)],
        &["Les deux contrats sont maintenus.", "Point d'étape dans un mois avec le chef d'équipe."],
        &[("Appeler le chef d'équipe pour un point d'étape", "Sophie Martin", Some(d.ago(160)), true)],
    )?;
    d.attend(ws, mediation, d.ago(190), &[p_kevin, p_bilal])?;
    for (p, text) in [
        (
            p_kevin,
            "Médiation : difficultés de compréhension des consignes au début, réglées par un binôme avec un ouvrier expérimenté.",
        ),
        (
            p_bilal,
            "Médiation : retards liés aux horaires de bus; un itinéraire alternatif a été trouvé. Plus aucun retard depuis.",
        ),
    ] {
        d.note(p, NoteKind::Mediation, d.ago(190), ws, text)?;
    }

    meeting_place = "Chantier, réfectoire";
    d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(225),
        meeting_place,
        "Le maçon engagé est bien intégré. Recrutement du coffreur et du manœuvre lancé avec le Centre FAC et la Mission locale.",
        Some(d.ago(165)),
        &[("Marc Delvaux", "Bâtiments Delvaux SA"), ("Sophie Martin", ACTIRIS)],
        &["Deux candidatures à envoyer avant la fin du mois."],
        &[("Envoyer les candidatures coffreur et manœuvre", "Sophie Martin", Some(d.ago(215)), true)],
    )?;
    d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(165),
        meeting_place,
        "Suite à la médiation, l'intégration est bonne. Heures conformes aux feuilles de présence.",
        Some(d.ago(105)),
        &[("Marc Delvaux", "Bâtiments Delvaux SA"), ("Sophie Martin", ACTIRIS)],
        &[],
        &[],
    )?;
    d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(105),
        meeting_place,
        "Gros œuvre en avance. Objectif en heures atteignable au rythme actuel.",
        Some(d.ago(45)),
        &[
            ("Marc Delvaux", "Bâtiments Delvaux SA"),
            ("M. Vandamme", "Commune d'Anderlecht"),
            ("Sophie Martin", ACTIRIS),
        ],
        &["Pas de nouveau recrutement nécessaire à ce stade."],
        &[],
    )?;
    let follow_up = d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(45),
        meeting_place,
        "Un CDI est envisagé pour le maçon à la fin du chantier. L'entreprise cherche aussi un chef d'équipe \
         parachèvement (hors clause) : offre captée et transmise.",
        Some(d.ahead(15)),
        &[("Marc Delvaux", "Bâtiments Delvaux SA"), ("Sophie Martin", ACTIRIS)],
        &["Offre de chef d'équipe transmise aux services d'Actiris."],
        &[],
    )?;
    let bilan = ("Préparer la réunion de bilan (fin de stage)", "Sophie Martin", Some(d.ahead(80)), false);
    d.action_about(ws, follow_up, d.ago(45), bilan, p_kevin)?;
    d.offer(
        ws,
        d.ago(45),
        "Bâtiments Delvaux SA",
        "Chef d'équipe parachèvement",
        "Marc Delvaux — 0475 12 34 56",
        OfferStatus::Forwarded,
    )?;
    d.note(
        p_youssef,
        NoteKind::FollowUp,
        d.ago(45),
        ws,
        "Très apprécié du chef d'équipe; piste de CDI à la fin du chantier.",
    )?;
    let _ = pl_youssef;
    Ok(ws)
}

/// Saint-Gilles: a CPAS building, hours clause nearly met, an evaluation with consent — and the
/// follow-up meeting is overdue.
fn saint_gilles(d: &mut Desk) -> Result<DocumentId, String> {
    let start = d.ago(330);
    let ws = d.worksite(
        d.ago(340),
        NewWorksite {
            name: "Résidence-services Rue de la Victoire".into(),
            address: "Rue de la Victoire 96, 1060 Saint-Gilles".into(),
            contract_reference: "CPAS-SG/2025/07".into(),
            authority: "CPAS de Saint-Gilles".into(),
            contractor: "Entreprises Moreau & Fils SRL".into(),
            advisor: "Sophie Martin".into(),
            order_to_start: Some(start),
            planned_end: Some(d.ahead(90)),
        },
        "Lot unique (entreprise générale)",
        "Cellule marchés publics — Mme Lambert",
        "Julie Moreau, gérante — 02 537 44 10",
    )?;
    d.edit(ws, d.ago(340), Edit::SetClause { unit: CountingUnit::Hours, objective: 1200.0, deadline: None })?;
    d.edit(ws, start, Edit::SetWorksiteStatus { status: WorksiteStatus::InProgress })?;
    d.phase(ws, "Gros œuvre fermé", "maçonnerie", start, d.ago(200))?;
    d.phase(ws, "Techniques spéciales", "électricité / sanitaire", d.ago(210), d.ago(30))?;
    d.phase(ws, "Finitions et abords", "peinture / voirie", d.ago(40), d.ahead(90))?;

    let place = "Salle de réunion du CPAS, rue Fernand Bernier";
    d.meeting(
        ws,
        MeetingKind::Kickoff,
        d.ago(320),
        place,
        "Clause de 1 200 heures. L'entreprise propose un poste d'électricien en FPI pendant les techniques \
         spéciales, puis un manœuvre pour les finitions.",
        Some(d.ago(260)),
        &[
            ("Julie Moreau", "Entreprises Moreau & Fils"),
            ("Mme Lambert", "CPAS de Saint-Gilles"),
            ("Sophie Martin", ACTIRIS),
        ],
        &["Poste d'électricien en FPI, puis manœuvre."],
        &[("Solliciter IrisTech pour des profils électricien", "Sophie Martin", Some(d.ago(300)), true)],
    )?;
    let elec = d.position(
        ws,
        d.ago(320),
        "Électricien",
        "Tirage de câbles, pose de boîtiers et de chemins de câbles, raccordements sous supervision.",
        "Formation électricien (IrisTech ou équivalent); lecture de schémas.",
        ContractType::Fpi,
        d.ago(300),
        900.0,
    )?;
    let manoeuvre = d.position(
        ws,
        d.ago(180),
        "Manœuvre finitions",
        "Protection des sols, évacuation des déchets, aide au peintre et au carreleur.",
        "Motivation; temps partiel possible.",
        ContractType::FixedTerm,
        d.ago(100),
        400.0,
    )?;

    let mamadou = Who {
        first: "Mamadou",
        last: "Diallo",
        phone: "0466 21 43 65",
        kind: PartnerKind::ReferenceCentre,
        partner: "IrisTech (CDR)",
        low_qualification: false,
    };
    let ines = Who {
        first: "Inès",
        last: "Benali",
        phone: "0479 33 12 08",
        kind: PartnerKind::ReferenceCentre,
        partner: "IrisTech (CDR)",
        low_qualification: false,
    };
    let sarah = Who {
        first: "Sarah",
        last: "Vandenberghe",
        phone: "0491 70 80 90",
        kind: PartnerKind::BruxellesFormation,
        partner: "Bruxelles Formation",
        low_qualification: true,
    };

    let p_mamadou = d.person(&mamadou, d.ago(310), ws, "Sortant d'IrisTech (électricien résidentiel), rigoureux. Souhaite une FPI pour obtenir une première expérience.")?;
    d.refer(ws, p_mamadou, &mamadou, elec, d.ago(310), true, true, CompanyAnswer::Hired, "")?;
    let pl_mamadou = d.place(ws, p_mamadou, elec, ContractType::Fpi, d.ago(300), d.ago(120), 38.0)?;
    let p_ines = d.person(&ines, d.ago(310), ws, "Formation IrisTech en cours, fin prévue dans deux mois.")?;
    d.refer(ws, p_ines, &ines, elec, d.ago(310), true, false, CompanyAnswer::Pending, "")?;
    let p_sarah = d.person(
        &sarah,
        d.ago(105),
        ws,
        "Sortie de formation « ouvrier polyvalent du bâtiment ». Cherche un temps partiel (enfant en bas âge).",
    )?;
    d.refer(ws, p_sarah, &sarah, manoeuvre, d.ago(105), true, true, CompanyAnswer::Hired, "")?;
    d.place(ws, p_sarah, manoeuvre, ContractType::FixedTerm, d.ago(95), d.ahead(90), 24.0)?;

    d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(260),
        "Chantier, rue de la Victoire",
        "L'électricien en FPI s'intègre bien dans l'équipe. Heures de la FPI suivies via le secrétariat social.",
        Some(d.ago(200)),
        &[("Julie Moreau", "Entreprises Moreau & Fils"), ("Sophie Martin", ACTIRIS)],
        &[],
        &[],
    )?;
    d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(190),
        "Chantier, rue de la Victoire",
        "Fin de la FPI prévue dans deux mois. L'entreprise ne peut pas prolonger faute de chantier suivant.",
        Some(d.ago(130)),
        &[("Julie Moreau", "Entreprises Moreau & Fils"), ("Sophie Martin", ACTIRIS)],
        &["Préparer la réunion de bilan de fin de FPI."],
        &[],
    )?;
    let evaluation = d.meeting(
        ws,
        MeetingKind::Evaluation,
        d.ago(118),
        "Chantier, rue de la Victoire",
        "Bilan de fin de FPI : travail soigné, autonomie acquise sur les raccordements, excellente ponctualité. \
         Pas de prolongation possible (fin des techniques spéciales). L'évaluation est dans la fiche du \
         travailleur.",
        None,
        &[("Julie Moreau", "Entreprises Moreau & Fils"), ("Sophie Martin", ACTIRIS)],
        &[
            "L'évaluation servira de lettre de recommandation (consentement recueilli).",
            "Recruter un manœuvre pour les finitions afin de compléter l'objectif.",
        ],
        &[("Proposer un manœuvre finitions", "Sophie Martin", Some(d.ago(100)), true)],
    )?;
    d.attend(ws, evaluation, d.ago(118), &[p_mamadou])?;
    let profile = ("Transmettre le profil au service employeurs d'Actiris", "Sophie Martin", Some(d.ago(110)), true);
    d.action_about(ws, evaluation, d.ago(118), profile, p_mamadou)?;
    d.evaluation(
        p_mamadou,
        d.ago(118),
        ws,
        pl_mamadou,
        "Mamadou Diallo a travaillé six mois comme électricien en formation professionnelle individuelle sur le \
         chantier de la résidence-services rue de la Victoire. Travail soigné et conforme aux schémas, autonomie \
         sur les raccordements, excellente ponctualité et bon esprit d'équipe. L'entreprise le recommande sans \
         réserve pour un poste d'électricien.",
        Some("Sophie Martin"),
    )?;
    let finishing = d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(95),
        "Chantier, rue de la Victoire",
        "La manœuvre des finitions a commencé à temps partiel. L'objectif d'heures est presque atteint. \
         Prochaine réunion fixée dans deux mois.",
        Some(d.ago(35)),
        &[("Julie Moreau", "Entreprises Moreau & Fils"), ("Sophie Martin", ACTIRIS)],
        &[],
        &[],
    )?;
    let sheets = ("Relever les feuilles de présence", "Sophie Martin", Some(d.ago(40)), false);
    d.action_about(ws, finishing, d.ago(95), sheets, p_sarah)?;
    d.offer(
        ws,
        d.ago(95),
        "Entreprises Moreau & Fils SRL",
        "Peintre en bâtiment",
        "Julie Moreau — 02 537 44 10",
        OfferStatus::Open,
    )?;
    d.note(
        p_mamadou,
        NoteKind::FollowUp,
        d.ago(110),
        ws,
        "Profil transmis au service employeurs; deux entretiens planifiés.",
    )?;
    Ok(ws)
}

/// Molenbeek: a Bruxelles Mobilité roadworks contract with a positions clause, met; an evaluation
/// without consent yet.
fn molenbeek(d: &mut Desk) -> Result<DocumentId, String> {
    let start = d.ago(200);
    let ws = d.worksite(
        d.ago(210),
        NewWorksite {
            name: "Réaménagement de la chaussée de Ninove".into(),
            address: "Chaussée de Ninove (tronçon Porte de Ninove – place Beekkant), 1080 Molenbeek-Saint-Jean".into(),
            contract_reference: "BM/VOI/2025/0173".into(),
            authority: "Bruxelles Mobilité".into(),
            contractor: "Voiries Jacobs & Co NV".into(),
            advisor: "Luc Peeters".into(),
            order_to_start: Some(start),
            planned_end: Some(d.ahead(300)),
        },
        "Lot 1 voirie · Lot 2 égouttage",
        "Direction Projets et Travaux d'aménagement des voiries — ir. De Smet",
        "Pieter Jacobs, chef de chantier — 0497 65 43 21",
    )?;
    d.edit(ws, d.ago(210), Edit::SetClause { unit: CountingUnit::Positions, objective: 2.0, deadline: None })?;
    d.edit(ws, start, Edit::SetWorksiteStatus { status: WorksiteStatus::InProgress })?;
    let sub = d.item();
    d.edit(
        ws,
        d.ago(195),
        Edit::AddSubcontractor {
            id: sub,
            name: "Égouttage Sud SRL".into(),
            contact: "Karim Bensaïd — 0472 44 55 66".into(),
        },
    )?;
    d.phase(ws, "Égouttage et impétrants", "terrassement / égouttage", start, d.ago(60))?;
    d.phase(ws, "Fondations et bordures", "coffrage / béton", d.ago(90), d.ahead(120))?;
    d.phase(ws, "Revêtements et plantations", "pavage", d.ahead(100), d.ahead(300))?;

    let place = "Container de chantier, Porte de Ninove";
    d.meeting(
        ws,
        MeetingKind::Kickoff,
        d.ago(190),
        place,
        "Clause sociale de deux postes. Besoin d'un coffreur pour les bordures et d'un manœuvre voirie. \
         Partenariats activés : Cenforgil (coffrage) et Groep Intro.",
        Some(d.ago(130)),
        &[("Pieter Jacobs", "Voiries Jacobs & Co"), ("ir. De Smet", "Bruxelles Mobilité"), ("Luc Peeters", ACTIRIS)],
        &["Deux postes : coffreur et manœuvre voirie."],
        &[("Contacter Cenforgil et Groep Intro", "Luc Peeters", Some(d.ago(180)), true)],
    )?;
    let coffreur = d.position(
        ws,
        d.ago(188),
        "Coffreur bordures",
        "Coffrage des bordures et filets d'eau, bétonnage, décoffrage.",
        "Formation coffreur (Cenforgil) ou expérience équivalente.",
        ContractType::TransitionPlacement,
        d.ago(150),
        1200.0,
    )?;
    let manoeuvre = d.position(
        ws,
        d.ago(188),
        "Manœuvre voirie",
        "Signalisation de chantier, aide au pavage et au terrassement, nettoyage.",
        "Aptitude au travail en extérieur; néerlandais de base apprécié.",
        ContractType::FixedTerm,
        d.ago(150),
        900.0,
    )?;

    let thomas = Who {
        first: "Thomas",
        last: "Claes",
        phone: "0468 12 90 34",
        kind: PartnerKind::ReferenceCentre,
        partner: "Cenforgil",
        low_qualification: false,
    };
    let abdel = Who {
        first: "Abdel",
        last: "Karimi",
        phone: "0484 56 78 12",
        kind: PartnerKind::Isp,
        partner: "Groep Intro",
        low_qualification: true,
    };
    let lucas = Who {
        first: "Lucas",
        last: "Janssens",
        phone: "0499 01 23 45",
        kind: PartnerKind::Spontaneous,
        partner: "",
        low_qualification: false,
    };

    let p_thomas = d.person(
        &thomas,
        d.ago(170),
        ws,
        "Formé au coffrage chez Cenforgil; permis B. Souhaite se spécialiser dans le génie civil.",
    )?;
    d.refer(ws, p_thomas, &thomas, coffreur, d.ago(170), true, true, CompanyAnswer::Hired, "")?;
    d.place(ws, p_thomas, coffreur, ContractType::TransitionPlacement, d.ago(150), d.ahead(120), 38.0)?;
    let p_lucas = d.person(
        &lucas,
        d.ago(170),
        ws,
        "Candidature spontanée; expérience de coffreur à l'étranger, non reconnue en Belgique.",
    )?;
    d.refer(ws, p_lucas, &lucas, coffreur, d.ago(170), true, true, CompanyAnswer::Refused, "Un autre candidat retenu")?;
    let p_abdel = d.person(
        &abdel,
        d.ago(165),
        ws,
        "Suivi par Groep Intro (trajet d'insertion); bilingue FR/NL; très motivé par le travail en extérieur.",
    )?;
    d.refer(ws, p_abdel, &abdel, manoeuvre, d.ago(165), true, true, CompanyAnswer::Hired, "")?;
    let pl_abdel = d.place(ws, p_abdel, manoeuvre, ContractType::FixedTerm, d.ago(150), d.ago(15), 38.0)?;

    d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(130),
        place,
        "Les deux personnes sont en poste. Objectif de la clause (2 postes) atteint; suivi qualitatif maintenu.",
        Some(d.ago(70)),
        &[("Pieter Jacobs", "Voiries Jacobs & Co"), ("Luc Peeters", ACTIRIS)],
        &[],
        &[],
    )?;
    let ending = d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(70),
        place,
        "Un contrat de manœuvre voirie se termine dans deux mois. L'entreprise cherche un chauffeur poids lourd (hors \
         clause) : offre captée.",
        Some(d.ago(10)),
        &[("Pieter Jacobs", "Voiries Jacobs & Co"), ("Luc Peeters", ACTIRIS)],
        &["Offre de chauffeur C transmise à Actiris."],
        &[],
    )?;
    let plan = ("Planifier le bilan de fin de contrat", "Luc Peeters", Some(d.ago(20)), true);
    d.action_about(ws, ending, d.ago(70), plan, p_abdel)?;
    d.offer(
        ws,
        d.ago(70),
        "Voiries Jacobs & Co NV",
        "Chauffeur poids lourd (permis C)",
        "Pieter Jacobs — 0497 65 43 21",
        OfferStatus::Forwarded,
    )?;
    d.offer(
        ws,
        d.ago(70),
        "Égouttage Sud SRL",
        "Conducteur de mini-pelle",
        "Karim Bensaïd — 0472 44 55 66",
        OfferStatus::Open,
    )?;
    let final_review = d.meeting(
        ws,
        MeetingKind::Evaluation,
        d.ago(15),
        place,
        "Bilan de fin de contrat : fiable, bonne entente avec l'équipe néerlandophone. L'entreprise n'a pas de \
         poste à offrir avant le printemps.",
        None,
        &[("Pieter Jacobs", "Voiries Jacobs & Co"), ("Luc Peeters", ACTIRIS)],
        &["Demander au travailleur s'il accepte que l'évaluation serve de lettre de recommandation."],
        &[],
    )?;
    d.attend(ws, final_review, d.ago(15), &[p_abdel])?;
    let consent = ("Recueillir le consentement", "Luc Peeters", Some(d.ahead(7)), false);
    d.action_about(ws, final_review, d.ago(15), consent, p_abdel)?;
    d.evaluation(
        p_abdel,
        d.ago(15),
        ws,
        pl_abdel,
        "Abdel Karimi a travaillé quatre mois et demi comme manœuvre voirie. Fiable, ponctuel, à l'aise dans une \
         équipe bilingue. Progrès nets en signalisation de chantier.",
        None,
    )?;
    d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(10),
        place,
        "Le stagiaire des bordures progresse bien; fin du stage de transition prévue dans quatre mois.",
        Some(d.ahead(50)),
        &[("Pieter Jacobs", "Voiries Jacobs & Co"), ("Luc Peeters", ACTIRIS)],
        &[],
        &[],
    )?;
    Ok(ws)
}

/// Schaerbeek: a Logement bruxellois renovation that started late on the clause: new
/// recruitments are needed.
fn schaerbeek(d: &mut Desk) -> Result<DocumentId, String> {
    let start = d.ago(120);
    let ws = d.worksite(
        d.ago(130),
        NewWorksite {
            name: "Rénovation énergétique de 48 logements sociaux".into(),
            address: "Avenue Huart Hamoir 120, 1030 Schaerbeek".into(),
            contract_reference: "SLRB/2025/RE-112".into(),
            authority: "Logement bruxellois (SLRB)".into(),
            contractor: "Construct'Iris SA".into(),
            advisor: "Luc Peeters".into(),
            order_to_start: Some(start),
            planned_end: Some(d.ahead(200)),
        },
        "Lot 1 enveloppe et isolation · Lot 2 menuiseries",
        "Service Investissements — Mme Dewitte, pour la SISP Comensia",
        "Nadia Ferreira, conductrice de travaux — 0478 90 12 34",
    )?;
    d.edit(ws, d.ago(130), Edit::SetClause { unit: CountingUnit::Hours, objective: 2500.0, deadline: None })?;
    d.edit(ws, start, Edit::SetWorksiteStatus { status: WorksiteStatus::InProgress })?;
    d.phase(ws, "Échafaudages et isolation des façades", "isolation / maçonnerie", start, d.ahead(60))?;
    d.phase(ws, "Remplacement des châssis", "menuiserie", d.ahead(30), d.ahead(150))?;
    d.phase(ws, "Toitures", "couverture", d.ahead(100), d.ahead(200))?;

    let place = "Local de la SISP, avenue Huart Hamoir";
    d.meeting(
        ws,
        MeetingKind::Kickoff,
        d.ago(110),
        place,
        "Clause de 2 500 heures. L'entreprise démarre avec ses équipes propres; un seul poste ouvert au départ \
         (manœuvre), un maçon à prévoir pour les façades.",
        Some(d.ago(50)),
        &[("Nadia Ferreira", "Construct'Iris SA"), ("Mme Dewitte", "Logement bruxellois"), ("Luc Peeters", ACTIRIS)],
        &["Un manœuvre tout de suite, un maçon façades ensuite."],
        &[("Solliciter la Mission locale de Schaerbeek", "Luc Peeters", Some(d.ago(100)), true)],
    )?;
    let manoeuvre = d.position(
        ws,
        d.ago(108),
        "Manœuvre façades",
        "Montage d'échafaudages avec l'équipe, approvisionnement des isolants, nettoyage.",
        "Pas de vertige; formation sécurité échafaudage fournie.",
        ContractType::Interim,
        d.ago(70),
        800.0,
    )?;
    let macon = d.position(
        ws,
        d.ago(50),
        "Maçon façades",
        "Rejointoyage, réparation de maçonneries, pose d'isolant et d'enduit sur isolant.",
        "Formation maçon; expérience en rénovation appréciée.",
        ContractType::FixedTerm,
        d.ahead(14),
        1000.0,
    )?;
    let manoeuvre2 = d.position(
        ws,
        d.ago(50),
        "Manœuvre châssis",
        "Évacuation des anciens châssis, protection des logements occupés, aide aux menuisiers.",
        "Contact correct avec les locataires; ponctualité.",
        ContractType::FixedTerm,
        d.ahead(30),
        700.0,
    )?;

    let fatima = Who {
        first: "Fatima",
        last: "Ouali",
        phone: "0465 43 21 09",
        kind: PartnerKind::Isp,
        partner: "Mission locale de Schaerbeek (ISP)",
        low_qualification: true,
    };
    let pedro = Who {
        first: "Pedro",
        last: "Alves",
        phone: "0487 65 09 87",
        kind: PartnerKind::BruxellesFormation,
        partner: "Bruxelles Formation — Construction",
        low_qualification: false,
    };
    let gaetan = Who {
        first: "Gaëtan",
        last: "Lemaire",
        phone: "0471 23 45 67",
        kind: PartnerKind::Spontaneous,
        partner: "",
        low_qualification: true,
    };

    let p_fatima = d.person(
        &fatima,
        d.ago(80),
        ws,
        "Trajet d'insertion à la Mission locale; a suivi un module « découverte des métiers du bâtiment ».",
    )?;
    d.refer(ws, p_fatima, &fatima, manoeuvre, d.ago(80), true, true, CompanyAnswer::Hired, "")?;
    d.place(ws, p_fatima, manoeuvre, ContractType::Interim, d.ago(65), d.ahead(60), 38.0)?;

    d.meeting(
        ws,
        MeetingKind::FollowUp,
        d.ago(50),
        "Chantier, avenue Huart Hamoir",
        "La manœuvre engagée est en poste depuis deux semaines. Au rythme actuel, l'objectif de 2 500 heures ne sera pas \
         atteint : de nouveaux recrutements sont nécessaires pour les façades et les châssis.",
        Some(d.ahead(10)),
        &[("Nadia Ferreira", "Construct'Iris SA"), ("Luc Peeters", ACTIRIS)],
        &[
            "Nouveaux recrutements nécessaires : un maçon façades et un manœuvre châssis.",
            "Le pouvoir adjudicateur est informé du retard sur la clause.",
        ],
        &[
            ("Proposer des candidats maçon (Bruxelles Formation)", "Luc Peeters", Some(d.ago(30)), true),
            ("Informer Logement bruxellois de l'état de la clause", "Luc Peeters", Some(d.ago(40)), true),
            ("Confirmer la date de démarrage des châssis", "Nadia Ferreira", Some(d.ahead(5)), false),
        ],
    )?;
    let p_pedro = d.person(
        &pedro,
        d.ago(35),
        ws,
        "Sortant de la formation maçon; expérience de rejointoyage au Portugal. Disponible dans deux semaines.",
    )?;
    d.refer(ws, p_pedro, &pedro, macon, d.ago(35), true, true, CompanyAnswer::Pending, "")?;
    let p_gaetan = d.person(
        &gaetan,
        d.ago(8),
        ws,
        "Candidature spontanée au guichet d'Actiris Schaerbeek; entretien de motivation à planifier.",
    )?;
    d.refer(ws, p_gaetan, &gaetan, manoeuvre2, d.ago(8), false, false, CompanyAnswer::Pending, "")?;
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;
    use terrain_client_core::indicators::indicators;
    use terrain_client_core::model::Worksite;

    #[tokio::test]
    async fn demo_loads_a_living_portfolio_once() {
        let dir = std::env::temp_dir().join(format!("terrain-demo-test-{}-{}", std::process::id(), Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("terrain.db").display());
        let store = crate::store::connect(&url).await.unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();

        let summary = load(&store, today).await.unwrap();
        assert!(summary.loaded, "{summary:?}");
        assert_eq!(summary.users, 4);
        assert_eq!(summary.worksites, 4);
        assert_eq!(summary.people, 13);

        let changed = store.changed_since(0).await.unwrap();
        let worksites: Vec<DocumentId> =
            changed.documents.iter().filter(|(_, k)| *k == DocKind::Worksite).map(|(id, _)| *id).collect();
        assert_eq!(worksites.len(), 4);
        assert_eq!(changed.documents.len(), 17);

        let stored = store.load(&worksites).await.unwrap();
        assert_eq!(stored.len(), 4);
        let mut overdue = Vec::new();
        let mut recruit = Vec::new();
        let mut referenced_in_meetings = 0;
        for s in &stored {
            let doc = crate::sync::rebuild(s).unwrap();
            let w = Worksite::read(&doc).unwrap();
            // People in meetings are references, and no worksite text names any of its people.
            let names = crate::sync::person_names(store.as_ref(), &w.people()).await.unwrap();
            assert_eq!(names.len(), w.people().len(), "every person the demo refers to is stored");
            let known: Vec<_> = names.iter().map(|(id, n)| names::KnownName::new(*id, n)).collect();
            let all = doc.get_changes(&[]);
            let found = names::in_worksite(&w, &known).or_else(|| names::in_changes(&doc, all.iter(), &known));
            assert!(found.is_none(), "{}: {:?}", w.name, found.map(|m| (m.field, m.name.name.clone())));
            for m in &w.meetings {
                referenced_in_meetings += m.attendees.iter().filter(|a| a.person.is_some()).count();
                referenced_in_meetings += m.actions.iter().filter(|a| a.person.is_some()).count();
                assert!(m.attendees.iter().all(|a| a.organisation != "travailleur"), "no worker typed by name");
            }
            let ind = indicators(&w, today);
            if ind.follow_up_overdue() {
                overdue.push(w.authority.name.clone());
            }
            if ind.recruitment_needed {
                recruit.push(w.authority.name.clone());
            }
        }
        assert_eq!(referenced_in_meetings, 4 + 5, "job seekers attend meetings and are the subjects of actions");
        assert_eq!(overdue, vec!["CPAS de Saint-Gilles".to_owned()]);
        assert_eq!(recruit, vec!["Logement bruxellois (SLRB)".to_owned()]);

        // Every advisor sees their two worksites (and the people on them).
        for login in ["sophie", "luc"] {
            let user = store.user_by_login(login).await.unwrap().unwrap();
            let entitled = store.entitled(user.id).await.unwrap();
            assert_eq!(entitled.iter().filter(|id| worksites.contains(id)).count(), 2, "{login}");
        }

        // A second load changes nothing.
        let again = load(&store, today).await.unwrap();
        assert!(!again.loaded);
        assert_eq!(store.changed_since(0).await.unwrap(), changed);
        assert_eq!(store.users().await.unwrap().len(), 4);

        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
