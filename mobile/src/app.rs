//! The app's state, free of the browser: who is signed in, the replica, which screen is open and
//! how sync is going. The browser layer (`web`) feeds it events and renders it with [`crate::view`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use terrain_client_core::model::{Person, Worksite};
use terrain_client_core::{DeviceId, DocKind, DocumentId, ItemId, Replica};

use crate::i18n::Lang;

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
}

impl Screen {
    /// The `#` address of the screen.
    pub fn hash(self) -> String {
        match self {
            Screen::Worksites => "#/".to_owned(),
            Screen::Worksite(w) => format!("#/w/{w}"),
            Screen::Meeting(w, m) => format!("#/w/{w}/m/{m}"),
            Screen::Person(w, p) => format!("#/w/{w}/p/{p}"),
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
    /// The device was revoked and erased: what was not synced.
    pub revoked: Option<Vec<(DocumentId, DocKind, usize)>>,
}

/// A short message after an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Flash {
    /// The edit is stored on the tablet.
    Saved,
    /// The action failed; the sentence says why.
    Error(String),
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
        }
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

    /// One worksite, when it is on the tablet and readable.
    pub fn worksite(&self, id: DocumentId) -> Option<Worksite> {
        self.replica.as_ref()?.worksite(id).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_round_trips_through_its_address() {
        let w = DocumentId::from_random_bytes([1; 16]);
        let m = ItemId::from_random_bytes([2; 16]);
        let p = DocumentId::from_random_bytes([3; 16]);
        for screen in [Screen::Worksites, Screen::Worksite(w), Screen::Meeting(w, m), Screen::Person(w, p)] {
            assert_eq!(Screen::from_hash(&screen.hash()), screen);
        }
        assert_eq!(Screen::from_hash("#/w/not-a-uuid"), Screen::Worksites);
    }
}
