//! The worksite's timeline in words: "Sophie Martin recorded the follow-up meeting of
//! 21/11/2026", "Luc Peeters changed the hours of placement 2 for March 2026: 120 h → 132 h".
//!
//! The server's history (who sent which change, when it arrived) is grouped per commit: one
//! sync's upload (protocol 2 sends it in one request; a protocol 1 device that needs several
//! rounds shows one group per round), one dashboard form (its edits are committed together).
//! For each of the latest groups the document is read as it was before and after the group
//! (`Automerge::fork_at` on the heads of the changes received so far, which are causally closed:
//! a commit always holds its dependencies), and the two typed worksites are compared: each
//! difference is one sentence. Times are Brussels time.

use std::collections::BTreeSet;

use automerge::{Automerge, ChangeHash, ReadDoc};
use chrono::NaiveDateTime;
use terrain_client_core::model::{Document, Meeting, Worksite};
use terrain_client_core::values::{MeetingKind, Month};

use super::i18n::{L, Lang, code_label, format_date, format_hours, format_opt_date, t};
use crate::store::HistoryEntry;

/// How many syncs the timeline tells (the newest ones).
pub const GROUPS_SHOWN: usize = 25;

/// Changes of one device received in one sync (or one dashboard form).
#[derive(Debug, Clone)]
pub struct Group {
    /// When the server received them, in Brussels time.
    pub at: NaiveDateTime,
    /// Who (the account's display name).
    pub who: String,
    /// The device's name.
    pub device: String,
    /// What changed, one sentence each.
    pub sentences: Vec<String>,
}

pub use terrain_client_core::i18n::{brussels, format_brussels};

/// A month in words: "mars 2026", "maart 2026", "March 2026".
pub fn month_name(m: Month, lang: Lang) -> String {
    terrain_client_core::i18n::format_month(m, lang)
}

/// The groups of a worksite's history, newest first, at most [`GROUPS_SHOWN`].
pub fn groups(doc: &Automerge, history: &[HistoryEntry], lang: Lang) -> Vec<Group> {
    // Group: one commit (a sync's upload, a dashboard form), by device and time of receipt.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (i, h) in history.iter().enumerate() {
        match spans.last_mut() {
            Some((start, end))
                if history[*start].device_id == h.device_id && h.received_at == history[*end].received_at =>
            {
                *end = i
            }
            _ => spans.push((i, i)),
        }
    }
    let first_shown = spans.len().saturating_sub(GROUPS_SHOWN);
    // Heads after each change received so far.
    let mut heads: BTreeSet<ChangeHash> = BTreeSet::new();
    let mut boundary: Vec<Vec<ChangeHash>> = Vec::with_capacity(spans.len() + 1);
    boundary.push(Vec::new());
    for (start, end) in &spans {
        for h in &history[*start..=*end] {
            let Ok(hash) = h.hash.parse::<ChangeHash>() else { continue };
            let Some(change) = doc.get_change_by_hash(&hash) else { continue };
            for d in change.deps() {
                heads.remove(d);
            }
            heads.insert(hash);
        }
        boundary.push(heads.iter().copied().collect());
    }
    let read = |heads: &[ChangeHash]| -> Option<Worksite> {
        if heads.is_empty() {
            return None;
        }
        let fork = doc.fork_at(heads).ok()?;
        match Document::read(&fork).ok()? {
            Document::Worksite(w) => Some(w),
            Document::Person(_) => None,
        }
    };
    let mut out = Vec::new();
    let mut before = read(&boundary[first_shown]);
    let mut before_doc = if boundary[first_shown].is_empty() { None } else { doc.fork_at(&boundary[first_shown]).ok() };
    for (g, (start, end)) in spans.iter().enumerate().skip(first_shown) {
        let after = read(&boundary[g + 1]);
        let first = &history[*start];
        let last = &history[*end];
        let who = first.user_name.clone().unwrap_or_else(|| t(lang, L::Someone).to_owned());
        let mut sentences = match &after {
            Some(a) => diff(lang, &who, before.as_ref(), a, before_doc.as_ref()),
            None => Vec::new(),
        };
        if sentences.is_empty() {
            sentences.push(say(lang, &who, Said::Other));
        }
        out.push(Group {
            at: brussels(last.received_at),
            who,
            device: first.device_name.clone().unwrap_or_default(),
            sentences,
        });
        before = after;
        before_doc = doc.fork_at(&boundary[g + 1]).ok();
    }
    out.reverse();
    out
}

/// What one difference says.
enum Said {
    Created(String),
    Field(&'static str, String, String),
    Subcontractor(String),
    SubcontractorChanged(String),
    SubcontractorRemoved(String),
    PhaseAdded(String),
    PhaseChanged(String),
    PhaseRemoved(String),
    PositionAdded(String),
    PositionChanged(String),
    Referred(String),
    ReferralChanged(String),
    Placed(usize, String),
    HoursNew(usize, String, String),
    HoursChanged(usize, String, String, String, Option<String>),
    Ended(usize, String, String),
    Meeting(String),
    MeetingChanged(String),
    Offer(String),
    OfferChanged(String),
    Other,
}

fn say(lang: Lang, who: &str, s: Said) -> String {
    use Said::*;
    match (lang, s) {
        (Lang::Fr, Created(n)) => format!("{who} a créé le chantier « {n} »"),
        (Lang::Nl, Created(n)) => format!("{who} maakte de werf „{n}” aan"),
        (Lang::En, Created(n)) => format!("{who} created the worksite “{n}”"),
        (Lang::Fr, Field(l, a, b)) => format!("{who} a modifié « {l} » : {a} → {b}"),
        (Lang::Nl, Field(l, a, b)) => format!("{who} wijzigde „{l}”: {a} → {b}"),
        (Lang::En, Field(l, a, b)) => format!("{who} changed “{l}”: {a} → {b}"),
        (Lang::Fr, Subcontractor(n)) => format!("{who} a ajouté le sous-traitant « {n} »"),
        (Lang::Nl, Subcontractor(n)) => format!("{who} voegde de onderaannemer „{n}” toe"),
        (Lang::En, Subcontractor(n)) => format!("{who} added the subcontractor “{n}”"),
        (Lang::Fr, SubcontractorChanged(n)) => format!("{who} a modifié le sous-traitant « {n} »"),
        (Lang::Nl, SubcontractorChanged(n)) => format!("{who} wijzigde de onderaannemer „{n}”"),
        (Lang::En, SubcontractorChanged(n)) => format!("{who} changed the subcontractor “{n}”"),
        (Lang::Fr, SubcontractorRemoved(n)) => format!("{who} a retiré le sous-traitant « {n} »"),
        (Lang::Nl, SubcontractorRemoved(n)) => format!("{who} verwijderde de onderaannemer „{n}”"),
        (Lang::En, SubcontractorRemoved(n)) => format!("{who} removed the subcontractor “{n}”"),
        (Lang::Fr, PhaseAdded(n)) => format!("{who} a ajouté la phase de travaux « {n} »"),
        (Lang::Nl, PhaseAdded(n)) => format!("{who} voegde de fase „{n}” toe aan de planning"),
        (Lang::En, PhaseAdded(n)) => format!("{who} added the phase of works “{n}”"),
        (Lang::Fr, PhaseChanged(n)) => format!("{who} a modifié la phase de travaux « {n} »"),
        (Lang::Nl, PhaseChanged(n)) => format!("{who} wijzigde de fase „{n}” van de planning"),
        (Lang::En, PhaseChanged(n)) => format!("{who} changed the phase of works “{n}”"),
        (Lang::Fr, PhaseRemoved(n)) => format!("{who} a retiré la phase de travaux « {n} »"),
        (Lang::Nl, PhaseRemoved(n)) => format!("{who} verwijderde de fase „{n}” uit de planning"),
        (Lang::En, PhaseRemoved(n)) => format!("{who} removed the phase of works “{n}”"),
        (Lang::Fr, PositionAdded(n)) => format!("{who} a ajouté la description de fonction « {n} »"),
        (Lang::Nl, PositionAdded(n)) => format!("{who} voegde de functiebeschrijving „{n}” toe"),
        (Lang::En, PositionAdded(n)) => format!("{who} added the job description “{n}”"),
        (Lang::Fr, PositionChanged(n)) => format!("{who} a modifié la description de fonction « {n} »"),
        (Lang::Nl, PositionChanged(n)) => format!("{who} wijzigde de functiebeschrijving „{n}”"),
        (Lang::En, PositionChanged(n)) => format!("{who} changed the job description “{n}”"),
        (Lang::Fr, Referred(n)) => format!("{who} a proposé un candidat pour « {n} »"),
        (Lang::Nl, Referred(n)) => format!("{who} stelde een kandidaat voor voor „{n}”"),
        (Lang::En, Referred(n)) => format!("{who} proposed a candidate for “{n}”"),
        (Lang::Fr, ReferralChanged(n)) => format!("{who} a mis à jour une candidature pour « {n} »"),
        (Lang::Nl, ReferralChanged(n)) => format!("{who} werkte een kandidatuur voor „{n}” bij"),
        (Lang::En, ReferralChanged(n)) => format!("{who} updated a referral for “{n}”"),
        (Lang::Fr, Placed(k, n)) => format!("{who} a enregistré la mise à l'emploi {k} (« {n} »)"),
        (Lang::Nl, Placed(k, n)) => format!("{who} registreerde tewerkstelling {k} („{n}”)"),
        (Lang::En, Placed(k, n)) => format!("{who} recorded placement {k} (“{n}”)"),
        (Lang::Fr, HoursNew(k, m, h)) => format!("{who} a saisi les heures de la mise à l'emploi {k} pour {m} : {h}"),
        (Lang::Nl, HoursNew(k, m, h)) => format!("{who} voerde de uren van tewerkstelling {k} voor {m} in: {h}"),
        (Lang::En, HoursNew(k, m, h)) => format!("{who} entered the hours of placement {k} for {m}: {h}"),
        (Lang::Fr, HoursChanged(k, m, a, b, by)) => format!(
            "{who} a modifié les heures de la mise à l'emploi {k} pour {m} : {a}{} → {b}",
            by.map(|p| format!(" (saisies par {p})")).unwrap_or_default()
        ),
        (Lang::Nl, HoursChanged(k, m, a, b, by)) => format!(
            "{who} wijzigde de uren van tewerkstelling {k} voor {m}: {a}{} → {b}",
            by.map(|p| format!(" (ingevoerd door {p})")).unwrap_or_default()
        ),
        (Lang::En, HoursChanged(k, m, a, b, by)) => format!(
            "{who} changed the hours of placement {k} for {m}: {a}{} → {b}",
            by.map(|p| format!(" (entered by {p})")).unwrap_or_default()
        ),
        (Lang::Fr, Ended(k, d, r)) => format!("{who} a mis fin à la mise à l'emploi {k} le {d} : {r}"),
        (Lang::Nl, Ended(k, d, r)) => format!("{who} beëindigde tewerkstelling {k} op {d}: {r}"),
        (Lang::En, Ended(k, d, r)) => format!("{who} ended placement {k} on {d}: {r}"),
        (Lang::Fr, Meeting(m)) => format!("{who} a enregistré {m}"),
        (Lang::Nl, Meeting(m)) => format!("{who} registreerde {m}"),
        (Lang::En, Meeting(m)) => format!("{who} recorded {m}"),
        (Lang::Fr, MeetingChanged(m)) => format!("{who} a complété {m}"),
        (Lang::Nl, MeetingChanged(m)) => format!("{who} vulde {m} aan"),
        (Lang::En, MeetingChanged(m)) => format!("{who} updated {m}"),
        (Lang::Fr, Offer(o)) => format!("{who} a enregistré une offre d'emploi : {o}"),
        (Lang::Nl, Offer(o)) => format!("{who} registreerde een vacature: {o}"),
        (Lang::En, Offer(o)) => format!("{who} recorded a job offer: {o}"),
        (Lang::Fr, OfferChanged(o)) => format!("{who} a mis à jour l'offre d'emploi : {o}"),
        (Lang::Nl, OfferChanged(o)) => format!("{who} werkte de vacature bij: {o}"),
        (Lang::En, OfferChanged(o)) => format!("{who} updated the job offer: {o}"),
        (Lang::Fr, Other) => format!("{who} a fait une modification"),
        (Lang::Nl, Other) => format!("{who} bracht een wijziging aan"),
        (Lang::En, Other) => format!("{who} made a change"),
    }
}

/// "the follow-up meeting of 21/11/2026" with the article each language needs.
fn meeting_words(lang: Lang, m: &Meeting) -> String {
    let date = format_opt_date(m.date, lang);
    let kind = match (lang, m.kind) {
        (Lang::Fr, MeetingKind::Kickoff) => "la réunion de lancement",
        (Lang::Fr, MeetingKind::FollowUp) => "la réunion de suivi",
        (Lang::Fr, MeetingKind::Evaluation) => "le bilan de fin de contrat",
        (Lang::Fr, MeetingKind::Mediation) => "la médiation",
        (Lang::Fr, MeetingKind::Other) => "la réunion",
        (Lang::Nl, MeetingKind::Kickoff) => "de startvergadering",
        (Lang::Nl, MeetingKind::FollowUp) => "de opvolgingsvergadering",
        (Lang::Nl, MeetingKind::Evaluation) => "de eindevaluatie",
        (Lang::Nl, MeetingKind::Mediation) => "de bemiddeling",
        (Lang::Nl, MeetingKind::Other) => "de vergadering",
        (Lang::En, MeetingKind::Kickoff) => "the kick-off meeting",
        (Lang::En, MeetingKind::FollowUp) => "the follow-up meeting",
        (Lang::En, MeetingKind::Evaluation) => "the end-of-contract evaluation",
        (Lang::En, MeetingKind::Mediation) => "the mediation",
        (Lang::En, MeetingKind::Other) => "the meeting",
    };
    let of = match lang {
        Lang::Fr => "du",
        Lang::Nl => "van",
        Lang::En => "of",
    };
    format!("{kind} {of} {date}")
}

fn quoted(s: &str) -> String {
    if s.is_empty() { "—".to_owned() } else { s.to_owned() }
}

/// Who entered the value at `placements/{id}/hours/{month}` in `doc` (from the writing actor
/// and the document's `authors`), the name without the device.
fn hours_author(doc: &Automerge, w: &Worksite, placement: &str, month: &str) -> Option<String> {
    let (_, p_list) = doc.get(automerge::ROOT, "placements").ok()??;
    let (_, p) = doc.get(&p_list, placement).ok()??;
    let (_, hours) = doc.get(&p, "hours").ok()??;
    let (_, op) = doc.get(&hours, month).ok()??;
    let actor = match op {
        automerge::ObjId::Id(_, actor, _) => actor.to_hex_string(),
        automerge::ObjId::Root => return None,
    };
    let label = w.authors.get(&actor)?;
    Some(label.split(" · ").next().unwrap_or(label).to_owned())
}

fn diff(lang: Lang, who: &str, before: Option<&Worksite>, a: &Worksite, before_doc: Option<&Automerge>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |s: Said| out.push(say(lang, who, s));
    // A creation: say so, then tell what came with it (phases, positions…), as added to an
    // empty worksite with the same fields.
    let blank;
    let b = match before {
        Some(b) => b,
        None => {
            push(Said::Created(a.name.clone()));
            blank = Worksite {
                subcontractors: Vec::new(),
                planning: Vec::new(),
                positions: Vec::new(),
                referrals: Vec::new(),
                placements: Vec::new(),
                meetings: Vec::new(),
                job_offers: Vec::new(),
                ..a.clone()
            };
            &blank
        }
    };
    let texts: [(L, &str, &str); 9] = [
        (L::WorksiteName, &b.name, &a.name),
        (L::Address, &b.address, &a.address),
        (L::ContractReference, &b.contract_reference, &a.contract_reference),
        (L::Lots, &b.lots, &a.lots),
        (L::Authority, &b.authority.name, &a.authority.name),
        (L::AuthorityContact, &b.authority.contact, &a.authority.contact),
        (L::Contractor, &b.contractor.name, &a.contractor.name),
        (L::ContractorContact, &b.contractor.contact, &a.contractor.contact),
        (L::AdvisorInCharge, &b.advisor, &a.advisor),
    ];
    for (label, old, new) in texts {
        if old != new {
            push(Said::Field(t(lang, label), quoted(old), quoted(new)));
        }
    }
    let dates = [
        (L::OrderToStart, b.order_to_start, a.order_to_start),
        (L::PlannedEnd, b.planned_end, a.planned_end),
        (L::Deadline, b.clause.deadline, a.clause.deadline),
    ];
    for (label, old, new) in dates {
        if old != new {
            push(Said::Field(t(lang, label), format_opt_date(old, lang), format_opt_date(new, lang)));
        }
    }
    if b.status != a.status {
        push(Said::Field(
            t(lang, L::Status),
            code_label(lang, b.status.code()).to_owned(),
            code_label(lang, a.status.code()).to_owned(),
        ));
    }
    if (b.clause.unit, b.clause.objective) != (a.clause.unit, a.clause.objective) {
        push(Said::Field(
            t(lang, L::Objective),
            super::pages::amount(lang, b.clause.unit, b.clause.objective),
            super::pages::amount(lang, a.clause.unit, a.clause.objective),
        ));
    }
    for (id, s) in &a.subcontractors {
        match b.subcontractors.iter().find(|(i, _)| i == id) {
            None => push(Said::Subcontractor(s.name.clone())),
            Some((_, old)) if old != s => push(Said::SubcontractorChanged(s.name.clone())),
            _ => {}
        }
    }
    for (id, s) in &b.subcontractors {
        if !a.subcontractors.iter().any(|(i, _)| i == id) {
            push(Said::SubcontractorRemoved(s.name.clone()));
        }
    }
    for p in &a.planning {
        match b.planning.iter().find(|x| x.id == p.id) {
            None => push(Said::PhaseAdded(p.name.clone())),
            Some(old) if old != p => push(Said::PhaseChanged(p.name.clone())),
            _ => {}
        }
    }
    for p in &b.planning {
        if !a.planning.iter().any(|x| x.id == p.id) {
            push(Said::PhaseRemoved(p.name.clone()));
        }
    }
    for p in &a.positions {
        match b.positions.iter().find(|x| x.id == p.id) {
            None => push(Said::PositionAdded(p.title.clone())),
            Some(old) if old != p => push(Said::PositionChanged(p.title.clone())),
            _ => {}
        }
    }
    let title = |id: terrain_client_core::ItemId| {
        a.positions.iter().find(|p| p.id == id).map_or_else(String::new, |p| p.title.clone())
    };
    for r in &a.referrals {
        match b.referrals.iter().find(|x| x.id == r.id) {
            None => push(Said::Referred(title(r.position))),
            Some(old) if old != r => push(Said::ReferralChanged(title(r.position))),
            _ => {}
        }
    }
    for (n, p) in a.placements.iter().enumerate() {
        let k = n + 1;
        let old = b.placements.iter().find(|x| x.id == p.id);
        if old.is_none() {
            push(Said::Placed(k, title(p.position)));
        }
        for h in &p.hours {
            let previous = old.and_then(|o| o.hours.iter().find(|x| x.month == h.month));
            match previous {
                None => push(Said::HoursNew(k, month_name(h.month, lang), format_hours(h.hours.get(), lang))),
                Some(prev) if prev.hours != h.hours => {
                    // Who entered the figure replaced: the trace the month keeps, else the actor
                    // of the value in the document before.
                    let by = prev
                        .history
                        .last()
                        .map(|r| r.by.split(" · ").next().unwrap_or(&r.by).to_owned())
                        .filter(|s| !s.is_empty())
                        .or_else(|| {
                            before_doc.and_then(|d| hours_author(d, b, &p.id.to_string(), &h.month.to_string()))
                        });
                    push(Said::HoursChanged(
                        k,
                        month_name(h.month, lang),
                        format_hours(prev.hours.get(), lang),
                        format_hours(h.hours.get(), lang),
                        by,
                    ))
                }
                _ => {}
            }
        }
        // Ended early: also when the placement was recorded and ended in the same sync.
        if let Some(end) = p.end
            && !p.end_reason.is_empty()
            && old.is_none_or(|o| o.end_reason != p.end_reason || o.end != p.end)
        {
            push(Said::Ended(k, format_date(end, lang), p.end_reason.clone()));
        }
    }
    for m in &a.meetings {
        match b.meetings.iter().find(|x| x.id == m.id) {
            None => push(Said::Meeting(meeting_words(lang, m))),
            Some(old) if old != m => push(Said::MeetingChanged(meeting_words(lang, m))),
            _ => {}
        }
    }
    for o in &a.job_offers {
        let words = format!("{} — {} ({})", o.employer, o.role, code_label(lang, o.status.code()));
        match b.job_offers.iter().find(|x| x.id == o.id) {
            None => push(Said::Offer(words)),
            Some(old) if old != o => push(Said::OfferChanged(words)),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_in_words() {
        let m = Month::new(2026, 3).unwrap();
        assert_eq!(month_name(m, Lang::Fr), "mars 2026");
        assert_eq!(month_name(m, Lang::Nl), "maart 2026");
        assert_eq!(month_name(m, Lang::En), "March 2026");
    }
}
