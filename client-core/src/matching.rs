//! Matching: the candidate pool ranked by fit for one job description, with the reasons of each
//! rank. Pure and deterministic: the same position and pool give the same list on the tablet
//! (offline, over the people it holds) and on the dashboard (over the whole pool).
//!
//! Each criterion adds or takes points and says why ([`Reason`]):
//!
//! | criterion | met | not met |
//! | --- | --- | --- |
//! | trade (the position's `trade`, else its title, against the candidate's trades) | +40 | −20 |
//! | available by the planned start | +20 | −10 (available later), 0 when either date is unknown |
//! | driving licence, when the position requires one | +15 | −25 |
//! | each language the position requires | +5 | −10 |
//! | preferred area found in the worksite's address | +5 | 0 |
//!
//! Ties are broken by the earlier availability (unknown last), then by the person's id, so the
//! order never depends on the order of the input.

use chrono::NaiveDate;
use serde::Serialize;

use crate::ids::DocumentId;
use crate::model::{Person, Position, Profile};
use crate::values::{DrivingLicence, fold};

/// What a job asks for, from a position and its worksite.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The trade to match: the position's `trade`, else its title.
    pub trade: String,
    /// When the person should start.
    pub planned_start: Option<NaiveDate>,
    /// The licence required (`None`: none).
    pub licence: DrivingLicence,
    /// Languages required.
    pub languages: Vec<String>,
    /// Where the job is (the worksite's address).
    pub place: String,
}

impl Job {
    /// The job of a position on a worksite at `place`.
    pub fn of(position: &Position, place: &str) -> Job {
        let trade = if position.trade.trim().is_empty() { position.title.clone() } else { position.trade.clone() };
        Job {
            trade,
            planned_start: position.planned_start,
            licence: position.licence,
            languages: position.languages.clone(),
            place: place.to_owned(),
        }
    }
}

/// One candidate of the pool: a person and their profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    /// Their person document.
    pub person: DocumentId,
    /// What matching reads.
    pub profile: &'a Profile,
}

impl<'a> Candidate<'a> {
    /// The candidates among `people`: those with a profile.
    pub fn pool(people: &'a [Person]) -> Vec<Candidate<'a>> {
        people.iter().filter_map(|p| p.profile.as_ref().map(|profile| Candidate { person: p.id, profile })).collect()
    }
}

/// Why a candidate ranks where they do, in the order the criteria are weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// One of their trades is the job's.
    TradeMatches {
        /// The candidate's trade that matched.
        trade: String,
    },
    /// None of their trades is the job's.
    OtherTrade,
    /// Available on or before the planned start.
    AvailableInTime,
    /// Available only after the planned start.
    AvailableLate {
        /// From when.
        from: NaiveDate,
    },
    /// Their availability or the planned start is not known.
    AvailabilityUnknown,
    /// They hold the licence the job requires.
    HasLicence,
    /// They lack the licence the job requires.
    LacksLicence,
    /// They speak a language the job requires.
    SpeaksLanguage {
        /// The language, as the position writes it.
        language: String,
    },
    /// They do not speak a language the job requires.
    LacksLanguage {
        /// The language, as the position writes it.
        language: String,
    },
    /// The worksite is in the area they prefer.
    InTheirArea,
}

impl Reason {
    /// Whether the reason counts for the candidate (shown as a plus) or against.
    pub fn is_for(&self) -> bool {
        matches!(
            self,
            Reason::TradeMatches { .. }
                | Reason::AvailableInTime
                | Reason::HasLicence
                | Reason::SpeaksLanguage { .. }
                | Reason::InTheirArea
        )
    }
}

/// One ranked candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    /// Their person document.
    pub person: DocumentId,
    /// The fit: higher is better.
    pub score: i32,
    /// Why, criterion by criterion.
    pub reasons: Vec<Reason>,
    /// When they are available (for the tie-break and the screens).
    pub available_from: Option<NaiveDate>,
}

impl Ranked {
    /// Their trade is the job's.
    pub fn trade_matches(&self) -> bool {
        self.reasons.iter().any(|r| matches!(r, Reason::TradeMatches { .. }))
    }

    /// Nothing says they would be late (available in time, or unknown).
    pub fn available(&self) -> bool {
        !self.reasons.iter().any(|r| matches!(r, Reason::AvailableLate { .. }))
    }

    /// They meet the licence requirement (or there is none).
    pub fn licence_ok(&self) -> bool {
        !self.reasons.contains(&Reason::LacksLicence)
    }
}

/// Which candidates to keep (the dashboard's and the tablet's filters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only those whose trade matches.
    pub trade: bool,
    /// Only those available by the planned start.
    pub available: bool,
    /// Only those who hold the required licence.
    pub licence: bool,
}

impl Filters {
    /// Whether `r` passes.
    pub fn keep(&self, r: &Ranked) -> bool {
        (!self.trade || r.trade_matches()) && (!self.available || r.available()) && (!self.licence || r.licence_ok())
    }
}

/// The words of a folded text.
fn words(s: &str) -> Vec<String> {
    fold(s).split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 1).map(str::to_owned).collect()
}

/// Whether a candidate's trade names the job's: every word of the shorter (folded) is a word of
/// the other or shares its first five letters, its stem, with one ("maçon" and "maçonnerie",
/// "carreleur" and "carrelage", "ouvrier maçon" and "maçonnerie").
fn same_trade(job: &str, theirs: &str) -> bool {
    let (a, b) = (words(job), words(theirs));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    short.iter().all(|w| long.iter().any(|l| l == w || stem(l) == stem(w)))
}

fn stem(w: &str) -> &str {
    match w.char_indices().nth(5) {
        Some((i, _)) => &w[..i],
        None => w,
    }
}

/// The pool ranked for `job`: best first, every candidate kept (filter with [`Filters`]).
pub fn rank(job: &Job, candidates: &[Candidate<'_>]) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = candidates.iter().map(|c| score(job, c)).collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| match (a.available_from, b.available_from) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.person.cmp(&b.person))
    });
    out
}

fn score(job: &Job, c: &Candidate<'_>) -> Ranked {
    let p = c.profile;
    let mut score = 0;
    let mut reasons = Vec::new();
    match p.trades.iter().find(|t| same_trade(&job.trade, t)) {
        Some(t) => {
            score += 40;
            reasons.push(Reason::TradeMatches { trade: t.clone() });
        }
        None => {
            score -= 20;
            reasons.push(Reason::OtherTrade);
        }
    }
    match (p.available_from, job.planned_start) {
        (Some(from), Some(start)) if from <= start => {
            score += 20;
            reasons.push(Reason::AvailableInTime);
        }
        (Some(from), Some(_)) => {
            score -= 10;
            reasons.push(Reason::AvailableLate { from });
        }
        _ => reasons.push(Reason::AvailabilityUnknown),
    }
    if job.licence != DrivingLicence::None {
        if p.licence >= job.licence {
            score += 15;
            reasons.push(Reason::HasLicence);
        } else {
            score -= 25;
            reasons.push(Reason::LacksLicence);
        }
    }
    for language in &job.languages {
        if p.languages.iter().any(|l| fold(l) == fold(language)) {
            score += 5;
            reasons.push(Reason::SpeaksLanguage { language: language.clone() });
        } else {
            score -= 10;
            reasons.push(Reason::LacksLanguage { language: language.clone() });
        }
    }
    let area = fold(&p.area);
    if !area.is_empty() && fold(&job.place).contains(&area) {
        score += 5;
        reasons.push(Reason::InTheirArea);
    }
    Ranked { person: c.person, score, reasons, available_from: p.available_from }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::split_list;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn profile(trades: &str, licence: DrivingLicence, languages: &str, from: Option<&str>, area: &str) -> Profile {
        Profile {
            trades: split_list(trades),
            qualifications: String::new(),
            licence,
            languages: split_list(languages),
            available_from: from.map(day),
            area: area.into(),
        }
    }

    fn job() -> Job {
        Job {
            trade: "Maçonnerie".into(),
            planned_start: Some(day("2026-03-01")),
            licence: DrivingLicence::B,
            languages: split_list("fr"),
            place: "Rue Haute 12, 1000 Bruxelles".into(),
        }
    }

    fn id(n: u128) -> DocumentId {
        DocumentId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn the_pool_is_ranked_by_fit_with_a_reason_for_each_criterion() {
        let profiles = [
            profile("électricité", DrivingLicence::None, "nl", Some("2026-02-01"), ""),
            profile("maçon, carrelage", DrivingLicence::C, "fr, nl", Some("2026-02-15"), "Bruxelles"),
            profile("maconnerie", DrivingLicence::None, "fr", Some("2026-04-01"), ""),
        ];
        let pool: Vec<Candidate> =
            profiles.iter().enumerate().map(|(i, p)| Candidate { person: id(i as u128 + 1), profile: p }).collect();
        let ranked = rank(&job(), &pool);
        assert_eq!(ranked.iter().map(|r| r.person).collect::<Vec<_>>(), vec![id(2), id(3), id(1)]);
        assert_eq!(
            ranked[0].reasons,
            vec![
                Reason::TradeMatches { trade: "maçon".into() },
                Reason::AvailableInTime,
                Reason::HasLicence,
                Reason::SpeaksLanguage { language: "fr".into() },
                Reason::InTheirArea,
            ]
        );
        assert_eq!(ranked[0].score, 40 + 20 + 15 + 5 + 5);
        assert_eq!(
            ranked[1].reasons,
            vec![
                Reason::TradeMatches { trade: "maconnerie".into() },
                Reason::AvailableLate { from: day("2026-04-01") },
                Reason::LacksLicence,
                Reason::SpeaksLanguage { language: "fr".into() },
            ]
        );
        assert_eq!(ranked[2].reasons[0], Reason::OtherTrade);
        assert!(ranked[2].reasons.contains(&Reason::LacksLanguage { language: "fr".into() }));
    }

    #[test]
    fn ties_are_broken_by_availability_then_id_whatever_the_input_order() {
        let early = profile("maçonnerie", DrivingLicence::B, "fr", Some("2026-01-10"), "");
        let late = profile("maçonnerie", DrivingLicence::B, "fr", Some("2026-02-10"), "");
        let same = profile("maçonnerie", DrivingLicence::B, "fr", Some("2026-02-10"), "");
        let mut pool = vec![
            Candidate { person: id(9), profile: &late },
            Candidate { person: id(3), profile: &same },
            Candidate { person: id(7), profile: &early },
        ];
        let first = rank(&job(), &pool);
        pool.reverse();
        let second = rank(&job(), &pool);
        assert_eq!(first, second);
        assert_eq!(first.iter().map(|r| r.person).collect::<Vec<_>>(), vec![id(7), id(3), id(9)]);
        assert!(first.iter().all(|r| r.score == first[0].score));
    }

    #[test]
    fn filters_keep_what_they_say() {
        let fit = profile("maçonnerie", DrivingLicence::B, "fr", Some("2026-01-10"), "");
        let late = profile("maçonnerie", DrivingLicence::None, "fr", Some("2026-05-10"), "");
        let other = profile("peinture", DrivingLicence::Ce, "fr", None, "");
        let pool = [
            Candidate { person: id(1), profile: &fit },
            Candidate { person: id(2), profile: &late },
            Candidate { person: id(3), profile: &other },
        ];
        let ranked = rank(&job(), &pool);
        let kept = |f: Filters| ranked.iter().filter(|r| f.keep(r)).map(|r| r.person).collect::<Vec<_>>();
        assert_eq!(kept(Filters::default()).len(), 3);
        assert_eq!(kept(Filters { trade: true, ..Filters::default() }), vec![id(1), id(2)]);
        assert_eq!(kept(Filters { available: true, ..Filters::default() }), vec![id(1), id(3)]);
        assert_eq!(kept(Filters { licence: true, ..Filters::default() }), vec![id(1), id(3)]);
        assert_eq!(kept(Filters { trade: true, available: true, licence: true }), vec![id(1)]);
    }

    #[test]
    fn a_position_without_a_trade_is_matched_on_its_title_and_no_licence_means_no_licence_reason() {
        let position = Position {
            id: crate::ItemId(uuid::Uuid::from_u128(1)),
            title: "Carreleur".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: crate::values::ContractType::FixedTerm,
            planned_start: None,
            hours_planned: 0.0,
            status: crate::values::PositionStatus::Open,
            trade: String::new(),
            licence: DrivingLicence::None,
            languages: Vec::new(),
        };
        let job = Job::of(&position, "");
        let p = profile("carreleur", DrivingLicence::None, "", None, "");
        let ranked = rank(&job, &[Candidate { person: id(1), profile: &p }]);
        assert_eq!(
            ranked[0].reasons,
            vec![Reason::TradeMatches { trade: "carreleur".into() }, Reason::AvailabilityUnknown]
        );
        assert!(!same_trade("Électricien", "plomberie"));
        assert!(same_trade("Ouvrier maçon", "maçonnerie"));
    }
}
