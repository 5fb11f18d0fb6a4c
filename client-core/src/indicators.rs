//! Indicators derived from a worksite, never stored: where the clause objective stands.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::model::Worksite;
use crate::values::{CountingUnit, MeetingKind};

/// How often follow-up meetings are due, in months.
pub const FOLLOW_UP_EVERY_MONTHS: u32 = 2;

/// Where one worksite's clause stands on a given day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicators {
    /// The objective, in the clause's unit.
    pub objective: f64,
    /// Realised so far: hours over all placements, or number of placements for a positions
    /// clause.
    pub realised: f64,
    /// `realised / objective`, 0–1+ (0 when there is no objective).
    pub done_ratio: f64,
    /// Share of the period from the order to start to the deadline already elapsed, 0–1.
    pub elapsed_ratio: f64,
    /// Forecast at the end of the period at the current pace: realised plus, for each placement
    /// active today, its weekly hours × the weeks left until its end or the deadline, whichever
    /// comes first. For a positions clause, the number of placements.
    pub forecast: f64,
    /// The forecast falls short of the objective: new recruitments are needed.
    pub recruitment_needed: bool,
    /// Last follow-up (or kick-off when none) plus two months; `None` before the kick-off.
    pub next_follow_up_due: Option<NaiveDate>,
    /// Days the next follow-up is overdue (0 when not overdue).
    pub follow_up_overdue_days: i64,
}

impl Indicators {
    /// Whether a follow-up is overdue.
    pub fn follow_up_overdue(&self) -> bool {
        self.follow_up_overdue_days > 0
    }
}

/// Compute the indicators of a worksite on `today` (a parameter: the core never reads a clock).
pub fn indicators(w: &Worksite, today: NaiveDate) -> Indicators {
    let objective = w.clause.objective;
    let deadline = w.deadline();
    let (realised, forecast) = match w.clause.unit {
        CountingUnit::Hours => {
            let realised: f64 = w.placements.iter().map(|p| p.total_hours()).sum();
            let ahead: f64 = w
                .placements
                .iter()
                .filter(|p| p.is_active_on(today))
                .map(|p| {
                    let until = match (p.end, deadline) {
                        (Some(e), Some(d)) => Some(e.min(d)),
                        (e, d) => e.or(d),
                    };
                    let days = until.map_or(0, |u| (u - today).num_days().max(0));
                    p.weekly_hours.get() * days as f64 / 7.0
                })
                .sum();
            (realised, realised + ahead)
        }
        CountingUnit::Positions => {
            let n = w.placements.len() as f64;
            (n, n)
        }
    };
    let done_ratio = if objective > 0.0 { realised / objective } else { 0.0 };
    let elapsed_ratio = match (w.order_to_start, deadline) {
        (Some(start), Some(end)) if end > start => {
            let total = (end - start).num_days() as f64;
            ((today - start).num_days() as f64 / total).clamp(0.0, 1.0)
        }
        (Some(start), Some(_)) => {
            if today >= start {
                1.0
            } else {
                0.0
            }
        }
        _ => 0.0,
    };
    let last_follow_up = w
        .meetings
        .iter()
        .filter(|m| matches!(m.kind, MeetingKind::FollowUp | MeetingKind::Kickoff))
        .filter_map(|m| m.date)
        .filter(|d| *d <= today)
        .max();
    let next_follow_up_due = last_follow_up.and_then(|d| d.checked_add_months(Months::new(FOLLOW_UP_EVERY_MONTHS)));
    let follow_up_overdue_days = next_follow_up_due.map_or(0, |due| (today - due).num_days().max(0));
    Indicators {
        objective,
        realised,
        done_ratio,
        elapsed_ratio,
        forecast,
        recruitment_needed: objective > 0.0 && forecast < objective,
        next_follow_up_due,
        follow_up_overdue_days,
    }
}
