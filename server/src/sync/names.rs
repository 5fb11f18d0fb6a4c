//! The backstop for names typed into worksites: a worksite change whose free text holds the name
//! of a person the worksite refers to is refused `personal_data`, with the field
//! ([`terrain_client_core::names`]). The tablet warns before saving such text; this catches an
//! app that did not (an older one, a hostile client). The dashboard's edits (`write_edit`) pass
//! the same check, and its forms show the refusal next to the field.
//!
//! The merge only holds the documents of the request, and a worksite may refer to people stored
//! long ago. So the check runs after the merge, on the merged worksites it kept: their people's
//! names come from the person documents of the request when there (their newest name), else from
//! the store.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::Change;
use terrain_client_core::DocKind;
use terrain_client_core::DocumentId;
use terrain_client_core::model::{Person, Worksite};
use terrain_client_core::names::{self, KnownName};

use super::SyncError;
use super::merge::{KeptDocument, rebuild};
use crate::store::{DocumentCommit, Store, StoreError};

/// The names of the persons `ids`, as their documents give them ("First Last"); persons the store
/// does not hold (erased, unknown) are left out.
pub async fn person_names(store: &dyn Store, ids: &[DocumentId]) -> Result<BTreeMap<DocumentId, String>, StoreError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let stored = store.load(ids).await?;
    let mut names = BTreeMap::new();
    for s in stored.iter().filter(|s| s.kind == DocKind::Person) {
        let Ok(doc) = rebuild(s) else { continue };
        if let Ok(p) = Person::read(&doc) {
            names.insert(s.id, p.display_name());
        }
    }
    Ok(names)
}

/// Refuse the request when a worksite it changes names one of its people in free text, in the
/// merged document or in any operation of its new changes.
pub(super) async fn check_names(
    store: &dyn Store,
    kept: &[KeptDocument],
    commits: &[DocumentCommit],
) -> Result<(), SyncError> {
    let changed: Vec<(&KeptDocument, &DocumentCommit)> = commits
        .iter()
        .filter(|c| c.kind == DocKind::Worksite && !c.changes.is_empty())
        .filter_map(|c| kept.iter().find(|k| k.id == c.id).map(|k| (k, c)))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let worksites: Vec<(&KeptDocument, &DocumentCommit, Worksite)> =
        changed.into_iter().filter_map(|(k, c)| Some((k, c, Worksite::read(&k.doc).ok()?))).collect();
    // The newest names: persons merged in this request, then the stored ones.
    let mut known: BTreeMap<DocumentId, String> =
        kept.iter().filter_map(|k| Person::read(&k.doc).ok()).map(|p| (p.id, p.display_name())).collect();
    let missing: Vec<DocumentId> = worksites
        .iter()
        .flat_map(|(_, _, w)| w.people())
        .filter(|p| !known.contains_key(p))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    known.extend(person_names(store, &missing).await.map_err(|e| SyncError::store("person names", e))?);
    for (k, c, w) in &worksites {
        let names: Vec<KnownName> =
            w.people().into_iter().filter_map(|p| known.get(&p).map(|n| KnownName::new(p, n))).collect();
        if names.is_empty() {
            continue;
        }
        // The change bytes were parsed by the merge already; still, nothing here may panic.
        let found = catch_unwind(AssertUnwindSafe(|| {
            let changes: Vec<Change> =
                c.changes.iter().filter_map(|n| Change::from_bytes(n.bytes.clone()).ok()).collect();
            names::in_changes(&k.doc, changes.iter(), &names).or_else(|| names::in_worksite(w, &names)).map(|m| m.field)
        }))
        .map_err(|_| SyncError::InvalidSyncMessage {
            doc: Some(k.id),
            reason: String::new(),
            panicked: true,
        })?;
        if let Some(path) = found {
            return Err(SyncError::PersonalData { doc: k.id, path });
        }
    }
    Ok(())
}
