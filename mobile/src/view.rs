//! The screens, rendered to HTML from the app's state. Buttons carry `data-action`, forms carry
//! `data-form` (parsed by [`crate::forms`]); the browser layer listens once on the page and routes
//! them. Every text comes from [`crate::i18n`].

use chrono::{DateTime, NaiveDate};
use maud::{Markup, html};
use terrain_client_core::conflicts::{Conflict, conflicts};
use terrain_client_core::edit::FieldValue;
use terrain_client_core::indicators::indicators;
use terrain_client_core::model::{Meeting, Person, Worksite};
use terrain_client_core::values::{
    CompanyAnswer, ContractType, CountingUnit, HoursSource, MeetingKind, NoteKind, OfferStatus, PartnerKind,
    PositionStatus, WorksiteStatus,
};
use terrain_client_core::{DocKind, DocumentId};

use crate::app::{App, Flash, Screen};
use crate::i18n::{L, Lang, code_label, format_date, format_hours, format_number, format_percent, t};

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
                (t(lang, L::LastSync)) " : "
                @match app.sync.last_success_ms { Some(ms) => (clock(ms, lang)), None => (t(lang, L::Never)) }
            }
            @if app.sync.syncing { span #syncing { (t(lang, L::Syncing)) } }
            button #sync-now .primary type="button" data-action="sync" disabled[app.sync.syncing] { (t(lang, L::SyncNow)) }
            @if let Some(why) = &app.sync.last_error { p #sync-error .error { (t(lang, L::SyncFailed)) " : " (why) } }
            @if let Some(unsynced) = &app.sync.revoked {
                div #revoked .error {
                    p { (t(lang, L::RevokedNotice)) }
                    ul { @for (doc, kind, n) in unsynced { li { (kind.as_str()) " " (doc) " : " (n) } } }
                }
            }
            @if !pending.quarantined.is_empty() {
                ul #refused {
                    @for (doc, q) in &pending.quarantined {
                        li .refused data-doc=(doc) {
                            strong { (t(lang, L::Refused)) } " — " (document_title(app, *doc)) " : "
                            span.reason data-code=(q.code.as_str()) { (q.message) }
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

fn document_title(app: &App, doc: DocumentId) -> String {
    if let Some(w) = app.worksite(doc) {
        return w.name;
    }
    app.person(doc).map_or_else(|| doc.to_string(), |p| p.display_name())
}

fn clock(ms: i64, lang: Lang) -> String {
    DateTime::from_timestamp_millis(ms)
        .map_or_else(String::new, |d| format!("{} {}", format_date(d.date_naive(), lang), d.format("%H:%M:%S")))
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
    }
}

fn worksites(app: &App) -> Markup {
    let lang = app.lang;
    let list = app.worksites();
    html! {
        h1 { (t(lang, L::MyWorksites)) }
        @if list.is_empty() { p.empty { (t(lang, L::NoWorksite)) } }
        ul #worksites .cards {
            @for w in &list {
                @let i = indicators(w, app.today);
                li.card.worksite data-doc=(w.id) {
                    a.open href=(Screen::Worksite(w.id).hash()) {
                        h2 { (w.name) }
                        p.address { (w.address) }
                        p.figures {
                            span.objective { (t(lang, L::Objective)) " : " (format_number(i.objective, lang)) " " (code_label(lang, w.clause.unit.code())) }
                            " · "
                            span.realised { (t(lang, L::HoursRealised)) " : " (format_hours(i.realised, lang)) }
                            " · "
                            span.done { (t(lang, L::Done)) " : " (format_percent(i.done_ratio, lang)) }
                        }
                        p.due {
                            (t(lang, L::NextFollowUp)) " : "
                            @match i.next_follow_up_due { Some(d) => (format_date(d, lang)), None => "—" }
                            @if i.follow_up_overdue() { " " span.flag.overdue { (t(lang, L::FollowUpOverdue)) } }
                            @if i.recruitment_needed { " " span.flag.recruit { (t(lang, L::RecruitmentNeeded)) } }
                        }
                    }
                }
            }
        }
        p.signout { button.danger type="button" data-action="sign-out" { (t(lang, L::SignOut)) } }
    }
}

fn worksite(app: &App, w: &Worksite) -> Markup {
    let lang = app.lang;
    let doc = app.replica.as_ref().and_then(|r| r.automerge(w.id));
    let found = doc.map(conflicts).unwrap_or_default();
    let people: Vec<Person> = w.people().into_iter().filter_map(|p| app.person(p)).collect();
    let name_of =
        |id: DocumentId| people.iter().find(|p| p.id == id).map_or_else(|| "—".to_owned(), Person::display_name);
    let i = indicators(w, app.today);
    html! {
        p { a.back href="#/" { "← " (t(lang, L::Back)) } }
        h1 #worksite-name data-doc=(w.id) { (w.name) }
        p.figures {
            span #objective { (t(lang, L::Objective)) " : " (format_number(i.objective, lang)) " " (code_label(lang, w.clause.unit.code())) }
            " · " span #realised { (t(lang, L::HoursRealised)) " : " (format_hours(i.realised, lang)) }
            " · " span #done { (format_percent(i.done_ratio, lang)) }
        }
        @if let Some(chart) = terrain_client_core::chart::pace_chart(w, app.today) { figure #pace-chart { (maud::PreEscaped(terrain_client_core::chart::pace_svg(&chart, lang))) } }
        (conflict_list(lang, w.id, &found))
        details #general .section open {
            summary { h2 { (t(lang, L::General)) } }
            form.grid data-form="worksite" data-doc=(w.id) {
                (text_field(lang, L::Name, "name", &w.name, &found, &["worksite", "name"]))
                (text_field(lang, L::Address, "address", &w.address, &found, &["worksite", "address"]))
                (text_field(lang, L::ContractReference, "contract_reference", &w.contract_reference, &found, &["worksite", "contract_reference"]))
                (text_field(lang, L::Authority, "authority_name", &w.authority.name, &found, &["worksite", "authority", "name"]))
                (text_field(lang, L::Contact, "authority_contact", &w.authority.contact, &found, &["worksite", "authority", "contact"]))
                (text_field(lang, L::Contractor, "contractor_name", &w.contractor.name, &found, &["worksite", "contractor", "name"]))
                (text_field(lang, L::Contact, "contractor_contact", &w.contractor.contact, &found, &["worksite", "contractor", "contact"]))
                label { (t(lang, L::Status)) (select(lang, "status", WorksiteStatus::ALL.iter().map(|s| s.code()), w.status.code())) }
                (date_field(lang, L::OrderToStart, "order_to_start", w.order_to_start))
                (date_field(lang, L::PlannedEnd, "planned_end", w.planned_end))
                button.primary type="submit" { (t(lang, L::Save)) }
            }
        }
        details #clause .section {
            summary { h2 { (t(lang, L::Clause)) } }
            form.grid data-form="clause" data-doc=(w.id) {
                label { (t(lang, L::Unit)) (select(lang, "unit", CountingUnit::ALL.iter().map(|s| s.code()), w.clause.unit.code())) }
                label { (t(lang, L::Objective)) input name="objective" inputmode="decimal" value=(w.clause.objective) required; }
                (date_field(lang, L::Deadline, "deadline", w.clause.deadline))
                button.primary type="submit" { (t(lang, L::Save)) }
            }
        }
        details #positions .section {
            summary { h2 { (t(lang, L::Positions)) " (" (w.positions.len()) ")" } }
            ul {
                @for p in &w.positions {
                    li.position {
                        strong { (p.title) } " — " (code_label(lang, p.contract_type.code())) ", " (format_hours(p.hours_planned, lang))
                        form.inline data-form="position-status" data-doc=(w.id) {
                            input type="hidden" name="position" value=(p.id);
                            (select(lang, "status", PositionStatus::ALL.iter().map(|s| s.code()), p.status.code()))
                            button type="submit" { (t(lang, L::Save)) }
                        }
                    }
                }
            }
            form.grid data-form="position" data-doc=(w.id) {
                label { (t(lang, L::Title)) input name="title" required; }
                label { (t(lang, L::Tasks)) textarea name="tasks" {} }
                label { (t(lang, L::Requirements)) textarea name="requirements" {} }
                label { (t(lang, L::ContractType)) (select(lang, "contract_type", ContractType::ALL.iter().map(|s| s.code()), "fixed_term")) }
                (date_field(lang, L::PlannedStart, "planned_start", None))
                label { (t(lang, L::HoursPlanned)) input name="hours_planned" inputmode="decimal"; }
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
        details #referrals .section {
            summary { h2 { (t(lang, L::Referrals)) " (" (w.referrals.len()) ")" } }
            ul {
                @for r in &w.referrals {
                    li.referral {
                        a href=(Screen::Person(w.id, r.person).hash()) { (name_of(r.person)) }
                        " — " (r.partner_label())
                        form.inline data-form="referral" data-doc=(w.id) {
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
            @if !w.positions.is_empty() {
                h3 { (t(lang, L::NewCandidate)) }
                form.grid data-form="candidate" data-doc=(w.id) {
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
            }
        }
        details #placements .section open {
            summary { h2 { (t(lang, L::Placements)) " (" (w.placements.len()) ")" } }
            @for p in &w.placements {
                article.placement data-placement=(p.id) {
                    h3 { a href=(Screen::Person(w.id, p.person).hash()) { (name_of(p.person)) } " — " (code_label(lang, p.contract_type.code())) }
                    table.hours {
                        thead { tr { th { (t(lang, L::Month)) } th { (t(lang, L::Hours)) } th { (t(lang, L::Source)) } } }
                        tbody {
                            @for h in &p.hours {
                                tr data-month=(h.month.to_string()) { td { (h.month.to_string()) } td.h { (format_hours(h.hours.get(), lang)) } td { (code_label(lang, h.source.code())) } }
                            }
                        }
                    }
                    form.inline data-form="hours" data-doc=(w.id) {
                        input type="hidden" name="placement" value=(p.id);
                        label { (t(lang, L::Month)) input type="month" name="month" required; }
                        label { (t(lang, L::Hours)) input name="hours" inputmode="decimal" required; }
                        label { (t(lang, L::Source)) (select(lang, "source", HoursSource::ALL.iter().map(|s| s.code()), "attendance_sheet")) }
                        button.primary type="submit" { (t(lang, L::RecordHours)) }
                    }
                }
            }
            @if !people.is_empty() && !w.positions.is_empty() {
                form.grid data-form="placement" data-doc=(w.id) {
                    label { (t(lang, L::Person)) select name="person" { @for p in &people { option value=(p.id) { (p.display_name()) } } } }
                    label { (t(lang, L::Position)) (choose_position(w)) }
                    label { (t(lang, L::ContractType)) (select(lang, "contract_type", ContractType::ALL.iter().map(|s| s.code()), "fixed_term")) }
                    (date_field(lang, L::Start, "start", Some(app.today)))
                    (date_field(lang, L::End, "end", None))
                    label { (t(lang, L::WeeklyHours)) input name="weekly_hours" inputmode="decimal"; }
                    button.primary type="submit" { (t(lang, L::Add)) }
                }
            }
        }
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
            form.grid data-form="meeting" data-doc=(w.id) {
                label { (t(lang, L::Kind)) (select(lang, "kind", MeetingKind::ALL.iter().map(|s| s.code()), "follow_up")) }
                (date_field(lang, L::Date, "date", Some(app.today)))
                label { (t(lang, L::Place)) input name="place"; }
                label.wide { (t(lang, L::Notes)) textarea name="notes" rows="5" {} }
                (date_field(lang, L::NextMeeting, "next_meeting", None))
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
        details #offers .section {
            summary { h2 { (t(lang, L::JobOffers)) " (" (w.job_offers.len()) ")" } }
            ul {
                @for o in &w.job_offers {
                    li.offer {
                        strong { (o.employer) } " — " (o.role) " — " (o.contact)
                        form.inline data-form="offer-status" data-doc=(w.id) {
                            input type="hidden" name="offer" value=(o.id);
                            (select(lang, "status", OfferStatus::ALL.iter().map(|s| s.code()), o.status.code()))
                            button type="submit" { (t(lang, L::Save)) }
                        }
                    }
                }
            }
            form.grid data-form="offer" data-doc=(w.id) {
                label { (t(lang, L::Employer)) input name="employer" required; }
                label { (t(lang, L::Role)) input name="role"; }
                label { (t(lang, L::Contact)) input name="contact"; }
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
        details #people .section {
            summary { h2 { (t(lang, L::People)) " (" (people.len()) ")" } }
            ul { @for p in &people { li { a href=(Screen::Person(w.id, p.id).hash()) { (p.display_name()) } } } }
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
        p { (t(lang, L::Place)) " : " (m.place) }
        (conflict_list(lang, w.id, &mine))
        form.grid #notes-form data-form="meeting-notes" data-doc=(w.id) {
            input type="hidden" name="meeting" value=(m.id);
            label.wide { (t(lang, L::Notes)) textarea #notes name="notes" rows="10" { (m.notes) } }
            (date_field(lang, L::NextMeeting, "next_meeting", m.next_meeting))
            button.primary type="submit" { (t(lang, L::Save)) }
        }
        section.section {
            h2 { (t(lang, L::Attendees)) }
            ul { @for a in &m.attendees { li { (a.name) " — " (a.organisation) } } }
            form.inline data-form="attendee" data-doc=(w.id) {
                input type="hidden" name="meeting" value=(m.id);
                label { (t(lang, L::Name)) input name="name" required; }
                label { (t(lang, L::Organisation)) input name="organisation"; }
                button type="submit" { (t(lang, L::Add)) }
            }
        }
        section.section {
            h2 { (t(lang, L::Decisions)) }
            ul { @for d in &m.decisions { li { (d.text) } } }
            form.inline data-form="decision" data-doc=(w.id) {
                input type="hidden" name="meeting" value=(m.id);
                label.wide { (t(lang, L::Text)) input name="text" required; }
                button type="submit" { (t(lang, L::Add)) }
            }
        }
        section.section {
            h2 { (t(lang, L::Actions)) }
            ul {
                @for a in &m.actions {
                    li.action {
                        (a.what) " — " (a.who) " — " @match a.due { Some(d) => (format_date(d, lang)), None => "—" }
                        form.inline data-form="action-done" data-doc=(w.id) {
                            input type="hidden" name="meeting" value=(m.id);
                            input type="hidden" name="action" value=(a.id);
                            input type="hidden" name="done" value=(!a.done);
                            button type="submit" aria-pressed=(a.done) { (t(lang, L::MarkDone)) @if a.done { " ✓" } }
                        }
                    }
                }
            }
            form.inline data-form="action" data-doc=(w.id) {
                input type="hidden" name="meeting" value=(m.id);
                label { (t(lang, L::What)) input name="what" required; }
                label { (t(lang, L::Who)) input name="who"; }
                (date_field(lang, L::Due, "due", None))
                button type="submit" { (t(lang, L::Add)) }
            }
        }
    }
}

fn person_screen(app: &App, worksite: DocumentId, p: &Person) -> Markup {
    let lang = app.lang;
    let found = app.replica.as_ref().and_then(|r| r.automerge(p.id)).map(conflicts).unwrap_or_default();
    html! {
        p { a.back href=(Screen::Worksite(worksite).hash()) { "← " (t(lang, L::Back)) } }
        h1 #person-name data-doc=(p.id) { (p.display_name()) }
        (conflict_list(lang, p.id, &found))
        form.grid data-form="person" data-doc=(p.id) {
            (text_field(lang, L::FirstName, "first_name", &p.first_name, &found, &["person", "first_name"]))
            (text_field(lang, L::LastName, "last_name", &p.last_name, &found, &["person", "last_name"]))
            (text_field(lang, L::Phone, "phone", &p.phone, &found, &["person", "phone"]))
            (text_field(lang, L::Email, "email", &p.email, &found, &["person", "email"]))
            (text_field(lang, L::PartnerName, "partner_name", &p.partner_name, &found, &["person", "partner_name"]))
            button.primary type="submit" { (t(lang, L::Save)) }
        }
        section.section {
            h2 { (t(lang, L::PersonNotes)) }
            ul { @for n in &p.notes { li.note { strong { (code_label(lang, n.kind.code())) } " " @if let Some(d) = n.date { (format_date(d, lang)) } " — " (n.text) } } }
            form.grid data-form="person-note" data-doc=(p.id) {
                input type="hidden" name="worksite" value=(worksite);
                label { (t(lang, L::Kind)) (select(lang, "kind", NoteKind::ALL.iter().map(|s| s.code()), "interview")) }
                (date_field(lang, L::Date, "date", Some(app.today)))
                label.wide { (t(lang, L::Text)) textarea name="text" rows="4" required {} }
                button.primary type="submit" { (t(lang, L::Add)) }
            }
        }
        section.section {
            h2 { (t(lang, L::Evaluations)) }
            ul {
                @for e in &p.evaluations {
                    li.evaluation {
                        @if let Some(d) = e.date { (format_date(d, lang)) " — " } (e.text)
                        @match &e.consent {
                            Some(c) => p.consent { (t(lang, L::ConsentRecorded)) " " (t(lang, L::By)) " " (c.recorded_by) ", " (format_date(c.recorded_on, lang)) },
                            None => form.inline data-form="consent" data-doc=(p.id) {
                                input type="hidden" name="evaluation" value=(e.id);
                                input type="hidden" name="recorded_by" value=(app.author_label());
                                input type="hidden" name="recorded_on" value=(app.today);
                                button type="submit" { (t(lang, L::RecordConsent)) }
                            },
                        }
                    }
                }
            }
            form.grid data-form="evaluation" data-doc=(p.id) {
                input type="hidden" name="worksite" value=(worksite);
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
}
