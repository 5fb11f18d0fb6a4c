//! Domain values: parsed once, valid while they exist.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A value that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {input:?}")]
pub struct ParseValueError {
    /// What was being parsed.
    pub what: &'static str,
    /// The offending input (truncated).
    pub input: String,
}

impl ParseValueError {
    pub(crate) fn new(what: &'static str, input: &str) -> Self {
        Self { what, input: input.chars().take(64).collect() }
    }
}

/// A number of hours (worked, trained, planned): finite, between 0 and 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Hours(f64);

impl Hours {
    /// The largest number of hours Terrain accepts in one value.
    pub const MAX: f64 = 1_000_000.0;

    /// Zero hours.
    pub const ZERO: Hours = Hours(0.0);

    /// Hours from a float, refused when negative, not finite, or absurdly large.
    pub fn new(value: f64) -> Result<Self, ParseValueError> {
        if value.is_finite() && (0.0..=Self::MAX).contains(&value) {
            Ok(Hours(value))
        } else {
            Err(ParseValueError::new("hours", &value.to_string()))
        }
    }

    /// The number of hours.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Hours {
    type Error = ParseValueError;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Hours::new(value)
    }
}

impl From<Hours> for f64 {
    fn from(h: Hours) -> f64 {
        h.0
    }
}

impl FromStr for Hours {
    type Err = ParseValueError;

    /// Accepts "152", "152.5" and the French/Dutch "152,5".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let v: f64 = s.trim().replace(',', ".").parse().map_err(|_| ParseValueError::new("hours", s))?;
        Hours::new(v)
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A calendar month, the unit in which realised hours are reported ("2026-03").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// A month from its year and number (1–12).
    pub fn new(year: i32, month: u32) -> Result<Self, ParseValueError> {
        if (1..=12).contains(&month) && (1900..=9999).contains(&year) {
            Ok(Month { year, month })
        } else {
            Err(ParseValueError::new("month", &format!("{year}-{month}")))
        }
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Self {
        Month { year: date.year(), month: date.month() }
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month number, 1–12.
    pub fn number(self) -> u32 {
        self.month
    }
}

impl FromStr for Month {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseValueError::new("month", s);
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        Month::new(y.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl TryFrom<String> for Month {
    type Error = ParseValueError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

/// Parse a date stored as "YYYY-MM-DD".
pub fn parse_date(s: &str) -> Result<NaiveDate, ParseValueError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ParseValueError::new("date", s))
}

/// Declares a closed set of codes stored as snake_case strings in documents and on the wire.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in documents.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl FromStr for $name {
            type Err = ParseValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(ParseValueError::new($what, s)),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseValueError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.code()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// How a clause objective is counted.
    CountingUnit, "counting unit" {
        /// Hours of work or training.
        Hours => "hours",
        /// Number of positions filled.
        Positions => "positions",
    }
);

code_enum!(
    /// Where a worksite stands.
    WorksiteStatus, "worksite status" {
        /// Contract awarded, works not started.
        Planned => "planned",
        /// Works under way.
        InProgress => "in_progress",
        /// Works stopped for a while.
        Suspended => "suspended",
        /// The clause is fully executed.
        Completed => "completed",
    }
);

code_enum!(
    /// Kinds of meeting an advisor holds.
    MeetingKind, "meeting kind" {
        /// First meeting on site, to learn the works planning.
        Kickoff => "kickoff",
        /// Follow-up on site, about every two months.
        FollowUp => "follow_up",
        /// End-of-contract evaluation ("bilan").
        Evaluation => "evaluation",
        /// On-site mediation when a hire goes wrong.
        Mediation => "mediation",
        /// Anything else.
        Other => "other",
    }
);

code_enum!(
    /// Contract under which a person works on a position.
    ContractType, "contract type" {
        /// Fixed-term employment contract.
        FixedTerm => "fixed_term",
        /// Permanent employment contract.
        Permanent => "permanent",
        /// Individual vocational training in the company (FPI).
        Fpi => "fpi",
        /// Work-study ("alternance").
        Alternance => "alternance",
        /// Transition placement ("stage de transition").
        TransitionPlacement => "transition_placement",
        /// Temporary agency work.
        Interim => "interim",
        /// Anything else.
        Other => "other",
    }
);

code_enum!(
    /// Kinds of partner body that propose candidates.
    PartnerKind, "partner body" {
        /// Bruxelles Formation.
        BruxellesFormation => "bruxelles_formation",
        /// A reference centre (IrisTech, Cenforgil, Centre FAC…).
        ReferenceCentre => "reference_centre",
        /// A socio-professional integration body (ISP / OISP).
        Isp => "isp",
        /// A school.
        School => "school",
        /// Another vocational training body (sector fund, private training centre…).
        TrainingBody => "training_body",
        /// A public employment service (Actiris, VDAB, Forem).
        PublicEmployment => "public_employment",
        /// The candidate came on their own.
        Spontaneous => "spontaneous",
        /// Anything else.
        Other => "other",
    }
);

code_enum!(
    /// A driving licence, in the order of what it covers: a position requiring `b` is met by `b`,
    /// `c` or `ce` (a C licence presupposes a B).
    DrivingLicence, "driving licence" {
        /// No licence (or none required).
        None => "none",
        /// Car (B).
        B => "b",
        /// Lorry (C).
        C => "c",
        /// Lorry with trailer (CE).
        Ce => "ce",
    }
);

code_enum!(
    /// The company's answer to a candidate sent to it.
    CompanyAnswer, "company answer" {
        /// No answer yet.
        Pending => "pending",
        /// Hired.
        Hired => "hired",
        /// Not retained.
        Refused => "refused",
    }
);

code_enum!(
    /// Where a figure of realised hours comes from.
    HoursSource, "hours source" {
        /// An attendance sheet signed on site.
        AttendanceSheet => "attendance_sheet",
        /// The contractor's payroll.
        Payroll => "payroll",
    }
);

code_enum!(
    /// Status of a job description.
    PositionStatus, "position status" {
        /// Looking for candidates.
        Open => "open",
        /// Someone was hired.
        Filled => "filled",
        /// No longer needed.
        Cancelled => "cancelled",
    }
);

code_enum!(
    /// Status of a job offer captured on site.
    OfferStatus, "offer status" {
        /// Captured, not yet passed on.
        Open => "open",
        /// Passed on to Actiris' services.
        Forwarded => "forwarded",
        /// Filled.
        Filled => "filled",
        /// Closed without a hire.
        Closed => "closed",
    }
);

code_enum!(
    /// Kinds of note kept about a person.
    NoteKind, "note kind" {
        /// Motivation interview before sending a candidacy.
        Interview => "interview",
        /// What was said about the person during a mediation.
        Mediation => "mediation",
        /// Follow-up remark.
        FollowUp => "follow_up",
        /// Anything else.
        Other => "other",
    }
);

code_enum!(
    /// Where a person stands after a placement: at its end, and again at the check six months
    /// later.
    Outcome, "outcome" {
        /// Kept on by the company (under the contract recorded with the outcome).
        KeptOn => "kept_on",
        /// Gone on to further training.
        Training => "further_training",
        /// Back to job seeking.
        JobSeeking => "job_seeking",
        /// Anything else, or not known.
        Unknown => "unknown",
    }
);

// By hand: the enum is declared by `code_enum!`, which derives no `Default`.
#[allow(clippy::derivable_impls)]
impl Default for DrivingLicence {
    fn default() -> Self {
        DrivingLicence::None
    }
}

/// A list typed as one line ("maçonnerie, carrelage"): its items trimmed, empty ones dropped,
/// duplicates (once folded) removed, in the order typed. Separators: comma, semicolon, slash.
pub fn split_list(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in s.split([',', ';', '/']).map(str::trim).filter(|i| !i.is_empty()) {
        if !out.iter().any(|o| fold(o) == fold(item)) {
            out.push(item.to_owned());
        }
    }
    out
}

/// A list as stored and shown: its items joined by ", ".
pub fn join_list(items: &[String]) -> String {
    items.join(", ")
}

/// Text folded for comparing what people type: lower case, accents and other marks dropped
/// (any letter Unicode decomposes: é, ş, ă, ț, ễ…, and ø, ł, đ, ı, œ, æ, ß by hand), typographic
/// apostrophes made plain, spaces trimmed and collapsed ("  Élodie  DUPRÉ " and "elodie dupre"
/// fold alike; so do "Ayşe Yılmaz" and "ayse yilmaz"). The one folding of the tablet's search,
/// the dashboard's searches, matching and the erasure confirmation.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'ø' => "o",
            'ł' => "l",
            'đ' => "d",
            'ı' => "i",
            'œ' => "oe",
            'æ' => "ae",
            'ß' => "ss",
            '\u{2019}' | '`' | '´' => "'",
            c if c.is_whitespace() => " ",
            _ => {
                out.extend(std::iter::once(c).nfd().filter(|d| !is_combining_mark(*d)));
                continue;
            }
        };
        if plain == " " && out.ends_with(' ') {
            continue;
        }
        out.push_str(plain);
    }
    out
}

/// The eligibility criteria of the social clause that the apps offer as checkboxes on a person
/// (the document accepts any flag name; these are the ones with labels in every language).
pub const ELIGIBILITY_FLAGS: &[&str] = &["job_seeker_6_months", "low_qualification", "brussels_resident"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_marks_and_spacing() {
        assert_eq!(fold("  Élodie   DUPRÉ "), "elodie dupre");
        assert_eq!(fold("Ayşe Yılmaz"), "ayse yilmaz");
        assert_eq!(fold("Nguyễn Łukasz Ștefan"), "nguyen lukasz stefan");
        assert_eq!(fold("Ele\u{301}onore"), "eleonore", "a decomposed accent folds too");
        assert_ne!(fold("Jean Dupont"), fold("Jean Dupond"));
    }

    #[test]
    fn hours_accept_decimal_comma_and_refuse_nonsense() {
        assert_eq!("152,5".parse::<Hours>().unwrap().get(), 152.5);
        assert_eq!("38".parse::<Hours>().unwrap().get(), 38.0);
        assert!("-1".parse::<Hours>().is_err());
        assert!("NaN".parse::<Hours>().is_err());
        assert!(Hours::new(f64::INFINITY).is_err());
    }

    #[test]
    fn months_round_trip_and_refuse_bad_input() {
        let m: Month = "2026-03".parse().unwrap();
        assert_eq!(m.to_string(), "2026-03");
        assert!("2026-13".parse::<Month>().is_err());
        assert!("2026-3".parse::<Month>().is_err());
        assert!("march".parse::<Month>().is_err());
    }

    #[test]
    fn codes_round_trip() {
        for k in MeetingKind::ALL {
            assert_eq!(k.code().parse::<MeetingKind>().unwrap(), *k);
        }
        assert!("party".parse::<MeetingKind>().is_err());
    }
}
