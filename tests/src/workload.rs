//! The sync benchmarks' workload: worksites grown by realistic typed edits, and the floors a sync
//! is compared with (the bytes of what had to move).
//!
//! Shared by `tests/bench/main.rs` (the sync benchmark), `tests/bench/fieldnet.rs` (the same
//! workloads on a shaped link) and `tests/bench/peer.rs` (the same documents through the
//! automerge-repo sync server).

use std::io::Write;

use automerge::ChangeHash;
use terrain_client_core::DocumentId;
use terrain_client_core::edit::{NewWorksite, WorksiteField};
use terrain_client_core::values::{ContractType, CountingUnit, HoursSource, MeetingKind, Month};
use terrain_client_core::{Edit, ItemId};

use crate::device::{TestDevice, date};

/// Worksites of the workloads W1 and W2.
pub const WORKSITES: usize = 50;
/// Changes each worksite has after [`seed`].
pub const CHANGES_PER_WORKSITE: usize = 200;
/// Edits of a W2 catch-up.
pub const CATCH_UP_EDITS: usize = 100;

/// What the editing device knows about a worksite, to keep editing it.
#[derive(Debug, Clone)]
pub struct Site {
    /// The worksite's document.
    pub doc: DocumentId,
    placements: Vec<ItemId>,
    /// Meeting ids and the byte length of their (ASCII) notes.
    meetings: Vec<(ItemId, usize)>,
    /// Edits made so far, drives the next edit.
    step: usize,
}

const WORDS: &[&str] = &[
    "chantier",
    "visite",
    "ouvriers",
    "planning",
    "retard",
    "beton",
    "facade",
    "echafaudage",
    "clause",
    "heures",
    "stagiaire",
    "contrat",
    "reunion",
    "entreprise",
    "securite",
    "livraison",
    "toiture",
    "coffrage",
    "suivi",
    "accord",
];

/// Create `worksites` worksites on `device` and edit each until it has `changes` changes (not
/// synced). Returns what is needed to keep editing them.
pub fn seed(device: &mut TestDevice, worksites: usize, changes: usize) -> Vec<Site> {
    let mut sites = Vec::new();
    for i in 0..worksites {
        let doc = DocumentId(uuid::Uuid::new_v4());
        let ctx = device.ctx();
        device
            .device
            .create_worksite(
                doc,
                &NewWorksite {
                    name: format!("Ecole communale {i}"),
                    address: format!("Rue Wayez {i}, 1070 Anderlecht"),
                    contract_reference: format!("MP-2026-{i:03}"),
                    authority: "Commune d'Anderlecht".into(),
                    contractor: "Batiments Dupont SA".into(),
                    advisor: "Sophie Martin".into(),
                    order_to_start: Some(date(2026, 1, 5)),
                    planned_end: Some(date(2026, 12, 31)),
                },
                &ctx,
            )
            .expect("create worksite");
        let mut site = Site { doc, placements: Vec::new(), meetings: Vec::new(), step: 0 };
        while device.device.replica().automerge(doc).expect("created").get_changes(&[]).len() < changes {
            edit_site(device, &mut site);
        }
        sites.push(site);
    }
    sites
}

/// Make one more realistic edit on `site`: mostly typing in meeting notes and monthly hours,
/// sometimes a new meeting, decision, action or field change.
pub fn edit_site(device: &mut TestDevice, site: &mut Site) {
    let n = site.step;
    site.step += 1;
    let doc = site.doc;
    match n {
        0 => device.edit(
            doc,
            Edit::SetClause { unit: CountingUnit::Hours, objective: 1200.0, deadline: Some(date(2026, 12, 31)) },
        ),
        1 | 2 => {
            let position = device.next_id();
            device.edit(
                doc,
                Edit::AddPosition {
                    id: position,
                    title: if n == 1 { "Macon".into() } else { "Coffreur".into() },
                    tasks: "Maconnerie de facade, coffrage des dalles".into(),
                    requirements: "Permis B, VCA".into(),
                    contract_type: ContractType::FixedTerm,
                    planned_start: Some(date(2026, 2, 1)),
                    hours_planned: 600.0,
                },
            );
            let placement = device.next_id();
            device.edit(
                doc,
                Edit::AddPlacement {
                    id: placement,
                    person: DocumentId(uuid::Uuid::from_u128(0x1000 + n as u128)),
                    position,
                    contract_type: ContractType::FixedTerm,
                    start: Some(date(2026, 2, 2)),
                    end: Some(date(2026, 9, 30)),
                    weekly_hours: 38.0,
                },
            );
            site.placements.push(placement);
        }
        _ => {
            let kind = n % 20;
            if kind == 3 || site.meetings.is_empty() {
                let meeting = device.next_id();
                let notes = format!("Reunion {} sur chantier.", site.meetings.len() + 1);
                let len = notes.len();
                device.edit(
                    doc,
                    Edit::AddMeeting {
                        id: meeting,
                        kind: if site.meetings.is_empty() { MeetingKind::Kickoff } else { MeetingKind::FollowUp },
                        date: Some(date(2026, 1 + (site.meetings.len() % 12) as u32, 12)),
                        place: "Sur chantier".into(),
                        notes,
                        next_meeting: Some(date(2026, 1 + ((site.meetings.len() + 2) % 12) as u32, 12)),
                    },
                );
                site.meetings.push((meeting, len));
            } else if kind == 7 || kind == 11 {
                let placement = site.placements[n % site.placements.len()];
                let month = Month::new(2026, 1 + (n / 20 % 12) as u32).expect("valid month");
                device.edit(
                    doc,
                    Edit::RecordHours {
                        placement,
                        month,
                        hours: 100.0 + (n % 60) as f64,
                        source: HoursSource::AttendanceSheet,
                    },
                );
            } else if kind == 13 {
                let (meeting, _) = *site.meetings.last().expect("a meeting");
                let id = device.next_id();
                device.edit(doc, Edit::AddDecision { meeting, id, text: format!("Decision {n}: renforcer le suivi") });
            } else if kind == 17 {
                let (meeting, _) = *site.meetings.last().expect("a meeting");
                let id = device.next_id();
                device.edit(
                    doc,
                    Edit::AddAction {
                        meeting,
                        id,
                        what: format!("Envoyer la fiche {n}"),
                        who: "Sophie".into(),
                        due: Some(date(2026, 6, 1)),
                    },
                );
            } else if kind == 19 {
                device.edit(
                    doc,
                    Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: format!("Contact {n}") },
                );
            } else {
                // Typing: a word appended to the notes of the latest meeting.
                let last = site.meetings.len() - 1;
                let (meeting, len) = site.meetings[last];
                let word = format!(" {}", WORDS[n % WORDS.len()]);
                device.edit(doc, Edit::SpliceMeetingNotes { meeting, pos: len, delete: 0, insert: word.clone() });
                site.meetings[last].1 += word.len();
            }
        }
    }
}

/// `edits` edits spread in turn over the first `over` of `sites`.
pub fn edit_spread(device: &mut TestDevice, sites: &mut [Site], edits: usize, over: usize) {
    for k in 0..edits {
        edit_site(device, &mut sites[k % over]);
    }
}

/// Changes the device holds, over all its documents.
pub fn changes_of(device: &TestDevice) -> usize {
    let r = device.device.replica();
    r.documents().iter().map(|(id, _)| r.automerge(*id).map_or(0, |d| d.get_changes(&[]).len())).sum()
}

/// Heads of every document the device holds.
pub fn heads(device: &TestDevice) -> Vec<(DocumentId, Vec<ChangeHash>)> {
    let r = device.device.replica();
    r.documents().iter().map(|(id, _)| (*id, r.automerge(*id).map(|d| d.get_heads()).unwrap_or_default())).collect()
}

/// Raw bytes of each change the device holds now and did not hold at `before`, document by document
/// (documents with none left out).
pub fn changes_since(device: &TestDevice, before: &[(DocumentId, Vec<ChangeHash>)]) -> Vec<(DocumentId, Vec<u8>)> {
    let r = device.device.replica();
    let mut out = Vec::new();
    for (id, _) in r.documents() {
        let doc = r.automerge(id).expect("listed document");
        let had = before.iter().find(|(d, _)| *d == id).map(|(_, h)| h.clone()).unwrap_or_default();
        let bytes: Vec<u8> = doc.get_changes(&had).iter().flat_map(|c| c.raw_bytes().to_vec()).collect();
        if !bytes.is_empty() {
            out.push((id, bytes));
        }
    }
    out
}

/// Bytes of the changes the device holds now and did not hold at `before`.
pub fn floor_since(device: &TestDevice, before: &[(DocumentId, Vec<ChangeHash>)]) -> usize {
    changes_since(device, before).iter().map(|(_, b)| b.len()).sum()
}

/// The changes the device holds now and did not hold at `before`, concatenated and deflated
/// (best compression, one stream): the least a compressed answer carrying them could weigh.
pub fn deflated_floor_since(device: &TestDevice, before: &[(DocumentId, Vec<ChangeHash>)]) -> usize {
    let all: Vec<u8> = changes_since(device, before).into_iter().flat_map(|(_, b)| b).collect();
    deflated_len(&all)
}

/// The summed size of every document the device holds, saved whole (Automerge `save()`, its
/// compact compressed form): what a device starting from nothing has to receive at least.
pub fn saved_size(device: &TestDevice) -> usize {
    let r = device.device.replica();
    r.documents().iter().map(|(id, _)| r.automerge(*id).map_or(0, |doc| doc.save().len())).sum()
}

/// Every document the device holds saved whole, concatenated and deflated (best, one stream): the
/// least a compressed answer carrying those documents could weigh.
pub fn deflated_saved_size(device: &TestDevice) -> usize {
    let r = device.device.replica();
    let all: Vec<u8> =
        r.documents().iter().flat_map(|(id, _)| r.automerge(*id).map(|d| d.save()).unwrap_or_default()).collect();
    deflated_len(&all)
}

/// Length of `bytes` deflated (raw deflate, best compression).
pub fn deflated_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("deflate into memory");
    encoder.finish().expect("deflate into memory").len()
}
