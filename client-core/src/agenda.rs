//! The advisor's agenda: what is due on the worksites an advisor follows, derived from the
//! documents a device (or the server) holds, never stored.
//!
//! [`agenda`] takes the worksites (already chosen with [`follows`]), the person documents at hand
//! and `today` (a parameter: the core reads no clock), and lists the due items:
//!
//! - **kick-off**: a worksite with an order to start and no kick-off meeting, due on the order to
//!   start;
//! - **follow-up**: from the last kick-off or follow-up meeting held (dated today or before), due
//!   on the next meeting it planned, else two months after it
//!   ([`crate::indicators::FOLLOW_UP_EVERY_MONTHS`]);
//! - **evaluation**: a placement with an end date whose person document holds no evaluation of
//!   that placement, due on the end (a person whose document is not at hand, erased for one, is
//!   left out: nothing can be evaluated there);
//! - **outcome check**: a placement with an end date and no check recorded, due six calendar
//!   months after the end ([`crate::model::Placement::check_due`]);
//! - **action**: an open action with a due date, with its owner.
//!
//! Kick-offs and follow-ups stop once a worksite is completed; evaluations, checks and open
//! actions do not (they outlive the works). An action with no due date is not in the agenda.
//! Items are sorted by due date, then kind, worksite name and id, and fall in one of four groups
//! ([`When`]): overdue (before today), today, this week (after today until Sunday) and later.
//! A worksite refers to people by their document only: an item carries the person's id, and the
//! app shows their name from the person document it holds.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::ids::{DocumentId, ItemId};
use crate::indicators::FOLLOW_UP_EVERY_MONTHS;
use crate::model::{Person, Worksite};
use crate::values::{MeetingKind, WorksiteStatus};

/// What is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A kick-off meeting to hold on site.
    Kickoff,
    /// A follow-up meeting to hold (about every two months).
    FollowUp,
    /// An end-of-contract evaluation to write in the person's record.
    Evaluation,
    /// The outcome to check six months after a placement's end.
    OutcomeCheck,
    /// An open action of a meeting.
    Action,
}

impl ItemKind {
    /// Every kind, in display order.
    pub const ALL: [ItemKind; 5] =
        [ItemKind::Kickoff, ItemKind::FollowUp, ItemKind::Evaluation, ItemKind::OutcomeCheck, ItemKind::Action];

    /// A stable code (in addresses, test selectors and calendar ids).
    pub fn code(self) -> &'static str {
        match self {
            ItemKind::Kickoff => "kickoff",
            ItemKind::FollowUp => "follow_up",
            ItemKind::Evaluation => "evaluation",
            ItemKind::OutcomeCheck => "outcome_check",
            ItemKind::Action => "action",
        }
    }
}

/// Where an item falls relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Due before today.
    Overdue,
    /// Due today.
    Today,
    /// Due after today, until Sunday of this week.
    ThisWeek,
    /// Due after this week.
    Later,
}

impl When {
    /// Every group, in display order.
    pub const ALL: [When; 4] = [When::Overdue, When::Today, When::ThisWeek, When::Later];

    /// The group of a due date seen on `today`.
    pub fn of(due: NaiveDate, today: NaiveDate) -> When {
        let sunday = today + chrono::Days::new(u64::from(6 - today.weekday().num_days_from_monday()));
        if due < today {
            When::Overdue
        } else if due == today {
            When::Today
        } else if due <= sunday {
            When::ThisWeek
        } else {
            When::Later
        }
    }

    /// A stable code.
    pub fn code(self) -> &'static str {
        match self {
            When::Overdue => "overdue",
            When::Today => "today",
            When::ThisWeek => "this_week",
            When::Later => "later",
        }
    }
}

/// One due item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaItem {
    /// What is due.
    pub kind: ItemKind,
    /// By when.
    pub due: NaiveDate,
    /// Due before today.
    pub overdue: bool,
    /// The worksite.
    pub worksite: DocumentId,
    /// Its name.
    pub worksite_name: String,
    /// The person concerned (evaluations, checks, an action about a job seeker), by reference:
    /// shown by the name in their own document.
    pub person: Option<DocumentId>,
    /// The placement (evaluations and checks).
    pub placement: Option<ItemId>,
    /// The meeting: the last one held (follow-ups) or the one the action was decided in.
    pub meeting: Option<ItemId>,
    /// The action (actions).
    pub action: Option<ItemId>,
    /// What to do (actions; empty otherwise).
    pub what: String,
    /// Who does it (actions; empty otherwise).
    pub who: String,
}

impl AgendaItem {
    /// An id that stays the same while the item is due (a calendar's UID): the kind, the
    /// worksite and the item it is about. A follow-up is named by the meeting it follows, so a
    /// new follow-up meeting makes a new item.
    pub fn uid(&self) -> String {
        let about =
            self.action.or(self.placement).or(self.meeting).map_or_else(|| "worksite".to_owned(), |id| id.to_string());
        format!("{}.{}.{about}", self.kind.code(), self.worksite)
    }

    /// The group of the item on `today`.
    pub fn when(&self, today: NaiveDate) -> When {
        When::of(self.due, today)
    }
}

/// The due items of some worksites on `today`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agenda {
    /// The day it was drawn up for.
    pub today: NaiveDate,
    /// Every due item, by due date.
    pub items: Vec<AgendaItem>,
}

impl Agenda {
    /// The items of one group, in order.
    pub fn group(&self, when: When) -> impl Iterator<Item = &AgendaItem> {
        self.items.iter().filter(move |i| i.when(self.today) == when)
    }
}

/// Whether the advisor follows the worksite: it is assigned to them (`assigned`), or its advisor
/// field names them (`advisor`, case and accents aside).
pub fn follows(worksite: &Worksite, advisor: &str, assigned: &[DocumentId]) -> bool {
    assigned.contains(&worksite.id) || crate::names::same_name(&worksite.advisor, advisor)
}

/// The agenda of `worksites` on `today`; `people` are the person documents at hand (for the
/// evaluations already written).
pub fn agenda(worksites: &[Worksite], people: &[Person], today: NaiveDate) -> Agenda {
    let mut items = Vec::new();
    for w in worksites {
        let item = |kind, due: NaiveDate| AgendaItem {
            kind,
            due,
            overdue: due < today,
            worksite: w.id,
            worksite_name: w.name.clone(),
            person: None,
            placement: None,
            meeting: None,
            action: None,
            what: String::new(),
            who: String::new(),
        };
        if w.status != WorksiteStatus::Completed {
            let kickoff_held = w.meetings.iter().any(|m| m.kind == MeetingKind::Kickoff);
            if let (false, Some(start)) = (kickoff_held, w.order_to_start) {
                items.push(item(ItemKind::Kickoff, start));
            }
            let last = w
                .meetings
                .iter()
                .filter(|m| matches!(m.kind, MeetingKind::Kickoff | MeetingKind::FollowUp))
                .filter_map(|m| m.date.filter(|d| *d <= today).map(|d| (d, m)))
                .max_by_key(|(d, m)| (*d, m.id));
            if let Some((held, m)) = last {
                let due = m
                    .next_meeting
                    .filter(|n| *n > held)
                    .or_else(|| held.checked_add_months(Months::new(FOLLOW_UP_EVERY_MONTHS)));
                if let Some(due) = due {
                    items.push(AgendaItem { meeting: Some(m.id), ..item(ItemKind::FollowUp, due) });
                }
            }
        }
        for p in &w.placements {
            let Some(end) = p.end else { continue };
            let person = people.iter().find(|x| x.id == p.person);
            if let Some(person) = person
                && !person.evaluations.iter().any(|e| e.placement == Some(p.id))
            {
                items.push(AgendaItem {
                    person: Some(p.person),
                    placement: Some(p.id),
                    ..item(ItemKind::Evaluation, end)
                });
            }
            if let (None, Some(due)) = (&p.check, p.check_due()) {
                items.push(AgendaItem {
                    person: Some(p.person),
                    placement: Some(p.id),
                    ..item(ItemKind::OutcomeCheck, due)
                });
            }
        }
        for m in &w.meetings {
            for a in m.actions.iter().filter(|a| !a.done) {
                let Some(due) = a.due else { continue };
                items.push(AgendaItem {
                    person: a.person,
                    meeting: Some(m.id),
                    action: Some(a.id),
                    what: a.what.clone(),
                    who: a.who.clone(),
                    ..item(ItemKind::Action, due)
                });
            }
        }
    }
    items.sort_by(|a, b| {
        (a.due, a.kind, a.worksite_name.to_lowercase(), a.uid()).cmp(&(
            b.due,
            b.kind,
            b.worksite_name.to_lowercase(),
            b.uid(),
        ))
    });
    Agenda { today, items }
}
