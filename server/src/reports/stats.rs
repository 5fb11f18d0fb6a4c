//! The service's yearly statistics, per public authority × partner body × trade × contract type:
//! hours realised in the year, placements active in the year, distinct people, the outcomes of
//! the contracts that ended in the year (the structured outcome recorded at the end: kept on,
//! further training, back to job seeking, other or unknown) and the situations found by the
//! six-month checks made in the year. Computed from the projection's facts
//! ([`crate::store::Reports`]), never from documents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Datelike;
use uuid::Uuid;

use terrain_client_core::i18n::{Lang, code_label};

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
    /// Contracts that ended in the year, by outcome code (empty: no outcome recorded).
    pub outcomes: BTreeMap<String, usize>,
    /// Six-month checks made in the year, by the outcome code found.
    pub checks: BTreeMap<String, usize>,
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
        let checked = p.checked_on.is_some_and(|d| d.year() == year) && !p.check_outcome.is_empty();
        if h <= 0.0 && !overlaps && !checked {
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
        if checked {
            *line.checks.entry(p.check_outcome.clone()).or_default() += 1;
            *total.checks.entry(p.check_outcome.clone()).or_default() += 1;
        }
        if h <= 0.0 && !overlaps {
            // Only its check falls in the year: the placement itself is counted in its own years.
            continue;
        }
        line.hours += h;
        line.placements += 1;
        people.insert(p.person_id);
        all_people.insert(p.person_id);
        total.hours += h;
        total.placements += 1;
        if p.end.is_some_and(|e| e.year() == year) {
            *line.outcomes.entry(p.outcome.clone()).or_default() += 1;
            *total.outcomes.entry(p.outcome.clone()).or_default() += 1;
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

/// Outcomes as one text in `lang`: "Kept on by the company: 2, Back to job seeking: 1"
/// (`unstated` names the outcomes not recorded).
pub fn outcomes_text(outcomes: &BTreeMap<String, usize>, unstated: &str, lang: Lang) -> String {
    outcomes
        .iter()
        .map(|(k, n)| format!("{}: {n}", if k.is_empty() { unstated } else { code_label(lang, k) }))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn fact(n: u128, person: u128, start: (i32, u32), end: Option<(i32, u32)>, outcome: &str) -> PlacementFact {
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
            end_reason: "fin".into(),
            outcome: outcome.into(),
            outcome_contract: String::new(),
            check_outcome: String::new(),
            checked_on: None,
        }
    }

    #[test]
    fn one_year_counts_hours_placements_people_and_outcomes() {
        let placements = vec![
            fact(10, 100, (2025, 10), Some((2026, 6)), "kept_on"),
            fact(11, 100, (2026, 7), None, ""),
            fact(12, 101, (2024, 1), Some((2024, 12)), "job_seeking"),
            // Ended in 2025; its six-month check was made in 2026.
            PlacementFact {
                check_outcome: "further_training".into(),
                checked_on: NaiveDate::from_ymd_opt(2026, 2, 3),
                ..fact(13, 102, (2025, 1), Some((2025, 8)), "unknown")
            },
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
        assert_eq!(s.total.outcomes.get("kept_on"), Some(&1));
        assert_eq!(s.total.outcomes.len(), 1, "only the contract that ended in 2026: {:?}", s.total.outcomes);
        assert_eq!(s.total.checks.get("further_training"), Some(&1));
        assert_eq!(
            outcomes_text(&s.total.checks, "?", Lang::En),
            "Further training: 1",
            "checks are counted in the year they were made"
        );
        assert_eq!(s.years, vec![2024, 2025, 2026]);
        let mut unrecorded = BTreeMap::new();
        unrecorded.insert(String::new(), 2);
        unrecorded.insert("kept_on".to_owned(), 1);
        assert_eq!(
            outcomes_text(&unrecorded, "non renseigné", Lang::Fr),
            "non renseigné: 2, Maintenu dans l'entreprise: 1"
        );
    }
}
