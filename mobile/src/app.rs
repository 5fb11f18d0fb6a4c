//! The app's state, free of the browser: who is signed in, the replica, which screen is open and
//! how sync is going. The browser layer (`web`) feeds it events and renders it with [`crate::view`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use terrain_client_core::model::{Person, Worksite};
use terrain_client_core::names::KnownName;
use terrain_client_core::{DeviceId, DocKind, DocumentId, Edit, EditContext, ItemId, Persist, Replica};

use crate::forms::{self, Command, Fields, Target};
use crate::i18n::{L, Lang, t};

/// The signed-in user of this tablet, kept sealed in local storage next to the documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Login.
    pub login: String,
    /// Name shown and stamped on edits.
    pub display_name: String,
    /// Role ("advisor", "office", "admin").
    pub role: String,
    /// This device, as registered at sign-in.
    pub device: DeviceId,
    /// The device's bearer token.
    pub token: String,
}

/// Which screen is open; it is also the page's `#` address, so a reload returns to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    /// The advisor's worksites.
    #[default]
    Worksites,
    /// One worksite, every section.
    Worksite(DocumentId),
    /// One meeting of a worksite.
    Meeting(DocumentId, ItemId),
    /// One person, reached from a worksite.
    Person(DocumentId, DocumentId),
    /// The advisor's agenda: what is due on their worksites.
    Agenda,
}

impl Screen {
    /// The `#` address of the screen.
    pub fn hash(self) -> String {
        match self {
            Screen::Worksites => "#/".to_owned(),
            Screen::Worksite(w) => format!("#/w/{w}"),
            Screen::Meeting(w, m) => format!("#/w/{w}/m/{m}"),
            Screen::Person(w, p) => format!("#/w/{w}/p/{p}"),
            Screen::Agenda => "#/agenda".to_owned(),
        }
    }

    /// The screen of an address; the worksite list for anything else.
    pub fn from_hash(hash: &str) -> Screen {
        let parts: Vec<&str> = hash.trim_start_matches('#').trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["w", w] => w.parse().map(Screen::Worksite).unwrap_or_default(),
            ["w", w, "m", m] => match (w.parse(), m.parse()) {
                (Ok(w), Ok(m)) => Screen::Meeting(w, m),
                _ => Screen::Worksites,
            },
            ["w", w, "p", p] => match (w.parse(), p.parse()) {
                (Ok(w), Ok(p)) => Screen::Person(w, p),
                _ => Screen::Worksites,
            },
            ["agenda"] => Screen::Agenda,
            _ => Screen::Worksites,
        }
    }
}

/// How sync is going, for the status bar.
#[derive(Debug, Clone, Default)]
pub struct SyncInfo {
    /// The browser says it has a network.
    pub online: bool,
    /// A sync is under way.
    pub syncing: bool,
    /// When the last sync completed (ms since the epoch).
    pub last_success_ms: Option<i64>,
    /// Why the last attempt failed, when it did.
    pub last_error: Option<String>,
    /// The server answered `busy`: the app sends the sync again by itself after this wait. Not a
    /// failure; "sync now" sends at once instead.
    pub retry: Option<PendingRetry>,
    /// The device was revoked and erased: what was not synced, by the title the document had
    /// (worksite or person name) and its count of unsynced changes.
    pub revoked: Option<Vec<(String, usize)>>,
}

/// A resend the app will make by itself after a `busy` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingRetry {
    /// When it was decided (ms since the epoch).
    pub since_ms: i64,
    /// How long after that the sync is sent again.
    pub wait_ms: u64,
}

/// A short message after an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Flash {
    /// The edit is stored on the tablet.
    Saved,
    /// The action failed; the sentence says why.
    Error(String),
}

/// The message of the last submitted form, shown next to that form (not only in the status
/// bar), with the invalid field marked.
#[derive(Debug, Clone, PartialEq)]
pub struct FormFeedback {
    /// The screen the form was on; the message shows only there.
    pub screen: Screen,
    /// The `id` of the form (or of the element to put the message after).
    pub target: String,
    /// The form's `data-form`, and its rank among the forms with that name (when it has no id).
    pub form: (String, usize),
    /// Saved, or refused.
    pub ok: bool,
    /// The sentence, in the user's language.
    pub message: String,
    /// The form field that is wrong, when one is.
    pub field: Option<String>,
}

/// What a submitted form did.
#[derive(Debug, Default)]
pub struct Submitted {
    /// What to store before confirming.
    pub ops: Vec<Persist>,
    /// A screen to open at once (the worksite or meeting just created).
    pub open: Option<Screen>,
    /// Nothing was saved (a search): no "saved" message.
    pub quiet: bool,
}

/// A refused form: what to say and which field to mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    /// The sentence, in the user's language, naming the field.
    pub message: String,
    /// The field, when one is wrong.
    pub field: Option<String>,
}

/// Everything the app shows.
pub struct App {
    /// Interface language.
    pub lang: Lang,
    /// Who is signed in.
    pub session: Option<Session>,
    /// The documents, once signed in.
    pub replica: Option<Replica>,
    /// The open screen.
    pub screen: Screen,
    /// Sync status.
    pub sync: SyncInfo,
    /// Message of the last action.
    pub flash: Option<Flash>,
    /// Today, from the browser's clock.
    pub today: NaiveDate,
    /// Signed in, but the documents are sealed and the device's key could not be fetched yet
    /// (a new browser session with no network).
    pub locked: bool,
    /// The PIN lock, the one-writer gate and the storage's state ([`crate::lock`]).
    pub guard: crate::lock::Guard,
    /// The message of the last submitted form, next to it.
    pub feedback: Option<FormFeedback>,
    /// The offline search on the worksite list.
    pub query: String,
    /// The search for a person already known, to propose them for a job.
    pub person_query: String,
    /// The partner bodies and their sessions, as the server last gave them (kept sealed).
    pub partners: terrain_client_core::partners::PartnerList,
    /// Whether [`App::partners`] was read from the store since it was unlocked.
    pub partners_loaded: bool,
    /// The advisor's own contact details as the server last gave them (memory only; `None`
    /// until a sync succeeded since the app started).
    pub my_contact: Option<terrain_client_core::contact::ContactBody>,
}

impl App {
    /// A fresh app, not signed in.
    pub fn new(lang: Lang, today: NaiveDate) -> App {
        App {
            lang,
            session: None,
            replica: None,
            screen: Screen::Worksites,
            sync: SyncInfo::default(),
            flash: None,
            today,
            locked: false,
            guard: crate::lock::Guard::default(),
            feedback: None,
            query: String::new(),
            person_query: String::new(),
            partners: Default::default(),
            partners_loaded: false,
            my_contact: None,
        }
    }

    /// Every person record on the tablet, by name.
    pub fn people(&self) -> Vec<Person> {
        let Some(replica) = &self.replica else { return Vec::new() };
        let mut out: Vec<Person> = replica
            .documents()
            .into_iter()
            .filter(|(_, kind)| *kind == DocKind::Person)
            .filter_map(|(id, _)| replica.person(id).ok())
            .collect();
        out.sort_by_key(|p| fold(&p.display_name()));
        out
    }

    /// Handle a submitted form (all but sign-in): parse it, apply its edits to the replica, and
    /// say what to store and which screen to open. Nothing is changed when it is refused.
    pub fn submit(
        &mut self,
        name: &str,
        fields: &Fields,
        doc: Option<DocumentId>,
        fresh: impl FnMut() -> [u8; 16],
        now_ms: i64,
    ) -> Result<Submitted, Refused> {
        let lang = self.lang;
        let refuse = |l: L| Refused { message: t(lang, l).to_owned(), field: None };
        match name {
            "search" => {
                self.query = fields.get("q").map(|q| q.trim().to_owned()).unwrap_or_default();
                return Ok(Submitted { quiet: true, ..Submitted::default() });
            }
            "person-search" => {
                self.person_query = fields.get("q").map(|q| q.trim().to_owned()).unwrap_or_default();
                return Ok(Submitted { quiet: true, ..Submitted::default() });
            }
            _ => {}
        }
        let (worksite, person) = match doc {
            Some(doc) => match crate::view::kind_of(self, doc) {
                Some(DocKind::Worksite) => (self.worksite(doc), None),
                Some(DocKind::Person) => (None, self.person(doc)),
                None => return Err(refuse(L::InvalidChoice)),
            },
            None if name == "new-worksite" => (None, None),
            None => return Err(refuse(L::InvalidChoice)),
        };
        let names = worksite.as_ref().map(|w| self.known_names(w)).unwrap_or_default();
        // A pool candidate's source (a partner body, or one of its sessions) gives the body's
        // kind and name, as the dashboard records them.
        let mut filled;
        let fields = match fields.get("origin").map(|s| s.trim()).filter(|s| !s.is_empty()) {
            Some(source) if name == "pool-candidate" => {
                let partner =
                    source.split('/').next().and_then(|p| p.parse().ok()).and_then(|p| self.partners.partner(p));
                let Some(partner) = partner else { return Err(refuse(L::InvalidChoice)) };
                filled = fields.clone();
                filled.insert("partner_kind".into(), partner.kind.code().to_owned());
                filled.insert("partner_name".into(), partner.name.clone());
                &filled
            }
            _ => fields,
        };
        let target = Target {
            worksite: worksite.as_ref().zip(doc).map(|(w, d)| (d, w)),
            person: person.as_ref().zip(doc).map(|(p, d)| (d, p)),
            names: &names,
        };
        let commands = forms::commands(name, fields, &target, fresh)
            .map_err(|e| Refused { message: e.describe(lang), field: Some(e.field.clone()) })?;
        let open = commands.iter().find_map(|c| match c {
            Command::CreateWorksite(id, _) => Some(Screen::Worksite(*id)),
            Command::Edit(w, Edit::AddMeeting { id, .. }) => Some(Screen::Meeting(*w, *id)),
            _ => None,
        });
        let ctx = EditContext { author_label: self.author_label(), now_ms };
        let replica = self.replica.as_mut().ok_or_else(|| refuse(L::InvalidChoice))?;
        let mut ops = Vec::new();
        for command in commands {
            let more = match command {
                Command::CreateWorksite(id, new) => replica.create_worksite(id, &new, &ctx),
                Command::CreatePerson(id, new) => replica.create_person(id, &new, &ctx),
                Command::Edit(id, edit) => replica.edit(id, &edit, &ctx),
            };
            ops.extend(more.map_err(|e| Refused { message: e.to_string(), field: None })?);
        }
        Ok(Submitted { ops, open, quiet: false })
    }

    /// The worksites on the tablet, by name.
    pub fn worksites(&self) -> Vec<Worksite> {
        let Some(replica) = &self.replica else { return Vec::new() };
        let mut out: Vec<Worksite> = replica
            .documents()
            .into_iter()
            .filter(|(_, kind)| *kind == DocKind::Worksite)
            .filter_map(|(id, _)| replica.worksite(id).ok())
            .collect();
        out.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()));
        out
    }

    /// The agenda of the signed-in user on `today`, from the documents the tablet holds: an
    /// advisor's tablet holds only their worksites (assigned, or created by them), so all of
    /// them; an office user's, those whose advisor field names them.
    pub fn agenda(&self) -> terrain_client_core::agenda::Agenda {
        let worksites: Vec<Worksite> = match &self.session {
            Some(s) if s.role == "advisor" => self.worksites(),
            Some(s) => self
                .worksites()
                .into_iter()
                .filter(|w| terrain_client_core::agenda::follows(w, &s.display_name, &[]))
                .collect(),
            None => Vec::new(),
        };
        terrain_client_core::agenda::agenda(&worksites, &self.people(), self.today)
    }

    /// One worksite, when it is on the tablet and readable.
    pub fn worksite(&self, id: DocumentId) -> Option<Worksite> {
        self.replica.as_ref()?.worksite(id).ok()
    }

    /// The names of the worksite's people whose records the tablet holds, kept out of its text.
    pub fn known_names(&self, w: &Worksite) -> Vec<KnownName> {
        w.people()
            .into_iter()
            .filter_map(|id| self.person(id))
            .map(|p| KnownName::new(p.id, &p.display_name()))
            .collect()
    }

    /// How a person the worksite refers to is shown: their name, or a placeholder once erased.
    pub fn person_name(&self, id: DocumentId) -> String {
        terrain_client_core::i18n::person_name(self.lang, self.person(id).map(|p| p.display_name()).as_deref())
    }

    /// One person, when the tablet holds their record.
    pub fn person(&self, id: DocumentId) -> Option<Person> {
        self.replica.as_ref()?.person(id).ok()
    }

    /// The label stamped on this tablet's edits.
    pub fn author_label(&self) -> String {
        self.session.as_ref().map_or_else(|| "?".to_owned(), |s| s.display_name.clone())
    }
}

/// Lower case without accents, for searching as people type ("Ecole" finds "École", "yilmaz"
/// finds "Yılmaz"): the folding the dashboard's searches use too.
pub use terrain_client_core::values::fold;

/// Whether every word of `query` is in one of `haystack` (accents and case ignored).
pub fn matches(query: &str, haystack: &[&str]) -> bool {
    let hay: String = haystack.iter().map(|h| fold(h)).collect::<Vec<_>>().join(" ");
    fold(query).split_whitespace().all(|w| hay.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_round_trips_through_its_address() {
        let w = DocumentId::from_random_bytes([1; 16]);
        let m = ItemId::from_random_bytes([2; 16]);
        let p = DocumentId::from_random_bytes([3; 16]);
        for screen in
            [Screen::Worksites, Screen::Worksite(w), Screen::Meeting(w, m), Screen::Person(w, p), Screen::Agenda]
        {
            assert_eq!(Screen::from_hash(&screen.hash()), screen);
        }
        assert_eq!(Screen::from_hash("#/w/not-a-uuid"), Screen::Worksites);
    }
}
