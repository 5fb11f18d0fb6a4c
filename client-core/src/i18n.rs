//! Languages of the apps and how each one writes numbers, hours, percentages, dates and the
//! stored codes (statuses, units, contract types, partner bodies, hours sources, answers…).
//!
//! This is the ONE label table of every stored code: the office pages, the tablet app, the PDFs
//! and the spreadsheet exports all name a code through [`code_label`] (or [`label`] for a typed
//! value), so a contract type reads the same everywhere, in French, Dutch and English.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};

use crate::matching::Reason;
use crate::values::{
    CompanyAnswer, ContractType, CountingUnit, DrivingLicence, HoursSource, MeetingKind, Month, NoteKind, OfferStatus,
    Outcome, PartnerKind, PositionStatus, WorksiteStatus,
};

/// A closed set of stored codes (the enums of [`crate::values`]).
pub trait Coded: Copy {
    /// The stored code.
    fn stored_code(self) -> &'static str;
    /// Every value, in display order.
    fn every() -> &'static [Self];
}

macro_rules! coded {
    ($($t:ty),+) => {
        $(impl Coded for $t {
            fn stored_code(self) -> &'static str { self.code() }
            fn every() -> &'static [Self] { <$t>::ALL }
        })+
    };
}

coded!(
    CountingUnit,
    WorksiteStatus,
    MeetingKind,
    ContractType,
    PartnerKind,
    CompanyAnswer,
    HoursSource,
    PositionStatus,
    OfferStatus,
    NoteKind,
    Outcome,
    DrivingLicence
);

/// The label of a typed code in `lang` (the same as [`code_label`] of its code).
pub fn label<C: Coded>(lang: Lang, value: C) -> &'static str {
    code_label(lang, value.stored_code())
}

/// A month's name and year: fr `mars 2026`, nl `maart 2026`, en `March 2026`.
pub fn format_month(month: Month, lang: Lang) -> String {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const NL: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let names = match lang {
        Lang::Fr => FR,
        Lang::Nl => NL,
        Lang::En => EN,
    };
    format!("{} {}", names[(month.number() as usize + 11) % 12], month.year())
}

/// A month in short form for chart axes: fr `03/26`, nl `03/26`, en `03/26`.
pub fn format_month_short(month: Month) -> String {
    format!("{:02}/{:02}", month.number(), month.year().rem_euclid(100))
}

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Français.
    #[default]
    Fr,
    /// Nederlands.
    Nl,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order of the switch.
    pub const ALL: [Lang; 3] = [Lang::Fr, Lang::Nl, Lang::En];

    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// From a code.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.get(..2)?.to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The label of a stored code (statuses, units, contract types…); the code itself when unknown.
pub fn code_label<'a>(lang: Lang, code: &'a str) -> &'a str {
    let [fr, nl, en] = match code {
        "planned" => ["Planifié", "Gepland", "Planned"],
        "in_progress" => ["En cours", "Lopend", "In progress"],
        "suspended" => ["Suspendu", "Opgeschort", "Suspended"],
        "completed" => ["Terminé", "Afgerond", "Completed"],
        "hours" => ["heures", "uren", "hours"],
        "positions" => ["postes", "functies", "positions"],
        "fixed_term" => ["CDD", "Contract bepaalde duur", "Fixed-term"],
        "permanent" => ["CDI", "Contract onbepaalde duur", "Permanent"],
        "fpi" => ["FPI", "IBO", "Individual training (FPI)"],
        "alternance" => ["Alternance", "Alternerend leren", "Work-study"],
        "transition_placement" => ["Stage de transition", "Instapstage", "Transition placement"],
        "interim" => ["Intérim", "Uitzendarbeid", "Temporary agency work"],
        "other" => ["Autre", "Andere", "Other"],
        "open" => ["Ouvert", "Open", "Open"],
        "filled" => ["Pourvu", "Ingevuld", "Filled"],
        "cancelled" => ["Annulé", "Geannuleerd", "Cancelled"],
        "forwarded" => ["Transmise", "Doorgestuurd", "Forwarded"],
        "closed" => ["Clôturée", "Afgesloten", "Closed"],
        "interview" => ["Entretien", "Gesprek", "Interview"],
        "mediation" => ["Médiation", "Bemiddeling", "Mediation"],
        "follow_up" => ["Suivi", "Opvolging", "Follow-up"],
        "kickoff" => ["Réunion de lancement", "Startvergadering", "Kick-off meeting"],
        "evaluation" => ["Évaluation", "Evaluatie", "Evaluation"],
        "pending" => ["En attente", "In afwachting", "Pending"],
        "hired" => ["Engagé", "Aangeworven", "Hired"],
        "refused" => ["Refusé", "Geweigerd", "Refused"],
        "bruxelles_formation" => ["Bruxelles Formation", "Bruxelles Formation", "Bruxelles Formation"],
        "reference_centre" => ["Centre de référence", "Referentiecentrum", "Reference centre"],
        "isp" => ["Organisme d'insertion (ISP)", "Inschakelingsorganisatie (ISP)", "Integration body (ISP)"],
        "school" => ["École", "School", "School"],
        "training_body" => ["Organisme de formation", "Opleidingsorganisatie", "Training body"],
        "public_employment" => {
            ["Service public de l'emploi", "Openbare arbeidsbemiddeling", "Public employment service"]
        }
        "none" => ["Aucun", "Geen", "None"],
        "b" => ["Permis B", "Rijbewijs B", "Licence B"],
        "c" => ["Permis C", "Rijbewijs C", "Licence C"],
        "ce" => ["Permis CE", "Rijbewijs CE", "Licence CE"],
        "spontaneous" => ["Candidature spontanée", "Spontane kandidatuur", "Spontaneous"],
        "kept_on" => ["Maintenu dans l'entreprise", "Behouden door het bedrijf", "Kept on by the company"],
        "further_training" => ["Formation complémentaire", "Verdere opleiding", "Further training"],
        "job_seeking" => ["Retour à la recherche d'emploi", "Opnieuw werkzoekend", "Back to job seeking"],
        "unknown" => ["Autre ou inconnu", "Andere of onbekend", "Other or unknown"],
        "attendance_sheet" => ["Feuille de présence", "Aanwezigheidslijst", "Attendance sheet"],
        "payroll" => ["Fiche de paie", "Loonfiche", "Payroll"],
        "job_seeker_6_months" => [
            "Chercheur d'emploi inscrit depuis 6 mois au moins",
            "Werkzoekende, minstens 6 maanden ingeschreven",
            "Job seeker registered for at least 6 months",
        ],
        "low_qualification" => [
            "Peu qualifié (sans diplôme du secondaire supérieur)",
            "Laaggeschoold (geen diploma hoger secundair)",
            "Low qualification (no upper secondary diploma)",
        ],
        "brussels_resident" => {
            ["Domicilié en Région bruxelloise", "Woont in het Brussels Gewest", "Lives in the Brussels Region"]
        }
        _ => return code,
    };
    match lang {
        Lang::Fr => fr,
        Lang::Nl => nl,
        Lang::En => en,
    }
}

/// The label of an eligibility flag: its translation when known, else the flag's name in words
/// ("driving_licence" → "driving licence"), never the raw key.
pub fn eligibility_label(lang: Lang, flag: &str) -> String {
    let label = code_label(lang, flag);
    if label == flag { flag.replace('_', " ") } else { label.to_owned() }
}

/// A number rounded to one decimal, the decimal dropped when it is zero, with the language's
/// separators: fr `1 234,5` (narrow no-break space), nl `1.234,5`, en `1,234.5`.
pub fn format_number(value: f64, lang: Lang) -> String {
    let (thousands, decimal) = match lang {
        Lang::Fr => ('\u{202f}', ','),
        Lang::Nl => ('.', ','),
        Lang::En => (',', '.'),
    };
    if !value.is_finite() {
        return "–".to_owned();
    }
    let tenths = (value.abs() * 10.0).round() as u64;
    let (whole, frac) = (tenths / 10, tenths % 10);
    let digits = whole.to_string();
    let mut out = String::new();
    if value < 0.0 && tenths > 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(c);
    }
    if frac != 0 {
        out.push(decimal);
        out.push(char::from(b'0' + frac as u8));
    }
    out
}

/// Hours with the language's separators and unit: fr `1 234,5 h`, nl `1.234,5 u`,
/// en `1,234.5 h` (one decimal at most, dropped when zero).
pub fn format_hours(hours: f64, lang: Lang) -> String {
    let unit = match lang {
        Lang::Nl => "u",
        Lang::Fr | Lang::En => "h",
    };
    format!("{} {unit}", format_number(hours, lang))
}

/// A figure in the unit a clause counts: hours (`1 552 h`), or positions with the word agreeing
/// with the number (`1 poste`, `3 postes`; nl `1 functie`; en `1 position`), a no-break space
/// between. The one spelling for the tablet, the dashboard and the documents.
pub fn format_amount(value: f64, unit: CountingUnit, lang: Lang) -> String {
    match unit {
        CountingUnit::Hours => format_hours(value, lang),
        CountingUnit::Positions => {
            let one = (value.abs() * 10.0).round() == 10.0;
            let word = match (lang, one) {
                (Lang::Fr, true) => "poste",
                (Lang::Fr, false) => "postes",
                (Lang::Nl, true) => "functie",
                (Lang::Nl, false) => "functies",
                (Lang::En, true) => "position",
                (Lang::En, false) => "positions",
            };
            format!("{}\u{a0}{word}", format_number(value, lang))
        }
    }
}

/// A ratio (0.425 for 42.5 %) as a percentage: fr `42,5 %`, nl `42,5%`, en `42.5%`.
pub fn format_percent(ratio: f64, lang: Lang) -> String {
    let n = format_number(ratio * 100.0, lang);
    match lang {
        Lang::Fr => format!("{n} %"),
        Lang::Nl | Lang::En => format!("{n}%"),
    }
}

/// A date: fr `25/11/2026`, nl `25-11-2026`, en `25/11/2026`.
pub fn format_date(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Nl => date.format("%d-%m-%Y").to_string(),
        Lang::Fr | Lang::En => date.format("%d/%m/%Y").to_string(),
    }
}

/// Brussels time (Europe/Brussels: CET, and CEST from the last Sunday of March 01:00 UTC to the
/// last Sunday of October 01:00 UTC, the EU rule in force since 1996).
pub fn brussels(at: DateTime<Utc>) -> NaiveDateTime {
    let year = at.year();
    let last_sunday = |month: u32| {
        let mut d = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or_default();
        while d.weekday() != Weekday::Sun {
            d = d.pred_opt().unwrap_or(d);
        }
        d.and_hms_opt(1, 0, 0).unwrap_or_default().and_utc()
    };
    let summer = at >= last_sunday(3) && at < last_sunday(10);
    (at + Duration::hours(if summer { 2 } else { 1 })).naive_utc()
}

/// "21/11/2026 14:03" in Brussels time, with the language's date form.
pub fn format_brussels(at: DateTime<Utc>, lang: Lang) -> String {
    let local = brussels(at);
    format!("{} {}", format_date(local.date(), lang), local.format("%H:%M"))
}

/// What follows a label: French sets a space before the colon, Dutch and English do not.
pub fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => " : ",
        Lang::Nl | Lang::En => ": ",
    }
}

/// An optional date, "—" when absent.
pub fn format_opt_date(date: Option<NaiveDate>, lang: Lang) -> String {
    date.map_or_else(|| "—".to_owned(), |d| format_date(d, lang))
}

/// How a person a worksite refers to is shown: their name while their person document is there,
/// else (once erased, or on a device that does not hold it) a placeholder that names no one.
pub fn person_name(lang: Lang, name: Option<&str>) -> String {
    match name.map(str::trim) {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => match lang {
            Lang::Fr => "personne effacée",
            Lang::Nl => "gewiste persoon",
            Lang::En => "erased person",
        }
        .to_owned(),
    }
}

/// What an agenda item asks for: fr `Réunion de suivi à tenir`, nl `Opvolgingsvergadering te
/// houden`, en `Follow-up meeting due`.
pub fn agenda_kind_label(lang: Lang, kind: crate::agenda::ItemKind) -> &'static str {
    use crate::agenda::ItemKind;
    let [fr, nl, en] = match kind {
        ItemKind::Kickoff => ["Réunion de lancement à tenir", "Startvergadering te houden", "Kick-off meeting due"],
        ItemKind::FollowUp => ["Réunion de suivi à tenir", "Opvolgingsvergadering te houden", "Follow-up meeting due"],
        ItemKind::Evaluation => {
            ["Évaluation de fin de contrat", "Evaluatie einde contract", "End-of-contract evaluation"]
        }
        ItemKind::OutcomeCheck => ["Contrôle à 6 mois", "Controle na 6 maanden", "Six-month check"],
        ItemKind::Action => ["Action", "Actie", "Action"],
    };
    match lang {
        Lang::Fr => fr,
        Lang::Nl => nl,
        Lang::En => en,
    }
}

/// The heading of a group of the agenda.
pub fn agenda_group_label(lang: Lang, when: crate::agenda::When) -> &'static str {
    use crate::agenda::When;
    let [fr, nl, en] = match when {
        When::Overdue => ["En retard", "Achterstallig", "Overdue"],
        When::Today => ["Aujourd'hui", "Vandaag", "Today"],
        When::ThisWeek => ["Cette semaine", "Deze week", "This week"],
        When::Later => ["Plus tard", "Later", "Later"],
    };
    match lang {
        Lang::Fr => fr,
        Lang::Nl => nl,
        Lang::En => en,
    }
}

/// The label of a partner body that has none: its kind's label, or "partner body not named" when
/// even that is missing. Never a code.
pub fn unnamed_partner(lang: Lang, kind: Option<PartnerKind>) -> String {
    match kind {
        Some(k) => label(lang, k).to_owned(),
        None => match lang {
            Lang::Fr => "organisme non précisé",
            Lang::Nl => "organisatie niet vermeld",
            Lang::En => "partner body not given",
        }
        .to_owned(),
    }
}

/// A matching reason as a short sentence: fr « métier : maçon », « disponible à temps »…
pub fn reason_label(lang: Lang, reason: &Reason) -> String {
    let pick = |fr: &str, nl: &str, en: &str| {
        match lang {
            Lang::Fr => fr,
            Lang::Nl => nl,
            Lang::En => en,
        }
        .to_owned()
    };
    match reason {
        Reason::TradeMatches { trade } => match lang {
            Lang::Fr => format!("métier : {trade}"),
            Lang::Nl => format!("beroep: {trade}"),
            Lang::En => format!("trade: {trade}"),
        },
        Reason::OtherTrade => pick("autre métier", "ander beroep", "other trade"),
        Reason::AvailableInTime => pick("disponible à temps", "tijdig beschikbaar", "available in time"),
        Reason::AvailableLate { from } => match lang {
            Lang::Fr => format!("disponible seulement le {}", format_date(*from, lang)),
            Lang::Nl => format!("pas beschikbaar op {}", format_date(*from, lang)),
            Lang::En => format!("available only from {}", format_date(*from, lang)),
        },
        Reason::AvailabilityUnknown => {
            pick("disponibilité inconnue", "beschikbaarheid onbekend", "availability unknown")
        }
        Reason::HasLicence => pick("permis requis", "vereist rijbewijs", "required licence"),
        Reason::LacksLicence => pick("sans le permis requis", "zonder vereist rijbewijs", "lacks the required licence"),
        Reason::SpeaksLanguage { language } => match lang {
            Lang::Fr => format!("parle {language}"),
            Lang::Nl => format!("spreekt {language}"),
            Lang::En => format!("speaks {language}"),
        },
        Reason::LacksLanguage { language } => match lang {
            Lang::Fr => format!("ne parle pas {language}"),
            Lang::Nl => format!("spreekt geen {language}"),
            Lang::En => format!("does not speak {language}"),
        },
        Reason::InTheirArea => pick("dans sa zone", "in de gewenste regio", "in their area"),
    }
}

/// What the apps say when a worksite's text names one of its people ([`crate::names`]).
pub fn named_person_warning(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Fr => format!(
            "Ce texte nomme {name}, une personne de ce chantier. Un nom écrit dans un chantier ne s'efface jamais : \
             choisissez la personne dans la liste et écrivez ce qui la concerne dans sa fiche."
        ),
        Lang::Nl => format!(
            "Deze tekst noemt {name}, een persoon van deze werf. Een naam in een werf kan nooit gewist worden: \
             kies de persoon in de lijst en schrijf wat hem of haar betreft in zijn of haar fiche."
        ),
        Lang::En => format!(
            "This text names {name}, a person of this worksite. A name written into a worksite can never be erased: \
             pick the person from the list and write what concerns them in their own record."
        ),
    }
}

/// Declares every label of an app as an enum `L`, with `t(lang, label)` giving its text in each
/// language. The three texts are required, so no label can miss a language.
#[macro_export]
macro_rules! labels {
    ($($key:ident => [$fr:expr, $nl:expr, $en:expr]),+ $(,)?) => {
        /// Every label of the app.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum L { $($key),+ }

        /// A label in a language.
        pub fn t(lang: $crate::i18n::Lang, label: L) -> &'static str {
            use $crate::i18n::Lang;
            match label {
                $(L::$key => match lang { Lang::Fr => $fr, Lang::Nl => $nl, Lang::En => $en }),+
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_labelled<C: Coded + 'static>() {
        for lang in Lang::ALL {
            for v in C::every() {
                let code = v.stored_code();
                // An English label may be the code itself ("hours"); French and Dutch never are.
                let shown = label(lang, *v);
                assert!(!shown.is_empty(), "{code} has an empty label in {}", lang.code());
                if lang != Lang::En {
                    assert_ne!(shown, code, "{code} has no label in {}", lang.code());
                }
            }
        }
    }

    #[test]
    fn every_code_has_a_label_in_every_language() {
        all_labelled::<CountingUnit>();
        all_labelled::<WorksiteStatus>();
        all_labelled::<MeetingKind>();
        all_labelled::<ContractType>();
        all_labelled::<PartnerKind>();
        all_labelled::<CompanyAnswer>();
        all_labelled::<HoursSource>();
        all_labelled::<PositionStatus>();
        all_labelled::<OfferStatus>();
        all_labelled::<NoteKind>();
        all_labelled::<Outcome>();
        all_labelled::<DrivingLicence>();
    }

    #[test]
    fn months_are_named() {
        let m = Month::new(2026, 3).unwrap();
        assert_eq!(format_month(m, Lang::Fr), "mars 2026");
        assert_eq!(format_month(m, Lang::Nl), "maart 2026");
        assert_eq!(format_month(Month::new(2026, 12).unwrap(), Lang::En), "December 2026");
        assert_eq!(format_month_short(m), "03/26");
    }

    #[test]
    fn brussels_time_follows_summer_time() {
        use chrono::TimeZone;
        let winter = Utc.with_ymd_and_hms(2026, 11, 21, 13, 3, 0).unwrap();
        assert_eq!(brussels(winter).format("%H:%M").to_string(), "14:03");
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 13, 3, 0).unwrap();
        assert_eq!(brussels(summer).format("%H:%M").to_string(), "15:03");
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(brussels(Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap()).format("%H").to_string(), "01");
        assert_eq!(brussels(Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap()).format("%H").to_string(), "03");
        assert_eq!(brussels(Utc.with_ymd_and_hms(2026, 10, 25, 0, 59, 0).unwrap()).format("%H").to_string(), "02");
        assert_eq!(brussels(Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).unwrap()).format("%H").to_string(), "02");
    }

    #[test]
    fn amounts_name_what_they_count_and_agree_with_the_number() {
        let nb = '\u{a0}';
        assert_eq!(format_amount(1.0, CountingUnit::Positions, Lang::Fr), format!("1{nb}poste"));
        assert_eq!(format_amount(3.0, CountingUnit::Positions, Lang::Fr), format!("3{nb}postes"));
        assert_eq!(format_amount(0.0, CountingUnit::Positions, Lang::Nl), format!("0{nb}functies"));
        assert_eq!(format_amount(1.0, CountingUnit::Positions, Lang::En), format!("1{nb}position"));
        assert_eq!(format_amount(1552.0, CountingUnit::Hours, Lang::Fr), "1\u{202f}552 h");
    }
}
