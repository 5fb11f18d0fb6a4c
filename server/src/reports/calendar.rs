//! An advisor's agenda as an iCalendar feed (RFC 5545), written by the `icalendar` crate: one
//! all-day event per due item, on its due date, whose UID stays the same while the item is due
//! ([`AgendaItem::uid`]), so a calendar app updates the event in place instead of adding one.
//!
//! A calendar app keeps the feed on its own servers, so the feed says only what the work needs:
//! the kind of item and the worksite's name, and for an action what to do and who does it
//! (worksite text, which never names a job seeker: the apps and the server refuse a worksite
//! text naming one of its people). It never carries a job seeker's name, even for the items
//! about one (an evaluation, a six-month check, an action about a job seeker): those say "a
//! job seeker" and the advisor sees who on the tablet or the dashboard (docs/PRIVACY.md).

use chrono::{DateTime, Days, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use terrain_client_core::agenda::{Agenda, AgendaItem, ItemKind};
use terrain_client_core::i18n::{Lang, agenda_kind_label};

/// The domain after the `@` of every UID.
const UID_DOMAIN: &str = "terrain";

fn about_job_seeker(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "concerne une personne suivie",
        Lang::Nl => "betreft een gevolgde persoon",
        Lang::En => "concerns a job seeker",
    }
}

fn calendar_name(lang: Lang, advisor: &str) -> String {
    match lang {
        Lang::Fr => format!("Terrain — agenda de {advisor}"),
        Lang::Nl => format!("Terrain — agenda van {advisor}"),
        Lang::En => format!("Terrain — {advisor}'s agenda"),
    }
}

fn who_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Responsable",
        Lang::Nl => "Verantwoordelijke",
        Lang::En => "Responsible",
    }
}

/// The summary of an item: "Réunion de suivi à tenir — Piscine Neptune", an action's text after
/// the worksite's name.
pub fn summary(item: &AgendaItem, lang: Lang) -> String {
    let kind = agenda_kind_label(lang, item.kind);
    match item.kind {
        ItemKind::Action => format!("{kind} — {} : {}", item.worksite_name, item.what.trim()),
        _ => format!("{kind} — {}", item.worksite_name),
    }
}

/// The feed of `agenda` for the advisor named `advisor`, in `lang`; `now` is its DTSTAMP.
pub fn calendar_feed(agenda: &Agenda, advisor: &str, lang: Lang, now: DateTime<Utc>) -> String {
    let mut calendar = Calendar::new();
    calendar.name(&calendar_name(lang, advisor));
    for item in &agenda.items {
        let mut lines = Vec::new();
        if !item.who.trim().is_empty() {
            lines.push(format!("{}: {}", who_label(lang), item.who.trim()));
        }
        if item.person.is_some() {
            lines.push(about_job_seeker(lang).to_owned());
        }
        let mut event = Event::new();
        event
            .uid(&format!("{}@{UID_DOMAIN}", item.uid()))
            .timestamp(now)
            .summary(&summary(item, lang))
            .starts(item.due)
            .ends(item.due + Days::new(1));
        if !lines.is_empty() {
            event.description(&lines.join("\n"));
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use terrain_client_core::{DocumentId, ItemId};

    use super::*;

    #[test]
    fn each_item_is_one_all_day_event_with_a_stable_uid_and_no_name() {
        let due = NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
        let item = AgendaItem {
            kind: ItemKind::OutcomeCheck,
            due,
            overdue: false,
            worksite: DocumentId::from_random_bytes([1; 16]),
            worksite_name: "Piscine Neptune".into(),
            person: Some(DocumentId::from_random_bytes([2; 16])),
            placement: Some(ItemId::from_random_bytes([3; 16])),
            meeting: None,
            action: None,
            what: String::new(),
            who: String::new(),
        };
        let agenda = Agenda { today: due, items: vec![item.clone()] };
        let now = DateTime::from_timestamp(1_764_000_000, 0).expect("time");
        let feed = calendar_feed(&agenda, "Sophie Martin", Lang::Nl, now);
        assert!(feed.starts_with("BEGIN:VCALENDAR\r\n"), "{feed}");
        assert!(feed.lines().all(|l| l.len() <= 75), "long lines are folded: {feed}");
        // Unfolded (RFC 5545, 3.1), as a calendar app reads it.
        assert_eq!(feed, calendar_feed(&agenda, "Sophie Martin", Lang::Nl, now), "the same agenda, the same bytes");
        let feed = feed.replace("\r\n ", "");
        assert!(feed.contains(&format!("UID:{}@terrain", item.uid())), "{feed}");
        assert!(feed.contains("DTSTART;VALUE=DATE:20261204"), "{feed}");
        assert!(feed.contains("DTEND;VALUE=DATE:20261205"), "{feed}");
        assert!(feed.contains("SUMMARY:Controle na 6 maanden — Piscine Neptune"), "{feed}");
        assert!(feed.contains("betreft een gevolgde persoon"), "{feed}");
    }
}
