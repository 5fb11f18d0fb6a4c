//! PDF documents produced by the office dashboard: the periodic progress report sent to the
//! public authority ("note périodique") and the recommendation letter drawn from an
//! end-of-contract evaluation.
//!
//! Everything here is pure: the functions take read documents and return the bytes of a PDF,
//! they never touch the disk, the clock or the network. Text is set in the standard Helvetica
//! and Helvetica-Bold Type1 fonts (not embedded) with `WinAnsiEncoding`, so French and Dutch
//! accented letters render in every reader; characters outside Windows-1252 print as `?`.
//! Lines are wrapped with the Helvetica AFM widths and content flows onto as many A4 pages
//! (2 cm margins) as it needs.
//!
//! The progress report is meant for the public authority: it never names the job seekers.
//! Placements are numbered ("Placement 1, 2…") and only their contract, dates and hours appear.
//!
//! The number and date formatters ([`format_hours`], [`format_date`], [`format_percent`],
//! [`format_number`]) are public so the HTML pages can format figures the same way.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use terrain_client_core::indicators::Indicators;
use terrain_client_core::model::{Evaluation, Person, Worksite};
use terrain_client_core::values::{ContractType, CountingUnit, MeetingKind, Month, WorksiteStatus};

/// The language a document is written in: the dashboard's own.
pub use super::i18n::{Lang, format_date, format_hours, format_number, format_percent};

/// What the progress report is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct ReportFigures<'a> {
    /// The worksite reported on.
    pub worksite: &'a Worksite,
    /// Its indicators, computed for `today`.
    pub indicators: &'a Indicators,
    /// The day the report is drawn up.
    pub today: NaiveDate,
}

fn format_month(month: Month, lang: Lang) -> String {
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
    format!("{} {}", names[(month.number() as usize - 1) % 12], month.year())
}

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

/// Every fixed text of both documents, in one language.
struct Labels {
    report_title: &'static str,
    situation_on: &'static str,
    page: &'static str,
    not_set: &'static str,
    yes: &'static str,
    no: &'static str,
    // Contract section.
    contract: &'static str,
    reference: &'static str,
    lots: &'static str,
    address: &'static str,
    authority: &'static str,
    contractor: &'static str,
    advisor: &'static str,
    status: &'static str,
    period: &'static str,
    from: &'static str,
    to: &'static str,
    // Clause section.
    clause: &'static str,
    unit: &'static str,
    unit_hours: &'static str,
    unit_positions: &'static str,
    objective: &'static str,
    hours_realised: &'static str,
    positions_filled: &'static str,
    share_done: &'static str,
    share_elapsed: &'static str,
    forecast: &'static str,
    recruitment_needed: &'static str,
    recruitment_yes_note: &'static str,
    next_follow_up: &'static str,
    no_kickoff_yet: &'static str,
    overdue_days: &'static str,
    // Placements.
    placements: &'static str,
    placement: &'static str,
    contract_type: &'static str,
    start: &'static str,
    end: &'static str,
    weekly_hours: &'static str,
    total_hours: &'static str,
    no_placements: &'static str,
    ongoing: &'static str,
    privacy_note: &'static str,
    // Hours per month.
    hours_per_month: &'static str,
    month: &'static str,
    hours: &'static str,
    total: &'static str,
    no_hours: &'static str,
    // Meetings and actions.
    meetings_held: &'static str,
    date: &'static str,
    kind: &'static str,
    place: &'static str,
    no_meetings: &'static str,
    open_actions: &'static str,
    action: &'static str,
    who: &'static str,
    due: &'static str,
    no_actions: &'static str,
    // Letter.
    letter_title: &'static str,
    to_whom: &'static str,
    evaluation_of: &'static str,
    consent_missing: &'static str,
    closing: &'static str,
    done_at: &'static str,
    service: &'static str,
}

const FR: Labels = Labels {
    report_title: "Note périodique – clause sociale",
    situation_on: "Situation au",
    page: "Page",
    not_set: "non communiqué",
    yes: "oui",
    no: "non",
    contract: "Marché",
    reference: "Référence du marché",
    lots: "Lots",
    address: "Adresse du chantier",
    authority: "Pouvoir adjudicateur",
    contractor: "Adjudicataire",
    advisor: "Conseiller en charge",
    status: "Statut du chantier",
    period: "Période d'exécution",
    from: "du",
    to: "au",
    clause: "Objectif de la clause sociale",
    unit: "Unité de comptage",
    unit_hours: "heures de travail ou de formation",
    unit_positions: "postes pourvus",
    objective: "Objectif",
    hours_realised: "Heures réalisées",
    positions_filled: "Postes pourvus",
    share_done: "Part de l'objectif atteinte",
    share_elapsed: "Part de la période écoulée",
    forecast: "Prévision au rythme actuel",
    recruitment_needed: "Nouveau recrutement nécessaire",
    recruitment_yes_note: "la prévision reste en deçà de l'objectif",
    next_follow_up: "Prochaine réunion de suivi",
    no_kickoff_yet: "à fixer après la réunion de lancement",
    overdue_days: "jours de retard",
    placements: "Mises à l'emploi",
    placement: "Mise à l'emploi",
    contract_type: "Contrat",
    start: "Début",
    end: "Fin",
    weekly_hours: "h/semaine",
    total_hours: "Total réalisé",
    no_placements: "Aucune mise à l'emploi à ce jour.",
    ongoing: "en cours",
    privacy_note: "Les données personnelles des demandeurs d'emploi ne figurent pas dans ce rapport.",
    hours_per_month: "Heures réalisées par mois",
    month: "Mois",
    hours: "Heures",
    total: "Total",
    no_hours: "Aucune heure encodée à ce jour.",
    meetings_held: "Réunions tenues",
    date: "Date",
    kind: "Type",
    place: "Lieu",
    no_meetings: "Aucune réunion tenue à ce jour.",
    open_actions: "Actions en cours",
    action: "Action",
    who: "Responsable",
    due: "Échéance",
    no_actions: "Aucune action en cours.",
    letter_title: "Lettre de recommandation",
    to_whom: "À qui de droit,",
    evaluation_of: "Évaluation établie le",
    consent_missing: "Aucun consentement n'a été enregistré : cette évaluation ne peut pas être transmise.",
    closing: "Nous restons à votre disposition pour tout renseignement complémentaire et vous prions \
              d'agréer nos salutations distinguées.",
    done_at: "Fait à Bruxelles, le",
    service: "Service des clauses sociales",
};

const NL: Labels = Labels {
    report_title: "Periodiek verslag – sociale clausule",
    situation_on: "Stand van zaken op",
    page: "Pagina",
    not_set: "niet meegedeeld",
    yes: "ja",
    no: "nee",
    contract: "Opdracht",
    reference: "Referentie van de opdracht",
    lots: "Percelen",
    address: "Adres van de werf",
    authority: "Aanbestedende overheid",
    contractor: "Opdrachtnemer",
    advisor: "Verantwoordelijke consulent",
    status: "Status van de werf",
    period: "Uitvoeringsperiode",
    from: "van",
    to: "tot",
    clause: "Doelstelling van de sociale clausule",
    unit: "Telleenheid",
    unit_hours: "uren werk of opleiding",
    unit_positions: "ingevulde betrekkingen",
    objective: "Doelstelling",
    hours_realised: "Gerealiseerde uren",
    positions_filled: "Ingevulde betrekkingen",
    share_done: "Behaald deel van de doelstelling",
    share_elapsed: "Verstreken deel van de periode",
    forecast: "Prognose aan het huidige tempo",
    recruitment_needed: "Nieuwe aanwerving nodig",
    recruitment_yes_note: "de prognose blijft onder de doelstelling",
    next_follow_up: "Volgende opvolgingsvergadering",
    no_kickoff_yet: "vast te leggen na de startvergadering",
    overdue_days: "dagen achterstand",
    placements: "Tewerkstellingen",
    placement: "Tewerkstelling",
    contract_type: "Contract",
    start: "Begin",
    end: "Einde",
    weekly_hours: "u/week",
    total_hours: "Totaal gerealiseerd",
    no_placements: "Tot op heden geen tewerkstellingen.",
    ongoing: "lopend",
    privacy_note: "De persoonsgegevens van de werkzoekenden zijn niet in dit verslag opgenomen.",
    hours_per_month: "Gerealiseerde uren per maand",
    month: "Maand",
    hours: "Uren",
    total: "Totaal",
    no_hours: "Tot op heden geen uren ingevoerd.",
    meetings_held: "Gehouden vergaderingen",
    date: "Datum",
    kind: "Soort",
    place: "Plaats",
    no_meetings: "Tot op heden geen vergaderingen gehouden.",
    open_actions: "Lopende acties",
    action: "Actie",
    who: "Verantwoordelijke",
    due: "Termijn",
    no_actions: "Geen lopende acties.",
    letter_title: "Aanbevelingsbrief",
    to_whom: "Aan wie het aanbelangt,",
    evaluation_of: "Evaluatie opgesteld op",
    consent_missing: "Er werd geen toestemming geregistreerd: deze evaluatie mag niet worden doorgegeven.",
    closing: "Voor verdere inlichtingen staan wij steeds tot uw beschikking. Met vriendelijke groeten.",
    done_at: "Opgemaakt te Brussel op",
    service: "Dienst sociale clausules",
};

const EN: Labels = Labels {
    report_title: "Periodic report – social clause",
    situation_on: "Situation as of",
    page: "Page",
    not_set: "not provided",
    yes: "yes",
    no: "no",
    contract: "Contract",
    reference: "Contract reference",
    lots: "Lots",
    address: "Worksite address",
    authority: "Contracting authority",
    contractor: "Contractor",
    advisor: "Advisor in charge",
    status: "Worksite status",
    period: "Performance period",
    from: "from",
    to: "to",
    clause: "Social clause objective",
    unit: "Counting unit",
    unit_hours: "hours of work or training",
    unit_positions: "positions filled",
    objective: "Objective",
    hours_realised: "Hours realised",
    positions_filled: "Positions filled",
    share_done: "Share of the objective achieved",
    share_elapsed: "Share of the period elapsed",
    forecast: "Forecast at the current pace",
    recruitment_needed: "New recruitment needed",
    recruitment_yes_note: "the forecast falls short of the objective",
    next_follow_up: "Next follow-up meeting due",
    no_kickoff_yet: "to be set after the kick-off meeting",
    overdue_days: "days overdue",
    placements: "Placements",
    placement: "Placement",
    contract_type: "Contract",
    start: "Start",
    end: "End",
    weekly_hours: "h/week",
    total_hours: "Total realised",
    no_placements: "No placements so far.",
    ongoing: "ongoing",
    privacy_note: "Job seekers' personal data are not included in this report.",
    hours_per_month: "Hours realised per month",
    month: "Month",
    hours: "Hours",
    total: "Total",
    no_hours: "No hours recorded so far.",
    meetings_held: "Meetings held",
    date: "Date",
    kind: "Kind",
    place: "Place",
    no_meetings: "No meetings held so far.",
    open_actions: "Open actions",
    action: "Action",
    who: "Responsible",
    due: "Due",
    no_actions: "No open actions.",
    letter_title: "Letter of recommendation",
    to_whom: "To whom it may concern,",
    evaluation_of: "Evaluation drawn up on",
    consent_missing: "No consent has been recorded: this evaluation must not be passed on.",
    closing: "We remain at your disposal for any further information. Yours faithfully,",
    done_at: "Brussels,",
    service: "Social clause service",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Fr => &FR,
        Lang::Nl => &NL,
        Lang::En => &EN,
    }
}

fn contract_label(c: ContractType, lang: Lang) -> &'static str {
    use ContractType::*;
    match (lang, c) {
        (Lang::Fr, FixedTerm) => "CDD",
        (Lang::Fr, Permanent) => "CDI",
        (Lang::Fr, Fpi) => "FPI",
        (Lang::Fr, Alternance) => "Alternance",
        (Lang::Fr, TransitionPlacement) => "Stage de transition",
        (Lang::Fr, Interim) => "Intérim",
        (Lang::Fr, Other) => "Autre",
        (Lang::Nl, FixedTerm) => "Bepaalde duur",
        (Lang::Nl, Permanent) => "Onbepaalde duur",
        (Lang::Nl, Fpi) => "IBO",
        (Lang::Nl, Alternance) => "Duaal leren",
        (Lang::Nl, TransitionPlacement) => "Transitiestage",
        (Lang::Nl, Interim) => "Uitzendarbeid",
        (Lang::Nl, Other) => "Andere",
        (Lang::En, FixedTerm) => "Fixed-term",
        (Lang::En, Permanent) => "Permanent",
        (Lang::En, Fpi) => "In-company training (FPI)",
        (Lang::En, Alternance) => "Work-study",
        (Lang::En, TransitionPlacement) => "Transition placement",
        (Lang::En, Interim) => "Agency work",
        (Lang::En, Other) => "Other",
    }
}

fn meeting_label(k: MeetingKind, lang: Lang) -> &'static str {
    use MeetingKind::*;
    match (lang, k) {
        (Lang::Fr, Kickoff) => "Réunion de lancement",
        (Lang::Fr, FollowUp) => "Réunion de suivi",
        (Lang::Fr, Evaluation) => "Évaluation (bilan)",
        (Lang::Fr, Mediation) => "Médiation",
        (Lang::Fr, Other) => "Autre",
        (Lang::Nl, Kickoff) => "Startvergadering",
        (Lang::Nl, FollowUp) => "Opvolgingsvergadering",
        (Lang::Nl, Evaluation) => "Evaluatie",
        (Lang::Nl, Mediation) => "Bemiddeling",
        (Lang::Nl, Other) => "Andere",
        (Lang::En, Kickoff) => "Kick-off meeting",
        (Lang::En, FollowUp) => "Follow-up meeting",
        (Lang::En, Evaluation) => "Evaluation",
        (Lang::En, Mediation) => "Mediation",
        (Lang::En, Other) => "Other",
    }
}

fn status_label(s: WorksiteStatus, lang: Lang) -> &'static str {
    use WorksiteStatus::*;
    match (lang, s) {
        (Lang::Fr, Planned) => "Planifié",
        (Lang::Fr, InProgress) => "En cours",
        (Lang::Fr, Suspended) => "Suspendu",
        (Lang::Fr, Completed) => "Terminé",
        (Lang::Nl, Planned) => "Gepland",
        (Lang::Nl, InProgress) => "Lopend",
        (Lang::Nl, Suspended) => "Opgeschort",
        (Lang::Nl, Completed) => "Afgerond",
        (Lang::En, Planned) => "Planned",
        (Lang::En, InProgress) => "In progress",
        (Lang::En, Suspended) => "Suspended",
        (Lang::En, Completed) => "Completed",
    }
}

fn format_positions(n: f64, lang: Lang) -> String {
    let one = (n - 1.0).abs() < 1e-9;
    let word = match (lang, one) {
        (Lang::Fr, true) => "poste",
        (Lang::Fr, false) => "postes",
        (Lang::Nl, true) => "betrekking",
        (Lang::Nl, false) => "betrekkingen",
        (Lang::En, true) => "position",
        (Lang::En, false) => "positions",
    };
    format!("{} {word}", format_number(n, lang))
}

fn format_in_unit(value: f64, unit: CountingUnit, lang: Lang) -> String {
    match unit {
        CountingUnit::Hours => format_hours(value, lang),
        CountingUnit::Positions => format_positions(value, lang),
    }
}

fn date_or(date: Option<NaiveDate>, lang: Lang) -> String {
    date.map_or_else(|| labels(lang).not_set.to_owned(), |d| format_date(d, lang))
}

fn or_not_set(s: &str, lang: Lang) -> String {
    if s.trim().is_empty() { labels(lang).not_set.to_owned() } else { s.trim().to_owned() }
}

fn party_text(name: &str, contact: &str, lang: Lang) -> String {
    match (name.trim().is_empty(), contact.trim().is_empty()) {
        (false, false) => format!("{} ({})", name.trim(), contact.trim()),
        (false, true) => name.trim().to_owned(),
        (true, false) => contact.trim().to_owned(),
        (true, true) => labels(lang).not_set.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// The two documents
// ---------------------------------------------------------------------------------------------

/// The periodic progress report for the public authority, in `lang`. Job seekers are never
/// named: placements are numbered.
pub fn progress_report(f: &ReportFigures, lang: Lang) -> Vec<u8> {
    let l = labels(lang);
    let w = f.worksite;
    let ind = f.indicators;
    let mut doc = Layout::new();

    doc.title(l.report_title);
    doc.subtitle(&or_not_set(&w.name, lang));
    doc.paragraph(&format!("{} {}", l.situation_on, format_date(f.today, lang)), Font::Regular, BODY);
    doc.gap(6.0);

    doc.heading(l.contract);
    doc.field(l.reference, &or_not_set(&w.contract_reference, lang));
    if !w.lots.trim().is_empty() {
        doc.field(l.lots, w.lots.trim());
    }
    if !w.address.trim().is_empty() {
        doc.field(l.address, w.address.trim());
    }
    doc.field(l.authority, &party_text(&w.authority.name, &w.authority.contact, lang));
    doc.field(l.contractor, &party_text(&w.contractor.name, &w.contractor.contact, lang));
    doc.field(l.advisor, &or_not_set(&w.advisor, lang));
    doc.field(l.status, status_label(w.status, lang));
    doc.field(
        l.period,
        &format!("{} {} {} {}", l.from, date_or(w.order_to_start, lang), l.to, date_or(w.deadline(), lang)),
    );

    let unit = w.clause.unit;
    let hours_realised: f64 = w.placements.iter().map(|p| p.total_hours()).sum();
    doc.heading(l.clause);
    doc.field(
        l.unit,
        match unit {
            CountingUnit::Hours => l.unit_hours,
            CountingUnit::Positions => l.unit_positions,
        },
    );
    doc.field(l.objective, &format_in_unit(ind.objective, unit, lang));
    match unit {
        CountingUnit::Hours => doc.field(l.hours_realised, &format_hours(ind.realised, lang)),
        CountingUnit::Positions => {
            doc.field(l.positions_filled, &format_positions(ind.realised, lang));
            doc.field(l.hours_realised, &format_hours(hours_realised, lang));
        }
    }
    doc.field(l.share_done, &format_percent(ind.done_ratio, lang));
    doc.field(l.share_elapsed, &format_percent(ind.elapsed_ratio, lang));
    doc.field(l.forecast, &format_in_unit(ind.forecast, unit, lang));
    let recruitment =
        if ind.recruitment_needed { format!("{} – {}", l.yes, l.recruitment_yes_note) } else { l.no.to_owned() };
    doc.field(l.recruitment_needed, &recruitment);
    let follow_up = match ind.next_follow_up_due {
        Some(d) if ind.follow_up_overdue() => {
            format!(
                "{} ({} {})",
                format_date(d, lang),
                format_number(ind.follow_up_overdue_days as f64, lang),
                l.overdue_days
            )
        }
        Some(d) => format_date(d, lang),
        None => l.no_kickoff_yet.to_owned(),
    };
    doc.field(l.next_follow_up, &follow_up);

    doc.heading(l.placements);
    if w.placements.is_empty() {
        doc.paragraph(l.no_placements, Font::Regular, BODY);
    } else {
        let rows = w
            .placements
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    format!("{} {}", l.placement, i + 1),
                    contract_label(p.contract_type, lang).to_owned(),
                    date_or(p.start, lang),
                    p.end.map_or_else(|| l.ongoing.to_owned(), |d| format_date(d, lang)),
                    format_hours(p.weekly_hours.get(), lang),
                    format_hours(p.total_hours(), lang),
                ]
            })
            .collect::<Vec<_>>();
        doc.table(
            &[
                Column::left(l.placement, 0.21),
                Column::left(l.contract_type, 0.21),
                Column::left(l.start, 0.14),
                Column::left(l.end, 0.14),
                Column::right(l.weekly_hours, 0.13),
                Column::right(l.total_hours, 0.17),
            ],
            &rows,
        );
    }
    doc.gap(2.0);
    doc.paragraph(l.privacy_note, Font::Regular, SMALL);

    doc.heading(l.hours_per_month);
    let mut per_month: BTreeMap<Month, f64> = BTreeMap::new();
    for p in &w.placements {
        for h in &p.hours {
            *per_month.entry(h.month).or_default() += h.hours.get();
        }
    }
    if per_month.is_empty() {
        doc.paragraph(l.no_hours, Font::Regular, BODY);
    } else {
        let mut rows: Vec<Vec<String>> =
            per_month.iter().map(|(m, h)| vec![format_month(*m, lang), format_hours(*h, lang)]).collect();
        rows.push(vec![l.total.to_owned(), format_hours(per_month.values().sum(), lang)]);
        doc.table(&[Column::left(l.month, 0.35), Column::right(l.hours, 0.25)], &rows);
    }

    doc.heading(l.meetings_held);
    let held: Vec<_> = w.meetings.iter().filter(|m| m.date.is_some_and(|d| d <= f.today)).collect();
    if held.is_empty() {
        doc.paragraph(l.no_meetings, Font::Regular, BODY);
    } else {
        let rows = held
            .iter()
            .map(|m| vec![date_or(m.date, lang), meeting_label(m.kind, lang).to_owned(), m.place.trim().to_owned()])
            .collect::<Vec<_>>();
        doc.table(&[Column::left(l.date, 0.18), Column::left(l.kind, 0.32), Column::left(l.place, 0.50)], &rows);
    }

    doc.heading(l.open_actions);
    let mut open: Vec<_> = w.meetings.iter().flat_map(|m| m.actions.iter()).filter(|a| !a.done).collect();
    open.sort_by_key(|a| (a.due.is_none(), a.due));
    if open.is_empty() {
        doc.paragraph(l.no_actions, Font::Regular, BODY);
    } else {
        let rows = open
            .iter()
            .map(|a| {
                vec![
                    a.what.trim().to_owned(),
                    a.who.trim().to_owned(),
                    a.due.map(|d| format_date(d, lang)).unwrap_or_default(),
                ]
            })
            .collect::<Vec<_>>();
        doc.table(&[Column::left(l.action, 0.58), Column::left(l.who, 0.24), Column::left(l.due, 0.18)], &rows);
    }

    let title = format!("{} – {}", l.report_title, w.name.trim());
    doc.render(&title, l.page)
}

/// A recommendation letter built from an end-of-contract evaluation, in `lang`. The worksite,
/// when known, gives the site name and the role held (through the evaluated placement).
pub fn recommendation_letter(
    person: &Person,
    evaluation: &Evaluation,
    worksite: Option<&Worksite>,
    lang: Lang,
    today: NaiveDate,
) -> Vec<u8> {
    let l = labels(lang);
    let name = person.display_name();
    let placement = worksite.zip(evaluation.placement).and_then(|(w, id)| w.placement(id));
    let role = worksite
        .zip(placement)
        .and_then(|(w, p)| w.positions.iter().find(|pos| pos.id == p.position))
        .map(|pos| pos.title.trim().to_owned())
        .filter(|t| !t.is_empty());
    let site = worksite.map(|w| w.name.trim().to_owned()).filter(|n| !n.is_empty());
    let period = placement.and_then(|p| Some((p.start?, p.end?)));

    let mut doc = Layout::new();
    doc.title(l.letter_title);
    doc.gap(10.0);
    doc.paragraph(l.to_whom, Font::Regular, LETTER);
    doc.gap(6.0);

    let mut intro = match lang {
        Lang::Fr => format!("Nous avons le plaisir de recommander {name}"),
        Lang::Nl => format!("Met genoegen bevelen wij {name} aan"),
        Lang::En => format!("We are pleased to recommend {name}"),
    };
    match (&site, &role) {
        (Some(s), Some(r)) => intro.push_str(&match lang {
            Lang::Fr => format!(", qui a travaillé sur le chantier « {s} » en qualité de {r}"),
            Lang::Nl => format!(", die op de werf „{s}” heeft gewerkt als {r}"),
            Lang::En => format!(", who worked on the “{s}” worksite as {r}"),
        }),
        (Some(s), None) => intro.push_str(&match lang {
            Lang::Fr => format!(", qui a travaillé sur le chantier « {s} »"),
            Lang::Nl => format!(", die op de werf „{s}” heeft gewerkt"),
            Lang::En => format!(", who worked on the “{s}” worksite"),
        }),
        (None, Some(r)) => intro.push_str(&match lang {
            Lang::Fr => format!(", qui a travaillé en qualité de {r}"),
            Lang::Nl => format!(", die heeft gewerkt als {r}"),
            Lang::En => format!(", who worked as {r}"),
        }),
        (None, None) => intro.push_str(match lang {
            Lang::Fr => ", que nous avons accompagné dans le cadre d'une clause sociale",
            Lang::Nl => ", die wij in het kader van een sociale clausule hebben begeleid",
            Lang::En => ", whom we supported under a social clause",
        }),
    }
    if let Some((start, end)) = period {
        let (s, e) = (format_date(start, lang), format_date(end, lang));
        intro.push_str(&match lang {
            Lang::Fr => format!(", du {s} au {e}"),
            Lang::Nl => format!(", van {s} tot {e}"),
            Lang::En => format!(", from {s} to {e}"),
        });
    }
    intro.push('.');
    doc.paragraph(&intro, Font::Regular, LETTER);
    doc.gap(6.0);

    let lead = match lang {
        Lang::Fr => "Voici l'évaluation établie à l'issue de son contrat :",
        Lang::Nl => "Hieronder volgt de evaluatie die op het einde van het contract werd opgesteld:",
        Lang::En => "Below is the evaluation drawn up at the end of the contract:",
    };
    doc.paragraph(lead, Font::Regular, LETTER);
    doc.gap(4.0);
    doc.indented(evaluation.text.trim(), Font::Regular, LETTER, 18.0);
    if let Some(d) = evaluation.date {
        doc.gap(2.0);
        doc.indented(&format!("{} {}", l.evaluation_of, format_date(d, lang)), Font::Regular, SMALL, 18.0);
    }
    doc.gap(8.0);
    doc.paragraph(l.closing, Font::Regular, LETTER);
    doc.gap(10.0);
    doc.paragraph(&format!("{} {}", l.done_at, format_date(today, lang)), Font::Regular, LETTER);
    doc.gap(18.0);
    if let Some(advisor) = worksite.map(|w| w.advisor.trim()).filter(|a| !a.is_empty()) {
        doc.paragraph(advisor, Font::Bold, LETTER);
    }
    doc.paragraph(l.service, Font::Regular, LETTER);
    doc.gap(16.0);
    let consent = match &evaluation.consent {
        Some(c) => {
            let by = or_not_set(&c.recorded_by, lang);
            let on = format_date(c.recorded_on, lang);
            match lang {
                Lang::Fr => format!("Consentement à l'utilisation de cette évaluation enregistré par {by} le {on}."),
                Lang::Nl => format!("Toestemming voor het gebruik van deze evaluatie geregistreerd door {by} op {on}."),
                Lang::En => format!("Consent to the use of this evaluation recorded by {by} on {on}."),
            }
        }
        None => l.consent_missing.to_owned(),
    };
    doc.paragraph(&consent, Font::Regular, SMALL);

    let title = format!("{} – {}", l.letter_title, name);
    doc.render(&title, l.page)
}

/// The access export of one person (right of access): everything Terrain holds about them, in
/// the reader's language. Unlike the progress report, this one names the person: it is for them.
pub fn access_export(export: &crate::privacy::PersonExport, lang: Lang) -> Vec<u8> {
    use super::i18n::{L, code_label, format_opt_date, t};
    let l = labels(lang);
    let p = &export.person;
    let name = if p.display_name().is_empty() { t(lang, L::Unnamed).to_owned() } else { p.display_name() };
    let yes_no = |b: bool| if b { l.yes } else { l.no };

    let mut doc = Layout::new();
    doc.title(t(lang, L::AccessExport));
    doc.subtitle(&name);
    doc.paragraph(
        &format!("{} {}", t(lang, L::ExportedOn), format_date(export.exported_at.date_naive(), lang)),
        Font::Regular,
        SMALL,
    );

    doc.heading(t(lang, L::Person));
    doc.field(t(lang, L::Name), &or_not_set(&p.display_name(), lang));
    doc.field(t(lang, L::Phone), &or_not_set(&p.phone, lang));
    doc.field(t(lang, L::Email), &or_not_set(&p.email, lang));
    let partner = if p.partner_name.is_empty() {
        code_label(lang, p.partner_kind.code()).to_owned()
    } else {
        p.partner_name.clone()
    };
    doc.field(t(lang, L::PartnerBody), &partner);
    for (flag, value) in &p.eligibility {
        doc.field(&format!("{} · {flag}", t(lang, L::Eligibility)), yes_no(*value));
    }
    doc.field(t(lang, L::RetentionDate), &format_opt_date(export.retention_date, lang));

    doc.heading(t(lang, L::Notes));
    if p.notes.is_empty() {
        doc.paragraph(t(lang, L::Nothing), Font::Regular, BODY);
    }
    for n in &p.notes {
        doc.paragraph(
            &format!("{} · {}", code_label(lang, n.kind.code()), format_opt_date(n.date, lang)),
            Font::Bold,
            BODY,
        );
        doc.indented(n.text.trim(), Font::Regular, BODY, 12.0);
        doc.gap(4.0);
    }

    doc.heading(t(lang, L::Evaluations));
    if p.evaluations.is_empty() {
        doc.paragraph(t(lang, L::Nothing), Font::Regular, BODY);
    }
    for e in &p.evaluations {
        doc.paragraph(&format_opt_date(e.date, lang), Font::Bold, BODY);
        doc.indented(e.text.trim(), Font::Regular, BODY, 12.0);
        let consent = match &e.consent {
            Some(c) => format!(
                "{} {} {} {} {}",
                t(lang, L::Consent),
                t(lang, L::ConsentRecordedBy),
                or_not_set(&c.recorded_by, lang),
                t(lang, L::ConsentOn),
                format_date(c.recorded_on, lang)
            ),
            None => t(lang, L::ConsentMissing).to_owned(),
        };
        doc.indented(&consent, Font::Regular, SMALL, 12.0);
        doc.gap(4.0);
    }

    doc.heading(t(lang, L::Placements));
    if export.worksites.is_empty() {
        doc.paragraph(t(lang, L::Nothing), Font::Regular, BODY);
    }
    for w in &export.worksites {
        doc.subtitle(&w.name);
        if !w.placements.is_empty() {
            let rows: Vec<Vec<String>> = w
                .placements
                .iter()
                .map(|pl| {
                    vec![
                        pl.position_title.clone(),
                        contract_label(pl.placement.contract_type, lang).to_owned(),
                        date_or(pl.placement.start, lang),
                        date_or(pl.placement.end, lang),
                        format_hours(pl.placement.total_hours(), lang),
                    ]
                })
                .collect();
            doc.table(
                &[
                    Column::left(t(lang, L::Position), 0.3),
                    Column::left(l.contract_type, 0.2),
                    Column::left(t(lang, L::Start), 0.15),
                    Column::left(t(lang, L::End), 0.15),
                    Column::right(t(lang, L::HoursRealised), 0.2),
                ],
                &rows,
            );
            for pl in &w.placements {
                if !pl.placement.hours.is_empty() {
                    let rows: Vec<Vec<String>> = pl
                        .placement
                        .hours
                        .iter()
                        .map(|h| vec![format_month(h.month, lang), format_hours(h.hours.get(), lang)])
                        .collect();
                    doc.table(&[Column::left(l.month, 0.5), Column::right(l.hours, 0.5)], &rows);
                }
            }
        }
        if !w.referrals.is_empty() {
            let rows: Vec<Vec<String>> = w
                .referrals
                .iter()
                .map(|r| {
                    vec![
                        date_or(r.proposed_on, lang),
                        r.partner_label(),
                        code_label(lang, r.company_answer.code()).to_owned(),
                    ]
                })
                .collect();
            doc.table(
                &[
                    Column::left(t(lang, L::ProposedOn), 0.3),
                    Column::left(t(lang, L::PartnerBody), 0.4),
                    Column::left(t(lang, L::CompanyAnswer), 0.3),
                ],
                &rows,
            );
        }
    }

    doc.heading(t(lang, L::RecordHistory));
    let rows: Vec<Vec<String>> = export
        .history
        .iter()
        .map(|h| {
            vec![
                format_date(h.received_at.date_naive(), lang),
                h.user_name.clone().unwrap_or_default(),
                h.device_name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    doc.table(
        &[
            Column::left(t(lang, L::ReceivedByServer), 0.3),
            Column::left(t(lang, L::Who), 0.35),
            Column::left(t(lang, L::Device), 0.35),
        ],
        &rows,
    );

    let title = format!("{} – {}", t(lang, L::AccessExport), name);
    doc.render(&title, l.page)
}

// ---------------------------------------------------------------------------------------------
// Text encoding and measuring
// ---------------------------------------------------------------------------------------------

/// Encode text to Windows-1252 (the PDF `WinAnsiEncoding`): control characters become spaces,
/// characters outside the code page become `?`.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars().map(win_ansi_byte).collect()
}

fn win_ansi_byte(c: char) -> u8 {
    let u = c as u32;
    match u {
        0x20..=0x7E | 0xA0..=0xFF => u as u8,
        0x09 | 0x0A | 0x0D => b' ',
        0x2007 | 0x2009 | 0x202F => 0xA0,
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' | '‐' | '‑' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            _ => b'?',
        },
    }
}

/// Helvetica widths (1/1000 em) for WinAnsi codes 32–126, from the Adobe AFM.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 32–47
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 48–63
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 64–79
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 80–95
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 96–111
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 112–126
];

/// Helvetica-Bold widths (1/1000 em) for WinAnsi codes 32–126, from the Adobe AFM.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 32–47
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 48–63
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 64–79
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 80–95
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 96–111
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // 112–126
];

/// Width of one WinAnsi byte: the AFM width for ASCII, the base letter's for accented Latin-1
/// letters, an estimate otherwise.
fn byte_width(b: u8, font: Font) -> u16 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
    };
    let base = match b {
        0x20..=0x7E => return table[(b - 0x20) as usize],
        0xC0..=0xC5 => b'A',
        0xC7 => b'C',
        0xC8..=0xCB => b'E',
        0xCC..=0xCF => b'I',
        0xD1 => b'N',
        0xD2..=0xD6 | 0xD8 => b'O',
        0xD9..=0xDC => b'U',
        0xDD | 0x9F => b'Y',
        0xE0..=0xE5 => b'a',
        0xE7 => b'c',
        0xE8..=0xEB => b'e',
        0xEC..=0xEF => b'i',
        0xF1 => b'n',
        0xF2..=0xF6 | 0xF8 => b'o',
        0xF9..=0xFC => b'u',
        0xFD | 0xFF => b'y',
        0x8A => b'S',
        0x9A => b's',
        0xA0 => b' ',
        0x96 => return 556,
        0x85 | 0x97 | 0x89 | 0x8C | 0xC6 => return 1000,
        _ => return 600,
    };
    // Accented letters: at least as wide as the dotless base (i is wider with an accent mark
    // in the regular face, 278 instead of 222).
    table[(base - 0x20) as usize].max(if base == b'i' { 278 } else { 0 })
}

fn text_width(bytes: &[u8], font: Font, size: f32) -> f32 {
    bytes.iter().map(|b| f32::from(byte_width(*b, font))).sum::<f32>() * size / 1000.0
}

/// Wrap text to `width` points: greedy on spaces, words longer than a line are cut. Each
/// newline starts a new line; empty lines are kept. Returns WinAnsi-encoded lines.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let para = para.trim_end_matches('\r');
        let mut line: Vec<u8> = Vec::new();
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let word = win_ansi(word);
            let candidate_width = if line.is_empty() {
                text_width(&word, font, size)
            } else {
                text_width(&line, font, size) + text_width(b" ", font, size) + text_width(&word, font, size)
            };
            if candidate_width <= width {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(&word);
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone: cut it when it does not fit a line.
            for b in word {
                if !line.is_empty() && text_width(&line, font, size) + text_width(&[b], font, size) > width {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(b);
            }
        }
        lines.push(line);
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

const PAGE_WIDTH: f32 = 595.276;
const PAGE_HEIGHT: f32 = 841.89;
/// 2 cm in points.
const MARGIN: f32 = 56.693;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const TOP: f32 = PAGE_HEIGHT - MARGIN;
/// Room kept at the bottom for the page number.
const BOTTOM: f32 = MARGIN + 14.0;
const BODY: f32 = 10.0;
const LETTER: f32 = 11.0;
const SMALL: f32 = 8.5;
const LABEL_WIDTH: f32 = 170.0;
const CELL_PAD: f32 = 3.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

fn leading(size: f32) -> f32 {
    size * 1.35
}

enum Op {
    Text { x: f32, y: f32, font: Font, size: f32, bytes: Vec<u8> },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32 },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

struct Column<'a> {
    header: &'a str,
    /// Share of the text width.
    share: f32,
    align: Align,
}

impl<'a> Column<'a> {
    fn left(header: &'a str, share: f32) -> Self {
        Column { header, share, align: Align::Left }
    }
    fn right(header: &'a str, share: f32) -> Self {
        Column { header, share, align: Align::Right }
    }
}

/// A flow of text onto A4 pages: a cursor goes down from the top margin and a new page starts
/// whenever the next block would cross the bottom margin.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Layout { pages: vec![Vec::new()], y: TOP }
    }

    /// Start a new page unless `height` points still fit on this one. Returns whether it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < BOTTOM && self.y < TOP {
            self.pages.push(Vec::new());
            self.y = TOP;
            true
        } else {
            false
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    fn text(&mut self, x: f32, baseline: f32, font: Font, size: f32, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.push(Op::Text { x, y: baseline, font, size, bytes });
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn title(&mut self, s: &str) {
        self.paragraph(s, Font::Bold, 16.0);
        self.gap(2.0);
    }

    fn subtitle(&mut self, s: &str) {
        self.paragraph(s, Font::Bold, 13.0);
    }

    fn heading(&mut self, s: &str) {
        // Keep a heading with at least two lines of what follows.
        self.gap(10.0);
        self.ensure(leading(12.0) + 3.0 * leading(BODY));
        self.paragraph(s, Font::Bold, 12.0);
        let y = self.y + 2.0;
        self.push(Op::Line { x1: MARGIN, y1: y, x2: MARGIN + TEXT_WIDTH, y2: y, width: 0.5 });
        self.gap(4.0);
    }

    fn paragraph(&mut self, s: &str, font: Font, size: f32) {
        self.indented(s, font, size, 0.0);
    }

    fn indented(&mut self, s: &str, font: Font, size: f32, indent: f32) {
        for line in wrap(s, font, size, TEXT_WIDTH - indent) {
            self.ensure(leading(size));
            let baseline = self.y - size;
            self.text(MARGIN + indent, baseline, font, size, line);
            self.y -= leading(size);
        }
    }

    /// A label in bold on the left, its value wrapped on the right.
    fn field(&mut self, label: &str, value: &str) {
        let labels = wrap(label, Font::Bold, BODY, LABEL_WIDTH - 8.0);
        let values = wrap(value, Font::Regular, BODY, TEXT_WIDTH - LABEL_WIDTH);
        let n = labels.len().max(values.len());
        self.ensure(n as f32 * leading(BODY));
        let top = self.y;
        for (i, line) in labels.into_iter().enumerate() {
            self.text(MARGIN, top - BODY - i as f32 * leading(BODY), Font::Bold, BODY, line);
        }
        for (i, line) in values.into_iter().enumerate() {
            self.text(MARGIN + LABEL_WIDTH, top - BODY - i as f32 * leading(BODY), Font::Regular, BODY, line);
        }
        self.y = top - n as f32 * leading(BODY) - 1.5;
    }

    fn row(&mut self, columns: &[Column], cells: &[String], font: Font) {
        let widths: Vec<f32> = columns.iter().map(|c| c.share * TEXT_WIDTH).collect();
        let wrapped: Vec<Vec<Vec<u8>>> =
            cells.iter().zip(&widths).map(|(cell, w)| wrap(cell, font, BODY, w - 2.0 * CELL_PAD)).collect();
        let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let top = self.y;
        let mut x = MARGIN;
        for ((lines, w), col) in wrapped.into_iter().zip(&widths).zip(columns) {
            for (i, line) in lines.into_iter().enumerate() {
                let lx = match col.align {
                    Align::Left => x + CELL_PAD,
                    Align::Right => x + w - CELL_PAD - text_width(&line, font, BODY),
                };
                self.text(lx, top - BODY - 1.0 - i as f32 * leading(BODY), font, BODY, line);
            }
            x += w;
        }
        self.y = top - n as f32 * leading(BODY) - 3.0;
        let y = self.y + 1.0;
        let width = if font == Font::Bold { 0.6 } else { 0.2 };
        self.push(Op::Line { x1: MARGIN, y1: y, x2: MARGIN + widths.iter().sum::<f32>(), y2: y, width });
    }

    fn row_height(columns: &[Column], cells: &[String], font: Font) -> f32 {
        let n = cells
            .iter()
            .zip(columns)
            .map(|(c, col)| wrap(c, font, BODY, col.share * TEXT_WIDTH - 2.0 * CELL_PAD).len())
            .max()
            .unwrap_or(1)
            .max(1);
        n as f32 * leading(BODY) + 3.0
    }

    /// A table with a bold header row, repeated at the top of each new page.
    fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        let header: Vec<String> = columns.iter().map(|c| c.header.to_owned()).collect();
        let header_height = Self::row_height(columns, &header, Font::Bold);
        let first = rows.first().map_or(0.0, |r| Self::row_height(columns, r, Font::Regular));
        self.ensure(header_height + first);
        self.row(columns, &header, Font::Bold);
        for r in rows {
            if self.ensure(Self::row_height(columns, r, Font::Regular)) {
                self.row(columns, &header, Font::Bold);
            }
            self.row(columns, r, Font::Regular);
        }
    }

    /// Write the pages out as a PDF, numbering them in the footer.
    fn render(self, title: &str, page_label: &str) -> Vec<u8> {
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let page_ref = |i: usize| Ref::new(6 + 2 * i as i32);
        let content_ref = |i: usize| Ref::new(7 + 2 * i as i32);
        let count = self.pages.len();

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids((0..count).map(page_ref)).count(count as i32);
        pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info).title(TextStr(title)).producer(TextStr("Terrain"));

        for (i, ops) in self.pages.into_iter().enumerate() {
            let mut page = pdf.page(page_ref(i));
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(tree).contents(content_ref(i));
            page.resources().fonts().pair(Font::Regular.resource(), regular).pair(Font::Bold.resource(), bold);
            page.finish();

            let mut content = Content::new();
            for op in ops {
                match op {
                    Op::Text { x, y, font, size, bytes } => {
                        content
                            .begin_text()
                            .set_font(font.resource(), size)
                            .next_line(x, y)
                            .show(Str(&bytes))
                            .end_text();
                    }
                    Op::Line { x1, y1, x2, y2, width } => {
                        content.set_line_width(width).move_to(x1, y1).line_to(x2, y2).stroke();
                    }
                }
            }
            let footer = win_ansi(&format!("{page_label} {} / {count}", i + 1));
            let fx = PAGE_WIDTH - MARGIN - text_width(&footer, Font::Regular, SMALL);
            content
                .begin_text()
                .set_font(Font::Regular.resource(), SMALL)
                .next_line(fx, MARGIN - 14.0)
                .show(Str(&footer))
                .end_text();
            pdf.stream(content_ref(i), &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use terrain_client_core::indicators::indicators;
    use terrain_client_core::model::{Action, Clause, Consent, Meeting, MonthHours, Party, Placement, Position};
    use terrain_client_core::values::{Hours, HoursSource, PositionStatus};
    use terrain_client_core::{DocumentId, ItemId};
    use uuid::Uuid;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn hours(v: f64) -> Hours {
        Hours::new(v).unwrap()
    }

    fn month_hours(y: i32, m: u32, h: f64) -> MonthHours {
        MonthHours { month: Month::new(y, m).unwrap(), hours: hours(h), source: HoursSource::AttendanceSheet, history: Vec::new() }
    }

    const SITE: &str = "Rénovation de l'école Sainte-Thérèse à Schaerbeek – façades, maçonnerie";
    const PERSON_NAME: &str = "Jérôme Delcroix";
    const EVALUATION: &str =
        "Jérôme a fait preuve d'une grande fiabilité : ponctuel, soigné, très apprécié de l'équipe.";

    fn worksite() -> Worksite {
        let position = ItemId(id(10));
        let placement = |n: u128, person: u128, start, end, weekly: f64, months: Vec<MonthHours>| Placement {
            id: ItemId(id(n)),
            person: DocumentId(id(person)),
            position,
            contract_type: ContractType::FixedTerm,
            start,
            end,
            weekly_hours: hours(weekly),
            hours: months,
            end_reason: String::new(),
        };
        let meeting = |n: u128, kind, date, actions| Meeting {
            id: ItemId(id(n)),
            kind,
            date,
            place: "Baraque de chantier, rue Josaphat".to_owned(),
            notes: String::new(),
            attendees: Vec::new(),
            decisions: Vec::new(),
            actions,
            next_meeting: None,
        };
        Worksite {
            id: DocumentId(id(1)),
            name: SITE.to_owned(),
            address: "Rue Josaphat 229, 1030 Schaerbeek".to_owned(),
            contract_reference: "CSC-2026/017".to_owned(),
            lots: "Lot 2".to_owned(),
            authority: Party { name: "Commune de Schaerbeek".to_owned(), contact: "Service Travaux".to_owned() },
            contractor: Party { name: "Bâtiments Lefèvre SA".to_owned(), contact: String::new() },
            subcontractors: Vec::new(),
            advisor: "Anaïs Vermeulen".to_owned(),
            order_to_start: Some(day(2026, 1, 5)),
            planned_end: Some(day(2027, 6, 30)),
            status: WorksiteStatus::InProgress,
            clause: Clause { unit: CountingUnit::Hours, objective: 2400.0, deadline: None },
            planning: Vec::new(),
            positions: vec![Position {
                id: position,
                title: "ouvrier maçon".to_owned(),
                tasks: String::new(),
                requirements: String::new(),
                contract_type: ContractType::FixedTerm,
                planned_start: None,
                hours_planned: 1200.0,
                status: PositionStatus::Filled,
            }],
            referrals: Vec::new(),
            placements: vec![
                placement(
                    20,
                    100,
                    Some(day(2026, 3, 2)),
                    Some(day(2026, 10, 30)),
                    38.0,
                    (3..=10).map(|m| month_hours(2026, m, 152.5)).collect(),
                ),
                placement(
                    21,
                    101,
                    Some(day(2026, 9, 1)),
                    None,
                    38.0,
                    vec![month_hours(2026, 9, 160.0), month_hours(2026, 10, 154.0)],
                ),
            ],
            meetings: vec![
                meeting(30, MeetingKind::Kickoff, Some(day(2026, 1, 20)), Vec::new()),
                meeting(
                    31,
                    MeetingKind::FollowUp,
                    Some(day(2026, 9, 15)),
                    vec![Action {
                        id: ItemId(id(40)),
                        what: "Transmettre les fiches de présence d'octobre".to_owned(),
                        who: "Bâtiments Lefèvre".to_owned(),
                        due: Some(day(2026, 11, 10)),
                        done: false,
                    }],
                ),
                meeting(32, MeetingKind::FollowUp, Some(day(2027, 1, 15)), Vec::new()),
            ],
            job_offers: Vec::new(),
            authors: BTreeMap::new(),
        }
    }

    fn person() -> (Person, Evaluation) {
        let evaluation = Evaluation {
            id: ItemId(id(50)),
            date: Some(day(2026, 10, 30)),
            worksite: Some(DocumentId(id(1))),
            placement: Some(ItemId(id(20))),
            text: EVALUATION.to_owned(),
            consent: Some(Consent { recorded_by: "Anaïs Vermeulen".to_owned(), recorded_on: day(2026, 11, 3) }),
        };
        let person = Person {
            id: DocumentId(id(100)),
            first_name: "Jérôme".to_owned(),
            last_name: "Delcroix".to_owned(),
            phone: "0470 12 34 56".to_owned(),
            email: "jerome@example.org".to_owned(),
            partner_kind: terrain_client_core::values::PartnerKind::ReferenceCentre,
            partner_name: "IrisTech".to_owned(),
            eligibility: BTreeMap::new(),
            notes: Vec::new(),
            evaluations: vec![evaluation.clone()],
            authors: BTreeMap::new(),
        };
        (person, evaluation)
    }

    /// The text of a PDF, as `pdftotext -layout` extracts it, with runs of spaces collapsed.
    fn pdf_text(pdf: &[u8], name: &str) -> String {
        let path = std::env::temp_dir().join(format!("terrain-pdf-test-{}-{name}.pdf", std::process::id()));
        std::fs::write(&path, pdf).unwrap();
        let out = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().unwrap_or_else(|e| {
            panic!(
                "cannot run `pdftotext` ({e}): it is needed to check the PDFs. \
                 Install it with `apt-get install -y poppler-utils`."
            )
        });
        // Set TERRAIN_PDF_KEEP to keep the files and look at them.
        if std::env::var_os("TERRAIN_PDF_KEEP").is_none() {
            let _ = std::fs::remove_file(&path);
        }
        assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).expect("pdftotext prints UTF-8");
        // Collapse layout spacing (and the line breaks of wrapped lines) to single spaces.
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn formats_numbers_dates_and_percentages_per_language() {
        assert_eq!(format_hours(1234.5, Lang::Fr), "1\u{202f}234,5 h");
        assert_eq!(format_hours(1234.5, Lang::Nl), "1.234,5 u");
        assert_eq!(format_hours(1234.5, Lang::En), "1,234.5 h");
        assert_eq!(format_hours(1_234_567.0, Lang::En), "1,234,567 h");
        assert_eq!(format_hours(38.0, Lang::Fr), "38 h");
        assert_eq!(format_hours(0.04, Lang::Fr), "0 h");
        assert_eq!(format_hours(999.96, Lang::Nl), "1.000 u");
        assert_eq!(format_number(-1234.5, Lang::Fr), "-1\u{202f}234,5");
        assert_eq!(format_percent(0.425, Lang::Fr), "42,5 %");
        assert_eq!(format_percent(0.425, Lang::Nl), "42,5%");
        assert_eq!(format_percent(1.0, Lang::En), "100%");
        assert_eq!(format_date(day(2026, 11, 25), Lang::Fr), "25/11/2026");
        assert_eq!(format_date(day(2026, 11, 25), Lang::Nl), "25-11-2026");
        assert_eq!(format_date(day(2026, 11, 25), Lang::En), "25/11/2026");
    }

    #[test]
    fn encodes_to_win_ansi_and_wraps_to_the_width() {
        assert_eq!(win_ansi("éèëçàôûï"), vec![0xE9, 0xE8, 0xEB, 0xE7, 0xE0, 0xF4, 0xFB, 0xEF]);
        assert_eq!(win_ansi("€ – œ 日"), vec![0x80, b' ', 0x96, b' ', 0x9C, b' ', b'?']);
        let long = "mot ".repeat(200);
        let lines = wrap(&long, Font::Regular, BODY, TEXT_WIDTH);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| text_width(l, Font::Regular, BODY) <= TEXT_WIDTH));
        let word = "x".repeat(500);
        assert!(wrap(&word, Font::Bold, BODY, 100.0).iter().all(|l| text_width(l, Font::Bold, BODY) <= 100.0));
        assert_eq!(wrap("a\n\nb", Font::Regular, BODY, 100.0).len(), 3);
    }

    #[test]
    fn documents_are_pdfs() {
        let w = worksite();
        let today = day(2026, 11, 25);
        let ind = indicators(&w, today);
        let f = ReportFigures { worksite: &w, indicators: &ind, today };
        let (p, e) = person();
        for lang in [Lang::Fr, Lang::Nl, Lang::En] {
            assert!(progress_report(&f, lang).starts_with(b"%PDF-"));
            assert!(recommendation_letter(&p, &e, Some(&w), lang, today).starts_with(b"%PDF-"));
            assert!(recommendation_letter(&p, &e, None, lang, today).starts_with(b"%PDF-"));
        }
    }

    #[test]
    fn progress_report_reads_back_in_every_language() {
        let w = worksite();
        let today = day(2026, 11, 25);
        let ind = indicators(&w, today);
        let realised = 8.0 * 152.5 + 160.0 + 154.0;
        assert_eq!(ind.realised, realised);
        let f = ReportFigures { worksite: &w, indicators: &ind, today };
        for (lang, label, realised_text, objective_text, month) in [
            (Lang::Fr, "Note périodique", "1 534 h", "2 400 h", "octobre 2026"),
            (Lang::Nl, "Periodiek verslag", "1.534 u", "2.400 u", "oktober 2026"),
            (Lang::En, "Periodic report", "1,534 h", "2,400 h", "October 2026"),
        ] {
            let text = pdf_text(&progress_report(&f, lang), &format!("report-{lang:?}"));
            let l = labels(lang);
            for expected in [
                label,
                SITE,
                realised_text,
                objective_text,
                &format_percent(ind.done_ratio, lang),
                &format_percent(ind.elapsed_ratio, lang),
                l.hours_realised,
                l.share_done,
                &format!("{} 1", l.placement),
                &format!("{} 2", l.placement),
                month,
                "CSC-2026/017",
                "Bâtiments Lefèvre SA",
                "Anaïs Vermeulen",
                "Transmettre les fiches de présence d'octobre",
                &format_date(day(2026, 9, 15), lang),
                &format_date(day(2026, 11, 15), lang),
                meeting_label(MeetingKind::Kickoff, lang),
            ] {
                assert!(text.contains(expected), "{lang:?}: {expected:?} missing from:\n{text}");
            }
            // Job seekers are never named, and future meetings are not "held".
            assert!(!text.contains("Jérôme") && !text.contains("Delcroix"), "{lang:?}: a person is named");
            assert!(!text.contains(&format_date(day(2027, 1, 15), lang)), "{lang:?}: future meeting listed");
        }
        assert!(pdf_text(&progress_report(&f, Lang::Fr), "percent").contains("63,9 %"));
    }

    #[test]
    fn long_reports_flow_onto_more_pages() {
        let mut w = worksite();
        let template = w.meetings[1].clone();
        for n in 0..80u128 {
            let mut m = template.clone();
            m.id = ItemId(id(1000 + n));
            m.actions[0].id = ItemId(id(5000 + n));
            m.actions[0].what = format!("Action numéro {n} : {}", "vérifier les présences ".repeat(6));
            w.meetings.push(m);
        }
        let today = day(2026, 11, 25);
        let ind = indicators(&w, today);
        let pdf = progress_report(&ReportFigures { worksite: &w, indicators: &ind, today }, Lang::Fr);
        let text = pdf_text(&pdf, "long");
        assert!(text.contains("Action numéro 79"), "last action missing");
        assert!(text.contains("Page 2 / "), "expected several pages:\n{text}");
    }

    #[test]
    fn recommendation_letter_reads_back_in_every_language() {
        let w = worksite();
        let (p, e) = person();
        let today = day(2026, 11, 25);
        for (lang, greeting, consent) in [
            (Lang::Fr, "À qui de droit", "enregistré par Anaïs Vermeulen le 03/11/2026"),
            (Lang::Nl, "Aan wie het aanbelangt", "geregistreerd door Anaïs Vermeulen op 03-11-2026"),
            (Lang::En, "To whom it may concern", "recorded by Anaïs Vermeulen on 03/11/2026"),
        ] {
            let text = pdf_text(&recommendation_letter(&p, &e, Some(&w), lang, today), &format!("letter-{lang:?}"));
            let date = format_date(today, lang);
            for expected in [greeting, PERSON_NAME, EVALUATION, SITE, "ouvrier maçon", consent, date.as_str()] {
                assert!(text.contains(expected), "{lang:?}: {expected:?} missing from:\n{text}");
            }
            assert!(text.contains(labels(lang).done_at), "{lang:?}: place missing");
        }
        let mut no_consent = e.clone();
        no_consent.consent = None;
        let text = pdf_text(&recommendation_letter(&p, &no_consent, None, Lang::En, today), "no-consent");
        assert!(text.contains("No consent has been recorded"));
        assert!(text.contains(PERSON_NAME) && text.contains(EVALUATION));
    }
}
