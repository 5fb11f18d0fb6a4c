//! The service's yearly statistics, per public authority × partner body × trade × contract type:
//! hours realised in the year, placements active in the year, distinct people, and the outcomes
//! of the contracts that ended in the year. Computed from the projection's facts
//! ([`crate::store::Reports`]), never from documents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Datelike;
use uuid::Uuid;

use crate::store::{HoursFact, PlacementFact};

/// One line of the statistics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatLine {
    /// Public authority.
    pub authority: String,
    /// Partner body (a partner kind code or a name; empty when unknown or erased).
    pub partner: String,
    /// Trade (the position's title).
    pub trade: String,
    /// Contract type code.
    pub contract_type: String,
    /// Hours realised in the year's months.
    pub hours: f64,
    /// Placements active in the year (or with hours in it).
    pub placements: usize,
    /// Distinct people among them.
    pub people: usize,
    /// Contracts that ended in the year, by outcome (the end reason; empty when none was given).
    pub outcomes: BTreeMap<String, usize>,
}

/// The statistics of a year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct YearStats {
    /// The year.
    pub year: i32,
    /// Lines, sorted by authority, partner, trade, contract type.
    pub lines: Vec<StatLine>,
    /// The totals (people counted once over all lines).
    pub total: StatLine,
    /// Every year with a placement or hours, for the year selector.
    pub years: Vec<i32>,
}

/// Compute the statistics of `year`.
pub fn year_stats(placements: &[PlacementFact], hours: &[HoursFact], year: i32) -> YearStats {
    let prefix = format!("{year:04}-");
    let mut in_year: HashMap<(Uuid, Uuid), f64> = HashMap::new();
    let mut years = BTreeSet::new();
    for h in hours {
        if let Some(y) = h.month.get(..4).and_then(|y| y.parse::<i32>().ok()) {
            years.insert(y);
        }
        if h.month.starts_with(&prefix) {
            *in_year.entry((h.worksite_id, h.placement_id)).or_default() += h.hours;
        }
    }
    type Key = (String, String, String, String);
    let mut lines: BTreeMap<Key, (StatLine, BTreeSet<Uuid>)> = BTreeMap::new();
    let mut all_people = BTreeSet::new();
    let mut total = StatLine::default();
    for p in placements {
        for d in [p.start, p.end].into_iter().flatten() {
            years.insert(d.year());
        }
        let h = in_year.get(&(p.worksite_id, p.placement_id)).copied().unwrap_or(0.0);
        let overlaps = p.start.is_some_and(|s| s.year() <= year) && p.end.is_none_or(|e| e.year() >= year);
        if h <= 0.0 && !overlaps {
            continue;
        }
        let key = (p.authority.clone(), p.partner.clone(), p.trade.clone(), p.contract_type.clone());
        let (line, people) = lines.entry(key).or_insert_with(|| {
            (
                StatLine {
                    authority: p.authority.clone(),
                    partner: p.partner.clone(),
                    trade: p.trade.clone(),
                    contract_type: p.contract_type.clone(),
                    ..StatLine::default()
                },
                BTreeSet::new(),
            )
        });
        line.hours += h;
        line.placements += 1;
        people.insert(p.person_id);
        all_people.insert(p.person_id);
        total.hours += h;
        total.placements += 1;
        if p.end.is_some_and(|e| e.year() == year) {
            let outcome = p.end_reason.trim().to_owned();
            *line.outcomes.entry(outcome.clone()).or_default() += 1;
            *total.outcomes.entry(outcome).or_default() += 1;
        }
    }
    total.people = all_people.len();
    let lines = lines
        .into_values()
        .map(|(mut line, people)| {
            line.people = people.len();
            line
        })
        .collect();
    YearStats { year, lines, total, years: years.into_iter().collect() }
}

/// Outcomes as one text: "reason: n, reason: n" (`unstated` names the empty reason).
pub fn outcomes_text(outcomes: &BTreeMap<String, usize>, unstated: &str) -> String {
    outcomes
        .iter()
        .map(|(k, n)| format!("{}: {n}", if k.is_empty() { unstated } else { k.as_str() }))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn fact(n: u128, person: u128, start: (i32, u32), end: Option<(i32, u32)>, reason: &str) -> PlacementFact {
        PlacementFact {
            worksite_id: Uuid::from_u128(1),
            placement_id: Uuid::from_u128(n),
            person_id: Uuid::from_u128(person),
            worksite: "W".into(),
            authority: "Commune".into(),
            contractor: "C".into(),
            advisor: "A".into(),
            person: Some("P".into()),
            trade: "maçon".into(),
            contract_type: "fixed_term".into(),
            partner: "isp".into(),
            start: NaiveDate::from_ymd_opt(start.0, start.1, 1),
            end: end.and_then(|(y, m)| NaiveDate::from_ymd_opt(y, m, 28)),
            weekly_hours: 38.0,
            hours: 0.0,
            end_reason: reason.into(),
        }
    }

    #[test]
    fn one_year_counts_hours_placements_people_and_outcomes() {
        let placements = vec![
            fact(10, 100, (2025, 10), Some((2026, 6)), "CDI"),
            fact(11, 100, (2026, 7), None, ""),
            fact(12, 101, (2024, 1), Some((2024, 12)), "fin"),
        ];
        let hours = vec![
            HoursFact {
                worksite_id: Uuid::from_u128(1),
                placement_id: Uuid::from_u128(10),
                month: "2025-12".into(),
                hours: 100.0,
                source: "payroll".into(),
            },
            HoursFact {
                worksite_id: Uuid::from_u128(1),
                placement_id: Uuid::from_u128(10),
                month: "2026-01".into(),
                hours: 150.5,
                source: "payroll".into(),
            },
        ];
        let s = year_stats(&placements, &hours, 2026);
        assert_eq!(s.lines.len(), 1);
        assert_eq!(s.total.hours, 150.5);
        assert_eq!(s.total.placements, 2);
        assert_eq!(s.total.people, 1);
        assert_eq!(s.total.outcomes.get("CDI"), Some(&1));
        assert_eq!(s.years, vec![2024, 2025, 2026]);
    }
}
