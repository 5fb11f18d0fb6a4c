//! HTML of the dashboard (maud: escaped by construction). JavaScript is limited to the live
//! updates: an `EventSource` that refetches the page and swaps its `<main>`.

use std::collections::BTreeMap;

use automerge::Automerge;
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use terrain_client_core::conflicts::conflicts;
use terrain_client_core::edit::FieldValue;
use terrain_client_core::indicators::indicators;
use terrain_client_core::model::Worksite;
use terrain_client_core::values::{CompanyAnswer, CountingUnit, MeetingKind};

use super::forms::{self, Kind, Problem};
use super::i18n::{L, Lang, code_label, format_date, format_hours, format_number, format_opt_date, format_percent, t};
use crate::auth::Caller;
use crate::store::{HistoryEntry, PortfolioPage, PortfolioQuery, PortfolioSort};

const STYLE: &str = r#"
body{font-family:system-ui,sans-serif;margin:0;color:#1d2630;background:#f6f7f9}
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#1f3a5f;color:#fff}
header a{color:#fff}header .spacer{flex:1}
main{padding:1rem 1.2rem;max-width:1400px}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1.2rem}
th,td{border-bottom:1px solid #dde2e8;padding:.35rem .5rem;text-align:left;vertical-align:top}
th a{color:inherit}td.num,th.num{text-align:right}
section{margin-bottom:1.4rem}h2{font-size:1.15rem;margin:.2rem 0}
.flag{display:inline-block;padding:.05rem .4rem;border-radius:.3rem;font-size:.85em;margin:.1rem}
.flag-recruitment{background:#fde2c8}.flag-overdue{background:#f8c9c9}
.flag-revoked{background:#e2e5e9}tr.revoked{color:#5b6672}tr.silent td{background:#fdf0f0}
.meeting{background:#fff;padding:.6rem;margin:.4rem 0;border-left:4px solid #1f3a5f}
.notes{white-space:pre-wrap}.conflict{background:#fff7d6;padding:.5rem;margin:.3rem 0}
#live-status{font-size:.85em;opacity:.8}form.inline{display:inline}
div.scroll{overflow-x:auto}
#portfolio{font-size:.85rem}#portfolio th,#portfolio td{padding:.3rem .3rem}#portfolio th{overflow-wrap:normal;word-break:normal;hyphens:manual}
#portfolio th abbr{text-decoration:none;cursor:help}
#portfolio td:nth-child(-n+4){overflow-wrap:anywhere;min-width:4.5em}
#portfolio svg.progress{display:block;width:100%;max-width:100px;height:auto}
#portfolio .flag{display:block;width:max-content;max-width:8em;white-space:normal}
#portfolio-totals{width:auto}#portfolio-totals caption{text-align:left;font-weight:600}
#filters label{display:inline-block;margin:.2rem 0}#portfolio-q{width:16em;max-width:100%}
nav#pages{margin:.5rem 0 1rem}nav#pages a,nav#pages strong{padding:.1rem .3rem}
p.field{margin:.3rem 0}p.field.invalid input,p.field.invalid select,p.field.invalid textarea{border:2px solid #b3261e;background:#fff4f3}
.field-error,.form-error{color:#b3261e;font-weight:600}.saved{color:#1e6b35;font-weight:600}
form.edit{background:#fff;padding:.6rem .8rem;margin:.4rem 0;border:1px solid #dde2e8}
fieldset{border:1px solid #dde2e8;margin:.4rem 0}.row{display:flex;flex-wrap:wrap;gap:0 1rem}
#refresh-note{background:#fff7d6;padding:.3rem .6rem}
@media print{header,.no-print{display:none}body{background:#fff}}
"#;

/// Brings the first error of a refused form into view (the field also has `autofocus`).
const FOCUS: &str = r#"(function(){var e=document.querySelector('.field-error,.form-error');if(e){e.scrollIntoView({block:'center'});}})();"#;

/// Forgets the form a page answers. Chromium keeps a form's posted body with the history entry of
/// the page answering it (a refused form drawn again, a search's answer), and saves it in the
/// session files of its profile, which no erasure reaches: the entry is replaced by one without
/// a body (the same address; nothing is posted again on reload).
const FORGET_POST: &str = r#"(function(){if(history.replaceState){history.replaceState(null,'',location.href);}})();"#;

/// Live updates. The page names what it shows (`data-live` on an element of `<main>`: kinds and
/// ids such as `worksite:<id>`, `worksite:*`, `person:*`; everything when absent; `none`: a page
/// never refreshed, such as a search's answer). On each
/// `changed` event naming something shown, the page fetches itself again; it swaps `<main>` only
/// when the fresh one differs, and never while a form holds unsent input (a typed value, a changed
/// selection): then it shows "updated — refresh" instead, and what was typed stays.
const LIVE: &str = r#"
(function(){
  var status=document.getElementById('live-status');
  var note=document.getElementById('refresh-note');
  var main=document.querySelector('main');
  var drawn=main.innerHTML;
  var asked=0, shown=0;
  function scope(){var e=document.querySelector('main [data-live]');return e?e.getAttribute('data-live').split(' '):['*'];}
  function concerns(ids){
    var want=scope();
    if(want.indexOf('*')>=0||!ids||ids==='*'){return true;}
    return ids.split(',').some(function(d){var k=d.split(':')[0];
      return want.indexOf(d)>=0||want.indexOf(k+':*')>=0;});
  }
  function holdsInput(){
    var fields=document.querySelectorAll('main input, main textarea, main select');
    for(var i=0;i<fields.length;i++){var f=fields[i];
      if(f.type==='hidden'||f.type==='submit'||f.type==='button'){continue;}
      if(f.tagName==='SELECT'){for(var j=0;j<f.options.length;j++){if(f.options[j].selected!==f.options[j].defaultSelected){return true;}}continue;}
      if(f.type==='checkbox'||f.type==='radio'){if(f.checked!==f.defaultChecked){return true;}continue;}
      if(f.value!==f.defaultValue){return true;}
    }
    return false;
  }
  // One fetch at a time: commits heard while one is under way cause one more fetch after it.
  var busy=false, again=false;
  function refresh(){
    if(scope().indexOf('none')>=0){return;}
    if(busy){again=true;return;}
    busy=true;
    var mine=++asked;
    var done=function(){busy=false;if(again){again=false;refresh();}};
    fetch(location.href,{credentials:'same-origin'}).then(function(r){return r.text();}).then(function(html){
      done();
      if(mine<shown){return;}
      shown=mine;
      var fresh=new DOMParser().parseFromString(html,'text/html').querySelector('main');
      if(!fresh||fresh.innerHTML===drawn){return;}
      if(holdsInput()){if(note){note.hidden=false;}document.body.dataset.stale='1';return;}
      drawn=fresh.innerHTML;
      document.querySelector('main').replaceWith(fresh);
      document.body.dataset.refreshed=String(Number(document.body.dataset.refreshed||0)+1);
    },done);
  }
  var es=new EventSource('/office/events');
  // On (re)connection, fetch once: commits between drawing the page and connecting are shown too.
  es.addEventListener('ready',function(){if(status){status.dataset.state='connected';} refresh();});
  es.addEventListener('changed',function(e){if(concerns(e.data)){refresh();}});
  es.onerror=function(){if(status){status.dataset.state='reconnecting';}};
})();
"#;

fn layout(lang: Lang, title: &str, caller: Option<&Caller>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (t(lang, L::AppName)) }
                style { (PreEscaped(STYLE)) }
            }
            body data-refreshed="0" {
                header {
                    a href="/office" { strong { (t(lang, L::AppName)) } }
                    span.spacer {}
                    @if caller.is_some() {
                        span #live-status data-state="connecting" { "● " (t(lang, L::Live)) }
                    }
                    @for l in Lang::ALL {
                        a.lang href=(format!("/office/lang/{}", l.code())) data-lang=(l.code()) { (l.code().to_uppercase()) }
                    }
                    @if let Some(c) = caller {
                        a href="/office/people" { (t(lang, L::People)) }
                        a #agenda-link href="/office/agenda" { (super::agenda::text::t(lang, super::agenda::text::L::Agenda)) }
                        a #partners-link href="/office/partners" { (t(lang, L::Partners)) }
                        @if c.is_admin() { a href="/office/admin" { (t(lang, L::Administration)) } }
                        a #account-link href="/office/account" { (c.user.display_name) }
                        form.inline method="post" action="/office/logout" { button type="submit" { (t(lang, L::SignOut)) } }
                    }
                }
                @if caller.is_some() {
                    p #refresh-note role="status" hidden { (t(lang, L::UpdatedElsewhere)) " " a #refresh-link href="" { (t(lang, L::Refresh)) } }
                }
                main { div.scroll { (body) } }
                script { (PreEscaped(FORGET_POST)) }
                script { (PreEscaped(FOCUS)) }
                @if caller.is_some() { script { (PreEscaped(LIVE)) } }
            }
        }
    }
}

/// A page of the signed-in dashboard with the common header.
pub fn page(lang: Lang, title: &str, caller: &Caller, body: Markup) -> Markup {
    layout(lang, title, Some(caller), body)
}

/// A page with one sentence (errors).
pub fn message(lang: Lang, text: &str) -> Markup {
    layout(lang, text, None, html! { p.message { (text) } p { a href="/office" { (t(lang, L::Back)) } } })
}

/// The sign-in page; `notice` after the first-run setup. It says where the tablet app is.
pub fn login(lang: Lang, error: Option<&str>) -> Markup {
    login_with(lang, error, None)
}

/// The sign-in page with a notice.
pub fn login_with(lang: Lang, error: Option<&str>, notice: Option<&str>) -> Markup {
    layout(
        lang,
        t(lang, L::SignIn),
        None,
        html! {
            h1 { (t(lang, L::SignIn)) }
            @if let Some(n) = notice { p #notice role="status" { (n) } }
            @if let Some(e) = error { p #login-error role="alert" { (e) } }
            form method="post" action="/office/login" {
                p { label { (t(lang, L::Login)) br; input name="login" autocomplete="username" required; } }
                p { label { (t(lang, L::Password)) br; input name="password" type="password" autocomplete="current-password" required; } }
                button #login-submit type="submit" { (t(lang, L::SignIn)) }
            }
            p #tablet-app { (t(lang, L::TabletAppIsAt)) " " a href="/app/" { "/app/" } }
        },
    )
}

/// The first-run page: the one-time code from the server log, and the first admin's account.
pub fn setup(lang: Lang, form: &super::setup::SetupForm, problems: &[Problem]) -> Markup {
    layout(
        lang,
        t(lang, L::SetupTitle),
        None,
        html! {
            h1 { (t(lang, L::SetupTitle)) }
            p { (t(lang, L::SetupIntro)) }
            form #setup method="post" action="/setup" novalidate {
                (forms::field(t(lang, L::SetupCode), "code", form.code(), Kind::Text, problems))
                (forms::field(t(lang, L::Login), "login", form.login(), Kind::Text, problems))
                (forms::field(t(lang, L::DisplayName), "display_name", form.display_name(), Kind::Text, problems))
                (forms::field(t(lang, L::Password), "password", "", Kind::Password, problems))
                (forms::summary(problems, t(lang, L::FixFields)))
                button #setup-submit type="submit" { (t(lang, L::SetupCreate)) }
            }
            p #tablet-app { (t(lang, L::TabletAppIsAt)) " " a href="/app/" { "/app/" } }
        },
    )
}

/// Which field a conflict is about, in words: "Contact du pouvoir adjudicateur", "Mises à
/// l'emploi et heures › Heures par semaine"; never a stored key or an id.
fn conflict_heading(lang: Lang, path: &[String]) -> String {
    let keys: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .filter(|k| uuid::Uuid::parse_str(k).is_err() && !matches!(*k, "worksite" | "person"))
        .collect();
    let leaf = |key: &str| match key {
        "name" => L::Name,
        "address" => L::Address,
        "contract_reference" => L::ContractReference,
        "lots" => L::Lots,
        "advisor" => L::Advisor,
        "status" => L::Status,
        "order_to_start" => L::OrderToStart,
        "planned_end" => L::PlannedEnd,
        "objective" => L::Objective,
        "deadline" => L::Deadline,
        "unit" => L::ClauseUnit,
        "contact" => L::ConflictContact,
        "title" => L::ConflictTitle,
        "tasks" => L::ConflictTasks,
        "requirements" => L::ConflictRequirements,
        "hours" | "hours_planned" => L::ConflictHours,
        "weekly_hours" => L::WeeklyHours,
        "start" => L::Start,
        "end" => L::End,
        "trade" => L::Trade,
        "date" => L::Date,
        "place" => L::Place,
        "notes" => L::Notes,
        "kind" => L::Kind,
        "text" => L::Text,
        "who" => L::Who,
        "due" => L::Due,
        "role" => L::Role,
        "employer" => L::ConflictEmployer,
        "organisation" => L::Organisation,
        "phone" => L::Phone,
        "email" => L::Email,
        "evaluation" | "evaluations" => L::ConflictEvaluation,
        _ => L::ConflictField,
    };
    let words: Vec<&str> = match keys.as_slice() {
        ["authority", "contact"] => vec![t(lang, L::AuthorityContact)],
        ["contractor", "contact"] => vec![t(lang, L::ContractorContact)],
        ["authority", ..] => vec![t(lang, L::Authority)],
        ["contractor", ..] => vec![t(lang, L::Contractor)],
        ["subcontractors", "contact"] => vec![t(lang, L::SubcontractorContact)],
        ["subcontractors", ..] => vec![t(lang, L::Subcontractor)],
        ["clause", rest @ ..] => vec![t(lang, leaf(rest.last().copied().unwrap_or("")))],
        [list @ ("phases" | "positions" | "placements" | "meetings"), rest @ ..] => {
            let section = match *list {
                "phases" => L::PhaseName,
                "positions" => L::Positions,
                "placements" => L::Placements,
                _ => L::Meetings,
            };
            vec![t(lang, section), t(lang, leaf(rest.last().copied().unwrap_or("")))]
        }
        [.., last] => vec![t(lang, leaf(last))],
        [] => vec![t(lang, L::ConflictField)],
    };
    words.join(" › ")
}

/// A figure with what it counts: `1 552 h`, or `2 postes` for a clause counted in positions.
pub fn amount(lang: Lang, unit: CountingUnit, value: f64) -> String {
    terrain_client_core::i18n::format_amount(value, unit, lang)
}

/// What "realised" counts for a clause: hours, or positions filled.
pub fn realised_label(lang: Lang, unit: CountingUnit) -> &'static str {
    match unit {
        CountingUnit::Hours => t(lang, L::HoursRealised),
        CountingUnit::Positions => t(lang, L::PositionsFilled),
    }
}

/// `a=1&b=2`, values percent-encoded, absent ones left out.
fn url_query(pairs: &[(&str, Option<&str>)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().filter_map(|(k, v)| v.map(|v| format!("{k}={}", enc(v)))).collect::<Vec<_>>().join("&")
}

/// The short header of a portfolio column (see [`portfolio`]); the full label is its title.
fn column_label(lang: Lang, sort: PortfolioSort) -> &'static str {
    use PortfolioSort as S;
    let [fr, nl, en] = match sort {
        S::Name => ["Chantier", "Werf", "Worksite"],
        S::Authority => ["Pouvoir adj.", "Aanbesteder", "Authority"],
        S::Contractor => ["Entreprise", "Aannemer", "Contractor"],
        S::Advisor => ["Conseiller", "Consulent", "Advisor"],
        S::Status => ["Statut", "Status", "Status"],
        S::Objective => ["Objectif", "Doel", "Objective"],
        S::Realised => ["Réalisé", "Bereikt", "Realised"],
        // A no-break space keeps the sign with its word.
        S::Done => ["%\u{a0}réalisé", "%\u{a0}bereikt", "%\u{a0}done"],
        S::Elapsed => ["%\u{a0}écoulé", "%\u{a0}verstreken", "%\u{a0}elapsed"],
        S::Forecast => ["Prévision", "Prognose", "Forecast"],
    };
    match lang {
        Lang::Fr => fr,
        Lang::Nl => nl,
        Lang::En => en,
    }
}

/// The portfolio: one page of worksites, the totals of the whole selection, the filters, the
/// search and the page links, every link keeping the others in the URL.
pub fn portfolio(lang: Lang, caller: &Caller, page: &PortfolioPage, q: &PortfolioQuery) -> Markup {
    let status = q.status.map(|s| s.code());
    let search = q.search.as_deref().unwrap_or("");
    // The URL of this portfolio with a different sort or page.
    let link = |sort: PortfolioSort, descending: bool, number: u32| {
        let number = number.to_string();
        let query = url_query(&[
            ("advisor", q.advisor.as_deref()),
            ("authority", q.authority.as_deref()),
            ("status", status),
            ("q", q.search.as_deref()),
            ("sort", (sort != PortfolioSort::Name).then(|| sort.code())),
            ("dir", descending.then_some("desc")),
            ("page", (number != "1").then_some(number.as_str())),
        ]);
        if query.is_empty() { "/office".to_owned() } else { format!("/office?{query}") }
    };
    // A column's header: a short label (whole words only, so that eleven columns fit a 1024 px
    // window in every language), the full one as its title.
    let header = |sort: PortfolioSort, label: L, num: bool| {
        let descending = q.sort == sort && !q.descending;
        let (short, full) = (column_label(lang, sort), t(lang, label));
        html! { th.num[num] { a href=(link(sort, descending, 1)) data-sort=(sort.code()) {
            @if short == full { (full) } @else { abbr title=(full) { (short) } }
        } } }
    };
    let pages = page.totals.pages();
    let current = q.page.clamp(1, pages);
    // First, last, and two either side of the current page; a gap is shown as "…".
    let mut numbers: Vec<u32> = (1..=pages).filter(|n| *n == 1 || *n == pages || n.abs_diff(current) <= 2).collect();
    numbers.dedup();
    let totals = &page.totals;
    let filtered = q.advisor.is_some() || q.authority.is_some() || q.status.is_some() || !search.is_empty();
    layout(
        lang,
        t(lang, L::Portfolio),
        Some(caller),
        html! {
            h1 { (t(lang, L::Portfolio)) }
            p.no-print { a #new-worksite-link href="/office/worksites/new" { "+ " (t(lang, L::NewWorksite)) } }
            form #filters method="get" action="/office" {
                label { (t(lang, L::Advisor)) " " select name="advisor" { option value="" { (t(lang, L::All)) } @for a in &page.advisors { option value=(a) selected[q.advisor.as_deref() == Some(a.as_str())] { (a) } } } }
                " "
                label { (t(lang, L::Authority)) " " select name="authority" { option value="" { (t(lang, L::All)) } @for a in &page.authorities { option value=(a) selected[q.authority.as_deref() == Some(a.as_str())] { (a) } } } }
                " "
                label { (t(lang, L::Status)) " " select name="status" { option value="" { (t(lang, L::All)) } @for s in &page.statuses { option value=(s) selected[status == Some(s.as_str())] { (code_label(lang, s)) } } } }
                " "
                label for="portfolio-q" { (t(lang, L::SearchWorksites)) } " "
                input #portfolio-q type="search" name="q" value=(search);
                @if q.sort != PortfolioSort::Name { input type="hidden" name="sort" value=(q.sort.code()); }
                @if q.descending { input type="hidden" name="dir" value="desc"; }
                " " button #filter-submit type="submit" { (t(lang, L::Filter)) }
            }
            table #portfolio-totals {
                caption { (t(lang, L::WholeSelection)) }
                tbody {
                    tr { th { (t(lang, L::WorksiteCount)) } td.num #total-worksites data-value=(totals.worksites) { (format_number(totals.worksites as f64, lang)) } }
                    tr { th { (t(lang, L::Objective)) " · " (t(lang, L::RealisedSoFar)) " · " (t(lang, L::Forecast)) " (" (t(lang, L::HoursClauses)) ")" }
                        td.num #total-hours data-objective=(totals.objective_hours) data-realised=(totals.realised_hours) data-forecast=(totals.forecast_hours) {
                            (format_hours(totals.objective_hours, lang)) " · " (format_hours(totals.realised_hours, lang)) " · " (format_hours(totals.forecast_hours, lang)) } }
                    @if totals.objective_positions > 0.0 || totals.realised_positions > 0.0 {
                        tr { th { (t(lang, L::Objective)) " · " (t(lang, L::PositionsFilled)) " (" (t(lang, L::PositionsClauses)) ")" }
                            td.num #total-positions { (amount(lang, CountingUnit::Positions, totals.objective_positions)) " · " (amount(lang, CountingUnit::Positions, totals.realised_positions)) } }
                    }
                    tr { th { (t(lang, L::RecruitmentNeeded)) } td.num #total-recruitment data-value=(totals.recruitment_needed) { (totals.recruitment_needed) } }
                    tr { th { (t(lang, L::FollowUpOverdue)) } td.num #total-overdue data-value=(totals.follow_up_overdue) { (totals.follow_up_overdue) } }
                }
            }
            @if page.rows.is_empty() && filtered { p #no-match { (t(lang, L::NoWorksiteMatches)) } }
            table #portfolio data-live="worksite:*" data-page=(current) data-pages=(pages) {
                thead { tr {
                    (header(PortfolioSort::Name, L::Worksite, false)) (header(PortfolioSort::Authority, L::Authority, false)) (header(PortfolioSort::Contractor, L::Contractor, false))
                    (header(PortfolioSort::Advisor, L::Advisor, false)) (header(PortfolioSort::Status, L::Status, false)) (header(PortfolioSort::Objective, L::Objective, true))
                    (header(PortfolioSort::Realised, L::RealisedSoFar, true)) (header(PortfolioSort::Done, L::Done, true)) (header(PortfolioSort::Elapsed, L::Elapsed, true))
                    (header(PortfolioSort::Forecast, L::Forecast, true)) th { (t(lang, L::Flags)) }
                } }
                tbody {
                    @for r in &page.rows {
                        @let i = &r.indicators;
                        tr data-worksite=(r.id) {
                            td { a href=(format!("/office/worksites/{}", r.id)) { (r.name) } }
                            td { (r.authority) } td { (r.contractor) } td { (r.advisor) } td { (code_label(lang, &r.status)) }
                            td.num.objective { (amount(lang, r.unit, i.objective)) }
                            td.num.realised data-unit=(r.unit.code()) { (amount(lang, r.unit, i.realised)) }
                            td.num.done { (format_percent(i.done_ratio, lang)) " " (PreEscaped(terrain_client_core::chart::progress_svg(i.done_ratio, i.elapsed_ratio, lang))) }
                            td.num.elapsed { (format_percent(i.elapsed_ratio, lang)) }
                            td.num.forecast { (amount(lang, r.unit, i.forecast)) }
                            td {
                                @if i.recruitment_needed { span.flag.flag-recruitment { (t(lang, L::RecruitmentNeeded)) } }
                                @if i.follow_up_overdue() { span.flag.flag-overdue { (t(lang, L::FollowUpOverdue)) } }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav #pages.no-print aria-label=(t(lang, L::Pages)) {
                    (t(lang, L::PageLabel)) " " span #page-current { (current) } " " (t(lang, L::PageOf)) " " span #page-count { (pages) } " · "
                    @if current > 1 { a #page-prev rel="prev" href=(link(q.sort, q.descending, current - 1)) { (t(lang, L::PreviousPage)) } " " }
                    @for (k, n) in numbers.iter().enumerate() {
                        @if k > 0 && numbers[k - 1] + 1 != *n { "… " }
                        @if *n == current { strong.page aria-current="page" { (n) } " " }
                        @else { a.page href=(link(q.sort, q.descending, *n)) data-page=(n) { (n) } " " }
                    }
                    @if current < pages { a #page-next rel="next" href=(link(q.sort, q.descending, current + 1)) { (t(lang, L::NextPage)) } }
                }
            }
            p.no-print {
                a href="/office/export/placements.csv" { (t(lang, L::ExportPlacements)) } " " a href="/office/export/placements.xlsx" { "(XLSX)" } " · "
                a href="/office/export/hours.csv" { (t(lang, L::ExportHours)) } " " a href="/office/export/hours.xlsx" { "(XLSX)" } " · "
                a href="/office/summary" { (t(lang, L::YearlySummary)) }
            }
        },
    )
}

pub(super) fn kind_label(lang: Lang, kind: MeetingKind) -> &'static str {
    match (kind, lang) {
        (MeetingKind::Kickoff, Lang::Fr) => "Réunion de lancement",
        (MeetingKind::Kickoff, Lang::Nl) => "Startvergadering",
        (MeetingKind::Kickoff, Lang::En) => "Kick-off meeting",
        (MeetingKind::FollowUp, Lang::Fr) => "Réunion de suivi",
        (MeetingKind::FollowUp, Lang::Nl) => "Opvolgingsvergadering",
        (MeetingKind::FollowUp, Lang::En) => "Follow-up meeting",
        (MeetingKind::Evaluation, Lang::Fr) => "Bilan de fin de contrat",
        (MeetingKind::Evaluation, Lang::Nl) => "Eindevaluatie",
        (MeetingKind::Evaluation, Lang::En) => "End-of-contract evaluation",
        (MeetingKind::Mediation, Lang::Fr) => "Médiation",
        (MeetingKind::Mediation, Lang::Nl) => "Bemiddeling",
        (MeetingKind::Mediation, Lang::En) => "Mediation",
        (MeetingKind::Other, Lang::Fr) => "Autre",
        (MeetingKind::Other, Lang::Nl) => "Andere",
        (MeetingKind::Other, Lang::En) => "Other",
    }
}

fn value_text(v: &FieldValue) -> String {
    match v {
        FieldValue::Str(s) => s.clone(),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Null => "—".into(),
    }
}

/// A worksite.
#[allow(clippy::too_many_arguments)]
pub fn worksite(
    lang: Lang,
    caller: &Caller,
    doc: &Automerge,
    w: &Worksite,
    history: &[HistoryEntry],
    today: NaiveDate,
    edit: Markup,
    meeting_forms: &super::meetings::Forms<'_>,
    partners: &terrain_client_core::partners::PartnerList,
) -> Markup {
    let i = indicators(w, today);
    let name = |id| meeting_forms.person_name(id);
    let found = conflicts(doc);
    // One row per partner body: by record when the referral is linked to one (so "CDR IrisTech"
    // typed twice two ways is one row), else by the name typed, else by its kind's label.
    let mut funnel: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for r in &w.referrals {
        let row = funnel.entry(partners.referral_partner(lang, r)).or_default();
        row[0] += 1;
        row[1] += usize::from(r.interview_held);
        row[2] += usize::from(r.sent_to_company);
        row[3] += usize::from(r.company_answer == CompanyAnswer::Hired);
    }
    let mut months: Vec<String> =
        w.placements.iter().flat_map(|p| p.hours.iter().map(|h| h.month.to_string())).collect();
    months.sort();
    months.dedup();
    let timeline = super::timeline::groups(doc, history, lang);
    layout(
        lang,
        &w.name,
        Some(caller),
        html! {
            p.no-print { a href="/office" { "← " (t(lang, L::Back)) } }
            h1 #worksite-name data-live=(format!("worksite:{}", w.id)) { (w.name) }
            section #contract {
                h2 { (t(lang, L::Contract)) }
                table { tbody {
                    tr { th { (t(lang, L::ContractReference)) } td { (w.contract_reference) } }
                    tr { th { (t(lang, L::Address)) } td { (w.address) } }
                    tr { th { (t(lang, L::Authority)) } td #authority { (w.authority.name) " " small { (w.authority.contact) } } }
                    tr { th { (t(lang, L::Lots)) } td #lots { (w.lots) } }
                    tr { th { (t(lang, L::Contractor)) } td #contractor { (w.contractor.name) " " small { (w.contractor.contact) } } }
                    @for (_, s) in &w.subcontractors { tr.subcontractor { th { (t(lang, L::Subcontractor)) } td { (s.name) " " small { (s.contact) } } } }
                    tr { th { (t(lang, L::Status)) } td #status { (code_label(lang, w.status.code())) } }
                    tr { th { (t(lang, L::Advisor)) } td { (w.advisor) } }
                    tr { th { (t(lang, L::OrderToStart)) } td { (format_opt_date(w.order_to_start, lang)) } }
                    tr { th { (t(lang, L::PlannedEnd)) } td { (format_opt_date(w.planned_end, lang)) } }
                    tr { th { (t(lang, L::Deadline)) } td { (format_opt_date(w.deadline(), lang)) } }
                    tr { th { (t(lang, L::Objective)) } td #objective { (amount(lang, w.clause.unit, i.objective)) } }
                    tr { th { (realised_label(lang, w.clause.unit)) } td #realised data-unit=(w.clause.unit.code()) { (amount(lang, w.clause.unit, i.realised)) } }
                    tr { th { (t(lang, L::Done)) " / " (t(lang, L::Elapsed)) } td #progress { (format_percent(i.done_ratio, lang)) " / " (format_percent(i.elapsed_ratio, lang)) } }
                    tr { th { (t(lang, L::Forecast)) } td #forecast { (amount(lang, w.clause.unit, i.forecast)) } }
                    tr { th { (t(lang, L::NextFollowUp)) } td #next-follow-up { (format_opt_date(i.next_follow_up_due, lang))
                        @if i.recruitment_needed { " " span.flag.flag-recruitment { (t(lang, L::RecruitmentNeeded)) } }
                        @if i.follow_up_overdue() { " " span.flag.flag-overdue { (t(lang, L::FollowUpOverdue)) } } } }
                } }
                (super::reports::chart_html(w, today, lang))
                p.no-print {
                    (t(lang, L::Reports)) ": "
                    a #report-pdf href=(format!("/office/worksites/{}/report.pdf", w.id)) { (t(lang, L::ProgressReport)) } " · "
                    a href=(format!("/office/worksites/{}/report", w.id)) { (t(lang, L::PrintableReport)) }
                }
            }
            section #conflicts {
                h2 { (t(lang, L::Conflicts)) }
                @if found.is_empty() { p { (t(lang, L::NoConflict)) } }
                @for c in &found {
                    div.conflict data-path=(c.path.join("/")) {
                        strong.field { (conflict_heading(lang, &c.path)) }
                        ul { @for v in &c.values {
                            li {
                                span.value { (value_text(&v.value)) } " — " (t(lang, L::SetBy)) " " span.author { (v.author.clone().unwrap_or_else(|| v.actor.chars().take(8).collect())) }
                                " "
                                form.inline method="post" action=(format!("/office/worksites/{}/resolve", w.id)) {
                                    input type="hidden" name="path" value=(c.path.join("/"));
                                    input type="hidden" name="value" value=(serde_json::to_string(&v.value).unwrap_or_default());
                                    button.choose type="submit" data-value=(value_text(&v.value)) { (t(lang, L::Choose)) }
                                }
                            }
                        } }
                    }
                }
            }
            section #planning {
                h2 { (t(lang, L::Planning)) }
                @if w.planning.is_empty() { p { (t(lang, L::Nothing)) } }
                ul { @for p in &w.planning { li.phase data-phase=(p.id) { (p.name) @if !p.trade.is_empty() { " (" (p.trade) ")" } " " (format_opt_date(p.start, lang)) " → " (format_opt_date(p.end, lang)) } } }
            }
            (edit)
            section #positions {
                h2 { (t(lang, L::Positions)) }
                @for p in &w.positions {
                    div.position data-position=(p.id) { strong { (p.title) } " — " (code_label(lang, p.contract_type.code())) ", " (format_hours(p.hours_planned, lang)) " — " (code_label(lang, p.status.code()))
                        " " a.match href=(format!("/office/worksites/{}/positions/{}/match", w.id, p.id)) { (t(lang, L::MatchCandidates)) }
                        p.notes { (p.tasks) } @if !p.requirements.is_empty() { p.notes { (p.requirements) } } }
                }
            }
            section #funnel {
                h2 { (t(lang, L::Funnel)) }
                table { thead { tr { th {} th.num { (t(lang, L::Proposed)) } th.num { (t(lang, L::Interviewed)) } th.num { (t(lang, L::Sent)) } th.num { (t(lang, L::Hired)) } } }
                    tbody { @for (body, n) in &funnel { tr data-partner=(body) { td { (body) } @for x in n { td.num { (x) } } } } } }
            }
            section #placements {
                h2 { (t(lang, L::Placements)) }
                table {
                    thead { tr { th { "#" } th { (t(lang, L::Position)) } @for m in &months { th.num { (m.parse::<terrain_client_core::values::Month>().map(|m| terrain_client_core::i18n::format_month(m, lang)).unwrap_or_else(|_| m.clone())) } } th.num { (t(lang, L::Total)) } } }
                    tbody {
                        @for (n, p) in w.placements.iter().enumerate() {
                            tr data-placement=(p.id) {
                                td { (n + 1) } td { (w.positions.iter().find(|x| x.id == p.position).map_or("", |x| x.title.as_str())) " · " (format_opt_date(p.start, lang)) " → " (format_opt_date(p.end, lang)) }
                                @for m in &months {
                                    @let entry = p.hours.iter().find(|h| h.month.to_string() == *m);
                                    td.num data-month=(m) {
                                        (entry.map_or(String::new(), |h| format_number(h.hours.get(), lang)))
                                        @if let Some((prev, _)) = entry.and_then(|h| h.correction()) {
                                            br; small.correction { (t(lang, L::PreviouslyEntered)) " " (format_hours(prev.hours.get(), lang))
                                                @if !prev.by.is_empty() { " (" (prev.by.split(" · ").next().unwrap_or(&prev.by)) ")" } }
                                        }
                                    }
                                }
                                td.num.total { (format_hours(p.total_hours(), lang)) }
                            }
                        }
                    }
                }
            }
            (super::outcomes::section(lang, w, meeting_forms))
            section #meetings {
                h2 { (t(lang, L::Meetings)) }
                @for m in w.meetings.iter().rev() {
                    div.meeting data-meeting=(m.id) {
                        strong { (kind_label(lang, m.kind)) } " — " (format_opt_date(m.date, lang)) " — " (m.place)
                        @if !m.attendees.is_empty() {
                            p.attendees { (t(lang, L::Attendees)) " : "
                                @for (n, a) in m.attendees.iter().enumerate() {
                                    @if n > 0 { ", " }
                                    span.attendee {
                                        @match a.person { Some(p) => span.person { (name(p)) }, None => (a.name) }
                                        @if !a.organisation.is_empty() { " (" (a.organisation) ")" }
                                    }
                                }
                            }
                        }
                        div.notes { (m.notes) }
                        @if !m.decisions.is_empty() { p { strong { (t(lang, L::Decisions)) } } ul { @for d in &m.decisions { li { (d.text) } } } }
                        @if !m.actions.is_empty() {
                            ul.actions { @for a in &m.actions {
                                li.action data-action=(a.id) { (a.what)
                                    @if let Some(p) = a.person { " (" (t(lang, L::Concerns)) " " span.person { (name(p)) } ")" }
                                    @if !a.who.is_empty() { " — " (a.who) } " — " (format_opt_date(a.due, lang)) @if a.done { " ✓" } }
                            } }
                        }
                        (meeting_forms.for_meeting(m))
                    }
                }
                (meeting_forms.new_meeting())
            }
            section #actions {
                h2 { (t(lang, L::OpenActions)) }
                table { tbody { @for m in &w.meetings { @for a in m.actions.iter().filter(|a| !a.done) {
                    tr { td { (a.what) @if let Some(p) = a.person { " (" (t(lang, L::Concerns)) " " (name(p)) ")" } } td { (a.who) } td { (format_opt_date(a.due, lang)) } }
                } } } }
            }
            section #offers {
                h2 { (t(lang, L::JobOffers)) }
                ul { @for o in &w.job_offers { li { (o.employer) " — " (o.role) " — " (o.contact) " (" (code_label(lang, o.status.code())) ")" } } }
            }
            section #timeline {
                h2 { (t(lang, L::Timeline)) }
                p.hint { (t(lang, L::TimesInBrussels)) }
                @if timeline.is_empty() { p { (t(lang, L::Nothing)) } }
                ol #timeline-list {
                    @for g in &timeline {
                        li.sync {
                            p.when { strong { (format_date(g.at.date(), lang)) " " (g.at.format("%H:%M")) } " · " (g.who) @if !g.device.is_empty() { " · " (g.device) } }
                            ul { @for s in &g.sentences { li.event { (s) } } }
                        }
                    }
                }
            }
        },
    )
}

/// Why a letter cannot be produced.
pub fn no_consent(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => {
            "Pas de lettre de recommandation : le consentement de la personne n'est pas enregistré pour cette évaluation."
        }
        Lang::Nl => "Geen aanbevelingsbrief: de toestemming van de persoon is niet geregistreerd voor deze evaluatie.",
        Lang::En => "No recommendation letter: the person's consent is not recorded for this evaluation.",
    }
}

/// The people followed, with their retention dates; those expiring soon first, in their own
/// table.
pub fn people(
    lang: Lang,
    caller: &Caller,
    all: &[crate::privacy::Expiring],
    soon: &[crate::privacy::Expiring],
    notice: Option<&str>,
    search: &str,
) -> Markup {
    let name = |e: &crate::privacy::Expiring| -> String {
        if e.display_name.trim().is_empty() { t(lang, L::Unnamed).to_owned() } else { e.display_name.clone() }
    };
    let rows = |list: &[crate::privacy::Expiring], id: &str| {
        html! {
            table id=(id) {
                thead { tr { th { (t(lang, L::Name)) } th { (t(lang, L::LastActivity)) } th { (t(lang, L::RetentionDate)) } } }
                tbody {
                    @for e in list {
                        tr data-person=(e.id) {
                            td { a href=(format!("/office/people/{}", e.id)) { (name(e)) } }
                            td { (format_date(e.last_activity, lang)) }
                            td.retention-date { (format_date(e.retention_date, lang)) }
                        }
                    }
                }
            }
        }
    };
    layout(
        lang,
        t(lang, L::People),
        Some(caller),
        html! {
            @if let Some(n) = notice { p #notice role="status" { (n) } }
            // A search's answer is not refreshed live: the refresh fetches the page's address,
            // which does not hold the search.
            h1 data-live=(if search.is_empty() { "person:*" } else { "none" }) { (t(lang, L::People)) }
            section #expiring {
                h2 { (t(lang, L::ExpiringSoon)) }
                @if soon.is_empty() { p { (t(lang, L::NoneExpiring)) } } @else {
                    p { (t(lang, L::ExpiringNote)) }
                    (rows(soon, "expiring-soon"))
                }
            }
            section #all-people {
                // Posted and never remembered by the browser: the name searched for stays out
                // of its history and autofill, which no erasure reaches.
                form #people-search method="post" action="/office/people" role="search" autocomplete="off" {
                    label for="people-q" { (t(lang, L::SearchPeople)) } " "
                    input #people-q type="search" name="q" value=(search) autocomplete="off";
                    " " button #people-search-submit type="submit" { (t(lang, L::Search)) }
                }
                @if all.is_empty() && !search.is_empty() { p #no-match { (t(lang, L::NoMatch)) } }
                (rows(all, "people"))
            }
        },
    )
}

/// One person: identity, notes, evaluations with consent (who, when) and letters, placements,
/// the access export, and the erasure form with its confirmation.
pub fn person(
    lang: Lang,
    caller: &Caller,
    export: &crate::privacy::PersonExport,
    confirmation: &str,
    error: Option<&str>,
    partners: &terrain_client_core::partners::PartnerList,
) -> Markup {
    let p = &export.person;
    let name = if p.display_name().is_empty() { t(lang, L::Unnamed).to_owned() } else { p.display_name() };
    let yes_no = |b: bool| t(lang, if b { L::Yes } else { L::No });
    // The title names no one: titles land in the browser's history, outside anything erasure reaches.
    layout(
        lang,
        t(lang, L::People),
        Some(caller),
        html! {
            p.no-print { a href="/office/people" { (t(lang, L::People)) } }
            h1 #person-name data-live=(std::iter::once(format!("person:{}", p.id)).chain(export.worksites.iter().map(|w| format!("worksite:{}", w.worksite))).collect::<Vec<_>>().join(" ")) { (name) }
            table #identity { tbody {
                tr { th { (t(lang, L::Phone)) } td { (p.phone) } }
                tr { th { (t(lang, L::Email)) } td { (p.email) } }
                tr { th { (t(lang, L::PartnerBody)) } td { (if p.partner_name.is_empty() { code_label(lang, p.partner_kind.code()).to_owned() } else { p.partner_name.clone() }) } }
                @for (flag, value) in &p.eligibility { tr { th { (t(lang, L::Eligibility)) " · " (terrain_client_core::i18n::eligibility_label(lang, flag)) } td { (yes_no(*value)) } } }
                tr { th { (t(lang, L::RetentionDate)) } td #retention-date { (format_opt_date(export.retention_date, lang)) } }
            } }
            (super::partners::profile_section(lang, p, partners))
            section #notes {
                h2 { (t(lang, L::Notes)) }
                @if p.notes.is_empty() { p { (t(lang, L::Nothing)) } }
                @for n in &p.notes {
                    div.meeting { strong { (code_label(lang, n.kind.code())) } " · " (format_opt_date(n.date, lang)) div.notes { (n.text) } }
                }
            }
            section #evaluations {
                h2 { (t(lang, L::Evaluations)) }
                @if p.evaluations.is_empty() { p { (t(lang, L::Nothing)) } }
                @for e in &p.evaluations {
                    div.meeting data-evaluation=(e.id) {
                        strong { (format_opt_date(e.date, lang)) }
                        div.notes { (e.text) }
                        @match &e.consent {
                            Some(c) => {
                                p.consent {
                                    (t(lang, L::Consent)) " " (t(lang, L::ConsentRecordedBy)) " "
                                    span.consent-by { (c.recorded_by) } " " (t(lang, L::ConsentOn)) " "
                                    span.consent-on { (format_date(c.recorded_on, lang)) }
                                }
                                @if e.placement.is_some() { p { a.letter href=(format!("/office/people/{}/evaluations/{}/letter.pdf", p.id, e.id)) { (t(lang, L::RecommendationLetter)) } } }
                            }
                            None => { p.no-consent { (t(lang, L::ConsentMissing)) } }
                        }
                    }
                }
            }
            section #placements {
                h2 { (t(lang, L::Placements)) }
                @if export.worksites.is_empty() { p { (t(lang, L::Nothing)) } }
                @for w in &export.worksites {
                    h3 { a href=(format!("/office/worksites/{}", w.worksite)) { (w.name) } }
                    @if !w.placements.is_empty() {
                        table { thead { tr { th { (t(lang, L::Position)) } th { (t(lang, L::Start)) } th { (t(lang, L::End)) } th.num { (t(lang, L::WeeklyHours)) } th.num { (t(lang, L::HoursRealised)) } } }
                        tbody { @for pl in &w.placements { tr {
                            td { (pl.position_title) } td { (format_opt_date(pl.placement.start, lang)) } td { (format_opt_date(pl.placement.end, lang)) }
                            td.num { (format_hours(pl.placement.weekly_hours.get(), lang)) } td.num { (format_hours(pl.placement.total_hours(), lang)) }
                        } } } }
                    }
                    @if !w.referrals.is_empty() {
                        table { thead { tr { th { (t(lang, L::ProposedOn)) } th { (t(lang, L::PartnerBody)) } th { (t(lang, L::CompanyAnswer)) } } }
                        tbody { @for r in &w.referrals { tr {
                            td { (format_opt_date(r.proposed_on, lang)) } td { (partners.referral_partner(lang, r)) } td { (code_label(lang, r.company_answer.code())) }
                        } } } }
                    }
                }
            }
            section #access.no-print {
                h2 { (t(lang, L::AccessExport)) }
                p {
                    a #export-json href=(format!("/office/people/{}/export.json", p.id)) { (t(lang, L::ExportJson)) } " · "
                    a #export-pdf href=(format!("/office/people/{}/export.pdf", p.id)) { (t(lang, L::ExportPdf)) }
                }
            }
            section #erase.no-print {
                h2 { (t(lang, L::Erase)) }
                p { (t(lang, L::EraseWarning)) }
                form method="post" action=(format!("/office/people/{}/erase", p.id)) {
                    p.field.invalid[error.is_some()] { label for="erase-confirm" { (t(lang, L::EraseConfirm)) " " strong #erase-expected { (confirmation) } }
                        br;
                        @if let Some(e) = error { span.field-error #erase-error role="alert" { (e) } br; }
                        input #erase-confirm name="confirm" autocomplete="off" required aria-invalid=[error.map(|_| "true")] autofocus[error.is_some()]; }
                    p.hint { (t(lang, L::EraseCaseHint)) }
                    button #erase-submit type="submit" { (t(lang, L::Erase)) }
                }
            }
        },
    )
}
