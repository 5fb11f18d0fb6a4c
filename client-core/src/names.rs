//! Names of job seekers kept out of worksite text.
//!
//! A worksite's history is never erased, so a job seeker is referred to by their person document
//! (a referral, a placement, a meeting attendee, the subject of an action), never by a typed name.
//! Free text cannot be checked for every name in the world, but it can be checked for the names
//! of the people the worksite itself refers to: the apps warn before saving such text, and the
//! server refuses it (`personal_data`, with the field) as a backstop, in the merged document and
//! in every operation of the incoming changes (a name typed then deleted stays in the history).
//!
//! A name is found when one of its words (first or last name, three letters or more, particles
//! such as "van" or "de" left out) stands as a whole word in the text, whatever its case and
//! accents: "Préparer le bilan de Kevin" names Kevin Mbuyi; "Kevinsky" does not.

use automerge::{Automerge, Change, ReadDoc};

use crate::ids::DocumentId;
use crate::model::Worksite;

/// The name of a person a worksite refers to, ready to be looked for in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownName {
    /// The person.
    pub person: DocumentId,
    /// Their name as shown ("Kevin Mbuyi").
    pub name: String,
    words: Vec<String>,
}

/// A known person's name found in a worksite field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention<'n> {
    /// Where: `meetings/<id>/notes`, `meetings/<id>/actions/<id>/what`…
    pub field: String,
    /// Whose name.
    pub name: &'n KnownName,
}

/// Words of a name that are never looked for on their own: particles and very short words.
const PARTICLES: &[&str] = &["van", "von", "der", "den", "des", "del", "ten", "ter", "dos", "das", "bin", "ben"];

/// The worksite collections holding free text, with the keys of their free-text fields (at any
/// depth below an item: a meeting's attendees, decisions and actions included).
const FREE_TEXT: &[(&str, &[&str])] = &[
    ("meetings", &["place", "notes", "name", "organisation", "text", "what", "who"]),
    ("positions", &["tasks", "requirements"]),
    ("referrals", &["answer_reason"]),
    ("placements", &["end_reason", "outcome_note"]),
];

impl KnownName {
    /// The name of `person`, shown as `name` ("First Last").
    pub fn new(person: DocumentId, name: &str) -> KnownName {
        let words = words(name).filter(|w| w.chars().count() >= 3 && !PARTICLES.contains(&w.as_str())).collect();
        KnownName { person, name: name.trim().to_owned(), words }
    }

    /// Whether `text` holds one of the words of this name as a whole word.
    pub fn is_in(&self, text: &str) -> bool {
        !self.words.is_empty() && words(text).any(|w| self.words.contains(&w))
    }
}

/// The first known name found in `text`.
pub fn mentioned<'n>(text: &str, names: &'n [KnownName]) -> Option<&'n KnownName> {
    names.iter().find(|n| n.is_in(text))
}

/// The first known name found in a free-text field of the worksite.
pub fn in_worksite<'n>(worksite: &Worksite, names: &'n [KnownName]) -> Option<Mention<'n>> {
    free_text(worksite).into_iter().find_map(|(field, text)| mentioned(text, names).map(|name| Mention { field, name }))
}

/// The first known name that one of `changes` writes into a free-text field of the worksite
/// `doc` (which holds the changes), even when a later change deletes it again. A string put in a
/// field is read as it was put; a text typed into is read as it stood right after the change
/// (typing keeps the letters already there, so the name may appear only in that state).
pub fn in_changes<'n, 'c>(
    doc: &Automerge,
    changes: impl IntoIterator<Item = &'c Change>,
    names: &'n [KnownName],
) -> Option<Mention<'n>> {
    if names.is_empty() {
        return None;
    }
    for change in changes {
        let mut texts: Vec<String> = Vec::new();
        for op in change.decode().operations {
            let automerge::legacy::OpType::Put(automerge::ScalarValue::Str(value)) = &op.action else { continue };
            let obj = op.obj.to_string();
            match &op.key {
                automerge::legacy::Key::Map(key) => {
                    let Some(name) = mentioned(value, names) else { continue };
                    let Some(mut path) = path_of(doc, &obj) else { continue };
                    path.push(key.to_string());
                    if is_free_text(&path) {
                        return Some(Mention { field: path.join("/"), name });
                    }
                }
                automerge::legacy::Key::Seq(_) if !texts.contains(&obj) => texts.push(obj),
                automerge::legacy::Key::Seq(_) => {}
            }
        }
        for obj in texts {
            let Ok(id) = doc.import_obj(&obj) else { continue };
            let Ok(text) = doc.text_at(&id, &[change.hash()]) else { continue };
            let Some(name) = mentioned(&text, names) else { continue };
            let Some(path) = path_of(doc, &obj) else { continue };
            if is_free_text(&path) {
                return Some(Mention { field: path.join("/"), name });
            }
        }
    }
    None
}

/// Every free-text field of a worksite, with its path.
pub fn free_text(w: &Worksite) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = Vec::new();
    for m in &w.meetings {
        let at = format!("meetings/{}", m.id);
        out.push((format!("{at}/place"), &m.place));
        out.push((format!("{at}/notes"), &m.notes));
        for a in &m.attendees {
            out.push((format!("{at}/attendees/{}/name", a.id), &a.name));
            out.push((format!("{at}/attendees/{}/organisation", a.id), &a.organisation));
        }
        for d in &m.decisions {
            out.push((format!("{at}/decisions/{}/text", d.id), &d.text));
        }
        for a in &m.actions {
            out.push((format!("{at}/actions/{}/what", a.id), &a.what));
            out.push((format!("{at}/actions/{}/who", a.id), &a.who));
        }
    }
    for p in &w.positions {
        out.push((format!("positions/{}/tasks", p.id), &p.tasks));
        out.push((format!("positions/{}/requirements", p.id), &p.requirements));
    }
    for r in &w.referrals {
        out.push((format!("referrals/{}/answer_reason", r.id), &r.answer_reason));
    }
    for p in &w.placements {
        out.push((format!("placements/{}/end_reason", p.id), &p.end_reason));
        if let Some(o) = &p.outcome {
            out.push((format!("placements/{}/outcome_note", p.id), &o.note));
        }
    }
    out
}

fn is_free_text(path: &[String]) -> bool {
    let (Some(first), Some(last)) = (path.first(), path.last()) else { return false };
    path.len() >= 3 && FREE_TEXT.iter().any(|(c, keys)| c == first && keys.contains(&last.as_str()))
}

/// The keys from the root to an object named as the legacy change format prints it.
fn path_of(doc: &Automerge, obj: &str) -> Option<Vec<String>> {
    if obj == "_root" {
        return Some(Vec::new());
    }
    let id = doc.import_obj(obj).ok()?;
    let parents = doc.parents(&id).ok()?;
    let path = parents
        .path()
        .into_iter()
        .map(|(_, prop)| match prop {
            automerge::Prop::Map(k) => k,
            automerge::Prop::Seq(i) => i.to_string(),
        })
        .collect();
    Some(path)
}

/// The words of a text, folded: lower case, accents removed ("Lefèvre" → "lefevre").
/// Whether two names are the same once case, accents and punctuation are set aside
/// ("Sophie MARTIN" and "sophie  martin"). Empty names are never the same.
pub fn same_name(a: &str, b: &str) -> bool {
    let a: Vec<String> = words(a).collect();
    !a.is_empty() && a == words(b).collect::<Vec<_>>()
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(crate::values::fold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kevin() -> KnownName {
        KnownName::new(DocumentId(uuid::Uuid::from_u128(1)), "Kévin Van Mbuyi")
    }

    #[test]
    fn a_first_or_last_name_is_found_as_a_whole_word_whatever_its_case_and_accents() {
        let names = [kevin()];
        assert!(mentioned("Préparer la réunion de bilan de Kevin", &names).is_some());
        assert!(mentioned("M. MBUYI absent", &names).is_some());
        assert!(mentioned("Appeler Kevinsky", &names).is_none(), "part of a word is not the name");
        assert!(mentioned("Rue van Artevelde", &names).is_none(), "particles are not looked for alone");
        assert!(mentioned("", &[KnownName::new(DocumentId(uuid::Uuid::from_u128(2)), " ")]).is_none());
    }
}
