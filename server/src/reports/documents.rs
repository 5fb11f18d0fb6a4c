//! The documents the office sends out, as PDF bytes: the periodic progress report for the public
//! authority ("note périodique", with its pace chart), the recommendation letter drawn from an
//! end-of-contract evaluation, and a person's access export (right of access).
//!
//! Pure: the functions take read documents and return bytes; they never touch the disk, the clock
//! or the network. Stored codes are named through client-core's one label table
//! ([`terrain_client_core::i18n::label`]), the same as on the pages and the tablet.
//!
//! The progress report is meant for the public authority: it never names the job seekers.
//! Placements are numbered ("Placement 1, 2…") and only their contract, dates and hours appear.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use terrain_client_core::chart::{PaceChart, legend, pace_chart};
use terrain_client_core::i18n::{format_amount, format_month, format_month_short, label};
use terrain_client_core::indicators::Indicators;
use terrain_client_core::model::{Evaluation, Person, Placement, Worksite};
use terrain_client_core::values::{ContractType, CountingUnit, Month, Outcome};

use super::layout::{BLACK, BLUE, BODY, Colour, Column, Face, GREY, LETTER, Layout, MARGIN, SMALL, TEXT_WIDTH};
use crate::office::i18n::{
    L, Lang, code_label, format_date, format_hours, format_number, format_opt_date, format_percent, t,
};

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
    // Outcomes.
    outcomes: &'static str,
    at_end: &'static str,
    at_six_months: &'static str,
    due_on: &'static str,
    not_recorded: &'static str,
    no_ended: &'static str,
    outcome: &'static str,
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
    /// After an action about a job seeker: the report goes to the authority and names no one.
    about_job_seeker: &'static str,
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
    outcomes: "Issues des mises à l'emploi",
    at_end: "En fin de contrat",
    at_six_months: "Contrôle à 6 mois",
    due_on: "à faire le",
    not_recorded: "non enregistrée",
    no_ended: "Aucune mise à l'emploi terminée à ce jour.",
    outcome: "Issue",
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
    about_job_seeker: "(concerne une personne suivie)",
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
    unit_positions: "ingevulde functies",
    objective: "Doelstelling",
    hours_realised: "Gepresteerde uren",
    positions_filled: "Ingevulde functies",
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
    outcomes: "Resultaat van de tewerkstellingen",
    at_end: "Bij het einde van het contract",
    at_six_months: "Controle na 6 maanden",
    due_on: "te doen op",
    not_recorded: "niet geregistreerd",
    no_ended: "Tot op heden geen beëindigde tewerkstellingen.",
    outcome: "Resultaat",
    hours_per_month: "Gepresteerde uren per maand",
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
    about_job_seeker: "(betreft een gevolgde persoon)",
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
    outcomes: "Outcomes of placements",
    at_end: "At the end of the contract",
    at_six_months: "Six-month check",
    due_on: "due on",
    not_recorded: "not recorded",
    no_ended: "No placement has ended so far.",
    outcome: "Outcome",
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
    about_job_seeker: "(concerns a job seeker)",
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

fn format_positions(n: f64, lang: Lang) -> String {
    format_amount(n, CountingUnit::Positions, lang)
}

fn format_in_unit(value: f64, unit: CountingUnit, lang: Lang) -> String {
    format_amount(value, unit, lang)
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
    doc.paragraph(&format!("{} {}", l.situation_on, format_date(f.today, lang)), Face::Regular, BODY);
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
    doc.field(l.status, label(lang, w.status));
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
        doc.paragraph(l.no_placements, Face::Regular, BODY);
    } else {
        let rows = w
            .placements
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    format!("{} {}", l.placement, i + 1),
                    label(lang, p.contract_type).to_owned(),
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
    doc.paragraph(l.privacy_note, Face::Regular, SMALL);

    outcomes_section(&mut doc, w, l, lang);

    match pace_chart(w, f.today) {
        Some(chart) => {
            doc.heading_kept_with(l.hours_per_month, CHART_BOX);
            draw_chart(&mut doc, &chart, lang);
        }
        None => doc.heading(l.hours_per_month),
    }
    let mut per_month: BTreeMap<Month, f64> = BTreeMap::new();
    for p in &w.placements {
        for h in &p.hours {
            *per_month.entry(h.month).or_default() += h.hours.get();
        }
    }
    if per_month.is_empty() {
        doc.paragraph(l.no_hours, Face::Regular, BODY);
    } else {
        let mut rows: Vec<Vec<String>> =
            per_month.iter().map(|(m, h)| vec![format_month(*m, lang), format_hours(*h, lang)]).collect();
        rows.push(vec![l.total.to_owned(), format_hours(per_month.values().sum(), lang)]);
        doc.table(&[Column::left(l.month, 0.35), Column::right(l.hours, 0.25)], &rows);
    }

    doc.heading(l.meetings_held);
    let held: Vec<_> = w.meetings.iter().filter(|m| m.date.is_some_and(|d| d <= f.today)).collect();
    if held.is_empty() {
        doc.paragraph(l.no_meetings, Face::Regular, BODY);
    } else {
        let rows = held
            .iter()
            .map(|m| vec![date_or(m.date, lang), label(lang, m.kind).to_owned(), m.place.trim().to_owned()])
            .collect::<Vec<_>>();
        doc.table(&[Column::left(l.date, 0.18), Column::left(l.kind, 0.32), Column::left(l.place, 0.50)], &rows);
    }

    doc.heading(l.open_actions);
    let mut open: Vec<_> = w.meetings.iter().flat_map(|m| m.actions.iter()).filter(|a| !a.done).collect();
    open.sort_by_key(|a| (a.due.is_none(), a.due));
    if open.is_empty() {
        doc.paragraph(l.no_actions, Face::Regular, BODY);
    } else {
        let rows = open
            .iter()
            .map(|a| {
                let what = match a.person {
                    Some(_) => format!("{} {}", a.what.trim(), l.about_job_seeker),
                    None => a.what.trim().to_owned(),
                };
                vec![what, a.who.trim().to_owned(), a.due.map(|d| format_date(d, lang)).unwrap_or_default()]
            })
            .collect::<Vec<_>>();
        doc.table(&[Column::left(l.action, 0.58), Column::left(l.who, 0.24), Column::left(l.due, 0.18)], &rows);
    }

    let title = format!("{} – {}", l.report_title, w.name.trim());
    doc.render(&title, l.page, lang.code())
}

/// Where the people stood at the end of each ended placement and at its six-month check, then
/// the count of each outcome at both moments. Placements are numbered as in the table above.
fn outcomes_section(doc: &mut Layout, w: &Worksite, l: &Labels, lang: Lang) {
    doc.heading(l.outcomes);
    let ended: Vec<(usize, &Placement)> = w.placements.iter().enumerate().filter(|(_, p)| p.end.is_some()).collect();
    if ended.is_empty() {
        doc.paragraph(l.no_ended, Face::Regular, BODY);
        return;
    }
    let in_words =
        |outcome: Outcome, contract: Option<ContractType>| match contract.filter(|_| outcome == Outcome::KeptOn) {
            Some(c) => format!("{} ({})", label(lang, outcome), label(lang, c)),
            None => label(lang, outcome).to_owned(),
        };
    let rows = ended
        .iter()
        .map(|(i, p)| {
            let at_end =
                p.outcome.as_ref().map_or_else(|| l.not_recorded.to_owned(), |o| in_words(o.outcome, o.contract));
            let check = match (&p.check, p.check_due()) {
                (Some(c), _) => match c.checked_on {
                    Some(on) => format!("{}, {}", in_words(c.outcome, c.contract), format_date(on, lang)),
                    None => in_words(c.outcome, c.contract),
                },
                (None, Some(due)) => format!("{} {}", l.due_on, format_date(due, lang)),
                (None, None) => String::new(),
            };
            vec![format!("{} {}", l.placement, i + 1), date_or(p.end, lang), at_end, check]
        })
        .collect::<Vec<_>>();
    doc.table(
        &[
            Column::left(l.placement, 0.16),
            Column::left(l.end, 0.14),
            Column::left(l.at_end, 0.34),
            Column::left(l.at_six_months, 0.36),
        ],
        &rows,
    );
    let mut counts: BTreeMap<Outcome, (usize, usize)> = BTreeMap::new();
    for (_, p) in &ended {
        if let Some(o) = &p.outcome {
            counts.entry(o.outcome).or_default().0 += 1;
        }
        if let Some(c) = &p.check {
            counts.entry(c.outcome).or_default().1 += 1;
        }
    }
    if !counts.is_empty() {
        doc.gap(4.0);
        let rows = counts
            .iter()
            .map(|(o, (end, check))| vec![label(lang, *o).to_owned(), end.to_string(), check.to_string()])
            .collect::<Vec<_>>();
        doc.table(
            &[Column::left(l.outcome, 0.5), Column::right(l.at_end, 0.25), Column::right(l.at_six_months, 0.25)],
            &rows,
        );
    }
}

/// What a recommendation letter is drawn from: an evaluation tied to a placement, with the
/// person's consent (the handler refuses the letter otherwise).
#[derive(Debug, Clone, Copy)]
pub struct LetterContext<'a> {
    /// The person recommended.
    pub person: &'a Person,
    /// The end-of-contract evaluation.
    pub evaluation: &'a Evaluation,
    /// The worksite of the placement.
    pub worksite: &'a Worksite,
    /// The placement the evaluation is about.
    pub placement: &'a terrain_client_core::model::Placement,
    /// The letterhead's lines under the service's name (address, telephone, e-mail).
    pub letterhead: &'a str,
    /// The advisor who signs: the worksite's assigned advisor, with their contact.
    pub signer: Signer<'a>,
    /// The day the letter is drawn up.
    pub today: NaiveDate,
}

/// Who signs a recommendation letter and how to reach them (empty parts are left out).
#[derive(Debug, Clone, Copy, Default)]
pub struct Signer<'a> {
    /// Their name.
    pub name: &'a str,
    /// Their telephone.
    pub phone: &'a str,
    /// Their e-mail address.
    pub email: &'a str,
}

/// "Label :" in French, "Label:" in Dutch and English.
fn colon(label: &str, lang: Lang) -> String {
    if lang == Lang::Fr { format!("{label} :") } else { format!("{label}:") }
}

/// The letterhead at the top of the page: the service's name in blue, its contact lines, a rule.
fn letterhead(doc: &mut Layout, service: &str, lines: &str) {
    doc.styled(service, Face::Bold, 13.0, 0.0, BLUE);
    for line in lines.split(['\n', '|']).map(str::trim).filter(|l| !l.is_empty()) {
        doc.styled(line, Face::Regular, SMALL, 0.0, GREY);
    }
    doc.gap(4.0);
    let y = doc.cursor();
    doc.rule(y, 1.0, BLUE);
    doc.gap(14.0);
}

/// The drawing area of the pace chart, and the flow it takes with its legend.
const CHART_HEIGHT: f32 = 190.0;
const CHART_BOX: f32 = CHART_HEIGHT + 22.0;

/// The pace chart as vector drawing: monthly bars, the cumulative hours realised, the pace
/// needed to meet the objective by the deadline (dashed) and the forecast (dotted).
fn draw_chart(doc: &mut Layout, chart: &PaceChart, lang: Lang) {
    let top = doc.reserve(CHART_BOX);
    let g = chart.geometry(TEXT_WIDTH, CHART_HEIGHT);
    let at = |(x, y): (f32, f32)| (MARGIN + x, top + y);
    for (y, v) in &g.grid {
        let (x0, yy) = at((g.plot.0, *y));
        let (x1, _) = at((g.plot.2, *y));
        doc.polyline(vec![(x0, yy), (x1, yy)], 0.3, Colour(0xcc, 0xcc, 0xcc), None);
        let text = format_number(*v, lang);
        let tw = super::layout::text_width(&text, Face::Regular, 7.0);
        doc.text_at(x0 - 4.0 - tw, yy + 2.5, Face::Regular, 7.0, &text, GREY);
    }
    for &(_, x, y, w, h) in &g.bars {
        let (x, y) = at((x, y));
        doc.rect(x, y, w, h, Colour(0x9e, 0xca, 0xe1));
    }
    let line = |pts: &[(f32, f32)]| pts.iter().map(|p| at(*p)).collect::<Vec<_>>();
    doc.polyline(line(&g.pace), 1.5, Colour(0xd6, 0x27, 0x28), Some(5.0));
    doc.polyline(line(&g.forecast), 1.5, Colour(0xff, 0x7f, 0x0e), Some(2.0));
    doc.polyline(line(&g.realised), 2.0, Colour(0x1f, 0x77, 0xb4), None);
    let (ax0, ay) = at((g.plot.0, g.plot.3));
    let (ax1, _) = at((g.plot.2, g.plot.3));
    doc.polyline(vec![(ax0, ay), (ax1, ay)], 0.6, Colour(0x33, 0x33, 0x33), None);
    for (x, m) in &g.ticks {
        let text = format_month_short(*m);
        let tw = super::layout::text_width(&text, Face::Regular, 7.0);
        let (x, y) = at((*x, g.plot.3 + 11.0));
        doc.text_at(x - tw / 2.0, y, Face::Regular, 7.0, &text, GREY);
    }
    let colours = [Colour(0x1f, 0x77, 0xb4), Colour(0xd6, 0x27, 0x28), Colour(0xff, 0x7f, 0x0e)];
    let dashes = [None, Some(5.0), Some(2.0)];
    let ly = top + CHART_HEIGHT + 14.0;
    let mut x = MARGIN + g.plot.0;
    for ((text, colour), dash) in legend(lang).iter().zip(colours).zip(dashes) {
        doc.polyline(vec![(x, ly - 3.0), (x + 16.0, ly - 3.0)], 1.8, colour, dash);
        doc.text_at(x + 20.0, ly, Face::Regular, 7.5, text, BLACK);
        x += 28.0 + super::layout::text_width(text, Face::Regular, 7.5);
    }
}

/// A recommendation letter built from an end-of-contract evaluation tied to a placement, in
/// `lang`: letterhead, the advisor who signs and how to reach them, the job held, the employer,
/// the contract and its dates, then the evaluation.
pub fn recommendation_letter(c: &LetterContext, lang: Lang) -> Vec<u8> {
    let l = labels(lang);
    let name = c.person.display_name();
    let (w, p) = (c.worksite, c.placement);
    let role = w
        .positions
        .iter()
        .find(|pos| pos.id == p.position)
        .map(|pos| pos.title.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| label(lang, p.contract_type).to_owned());
    let employer = or_not_set(&w.contractor.name, lang);
    let site = or_not_set(&w.name, lang);
    let contract = label(lang, p.contract_type);

    let mut doc = Layout::new();
    letterhead(&mut doc, l.service, c.letterhead);
    doc.paragraph(&format!("{} {}", l.done_at, format_date(c.today, lang)), Face::Regular, LETTER);
    doc.gap(10.0);
    doc.title(l.letter_title);
    doc.subtitle(&name);
    doc.gap(8.0);
    doc.paragraph(l.to_whom, Face::Regular, LETTER);
    doc.gap(6.0);

    let start = p.start.map(|d| format_date(d, lang));
    let end = p.end.map(|d| format_date(d, lang));
    let period = match (lang, &start, &end) {
        (Lang::Fr, Some(s), Some(e)) => format!(" du {s} au {e}"),
        (Lang::Fr, Some(s), None) => format!(" depuis le {s}"),
        (Lang::Nl, Some(s), Some(e)) => format!(" van {s} tot {e}"),
        (Lang::Nl, Some(s), None) => format!(" sinds {s}"),
        (Lang::En, Some(s), Some(e)) => format!(" from {s} to {e}"),
        (Lang::En, Some(s), None) => format!(" since {s}"),
        _ => String::new(),
    };
    let intro = match lang {
        Lang::Fr => format!(
            "Nous avons le plaisir de recommander {name}, engagé(e) par {employer} en qualité de {role} \
             ({contract}){period}, sur le chantier « {site} »."
        ),
        Lang::Nl => format!(
            "Met genoegen bevelen wij {name} aan, die door {employer} werd aangeworven als {role} \
             ({contract}){period}, op de werf „{site}”."
        ),
        Lang::En => format!(
            "We are pleased to recommend {name}, employed by {employer} as {role} ({contract}){period}, on the \
             “{site}” worksite."
        ),
    };
    doc.paragraph(&intro, Face::Regular, LETTER);
    doc.gap(8.0);

    doc.field(t(lang, L::Position), &role);
    doc.field(t(lang, L::Contractor), &employer);
    doc.field(l.contract_type, contract);
    doc.field(t(lang, L::Start), &date_or(p.start, lang));
    doc.field(t(lang, L::End), &p.end.map_or_else(|| l.ongoing.to_owned(), |d| format_date(d, lang)));
    if p.weekly_hours.get() > 0.0 {
        doc.field(l.weekly_hours, &format_hours(p.weekly_hours.get(), lang));
    }
    doc.gap(8.0);

    let lead = match lang {
        Lang::Fr => "Voici l'évaluation établie à l'issue de son contrat :",
        Lang::Nl => "Hieronder volgt de evaluatie die op het einde van het contract werd opgesteld:",
        Lang::En => "Below is the evaluation drawn up at the end of the contract:",
    };
    doc.paragraph(lead, Face::Regular, LETTER);
    doc.gap(4.0);
    doc.indented(c.evaluation.text.trim(), Face::Regular, LETTER, 18.0);
    if let Some(d) = c.evaluation.date {
        doc.gap(2.0);
        doc.indented(&format!("{} {}", l.evaluation_of, format_date(d, lang)), Face::Regular, SMALL, 18.0);
    }
    doc.gap(8.0);
    doc.paragraph(l.closing, Face::Regular, LETTER);
    doc.gap(22.0);
    let signer = c.signer;
    if !signer.name.trim().is_empty() {
        doc.paragraph(signer.name.trim(), Face::Bold, LETTER);
    }
    doc.paragraph(&format!("{} – {}", l.advisor, l.service), Face::Regular, LETTER);
    for (label, value) in [(L::Phone, signer.phone), (L::Email, signer.email)] {
        if !value.trim().is_empty() {
            doc.paragraph(&format!("{} {}", colon(t(lang, label), lang), value.trim()), Face::Regular, LETTER);
        }
    }
    doc.gap(16.0);
    let consent = match &c.evaluation.consent {
        Some(k) => {
            let by = or_not_set(&k.recorded_by, lang);
            let on = format_date(k.recorded_on, lang);
            match lang {
                Lang::Fr => format!("Consentement à l'utilisation de cette évaluation enregistré par {by} le {on}."),
                Lang::Nl => format!("Toestemming voor het gebruik van deze evaluatie geregistreerd door {by} op {on}."),
                Lang::En => format!("Consent to the use of this evaluation recorded by {by} on {on}."),
            }
        }
        None => l.consent_missing.to_owned(),
    };
    doc.styled(&consent, Face::Regular, SMALL, 0.0, GREY);

    let title = format!("{} – {}", l.letter_title, name);
    doc.render(&title, l.page, lang.code())
}

/// The access export of one person (right of access): everything Terrain holds about them, in
/// the reader's language. Unlike the progress report, this one names the person: it is for them.
pub fn access_export(export: &crate::privacy::PersonExport, lang: Lang) -> Vec<u8> {
    let l = labels(lang);
    let p = &export.person;
    let name = if p.display_name().is_empty() { t(lang, L::Unnamed).to_owned() } else { p.display_name() };
    let yes_no = |b: bool| if b { l.yes } else { l.no };

    let mut doc = Layout::new();
    doc.title(t(lang, L::AccessExport));
    doc.subtitle(&name);
    doc.paragraph(
        &format!("{} {}", t(lang, L::ExportedOn), format_date(export.exported_at.date_naive(), lang)),
        Face::Regular,
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
        doc.paragraph(t(lang, L::Nothing), Face::Regular, BODY);
    }
    for n in &p.notes {
        doc.paragraph(
            &format!("{} · {}", code_label(lang, n.kind.code()), format_opt_date(n.date, lang)),
            Face::Bold,
            BODY,
        );
        doc.indented(n.text.trim(), Face::Regular, BODY, 12.0);
        doc.gap(4.0);
    }

    doc.heading(t(lang, L::Evaluations));
    if p.evaluations.is_empty() {
        doc.paragraph(t(lang, L::Nothing), Face::Regular, BODY);
    }
    for e in &p.evaluations {
        doc.paragraph(&format_opt_date(e.date, lang), Face::Bold, BODY);
        doc.indented(e.text.trim(), Face::Regular, BODY, 12.0);
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
        doc.indented(&consent, Face::Regular, SMALL, 12.0);
        doc.gap(4.0);
    }

    doc.heading(t(lang, L::Placements));
    if export.worksites.is_empty() {
        doc.paragraph(t(lang, L::Nothing), Face::Regular, BODY);
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
                        label(lang, pl.placement.contract_type).to_owned(),
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
                        r.partner_label(lang),
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
    doc.render(&title, l.page, lang.code())
}

/// A table document (the yearly statistics): a title, a note, the sheet's table and the page
/// footer, on landscape-width columns shared out by header length.
pub fn table_document(title: &str, note: &str, sheet: &super::sheets::Sheet, lang: Lang) -> Vec<u8> {
    use super::sheets::Cell;
    let l = labels(lang);
    let mut doc = Layout::new();
    doc.title(title);
    doc.styled(note, Face::Regular, SMALL, 0.0, GREY);
    doc.gap(6.0);
    let n = sheet.headers.len().max(1);
    let numeric: Vec<bool> =
        (0..n).map(|c| sheet.rows.iter().any(|r| matches!(r.get(c), Some(Cell::Number(_))))).collect();
    let weights: Vec<f32> = (0..n).map(|c| if numeric[c] { 0.8 } else { 1.4 }).collect();
    let sum: f32 = weights.iter().sum();
    let columns: Vec<Column> = sheet
        .headers
        .iter()
        .enumerate()
        .map(|(c, h)| if numeric[c] { Column::right(h, weights[c] / sum) } else { Column::left(h, weights[c] / sum) })
        .collect();
    let rows: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(c, cell)| match cell {
                    Cell::Text(s) => s.clone(),
                    Cell::Number(v) if c < n && sheet.headers[c] == t(lang, L::HoursRealised) => format_hours(*v, lang),
                    Cell::Number(v) => format_number(*v, lang),
                    Cell::Date(d) => format_date(*d, lang),
                    Cell::Empty => String::new(),
                })
                .collect()
        })
        .collect();
    doc.table(&columns, &rows);
    doc.render(title, l.page, lang.code())
}
