//! An advisor's agenda on the server: the worksites they follow (assigned to them, or naming them
//! as the advisor in charge) and the person documents those refer to, read from the store, then
//! client-core's [`terrain_client_core::agenda::agenda`], the same function the tablet runs on
//! its replica. The dashboard's agenda page and the advisor's calendar feed both draw from it.
//! Only that advisor's worksites are loaded (a portfolio of one person, not the whole store).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use terrain_client_core::DocumentId;
use terrain_client_core::agenda::{Agenda, agenda, follows};
use terrain_client_core::model::{Document, Person, Worksite};
use terrain_client_core::names::same_name;

use crate::store::{Store, StoreError, User};

/// An advisor's agenda and the names of the people its items refer to (an erased person has
/// none).
#[derive(Debug, Clone)]
pub struct AdvisorAgenda {
    /// The due items.
    pub agenda: Agenda,
    /// Names of the people of those worksites, by person document.
    pub people: BTreeMap<DocumentId, String>,
}

/// The agenda of `advisor` on `today`.
pub async fn advisor_agenda(store: &dyn Store, advisor: &User, today: NaiveDate) -> Result<AdvisorAgenda, StoreError> {
    let assigned = store.entitled(advisor.id).await?;
    let mut ids: Vec<DocumentId> = store
        .worksite_advisors()
        .await?
        .into_iter()
        .filter(|(id, named)| assigned.contains(&DocumentId(*id)) || same_name(named, &advisor.display_name))
        .map(|(id, _)| DocumentId(id))
        .collect();
    ids.sort();
    ids.dedup();
    let worksites: Vec<Worksite> = read_all(store, &ids)
        .await?
        .into_iter()
        .filter_map(|d| match d {
            Document::Worksite(w) => Some(w),
            Document::Person(_) => None,
        })
        .filter(|w| follows(w, &advisor.display_name, &assigned))
        .collect();
    let mut person_ids: Vec<DocumentId> = worksites.iter().flat_map(Worksite::people).collect();
    person_ids.sort();
    person_ids.dedup();
    let people: Vec<Person> = read_all(store, &person_ids)
        .await?
        .into_iter()
        .filter_map(|d| match d {
            Document::Person(p) => Some(p),
            Document::Worksite(_) => None,
        })
        .collect();
    let names = people.iter().map(|p| (p.id, p.display_name())).collect();
    Ok(AdvisorAgenda { agenda: agenda(&worksites, &people, today), people: names })
}

/// The documents of `ids` that are stored and readable (one unreadable document leaves the
/// others' items in place rather than the whole agenda away).
async fn read_all(store: &dyn Store, ids: &[DocumentId]) -> Result<Vec<Document>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        for stored in store.load(chunk).await? {
            let Ok(doc) = crate::sync::rebuild(&stored) else { continue };
            match Document::read(&doc) {
                Ok(d) => out.push(d),
                Err(e) => tracing::warn!(document = %stored.id, error = %e, "agenda: unreadable document"),
            }
        }
    }
    Ok(out)
}
