//! The advisor's agenda on the dashboard (`/office/agenda?advisor=<user>`): an office user
//! chooses whose (themselves by default); the items are those the advisor's tablet shows,
//! computed by the same client-core function from the stored documents ([`crate::agenda`]).
//! Also the calendar feed's controls on an account page: make or renew its secret address (shown
//! once: only its hash is kept), or revoke it.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_client_core::agenda::When;
use terrain_client_core::i18n::{agenda_group_label, agenda_kind_label};
use uuid::Uuid;

use super::i18n::{Lang, format_date};
use super::{PageError, office_caller, pages};
use crate::auth::Role;
use crate::http::{ApiError, AppState};
use crate::store::User;

/// Labels of the agenda page and the feed controls.
pub(super) mod text {
    terrain_client_core::labels! {
        Agenda => ["Agenda", "Agenda", "Agenda"],
        AgendaOf => ["Agenda de", "Agenda van", "Agenda of"],
        Advisor => ["Conseiller", "Consulent", "Advisor"],
        Show => ["Afficher", "Tonen", "Show"],
        NothingDue => ["Rien à faire.", "Niets te doen.", "Nothing due."],
        Overdue => ["en retard", "achterstallig", "overdue"],
        AgendaNote => ["Réunions de lancement et de suivi à tenir, évaluations de fin de contrat, contrôles à 6 mois et actions ouvertes, sur les chantiers assignés au conseiller ou dont il est le conseiller en charge.", "Start- en opvolgingsvergaderingen te houden, evaluaties einde contract, controles na 6 maanden en lopende acties, op de werven die aan de consulent zijn toegewezen of waarvan hij de verantwoordelijke consulent is.", "Kick-off and follow-up meetings to hold, end-of-contract evaluations, six-month checks and open actions, on the worksites assigned to the advisor or of which they are the advisor in charge."],
        CalendarFeed => ["Agenda dans un calendrier (iCalendar)", "Agenda in een kalender (iCalendar)", "Agenda in a calendar app (iCalendar)"],
        FeedNote => ["Une adresse secrète à ajouter à une application de calendrier : elle montre les échéances de l'agenda (type et chantier), jamais le nom d'une personne suivie. Qui connaît l'adresse voit l'agenda : renouvelez-la ou révoquez-la si elle a été partagée.", "Een geheim adres om aan een kalenderapp toe te voegen: het toont de termijnen van de agenda (soort en werf), nooit de naam van een gevolgde persoon. Wie het adres kent, ziet de agenda: vernieuw of herroep het als het gedeeld werd.", "A secret address to add to a calendar app: it shows the agenda's due items (kind and worksite), never the name of a job seeker. Whoever knows the address sees the agenda: renew or revoke it if it was shared."],
        FeedMadeOn => ["Adresse créée le", "Adres aangemaakt op", "Address made on"],
        NoFeed => ["Pas d'adresse de calendrier.", "Geen kalenderadres.", "No calendar address."],
        MakeFeed => ["Créer l'adresse", "Adres aanmaken", "Make the address"],
        RenewFeed => ["Renouveler l'adresse (l'ancienne cesse de fonctionner)", "Adres vernieuwen (het oude werkt niet meer)", "Renew the address (the old one stops working)"],
        RevokeFeed => ["Révoquer l'adresse", "Adres herroepen", "Revoke the address"],
        FeedShownOnce => ["Copiez cette adresse maintenant : elle n'est montrée qu'une fois.", "Kopieer dit adres nu: het wordt maar één keer getoond.", "Copy this address now: it is shown only once."],
        FeedRevoked => ["Adresse révoquée.", "Adres herroepen.", "Address revoked."],
    }
}

use text::t;

#[derive(Debug, Default, Deserialize)]
pub struct AgendaQuery {
    advisor: Option<String>,
}

/// `GET /office/agenda`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AgendaQuery>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let db = |e| PageError::Api(ApiError::internal("agenda", e), lang);
    let users = state.store.users().await.map_err(db)?;
    let mut choices: Vec<&User> = users.iter().filter(|u| u.role == Role::Advisor || u.id == caller.user.id).collect();
    choices.sort_by_key(|u| u.display_name.to_lowercase());
    let wanted = q.advisor.as_deref().and_then(|a| a.parse::<Uuid>().ok()).unwrap_or(caller.user.id);
    let advisor = choices.iter().find(|u| u.id == wanted).copied().unwrap_or(&caller.user);
    let today = Utc::now().date_naive();
    let found = crate::agenda::advisor_agenda(state.store.as_ref(), advisor, today).await.map_err(db)?;
    let name_of = |id| terrain_client_core::i18n::person_name(lang, found.people.get(&id).map(String::as_str));
    let agenda = &found.agenda;
    let body = html! {
        h1 #agenda-title data-live="worksite:* person:*" { (t(lang, text::L::AgendaOf)) " " (advisor.display_name) }
        form #choose-advisor method="get" action="/office/agenda" {
            label { (t(lang, text::L::Advisor)) " "
                select name="advisor" { @for u in &choices { option value=(u.id) selected[u.id == advisor.id] { (u.display_name) } } } }
            " " button type="submit" { (t(lang, text::L::Show)) }
        }
        p { small { (t(lang, text::L::AgendaNote)) } }
        @if agenda.items.is_empty() { p #agenda-empty { (t(lang, text::L::NothingDue)) } }
        @for when in When::ALL {
            @let items: Vec<_> = agenda.group(when).collect();
            @if !items.is_empty() {
                section.agenda-group data-when=(when.code()) {
                    h2 { (agenda_group_label(lang, when)) " (" (items.len()) ")" }
                    table { tbody {
                        @for i in items {
                            tr.agenda-item data-kind=(i.kind.code()) data-due=(i.due) data-overdue=(i.overdue) data-worksite=(i.worksite) data-uid=(i.uid()) {
                                td.due { (format_date(i.due, lang)) @if i.overdue { " " span.overdue { (t(lang, text::L::Overdue)) } } }
                                td.kind { (agenda_kind_label(lang, i.kind)) }
                                td { a.worksite href=(format!("/office/worksites/{}", i.worksite)) { (i.worksite_name) } }
                                td { @if let Some(p) = i.person { a.person href=(format!("/office/people/{p}")) { (name_of(p)) } } }
                                td { @if !i.what.is_empty() { span.what { (i.what) } } @if !i.who.is_empty() { " (" span.who { (i.who) } ")" } }
                            }
                        }
                    } }
                }
            }
        }
    };
    Ok(pages::page(lang, t(lang, text::L::Agenda), &caller, body).into_response())
}

/// What the feed section of an account page shows after an action.
pub enum FeedNotice {
    /// Nothing was done.
    None,
    /// A new address was made: its path, shown once.
    Made(String),
    /// The address was revoked.
    Revoked,
}

/// The calendar feed's section of `user`'s account page; `action` is where its forms post
/// (`…/calendar` makes or renews, `…/calendar/revoke` revokes).
pub async fn feed_section(
    state: &AppState,
    lang: Lang,
    user: &User,
    action: &str,
    notice: &FeedNotice,
) -> Result<Markup, PageError> {
    let made = state
        .store
        .calendar_feed(user.id)
        .await
        .map_err(|e| PageError::Api(ApiError::internal("calendar feed", e), lang))?;
    Ok(html! {
        section #calendar-feed {
            h2 { (t(lang, text::L::CalendarFeed)) }
            p { small { (t(lang, text::L::FeedNote)) } }
            @match notice {
                FeedNotice::Made(path) => {
                    p.saved role="status" { (t(lang, text::L::FeedShownOnce)) }
                    p { a #calendar-url href=(path) { (path) } }
                }
                FeedNotice::Revoked => p.saved #feed-revoked role="status" { (t(lang, text::L::FeedRevoked)) },
                FeedNotice::None => {},
            }
            @match made {
                Some(at) => {
                    p #feed-made { (t(lang, text::L::FeedMadeOn)) " " (super::timeline::format_brussels(at, lang)) }
                    form.inline method="post" action=(action) { button #renew-feed type="submit" { (t(lang, text::L::RenewFeed)) } }
                    " "
                    form.inline method="post" action=(format!("{action}/revoke")) { button #revoke-feed type="submit" { (t(lang, text::L::RevokeFeed)) } }
                }
                None => {
                    p #no-feed { (t(lang, text::L::NoFeed)) }
                    form.inline method="post" action=(action) { button #make-feed type="submit" { (t(lang, text::L::MakeFeed)) } }
                }
            }
        }
    })
}

/// Make (or renew) `user`'s feed in `lang`: the path of its new address.
pub async fn make_feed(state: &AppState, lang: Lang, user: &User) -> Result<String, PageError> {
    let (token, hash) = crate::auth::new_token().map_err(|e| PageError::Api(ApiError::internal("token", e), lang))?;
    state
        .store
        .set_calendar_feed(user.id, &hash, lang.code(), Utc::now())
        .await
        .map_err(|e| PageError::Api(ApiError::internal("calendar feed", e), lang))?;
    Ok(format!("/calendar/{token}.ics"))
}

/// Revoke `user`'s feed.
pub async fn revoke_feed(state: &AppState, lang: Lang, user: &User) -> Result<(), PageError> {
    state
        .store
        .remove_calendar_feed(user.id)
        .await
        .map_err(|e| PageError::Api(ApiError::internal("calendar feed", e), lang))?;
    Ok(())
}
