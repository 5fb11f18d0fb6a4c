//! The screens, rendered to HTML from the app's state. Buttons carry `data-action`, forms carry
//! `data-form` (parsed by [`crate::forms`]); the browser layer listens once on the page and routes
//! them. Every text comes from [`crate::i18n`].

use chrono::{DateTime, NaiveDate};
use maud::{Markup, html};
use terrain_client_core::agenda::{AgendaItem, When};
use terrain_client_core::conflicts::{Conflict, conflicts};
use terrain_client_core::edit::FieldValue;
use terrain_client_core::i18n::{agenda_group_label, agenda_kind_label};
use terrain_client_core::indicators::indicators;
use terrain_client_core::matching::{self, Candidate, Job};
use terrain_client_core::model::{Meeting, OutcomeCheck, Person, Worksite};
use terrain_client_core::values::{
    CompanyAnswer, ContractType, CountingUnit, DrivingLicence, ELIGIBILITY_FLAGS, HoursSource, MeetingKind, NoteKind,
    OfferStatus, Outcome, PartnerKind, PositionStatus, WorksiteStatus, join_list,
};
use terrain_client_core::{DocKind, DocumentId, ItemId};

use crate::app::{App, Flash, Screen, matches};
use crate::i18n::{
    L, Lang, brussels, code_label, colon, eligibility_label, format_amount, format_date, format_hours, format_month,
    format_opt_date, format_percent, t,
};

/// The whole page inside `#app`.
pub fn page(app: &App) -> Markup {
    let lang = app.lang;
    html! {
        header.bar {
            strong.brand { (t(lang, L::AppName)) }
            nav.langs aria-label=(t(lang, L::Language)) {
                @for l in Lang::ALL {
                    button.lang type="button" data-action="lang" data-lang=(l.code()) aria-pressed=(l == lang) {
                        (l.code().to_uppercase())
                    }
                }
            }
        }
        @if app.session.is_some() { (status(app)) } @else { (flash(app)) }
        main #screen {
            @if app.session.is_none() { (login(app)) }
            @else if app.locked || app.replica.is_none() { (locked(app)) }
            @else { (screen(app)) }
        }
    }
}

/// The message of the last action. It is part of the status bar, which is redrawn even while a
/// form has unsent input, so an error is shown without wiping what was typed.
fn flash(app: &App) -> Markup {
    let lang = app.lang;
    html! {
        @match &app.flash {
            Some(Flash::Saved) => p #flash .flash.ok role="status" { (t(lang, L::Saved)) },
            Some(Flash::Error(why)) => p #flash .flash.error role="alert" { (t(lang, L::NotSaved)) " — " (why) },
            None => {},
        }
    }
}

/// The status bar: network, changes not yet synced, last sync, refusals, and the last action's
/// message.
pub fn status(app: &App) -> Markup {
    let lang = app.lang;
    let Some(pending) = app.replica.as_ref().map(|r| r.status()) else { return flash(app) };
    html! {
        section #status .status aria-live="polite" {
            span #network .(if app.sync.online { "online" } else { "offline" }) {
                (t(lang, if app.sync.online { L::Online } else { L::Offline }))
            }
            span #pending data-count=(pending.pending_changes) {
                strong { (pending.pending_changes) } " " (t(lang, L::Pending))
            }
            span #last-sync {
                (t(lang, L::LastSync)) (colon(lang))
                @match app.sync.last_success_ms { Some(ms) => (clock(ms, lang)), None => (t(lang, L::Never)) }
            }
            @if app.sync.syncing { span #syncing { (t(lang, L::Syncing)) } }
            button #sync-now .primary type="button" data-action="sync" disabled[app.sync.syncing] { (t(lang, L::SyncNow)) }
            @if let Some(why) = &app.sync.last_error { p #sync-error .error { (t(lang, L::SyncFailed)) (colon(lang)) (why) } }
            @if let Some(retry) = app.sync.retry.filter(|_| !app.sync.syncing) {
                p #sync-busy .notice data-wait-ms=(retry.wait_ms) { (busy_retry(lang, retry.wait_ms)) }
            }
            @if let Some(unsynced) = &app.sync.revoked {
                div #revoked .error {
                    p { (t(lang, L::RevokedNotice)) }
                    ul { @for (title, n) in unsynced { li { (title) (colon(lang)) (n) " " (t(lang, L::Pending)) } } }
                }
            }
            @if !pending.quarantined.is_empty() {
                ul #refused {
                    @for (doc, q) in &pending.quarantined {
                        li .refused data-doc=(doc) {
                            strong { (t(lang, L::Refused)) } " — " (document_title(app, *doc)) (colon(lang))
                            span.reason data-code=(q.code.as_str()) { (crate::lock::refusal_text(lang, q.code)) }
                            " (" (q.pending_changes) " " (t(lang, L::Pending)) "). " (t(lang, L::RefusedKept)) " "
                            button type="button" data-action="retry" data-doc=(doc) { (t(lang, L::Retry)) }
                        }
                    }
                }
            }
            (flash(app))
        }
    }
}

/// "Server busy — trying again in 3 s" (the wait rounded up to the second).
pub fn busy_retry(lang: Lang, wait_ms: u64) -> String {
    let seconds = wait_ms.div_ceil(1_000);
    format!("{} {seconds} s", t(lang, L::BusyRetryIn))
}

pub(crate) fn document_title(app: &App, doc: DocumentId) -> String {
    if let Some(w) = app.worksite(doc) {
        return w.name;
    }
    app.person(doc).map_or_else(|| doc.to_string(), |p| p.display_name())
}

/// A moment in Brussels time, to the second: the last sync.
fn clock(ms: i64, lang: Lang) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(String::new, |d| {
        let local = brussels(d);
        format!("{} {}", format_date(local.date(), lang), local.format("%H:%M:%S"))
    })
}

fn login(app: &App) -> Markup {
    let lang = app.lang;
    html! {
        form #login .card data-form="login" {
            h1 { (t(lang, L::SignIn)) }
            p { (t(lang, L::SignInOnce)) }
            label { (t(lang, L::Login)) input name="login" autocomplete="username" required; }
            label { (t(lang, L::Password)) input name="password" type="password" autocomplete="current-password" required; }
            label { (t(lang, L::DeviceName)) input name="device_name" value=(t(lang, L::DefaultDeviceName)); }
            button.primary type="submit" { (t(lang, L::SignIn)) }
        }
    }
}

fn locked(app: &App) -> Markup {
    let lang = app.lang;
    html! {
        section #locked .card {
            h1 { (t(lang, L::Locked)) }
            p { (t(lang, L::LockedHelp)) }
            button.primary type="button" data-action="unlock" { (t(lang, L::Unlock)) }
        }
    }
}

fn screen(app: &App) -> Markup {
    match app.screen {
        Screen::Worksites => worksites(app),
        Screen::Worksite(id) => match app.worksite(id) {
            Some(w) => worksite(app, &w),
            None => worksites(app),
        },
        Screen::Meeting(w, m) => match app.worksite(w) {
            Some(ws) => match ws.meeting(m) {
                Some(meeting) => meeting_screen(app, &ws, meeting),
                None => worksite(app, &ws),
            },
            None => worksites(app),
        },
        Screen::Person(w, p) => match app.person(p) {
            Some(person) => person_screen(app, w, &person),
            None => worksites(app),
        },
        Screen::Agenda => agenda_screen(app),
    }
}

/// The advisor's agenda, worked out on the tablet from the documents it holds (so offline too):
/// overdue, today, this week, later.
fn agenda_screen(app: &App) -> Markup {
    let lang = app.lang;
    let agenda = app.agenda();
    html! {
        p { a.back href="#/" { "← " (t(lang, L::Back)) } }
        h1 #agenda-title { (t(lang, L::Agenda)) }
        p.help { (t(lang, L::AgendaHelp)) }
        @if agenda.items.is_empty() { p.empty #agenda-empty { (t(lang, L::NothingDue)) } }
        @for when in When::ALL {
            @let items: Vec<&AgendaItem> = agenda.group(when).collect();
            @if !items.is_empty() {
                section.agenda-group data-when=(when.code()) {
                    h2 { (agenda_group_label(lang, when)) " (" (items.len()) ")" }
                    ul.agenda {
                        @for i in items {
                            li.agenda-item data-kind=(i.kind.code()) data-due=(i.due) data-overdue=(i.overdue) data-worksite=(i.worksite) data-uid=(i.uid()) {
                                time datetime=(i.due) { (format_date(i.due, lang)) }
                                " — " strong.kind { (agenda_kind_label(lang, i.kind)) }
                                " — " a.worksite href=(Screen::Worksite(i.worksite).hash()) { (i.worksite_name) }
                                @if let Some(p) = i.person { " — " a.person href=(Screen::Person(i.worksite, p).hash()) { (app.person_name(p)) } }
                                @if !i.what.is_empty() { " — " span.what { (i.what) } }
                                @if !i.who.is_empty() { " (" span.who { (i.who) } ")" }
                                @if i.overdue { " " span.flag.overdue { (t(lang, L::OverdueFlag)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn worksites(app: &App) -> Markup {
    let lang = app.lang;
    let list = app.worksites();
    html! {
        h1 { (t(lang, L::MyWorksites)) }
        p.agenda-link { a #open-agenda .button href=(Screen::Agenda.hash()) { (t(lang, L::Agenda)) } }
        (search(app, &list))
        @if list.is_empty() { p.empty { (t(lang, L::NoWorksite)) } }
        ul #worksites .cards {
            @for w in &list {
                @let i = indicators(w, app.today);
                li.card.worksite data-doc=(w.id) {
                    a.open href=(Screen::Worksite(w.id).hash()) {
                        h2 { (w.name) }
                        (crate::lock::pending_badge(app, w.id))
                        p.address { (w.address) }
                        p.figures {
                            span.objective { (t(lang, L::Objective)) (colon(lang)) (in_unit(lang, w.clause.unit, i.objective)) }
                            " · "
                            span.realised { (realised_label(lang, w.clause.unit)) (colon(lang)) (in_unit(lang, w.clause.unit, i.realised)) }
                            " · "
                            span.done { (t(lang, L::Done)) (colon(lang)) (format_percent(i.done_ratio, lang)) }
                        }
                        p.due {
                            (t(lang, L::NextFollowUp)) (colon(lang))
                            @match i.next_follow_up_due { Some(d) => (format_date(d, lang)), None => "—" }
                            @if i.follow_up_overdue() { " " span.flag.overdue { (t(lang, L::FollowUpOverdue)) } }
                            @if i.recruitment_needed { " " span.flag.recruit { (t(lang, L::RecruitmentNeeded)) } }
                        }
                    }
                }
            }
        }
        details #new-worksite .section {
            summary { h2 { (t(lang, L::NewWorksite)) } }
            form.grid #f-new-worksite data-form="new-worksite" {
                label { (t(lang, L::Name)) input name="name" required; }
                label { (t(lang, L::Address)) input name="address"; }
                label { (t(lang, L::ContractReference)) input name="contract_reference"; }
                label { (t(lang, L::Authority)) input name="authority"; }
                label { (t(lang, L::Contractor)) input name="contractor"; }
                label { (t(lang, L::Advisor)) input name="advisor" value=(app.author_label()); }
                (date_field(lang, L::OrderToStart, "order_to_start", None))
                (date_field(lang, L::PlannedEnd, "planned_end", None))
                button.primary type="submit" { (t(lang, L::Create)) }
            }
        }
        p.signout { button.danger type="button" data-action="sign-out" { (t(lang, L::SignOut)) } }
    }
}

/// The offline search: worksites, people and job descriptions held on the tablet.
fn search(app: &App, list: &[Worksite]) -> Markup {
    let lang = app.lang;
    let q = app.query.as_str();
    let people = if q.is_empty() { Vec::new() } else { app.people() };
    html! {
        form.inline #f-search role="search" data-form="search" {
            label.wide { (t(lang, L::Search)) input type="search" name="q" value=(q) placeholder=(t(lang, L::SearchHint)); }
            button type="submit" { (t(lang, L::Search)) }
        }
        @if !q.is_empty() {
            section #search-results .section {
                h2 { (t(lang, L::Results)) " « " (q) " »" }
                @let sites: Vec<&Worksite> = list.iter().filter(|w| matches(q, &[&w.name, &w.address, &w.contract_reference, &w.contractor.name, &w.authority.name])).collect();
                @let found_people: Vec<&Person> = people.iter().filter(|p| matches(q, &[&p.first_name, &p.last_name, &p.partner_name, &p.phone, &p.email])).collect();
                @let jobs: Vec<(&Worksite, &terrain_client_core::model::Position)> = list.iter().flat_map(|w| w.positions.iter().map(move |p| (w, p))).filter(|(_, p)| matches(q, &[&p.title, &p.tasks, &p.requirements])).collect();
                @if sites.is_empty() && found_people.is_empty() && jobs.is_empty() { p.empty { (t(lang, L::NothingFound)) } }
                @if !sites.is_empty() {
                    h3 { (t(lang, L::Worksites)) }
                    ul.found-worksites { @for w in &sites { li { a href=(Screen::Worksite(w.id).hash()) { (w.name) } " — " (w.address) } } }
                }
                @if !found_people.is_empty() {
                    h3 { (t(lang, L::People)) }
                    ul.found-people {
                        @for p in &found_people {
                            @let site = list.iter().find(|w| w.people().contains(&p.id));
                            li {
                                @match site {
                                    Some(w) => a href=(Screen::Person(w.id, p.id).hash()) { (p.display_name()) },
                                    None => span { (p.display_name()) },
                                }
                                " — " (partner(lang, p.partner_kind, &p.partner_name))
                            }
                        }
                    }
                }
                @if !jobs.is_empty() {
                    h3 { (t(lang, L::Positions)) }
                    ul.found-positions { @for (w, p) in &jobs { li { a href=(Screen::Worksite(w.id).hash()) { (p.title) } " — " (w.name) } } }
                }
            }
        }
    }
}

/// A figure in the clause's unit: "1 200 h" or "3 postes".
fn in_unit(lang: Lang, unit: CountingUnit, value: f64) -> String {
    format_amount(value, unit, lang)
}

/// What the realised figure counts: hours realised, or positions filled.
fn realised_label(lang: Lang, unit: CountingUnit) -> &'static str {
    t(
        lang,
        match unit {
            CountingUnit::Hours => L::HoursRealised,
            CountingUnit::Positions => L::PositionsFilled,
        },
    )
}

/// The partner body of a person or referral: its name, or the translated kind when unnamed.
fn partner(lang: Lang, kind: PartnerKind, name: &str) -> String {
    let kind = code_label(lang, kind.code());
    // "Bruxelles Formation" typed for the kind of the same name is said once.
    if name.trim().is_empty() || terrain_client_core::values::fold(name) == terrain_client_core::values::fold(kind) {
        kind.to_owned()
    } else {
        format!("{name} ({kind})")
    }
}

/// A referral's partner body: its record's name (and kind) when linked to one the tablet knows,
/// else the name typed, else the kind (translated, never a code).
fn referral_partner(app: &App, r: &terrain_client_core::model::Referral) -> String {
    match r.partner.and_then(|id| app.partners.partner(id)) {
        Some(body) => partner(app.lang, body.kind, &body.name),
        None => partner(app.lang, r.partner_kind, &r.partner_name),
    }
}

/// A stable `id` for a form, so its message finds it again after the page is redrawn.
fn fid(name: &str, key: impl std::fmt::Display) -> String {
    format!("f-{name}-{key}")
}

fn worksite(app: &App, w: &Worksite) -> Markup {
    let lang = app.lang;
    let doc = app.replica.as_ref().and_then(|r| r.automerge(w.id));
    let found = doc.map(conflicts).unwrap_or_default();
    let people: Vec<Person> = w.people().into_iter().filter_map(|p| app.person(p)).collect();
    html! {
        p { a.back href="#/" { "← " (t(lang, L::Back)) } }
        h1 #worksite-name data-doc=(w.id) { (w.name) }
        @if !w.address.is_empty() { p.address { (w.address) } }
        (overview(app, w))
        (conflict_list(lang, w.id, &found))
        (meetings_section(app, w))
        (placements_section(app, w, &people))
        (referrals_section(app, w, &people))
        (positions_section(app, w))
        (planning_section(app, w))
        (general_section(app, w, &found))
        (clause_section(app, w))
        (offers_section(app, w))
        details #people .section {
            summary { h2 { (t(lang, L::People)) " (" (people.len()) ")" } }
            ul { @for p in &people { li { a href=(Screen::Person(w.id, p.id).hash()) { (p.display_name()) } } } }
        }
    }
}

/// What matters on site, first: the clause's figures labelled by what they count, the
/// forecast, the flags, the next follow-up and the open actions (late ones flagged).
fn overview(app: &App, w: &Worksite) -> Markup {
    let lang = app.lang;
    let i = indicators(w, app.today);
    let unit = w.clause.unit;
    let mut open_actions: Vec<(&Meeting, &terrain_client_core::model::Action)> =
        w.meetings.iter().flat_map(|m| m.actions.iter().filter(|a| !a.done).map(move |a| (m, a))).collect();
    open_actions.sort_by_key(|(_, a)| a.due.unwrap_or(NaiveDate::MAX));
    html! {
        section #overview .section.overview {
            dl.figures {
                div { dt { (t(lang, L::Objective)) } dd #objective { (in_unit(lang, unit, i.objective)) } }
                div { dt { (realised_label(lang, unit)) } dd #realised { (in_unit(lang, unit, i.realised)) } }
                div { dt { (t(lang, L::Done)) } dd #done { (format_percent(i.done_ratio, lang)) } }
                div { dt { (t(lang, L::Forecast)) } dd #forecast { (in_unit(lang, unit, i.forecast)) } }
                div { dt { (t(lang, L::Deadline)) } dd #deadline { @match w.deadline() { Some(d) => (format_date(d, lang)), None => "—" } } }
                div {
                    dt { (t(lang, L::NextFollowUp)) }
                    dd #next-follow-up { @match i.next_follow_up_due { Some(d) => (format_date(d, lang)), None => (t(lang, L::AfterKickoff)) } }
                }
            }
            p #flags .flags {
                @if i.recruitment_needed { span.flag.recruit { (t(lang, L::RecruitmentNeeded)) } " " }
                @if i.follow_up_overdue() { span.flag.overdue { (t(lang, L::FollowUpOverdue)) } " " }
                @if !i.recruitment_needed && !i.follow_up_overdue() { span.flag.fine { (t(lang, L::OnTrack)) } }
            }
            @if let Some(chart) = terrain_client_core::chart::pace_chart(w, app.today) { figure #pace-chart { (maud::PreEscaped(terrain_client_core::chart::pace_svg(&chart, lang))) } }
            h3 { (t(lang, L::OpenActions)) " (" (open_actions.len()) ")" }
            @if open_actions.is_empty() { p.empty { "—" } }
            ul #open-actions {
                @for (m, a) in &open_actions {
                    @let late = a.due.is_some_and(|d| d < app.today);
                    li.action.(if late { "late" } else { "" }) data-action-id=(a.id) {
                        a href=(Screen::Meeting(w.id, m.id).hash()) { (a.what) }
                        (concerns(app, a)) " — " (a.who) " — " @match a.due { Some(d) => (format_date(d, lang)), None => "—" }
                        @if late { " " span.flag.overdue { (t(lang, L::Late)) } }
                    }
                }
            }
        }
    }
}

fn general_section(app: &App, w: &Worksite, found: &[Conflict]) -> Markup {
    let lang = app.lang;
    html! {
        details #general .section {
            summary { h2 { (t(lang, L::General)) } }
            form.grid #f-worksite data-form="worksite" data-doc=(w.id) {
                (text_field(lang, L::Name, "name", &w.name, found, &["worksite", "name"]))
                (text_field(lang, L::Address, "address", &w.address, found, &["worksite", "address"]))
                (text_field(lang, L::ContractReference, "contract_reference", &w.contract_reference, found, &["worksite", "contract_reference"]))
                (text_field(lang, L::Lots, "lots", &w.lots, found, &["worksite", "lots"]))
                (text_field(lang, L::Advisor, "advisor", &w.advisor, found, &["worksite", "advisor"]))
                (text_field(lang, L::Authority, "authority_name", &w.authority.name, found, &["worksite", "authority", "name"]))
                (text_field(lang, L::Contact, "authority_contact", &w.authority.contact, found, &["worksite", "authority", "contact"]))
                (text_field(lang, L::Contractor, "contractor_name", &w.contractor.name, found, &["worksite", "contractor", "name"]))
                (text_field(lang, L::Contact, "contractor_contact", &w.contractor.contact, found, &["worksite", "contractor", "contact"]))
                label { (t(lang, L::Status)) (select(lang, "status", WorksiteStatus::ALL.iter().map(|s| s.code()), w.status.code())) }
                (date_field(lang, L::OrderToStart, "order_to_start", w.order_to_start))
                (date_field(lang, L::PlannedEnd, "planned_end", w.planned_end))
                button.primary type="submit" { (t(lang, L::Save)) }
            }
            h3 { (t(lang, L::Subcontractors)) }
            @for (id, s) in &w.subcontractors {
                form.inline.subcontractor id=(fid("subcontractor-edit", id)) data-form="subcontractor-edit" data-doc=(w.id) {
                    input type="hidden" name="subcontractor" value=(id);
                    label { (t(lang, L::Name)) input name="name" value=(s.name) required; }
                    label { (t(lang, L::Contact)) input name="contact" value=(s.contact); }
                    label.check { input type="checkbox" name="remove"; (t(lang, L::Remove)) }
                    button type="submit" { (t(lang, L::Save)) }
                }
            }
            form.inline #f-subcontractor data-form="subcontractor" data-doc=(w.id) {
                label { (t(lang, L::Name)) input name="name" required; }
                label { (t(lang, L::Contact)) input name="contact"; }
                button type="submit" { (t(lang, L::Add)) }
            }
        }
    }
}

fn clause_section(app: &App, w: &Worksite) -> Markup {
    let lang = app.lang;
    html! {
        details #clause .section {
            summary { h2 { (t(lang, L::Clause)) } }
            form.grid #f-clause data-form="clause" data-doc=(w.id) {
                label { (t(lang, L::Unit)) (select(lang, "unit", CountingUnit::ALL.iter().map(|s| s.code()), w.clause.unit.code())) }
                label { (t(lang, L::Objective)) input name="objective" inputmode="decimal" value=(w.clause.objective) required; }
                (date_field(lang, L::Deadline, "deadline", w.clause.deadline))
                button.primary type="submit" { (t(lang, L::Save)) }
            }
        }
    }
}

fn planning_section(app: &App, w: &Worksite) -> Markup {
    let lang = app.lang;
    html! {
        details #planning .section {
            summary { h2 { (t(lang, L::Planning)) " (" (w.planning.len()) ")" } }
            @for p in &w.planning {
                form.grid.phase id=(fid("phase-edit", p.id)) data-form="phase-edit" data-doc=(w.id) data-phase=(p.id) {
                    input type="hidden" name="phase" value=(p.id);
                    label { (t(lang, L::Phase)) input name="name" value=(p.name) required; }
                    label { (t(lang, L::Trade)) input name="trade" value=(p.trade); }
                    (date_field(lang, L::Start, "start", p.start))
                    (date_field(lang, L::End, "end", p.end))
                    label.check { input type="checkbox" name="remove"; (t(lang, L::Remove)) }
                    button type="submit" { (t(lang, L::Save)) }
                }
            }
            h3 { (t(lang, L::NewPhase)) }
            form.grid #f-phase data-form="phase" data-doc=(w.id) {
                label { (t(lang, L::Phase)) input name="name" required; }
                label { (t(lang, L::Trade)) input name="trade"; }
                (date_field(lang, L::Start, "start", None))
                (date_field(lang, L::End, "end", None))
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
    }
}

fn positions_section(app: &App, w: &Worksite) -> Markup {
    let lang = app.lang;
    html! {
        details #positions .section {
            summary { h2 { (t(lang, L::Positions)) " (" (w.positions.len()) ")" } }
            @for p in &w.positions {
                details.position data-position=(p.id) {
                    summary {
                        strong { (p.title) } " — " (code_label(lang, p.contract_type.code())) ", " (format_hours(p.hours_planned, lang))
                        " — " (code_label(lang, p.status.code()))
                    }
                    form.grid id=(fid("position-edit", p.id)) data-form="position-edit" data-doc=(w.id) {
                        input type="hidden" name="position" value=(p.id);
                        label { (t(lang, L::Title)) input name="title" value=(p.title) required; }
                        label.wide { (t(lang, L::Tasks)) textarea name="tasks" rows="3" { (p.tasks) } }
                        label.wide { (t(lang, L::Requirements)) textarea name="requirements" rows="3" { (p.requirements) } }
                        label { (t(lang, L::ContractType)) (select(lang, "contract_type", ContractType::ALL.iter().map(|s| s.code()), p.contract_type.code())) }
                        (date_field(lang, L::PlannedStart, "planned_start", p.planned_start))
                        label { (t(lang, L::HoursPlanned)) input name="hours_planned" inputmode="decimal" value=(p.hours_planned); }
                        label { (t(lang, L::Status)) (select(lang, "status", PositionStatus::ALL.iter().map(|s| s.code()), p.status.code())) }
                        button type="submit" { (t(lang, L::Save)) }
                    }
                    h3 { (t(lang, L::PositionNeeds)) }
                    form.grid id=(fid("position-needs", p.id)) data-form="position-needs" data-doc=(w.id) {
                        input type="hidden" name="position" value=(p.id);
                        label { (t(lang, L::Trade)) input name="trade" value=(p.trade); }
                        label { (t(lang, L::Licence)) (select(lang, "licence", DrivingLicence::ALL.iter().map(|s| s.code()), p.licence.code())) }
                        label { (t(lang, L::Languages)) input name="languages" value=(join_list(&p.languages)); }
                        button type="submit" { (t(lang, L::Save)) }
                    }
                    (matching_block(app, w, p))
                }
            }
            h3 { (t(lang, L::NewPosition)) }
            form.grid #f-position data-form="position" data-doc=(w.id) {
                label { (t(lang, L::Title)) input name="title" required; }
                label.wide { (t(lang, L::Tasks)) textarea name="tasks" {} }
                label.wide { (t(lang, L::Requirements)) textarea name="requirements" {} }
                label { (t(lang, L::ContractType)) (select(lang, "contract_type", ContractType::ALL.iter().map(|s| s.code()), "fixed_term")) }
                (date_field(lang, L::PlannedStart, "planned_start", None))
                label { (t(lang, L::HoursPlanned)) input name="hours_planned" inputmode="decimal"; }
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
    }
}

/// The candidates of the pool this tablet holds, ranked for a position with the reasons, each
/// with "propose" (offline like any edit).
fn matching_block(app: &App, w: &Worksite, p: &terrain_client_core::model::Position) -> Markup {
    let lang = app.lang;
    let people = app.people();
    let pool = Candidate::pool(&people);
    let ranked = matching::rank(&Job::of(p, &w.address), &pool);
    let proposed: Vec<DocumentId> = w.referrals.iter().filter(|r| r.position == p.id).map(|r| r.person).collect();
    html! {
        section.matching data-position=(p.id) {
            h3 { (t(lang, L::MatchCandidates)) }
            @if ranked.is_empty() { p.empty { (t(lang, L::NoCandidate)) } }
            ol.ranked {
                @for r in &ranked {
                    @if let Some(person) = people.iter().find(|x| x.id == r.person) {
                        li.candidate data-person=(r.person) {
                            strong.name { (person.display_name()) } " — " (t(lang, L::Score)) " " span.score { (r.score) }
                            ul.reasons { @for reason in &r.reasons { li.reason.plus[reason.is_for()].minus[!reason.is_for()] { (terrain_client_core::i18n::reason_label(lang, reason)) } } }
                            @if proposed.contains(&r.person) { span.proposed { (t(lang, L::AlreadyProposed)) } }
                            @else {
                                form.inline data-form="propose" data-doc=(w.id) id=(fid("propose", format!("{}-{}", p.id, r.person))) {
                                    input type="hidden" name="person" value=(r.person);
                                    input type="hidden" name="position" value=(p.id);
                                    input type="hidden" name="partner_kind" value=(person.partner_kind.code());
                                    input type="hidden" name="partner_name" value=(person.partner_name);
                                    input type="hidden" name="partner" value=(person.partner.map(|x| x.to_string()).unwrap_or_default());
                                    input type="hidden" name="session" value=(person.session.map(|x| x.to_string()).unwrap_or_default());
                                    input type="hidden" name="proposed_on" value=(app.today);
                                    button.primary type="submit" { (t(lang, L::Propose)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The fields of a candidate's profile.
fn profile_fields(lang: Lang, profile: Option<&terrain_client_core::model::Profile>) -> Markup {
    html! {
        label.wide { (t(lang, L::Trades)) input name="trades" value=(profile.map(|p| join_list(&p.trades)).unwrap_or_default()) required; }
        label { (t(lang, L::Qualifications)) input name="qualifications" value=(profile.map(|p| p.qualifications.clone()).unwrap_or_default()); }
        label { (t(lang, L::Licence)) (select(lang, "licence", DrivingLicence::ALL.iter().map(|s| s.code()), profile.map_or("none", |p| p.licence.code()))) }
        label { (t(lang, L::Languages)) input name="languages" value=(profile.map_or_else(|| "fr".to_owned(), |p| join_list(&p.languages))); }
        (date_field(lang, L::AvailableFrom, "available_from", profile.and_then(|p| p.available_from)))
        label { (t(lang, L::Area)) input name="area" value=(profile.map(|p| p.area.clone()).unwrap_or_default()); }
    }
}

fn referrals_section(app: &App, w: &Worksite, people: &[Person]) -> Markup {
    let lang = app.lang;
    let name_of =
        |id: DocumentId| people.iter().find(|p| p.id == id).map_or_else(|| "—".to_owned(), Person::display_name);
    let title_of = |id| w.positions.iter().find(|p| p.id == id).map_or("—", |p| p.title.as_str());
    let q = app.person_query.as_str();
    let known: Vec<Person> = app
        .people()
        .into_iter()
        .filter(|p| q.is_empty() || matches(q, &[&p.first_name, &p.last_name, &p.phone, &p.email]))
        .take(20)
        .collect();
    html! {
        details #referrals .section {
            summary { h2 { (t(lang, L::Referrals)) " (" (w.referrals.len()) ")" } }
            ul {
                @for r in &w.referrals {
                    li.referral data-person=(r.person) {
                        a href=(Screen::Person(w.id, r.person).hash()) { (name_of(r.person)) }
                        " — " span.position { (title_of(r.position)) } " — " (referral_partner(app, r))
                        @if let Some(d) = r.proposed_on { " — " (format_date(d, lang)) }
                        form.inline id=(fid("referral", r.id)) data-form="referral" data-doc=(w.id) {
                            input type="hidden" name="referral" value=(r.id);
                            label.check { input type="checkbox" name="interview_held" checked[r.interview_held]; (t(lang, L::InterviewHeld)) }
                            label.check { input type="checkbox" name="sent_to_company" checked[r.sent_to_company]; (t(lang, L::SentToCompany)) }
                            label { (t(lang, L::CompanyAnswer)) (select(lang, "company_answer", CompanyAnswer::ALL.iter().map(|s| s.code()), r.company_answer.code())) }
                            label { (t(lang, L::Reason)) input name="answer_reason" value=(r.answer_reason); }
                            button type="submit" { (t(lang, L::Save)) }
                        }
                    }
                }
            }
            @if w.positions.is_empty() { p.empty { (t(lang, L::NeedPositionFirst)) } }
            @else {
                h3 { (t(lang, L::NewCandidate)) }
                form.grid #f-candidate data-form="candidate" data-doc=(w.id) {
                    label { (t(lang, L::FirstName)) input name="first_name" required; }
                    label { (t(lang, L::LastName)) input name="last_name"; }
                    label { (t(lang, L::Phone)) input name="phone" type="tel"; }
                    label { (t(lang, L::Email)) input name="email" type="email"; }
                    label { (t(lang, L::PartnerKind)) (select(lang, "partner_kind", PartnerKind::ALL.iter().map(|s| s.code()), "bruxelles_formation")) }
                    label { (t(lang, L::PartnerName)) input name="partner_name"; }
                    label { (t(lang, L::Position)) (choose_position(w)) }
                    (date_field(lang, L::ProposedOn, "proposed_on", Some(app.today)))
                    button.primary type="submit" { (t(lang, L::Add)) }
                }
                h3 { (t(lang, L::AddToPool)) }
                form.grid #f-pool-candidate data-form="pool-candidate" data-doc=(w.id) {
                    label { (t(lang, L::FirstName)) input name="first_name" required; }
                    label { (t(lang, L::LastName)) input name="last_name"; }
                    label { (t(lang, L::Phone)) input name="phone" type="tel"; }
                    label { (t(lang, L::Email)) input name="email" type="email"; }
                    label { (t(lang, L::PartnerKind)) (select(lang, "partner_kind", PartnerKind::ALL.iter().map(|s| s.code()), "bruxelles_formation")) }
                    label { (t(lang, L::PartnerName)) input name="partner_name"; }
                    label.wide { (t(lang, L::SourcePartner)) select name="origin" {
                        option value="" { "—" }
                        @for body in &app.partners.partners {
                            option value=(body.id) { (body.name) }
                            @for s in &body.sessions { option value=(format!("{}/{}", body.id, s.id)) { (body.name) " — " (s.title) } }
                        }
                    } }
                    (profile_fields(lang, None))
                    button.primary type="submit" { (t(lang, L::Add)) }
                }
                h3 { (t(lang, L::KnownCandidate)) }
                form.inline #f-person-search role="search" data-form="person-search" data-doc=(w.id) {
                    label.wide { (t(lang, L::SearchPerson)) input type="search" name="q" value=(q); }
                    button type="submit" { (t(lang, L::Search)) }
                }
                form.grid #f-refer-existing data-form="refer-existing" data-doc=(w.id) {
                    fieldset.wide.people {
                        legend { (t(lang, L::Person)) }
                        @if known.is_empty() { p.empty { (t(lang, L::NothingFound)) } }
                        @for p in &known {
                            label.check { input type="radio" name="person" value=(p.id); (p.display_name()) @if !p.phone.is_empty() { " · " (p.phone) } }
                        }
                    }
                    label { (t(lang, L::PartnerKind)) (select(lang, "partner_kind", PartnerKind::ALL.iter().map(|s| s.code()), "bruxelles_formation")) }
                    label { (t(lang, L::PartnerName)) input name="partner_name"; }
                    label { (t(lang, L::Position)) (choose_position(w)) }
                    (date_field(lang, L::ProposedOn, "proposed_on", Some(app.today)))
                    button.primary type="submit" { (t(lang, L::Propose)) }
                }
            }
        }
    }
}

fn placements_section(app: &App, w: &Worksite, people: &[Person]) -> Markup {
    let lang = app.lang;
    let name_of =
        |id: DocumentId| people.iter().find(|p| p.id == id).map_or_else(|| "—".to_owned(), Person::display_name);
    let title_of = |id| w.positions.iter().find(|p| p.id == id).map_or("—", |p| p.title.as_str());
    html! {
        details #placements .section open {
            summary { h2 { (t(lang, L::Placements)) " (" (w.placements.len()) ")" } }
            @for p in &w.placements {
                article.placement data-placement=(p.id) {
                    h3 {
                        a href=(Screen::Person(w.id, p.person).hash()) { (name_of(p.person)) }
                        " — " (title_of(p.position)) " — " (code_label(lang, p.contract_type.code()))
                    }
                    p.dates {
                        (t(lang, L::Start)) (colon(lang)) (format_opt_date(p.start, lang)) " · " (t(lang, L::End)) (colon(lang)) (format_opt_date(p.end, lang))
                        " · " (t(lang, L::WeeklyHours)) (colon(lang)) (format_hours(p.weekly_hours.get(), lang))
                        @if !p.end_reason.is_empty() { " · " span.end-reason { (t(lang, L::EndReason)) (colon(lang)) (p.end_reason) } }
                        @if let Some(o) = &p.outcome {
                            " · " span.outcome data-outcome=(o.outcome.code()) { (t(lang, L::PlacementOutcome)) (colon(lang)) (outcome_text(lang, o.outcome, o.contract)) }
                        }
                    }
                    table.hours {
                        thead { tr { th { (t(lang, L::Month)) } th { (t(lang, L::Hours)) } th { (t(lang, L::Source)) } th { (t(lang, L::Corrections)) } } }
                        tbody {
                            @for h in &p.hours {
                                tr data-month=(h.month.to_string()) {
                                    td { (format_month(h.month, lang)) }
                                    td.h { (format_hours(h.hours.get(), lang)) }
                                    td { (code_label(lang, h.source.code())) }
                                    td.trace {
                                        @if let Some((before, after)) = h.correction() {
                                            (format_hours(before.hours.get(), lang)) " → " (format_hours(after.hours.get(), lang))
                                            " (" (after.by) @if let Some(ms) = after.at_ms { ", " (clock(ms, lang)) } ")"
                                            @if !before.by.is_empty() { " · " (t(lang, L::PreviouslyBy)) " " (before.by) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    form.inline id=(fid("hours", p.id)) data-form="hours" data-doc=(w.id) {
                        input type="hidden" name="placement" value=(p.id);
                        label { (t(lang, L::Month)) input type="month" name="month" required; }
                        label { (t(lang, L::Hours)) input name="hours" inputmode="decimal" required; }
                        label { (t(lang, L::Source)) (select(lang, "source", HoursSource::ALL.iter().map(|s| s.code()), "attendance_sheet")) }
                        button.primary type="submit" { (t(lang, L::RecordHours)) }
                    }
                    details.end-placement {
                        summary { (t(lang, L::EndEarly)) }
                        form.inline id=(fid("end-placement", p.id)) data-form="end-placement" data-doc=(w.id) {
                            input type="hidden" name="placement" value=(p.id);
                            (date_field(lang, L::End, "end", p.end))
                            label.wide { (t(lang, L::EndReason)) input name="reason" value=(p.end_reason); }
                            @let o = p.outcome.as_ref();
                            label { (t(lang, L::PlacementOutcome)) (optional_select(lang, "outcome", Outcome::ALL.iter().map(|c| c.code()), o.map(|o| o.outcome.code()))) }
                            label { (t(lang, L::OutcomeContract)) (optional_select(lang, "outcome_contract", ContractType::ALL.iter().map(|c| c.code()), o.and_then(|o| o.contract).map(|c| c.code()))) }
                            label.wide { (t(lang, L::OutcomeNote)) input name="outcome_note" value=[o.map(|o| o.note.as_str())]; }
                            button type="submit" { (t(lang, L::EndPlacement)) }
                        }
                    }
                    @if let Some(due) = p.check_due() {
                        details.outcome-check open[p.check.is_none() && due <= app.today] {
                            summary {
                                (t(lang, L::SixMonthCheck)) " — "
                                @match &p.check {
                                    Some(c) => span.check-done { (check_text(lang, c)) },
                                    None => span.check-due { (t(lang, L::CheckDueOn)) " " (format_date(due, lang)) },
                                }
                            }
                            form.inline id=(fid("outcome-check", p.id)) data-form="outcome-check" data-doc=(w.id) {
                                input type="hidden" name="placement" value=(p.id);
                                @let c = p.check.as_ref();
                                label { (t(lang, L::PlacementOutcome)) (select(lang, "outcome", Outcome::ALL.iter().map(|c| c.code()), c.map_or("kept_on", |c| c.outcome.code()))) }
                                label { (t(lang, L::OutcomeContract)) (optional_select(lang, "contract", ContractType::ALL.iter().map(|c| c.code()), c.and_then(|c| c.contract).map(|c| c.code()))) }
                                (date_field(lang, L::CheckedOn, "checked_on", c.and_then(|c| c.checked_on).or(Some(app.today))))
                                button type="submit" { (t(lang, L::RecordCheck)) }
                            }
                        }
                    }
                    details.edit-placement {
                        summary { (t(lang, L::Correct)) }
                        form.inline id=(fid("placement-edit", p.id)) data-form="placement-edit" data-doc=(w.id) {
                            input type="hidden" name="placement" value=(p.id);
                            label { (t(lang, L::ContractType)) (select(lang, "contract_type", ContractType::ALL.iter().map(|s| s.code()), p.contract_type.code())) }
                            (date_field(lang, L::Start, "start", p.start))
                            label { (t(lang, L::WeeklyHours)) input name="weekly_hours" inputmode="decimal" value=(p.weekly_hours.get()); }
                            button type="submit" { (t(lang, L::Save)) }
                        }
                    }
                }
            }
            @if !people.is_empty() && !w.positions.is_empty() {
                h3 { (t(lang, L::NewPlacement)) }
                form.grid #f-placement data-form="placement" data-doc=(w.id) {
                    label { (t(lang, L::Person)) select name="person" { @for p in people { option value=(p.id) { (p.display_name()) } } } }
                    label { (t(lang, L::Position)) (choose_position(w)) }
                    label { (t(lang, L::ContractType)) (select(lang, "contract_type", ContractType::ALL.iter().map(|s| s.code()), "fixed_term")) }
                    (date_field(lang, L::Start, "start", Some(app.today)))
                    (date_field(lang, L::End, "end", None))
                    label { (t(lang, L::WeeklyHours)) input name="weekly_hours" inputmode="decimal"; }
                    button.primary type="submit" { (t(lang, L::Add)) }
                }
            }
        }
    }
}

fn meetings_section(app: &App, w: &Worksite) -> Markup {
    let lang = app.lang;
    html! {
        details #meetings .section open {
            summary { h2 { (t(lang, L::Meetings)) " (" (w.meetings.len()) ")" } }
            ul.cards {
                @for m in &w.meetings {
                    li.card.meeting data-meeting=(m.id) {
                        a.open href=(Screen::Meeting(w.id, m.id).hash()) {
                            strong { (code_label(lang, m.kind.code())) } " — "
                            @match m.date { Some(d) => (format_date(d, lang)), None => "—" }
                            " — " (m.place)
                        }
                    }
                }
            }
            h3 { (t(lang, L::NewMeeting)) }
            form.grid #f-meeting data-form="meeting" data-doc=(w.id) {
                label { (t(lang, L::Kind)) (select(lang, "kind", MeetingKind::ALL.iter().map(|s| s.code()), if w.meetings.is_empty() { "kickoff" } else { "follow_up" })) }
                (date_field(lang, L::Date, "date", Some(app.today)))
                label { (t(lang, L::Place)) input name="place"; }
                label.wide { (t(lang, L::Notes)) textarea name="notes" rows="3" {} }
                (date_field(lang, L::NextMeeting, "next_meeting", None))
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
    }
}

fn offers_section(app: &App, w: &Worksite) -> Markup {
    let lang = app.lang;
    html! {
        details #offers .section {
            summary { h2 { (t(lang, L::JobOffers)) " (" (w.job_offers.len()) ")" } }
            @for o in &w.job_offers {
                form.inline.offer id=(fid("offer-edit", o.id)) data-form="offer-edit" data-doc=(w.id) {
                    input type="hidden" name="offer" value=(o.id);
                    label { (t(lang, L::Employer)) input name="employer" value=(o.employer) required; }
                    label { (t(lang, L::Role)) input name="role" value=(o.role); }
                    label { (t(lang, L::Contact)) input name="contact" value=(o.contact); }
                    label { (t(lang, L::Status)) (select(lang, "status", OfferStatus::ALL.iter().map(|s| s.code()), o.status.code())) }
                    button type="submit" { (t(lang, L::Save)) }
                }
            }
            h3 { (t(lang, L::NewOffer)) }
            form.grid #f-offer data-form="offer" data-doc=(w.id) {
                label { (t(lang, L::Employer)) input name="employer" required; }
                label { (t(lang, L::Role)) input name="role"; }
                label { (t(lang, L::Contact)) input name="contact"; }
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
    }
}

fn meeting_screen(app: &App, w: &Worksite, m: &Meeting) -> Markup {
    let lang = app.lang;
    let found = app.replica.as_ref().and_then(|r| r.automerge(w.id)).map(conflicts).unwrap_or_default();
    let mine: Vec<Conflict> = found.into_iter().filter(|c| c.path.iter().any(|p| *p == m.id.to_string())).collect();
    html! {
        p { a.back href=(Screen::Worksite(w.id).hash()) { "← " (w.name) } }
        h1 #meeting-title data-meeting=(m.id) {
            (code_label(lang, m.kind.code())) " — " @match m.date { Some(d) => (format_date(d, lang)), None => "—" }
        }
        p { (t(lang, L::Place)) (colon(lang)) (m.place) }
        (conflict_list(lang, w.id, &mine))
        section.section #attendees {
            h2 { (t(lang, L::Attendees)) }
            ol.attendees {
                @for a in &m.attendees {
                    li {
                        @match a.person { Some(p) => span.person { (app.person_name(p)) }, None => (a.name) }
                        @if !a.organisation.is_empty() { " — " (a.organisation) }
                    }
                }
            }
            form.inline #f-attendee data-form="attendee" data-doc=(w.id) {
                input type="hidden" name="meeting" value=(m.id);
                label { (t(lang, L::JobSeeker)) (people_select(app, w, L::SomeoneElse)) }
                label { (t(lang, L::Name)) input name="name"; }
                label { (t(lang, L::Organisation)) input name="organisation"; }
                button type="submit" { (t(lang, L::Add)) }
            }
        }
        section.section #decisions {
            h2 { (t(lang, L::Decisions)) }
            ol.decisions { @for d in &m.decisions { li { (d.text) } } }
            form.inline #f-decision data-form="decision" data-doc=(w.id) {
                input type="hidden" name="meeting" value=(m.id);
                label.wide { (t(lang, L::Text)) input name="text" required; }
                button type="submit" { (t(lang, L::Add)) }
            }
        }
        section.section #actions {
            h2 { (t(lang, L::Actions)) }
            ol.actions {
                @for a in &m.actions {
                    @let late = !a.done && a.due.is_some_and(|d| d < app.today);
                    li.action.(if late { "late" } else { "" }) {
                        (a.what) (concerns(app, a)) " — " (a.who) " — " @match a.due { Some(d) => (format_date(d, lang)), None => "—" }
                        @if late { " " span.flag.overdue { (t(lang, L::Late)) } }
                        form.inline id=(fid("action-done", a.id)) data-form="action-done" data-doc=(w.id) {
                            input type="hidden" name="meeting" value=(m.id);
                            input type="hidden" name="action" value=(a.id);
                            input type="hidden" name="done" value=(!a.done);
                            button type="submit" aria-pressed=(a.done) { (t(lang, L::MarkDone)) @if a.done { " ✓" } }
                        }
                    }
                }
            }
            form.inline #f-action data-form="action" data-doc=(w.id) {
                input type="hidden" name="meeting" value=(m.id);
                label { (t(lang, L::What)) input name="what" required; }
                label { (t(lang, L::Who)) input name="who"; }
                label { (t(lang, L::Concerns)) (people_select(app, w, L::NoOne)) }
                (date_field(lang, L::Due, "due", None))
                button type="submit" { (t(lang, L::Add)) }
            }
        }
        form.grid #notes-form data-form="meeting-notes" data-doc=(w.id) {
            input type="hidden" name="meeting" value=(m.id);
            label.wide { (t(lang, L::Notes)) textarea #notes name="notes" rows="10" { (m.notes) } }
            (date_field(lang, L::NextMeeting, "next_meeting", m.next_meeting))
            button.primary type="submit" { (t(lang, L::Save)) }
        }
        details.section #meeting-details {
            summary { h2 { (t(lang, L::MeetingDetails)) } }
            form.grid #f-meeting-edit data-form="meeting-edit" data-doc=(w.id) {
                input type="hidden" name="meeting" value=(m.id);
                label { (t(lang, L::Kind)) (select(lang, "kind", MeetingKind::ALL.iter().map(|s| s.code()), m.kind.code())) }
                (date_field(lang, L::Date, "date", m.date))
                label { (t(lang, L::Place)) input name="place" value=(m.place); }
                button.primary type="submit" { (t(lang, L::Save)) }
            }
        }
    }
}

fn person_screen(app: &App, worksite: DocumentId, p: &Person) -> Markup {
    let lang = app.lang;
    // The person's placements on this worksite: an end-of-contract evaluation names the one it
    // is about (the recommendation letter is drawn from it).
    let placements: Vec<(ItemId, String)> = app
        .worksite(worksite)
        .map(|w| {
            w.placements
                .iter()
                .filter(|pl| pl.person == p.id)
                .map(|pl| {
                    let title = w.positions.iter().find(|pos| pos.id == pl.position).map(|pos| pos.title.trim());
                    let title =
                        title.filter(|t| !t.is_empty()).unwrap_or_else(|| code_label(lang, pl.contract_type.code()));
                    let start = pl.start.map(|d| format!(" · {}", format_date(d, lang))).unwrap_or_default();
                    (pl.id, format!("{title}{start}"))
                })
                .collect()
        })
        .unwrap_or_default();
    let found = app.replica.as_ref().and_then(|r| r.automerge(p.id)).map(conflicts).unwrap_or_default();
    let mut flags: Vec<&str> = ELIGIBILITY_FLAGS.to_vec();
    flags.extend(p.eligibility.keys().map(String::as_str).filter(|k| !ELIGIBILITY_FLAGS.contains(k)));
    html! {
        p { a.back href=(Screen::Worksite(worksite).hash()) { "← " (t(lang, L::Back)) } }
        h1 #person-name data-doc=(p.id) { (p.display_name()) }
        (conflict_list(lang, p.id, &found))
        form.grid #f-person data-form="person" data-doc=(p.id) {
            (text_field(lang, L::FirstName, "first_name", &p.first_name, &found, &["person", "first_name"]))
            (text_field(lang, L::LastName, "last_name", &p.last_name, &found, &["person", "last_name"]))
            (text_field(lang, L::Phone, "phone", &p.phone, &found, &["person", "phone"]))
            (text_field(lang, L::Email, "email", &p.email, &found, &["person", "email"]))
            label { (t(lang, L::PartnerKind)) (select(lang, "partner_kind", PartnerKind::ALL.iter().map(|s| s.code()), p.partner_kind.code())) }
            (text_field(lang, L::PartnerName, "partner_name", &p.partner_name, &found, &["person", "partner_name"]))
            button.primary type="submit" { (t(lang, L::Save)) }
        }
        section.section #profile {
            h2 { (t(lang, L::Profile)) }
            p #profile-state { (t(lang, if p.profile.is_some() { L::InPool } else { L::NotInPool })) }
            form.grid #f-profile data-form="profile" data-doc=(p.id) {
                (profile_fields(lang, p.profile.as_ref()))
                button.primary type="submit" { (t(lang, L::Save)) }
            }
        }
        section.section #eligibility {
            h2 { (t(lang, L::Eligibility)) }
            form.grid #f-eligibility data-form="eligibility" data-doc=(p.id) {
                @for flag in &flags {
                    label.check.wide { input type="checkbox" name=(flag) checked[p.eligibility.get(*flag).copied().unwrap_or(false)]; (eligibility_label(lang, flag)) }
                }
                button.primary type="submit" { (t(lang, L::Save)) }
            }
        }
        section.section #person-notes {
            h2 { (t(lang, L::PersonNotes)) }
            ul { @for n in &p.notes { li.note { strong { (code_label(lang, n.kind.code())) } " " @if let Some(d) = n.date { (format_date(d, lang)) } " — " (n.text) } } }
            form.grid #f-person-note data-form="person-note" data-doc=(p.id) {
                input type="hidden" name="worksite" value=(worksite);
                label { (t(lang, L::Kind)) (select(lang, "kind", NoteKind::ALL.iter().map(|s| s.code()), "interview")) }
                (date_field(lang, L::Date, "date", Some(app.today)))
                label.wide { (t(lang, L::Text)) textarea name="text" rows="4" required {} }
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
        section.section #evaluations {
            h2 { (t(lang, L::Evaluations)) }
            ul {
                @for e in &p.evaluations {
                    li.evaluation {
                        @if let Some(d) = e.date { (format_date(d, lang)) " — " } (e.text)
                        @match &e.consent {
                            Some(c) => p.consent { (t(lang, L::ConsentRecorded)) " " (t(lang, L::By)) " " (c.recorded_by) ", " (format_date(c.recorded_on, lang)) },
                            None => form.inline id=(fid("consent", e.id)) data-form="consent" data-doc=(p.id) {
                                input type="hidden" name="evaluation" value=(e.id);
                                input type="hidden" name="recorded_by" value=(app.author_label());
                                input type="hidden" name="recorded_on" value=(app.today);
                                button type="submit" { (t(lang, L::RecordConsent)) }
                            },
                        }
                    }
                }
            }
            form.grid #f-evaluation data-form="evaluation" data-doc=(p.id) {
                input type="hidden" name="worksite" value=(worksite);
                @if !placements.is_empty() {
                    label { (t(lang, L::EvaluatedPlacement)) select name="placement" {
                        @for (i, (id, text)) in placements.iter().enumerate() { option value=(id) selected[i + 1 == placements.len()] { (text) } }
                    } }
                }
                (date_field(lang, L::Date, "date", Some(app.today)))
                label.wide { (t(lang, L::Text)) textarea name="text" rows="4" required {} }
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
    }
}

fn conflict_list(lang: Lang, doc: DocumentId, found: &[Conflict]) -> Markup {
    html! {
        @if !found.is_empty() {
            section #conflicts .conflicts role="alert" {
                h2 { "⚠ " (t(lang, L::Conflicts)) }
                p { (t(lang, L::ConflictHelp)) }
                @for c in found {
                    div.conflict data-path=(c.path.join("/")) {
                        p.path { strong { (path_label(lang, &c.path)) } }
                        ul {
                            @for v in &c.values {
                                li.value {
                                    span.v { (show(&v.value)) } " — " (t(lang, L::SetBy)) " " (v.author.as_deref().unwrap_or(t(lang, L::Unknown)))
                                    form.inline data-form="resolve" data-doc=(doc) {
                                        input type="hidden" name="path" value=(serde_json::to_string(&c.path).unwrap_or_default());
                                        input type="hidden" name="value" value=(serde_json::to_string(&v.value).unwrap_or_default());
                                        button.choose type="submit" { (t(lang, L::Choose)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The name of a conflicting field as the screen labels it; the raw path for anything else.
fn path_label(lang: Lang, path: &[String]) -> String {
    let keys: Vec<&str> = path.iter().map(String::as_str).collect();
    let label = match keys.as_slice() {
        ["worksite", "name"] | ["meetings", _, "place"] => Some(if keys[0] == "worksite" { L::Name } else { L::Place }),
        ["worksite", "address"] => Some(L::Address),
        ["worksite", "contract_reference"] => Some(L::ContractReference),
        ["worksite", "authority", "name"] => Some(L::Authority),
        ["worksite", "contractor", "name"] => Some(L::Contractor),
        ["worksite", _, "contact"] => Some(L::Contact),
        ["worksite", "status"] => Some(L::Status),
        ["clause", "objective"] => Some(L::Objective),
        ["meetings", _, "next_meeting"] => Some(L::NextMeeting),
        ["person", "first_name"] => Some(L::FirstName),
        ["person", "last_name"] => Some(L::LastName),
        ["person", "phone"] => Some(L::Phone),
        ["person", "email"] => Some(L::Email),
        _ => None,
    };
    label.map_or_else(|| path.join(" › "), |l| t(lang, l).to_owned())
}

fn show(v: &FieldValue) -> String {
    match v {
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Str(s) => s.clone(),
        FieldValue::Null => "—".to_owned(),
    }
}

fn text_field(lang: Lang, label: L, name: &str, value: &str, found: &[Conflict], path: &[&str]) -> Markup {
    let conflicted = found.iter().any(|c| c.path.iter().map(String::as_str).eq(path.iter().copied()));
    html! {
        label.(if conflicted { "conflicted" } else { "" }) {
            (t(lang, label)) @if conflicted { " ⚠" }
            input name=(name) value=(value);
        }
    }
}

fn date_field(lang: Lang, label: L, name: &str, value: Option<NaiveDate>) -> Markup {
    html! { label { (t(lang, label)) input type="date" name=(name) value=[value]; } }
}

/// The worksite's people the tablet holds, to pick instead of typing a name; `none` first.
fn people_select(app: &App, w: &Worksite, none: L) -> Markup {
    let people: Vec<Person> = w.people().into_iter().filter_map(|p| app.person(p)).collect();
    html! {
        select name="person" {
            option value="" { (t(app.lang, none)) }
            @for p in &people { option value=(p.id) { (p.display_name()) } }
        }
    }
}

/// " (Concerne Kevin Mbuyi)" after an action about a job seeker.
fn concerns(app: &App, a: &terrain_client_core::model::Action) -> Markup {
    html! {
        @if let Some(p) = a.person {
            " (" (t(app.lang, L::Concerns)) " " span.person { (app.person_name(p)) } ")"
        }
    }
}

/// A select with an empty first choice ("—"), for an optional code.
fn optional_select<'a>(lang: Lang, name: &str, codes: impl Iterator<Item = &'a str>, current: Option<&str>) -> Markup {
    html! {
        select name=(name) {
            option value="" selected[current.is_none()] { "—" }
            @for code in codes { option value=(code) selected[Some(code) == current] { (code_label(lang, code)) } }
        }
    }
}

/// An outcome in words, with the contract when kept on: "Maintenu dans l'entreprise (CDI)".
fn outcome_text(lang: Lang, outcome: Outcome, contract: Option<ContractType>) -> String {
    match contract.filter(|_| outcome == Outcome::KeptOn) {
        Some(c) => format!("{} ({})", code_label(lang, outcome.code()), code_label(lang, c.code())),
        None => code_label(lang, outcome.code()).to_owned(),
    }
}

/// A recorded check: "Maintenu dans l'entreprise (CDI), 01/12/2026".
fn check_text(lang: Lang, c: &OutcomeCheck) -> String {
    match c.checked_on {
        Some(on) => format!("{}, {}", outcome_text(lang, c.outcome, c.contract), format_date(on, lang)),
        None => outcome_text(lang, c.outcome, c.contract),
    }
}

fn select<'a>(lang: Lang, name: &str, codes: impl Iterator<Item = &'a str>, current: &str) -> Markup {
    html! {
        select name=(name) {
            @for code in codes { option value=(code) selected[code == current] { (code_label(lang, code)) } }
        }
    }
}

fn choose_position(w: &Worksite) -> Markup {
    html! { select name="position" required { @for p in &w.positions { option value=(p.id) { (p.title) } } } }
}

/// Which kind of document a form's `data-doc` names, for the browser layer.
pub fn kind_of(app: &App, doc: DocumentId) -> Option<DocKind> {
    app.replica.as_ref()?.documents().into_iter().find(|(id, _)| *id == doc).map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Session;

    #[test]
    fn the_login_screen_exists_in_every_language() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let texts: Vec<String> = Lang::ALL.iter().map(|l| page(&App::new(*l, today)).into_string()).collect();
        assert!(texts[0].contains("Se connecter") && texts[1].contains("Aanmelden") && texts[2].contains("Sign in"));
    }

    #[test]
    fn the_status_bar_counts_unsynced_changes() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let mut app = App::new(Lang::En, today);
        let device = terrain_client_core::DeviceId::from_random_bytes([4; 16]);
        app.session = Some(Session {
            login: "sophie".into(),
            display_name: "Sophie".into(),
            role: "advisor".into(),
            device,
            token: "t".into(),
        });
        let mut replica = terrain_client_core::Replica::new(device, [5; 16]);
        let id = DocumentId::from_random_bytes([6; 16]);
        let ctx = terrain_client_core::EditContext { author_label: "Sophie".into(), now_ms: 0 };
        replica
            .create_worksite(id, &terrain_client_core::NewWorksite { name: "Site".into(), ..Default::default() }, &ctx)
            .expect("create");
        app.replica = Some(replica);
        let html = page(&app).into_string();
        assert!(html.contains(r#"data-count="1""#), "{html}");
        assert!(html.contains("Site"));
        // An error is part of the status bar, the part redrawn while a form is being filled in.
        app.flash = Some(Flash::Error("hours : invalid number".into()));
        assert!(status(&app).into_string().contains("Not saved — hours : invalid number"));
    }

    #[test]
    fn a_busy_server_is_a_notice_with_the_wait_in_every_language_not_an_error() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let device = terrain_client_core::DeviceId::from_random_bytes([4; 16]);
        let expected = [
            "Serveur occupé — nouvel essai dans 3 s",
            "Server bezet — nieuwe poging over 3 s",
            "Server busy — trying again in 3 s",
        ];
        for (lang, expected) in Lang::ALL.iter().zip(expected) {
            let mut app = App::new(*lang, today);
            app.replica = Some(terrain_client_core::Replica::new(device, [5; 16]));
            assert!(!status(&app).into_string().contains("sync-busy"));
            app.sync.retry = Some(crate::app::PendingRetry { since_ms: 0, wait_ms: 2_300 });
            let html = status(&app).into_string();
            assert!(html.contains(expected), "{html}");
            assert!(!html.contains("sync-error") && !html.contains(t(*lang, L::SyncFailed)), "{html}");
            // While the resend runs, the bar says it syncs instead.
            app.sync.syncing = true;
            assert!(!status(&app).into_string().contains("sync-busy"));
        }
    }
}
