//! The admin page of the dashboard: users (with their contact details), devices (revocation of
//! a lost tablet), assignments. Every action goes through the same store operations as the API
//! and the `terrain admin` command. Also each office user's own account page, where they give
//! their own contact details.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use terrain_client_core::protocol::ErrorCode;
use terrain_client_core::{DeviceId, DocumentId};
use uuid::Uuid;

use super::agenda::FeedNotice;
use super::forms::{self, Kind, Problem};
use super::i18n::{L, Lang, t};
use super::{PageError, office_caller, pages};
use crate::auth::{Caller, Role};
use crate::http::{ApiError, AppState};
use crate::store::{Contact, ContactError, StoreError, User};

/// Labels only the admin and account pages use.
mod text {
    terrain_client_core::labels! {
        ContactDetails => ["Coordonnées", "Contactgegevens", "Contact details"],
        EditContact => ["Modifier", "Wijzigen", "Edit"],
        ContactNote => ["Le téléphone et l'adresse e-mail d'un conseiller figurent sous sa signature, sur les lettres de recommandation des chantiers qui lui sont assignés.", "Het telefoonnummer en het e-mailadres van een consulent staan onder zijn handtekening, op de aanbevelingsbrieven van de werven die hem zijn toegewezen.", "An advisor's telephone and e-mail address appear under their signature, on the recommendation letters of the worksites assigned to them."],
        ContactSaved => ["Coordonnées enregistrées.", "Contactgegevens opgeslagen.", "Contact details saved."],
        MyAccount => ["Mon compte", "Mijn account", "My account"],
        BackToAdmin => ["Retour à l'administration", "Terug naar het beheer", "Back to administration"],
        AppVersion => ["Version de l'application", "Versie van de app", "App version"],
        Protocol => ["Protocole", "Protocol", "Protocol"],
        LastRefusal => ["Dernier refus", "Laatste weigering", "Last refusal"],
        PendingChanges => ["Modifications en attente sur l'appareil", "Wijzigingen in afwachting op het toestel", "Changes pending on the device"],
        DaysSilent => ["Jours sans synchronisation", "Dagen zonder synchronisatie", "Days silent"],
        Never => ["Jamais", "Nooit", "Never"],
        SilentFor => ["Aucune synchronisation depuis plus de", "Geen synchronisatie sinds meer dan", "No sync for more than"],
        Days => ["jours", "dagen", "days"],
        FleetNote => ["Une tablette est signalée quand elle ne s'est plus synchronisée depuis plus de", "Een tablet wordt gemarkeerd wanneer ze niet meer gesynchroniseerd heeft sinds meer dan", "A tablet is flagged when it has not synced for more than"],
        PendingNote => ["Les modifications en attente sont celles que la tablette n'avait pas encore vu enregistrer sur le serveur, selon sa dernière demande de synchronisation ; « — » : inconnu (application plus ancienne).", "Wijzigingen in afwachting zijn die welke de tablet nog niet op de server opgeslagen zag, volgens haar laatste synchronisatieverzoek; „—”: onbekend (oudere app).", "Pending changes are those the tablet had not yet seen stored on the server, as its last sync request said; \"—\": unknown (an older app)."],
        RefusedMalformed => ["L'appareil a envoyé une demande que le serveur n'a pas pu lire.", "Het toestel stuurde een verzoek dat de server niet kon lezen.", "The device sent a request the server could not read."],
        RefusedProtocol => ["L'application de l'appareil parle une autre version du protocole : mettez-la à jour.", "De app van het toestel spreekt een andere protocolversie: werk ze bij.", "The device's app speaks another protocol version: update it."],
        RefusedAppOutdated => ["L'application est trop ancienne pour un document modifié par une version plus récente : mettez-la à jour (rien n'est perdu).", "De app is te oud voor een document dat door een nieuwere versie werd gewijzigd: werk ze bij (er gaat niets verloren).", "The app is too old for a document a newer version changed: update it (nothing is lost)."],
        RefusedTooLarge => ["Trop de données en une seule demande.", "Te veel gegevens in één verzoek.", "Too much data in one request."],
        RefusedDuplicate => ["Le même document figurait deux fois dans la demande.", "Hetzelfde document stond twee keer in het verzoek.", "The same document appeared twice in the request."],
        RefusedInvalidSync => ["Des modifications n'ont pas pu être appliquées (message de synchronisation invalide).", "Wijzigingen konden niet worden toegepast (ongeldig synchronisatiebericht).", "Changes could not be applied (an invalid sync message)."],
        RefusedSchema => ["Des modifications auraient rendu un document invalide.", "Wijzigingen zouden een document ongeldig maken.", "Changes would have made a document invalid."],
        RefusedPersonal => ["Un chantier contenait des données personnelles (un nom dans un texte libre).", "Een werf bevatte persoonsgegevens (een naam in vrije tekst).", "A worksite held personal data (a name in free text)."],
        RefusedKind => ["Un document existait déjà sous un autre type.", "Een document bestond al met een ander type.", "A document already existed with another kind."],
        RefusedExpensive => ["La fusion des modifications a pris trop de temps au serveur.", "Het samenvoegen van de wijzigingen duurde te lang voor de server.", "Merging the changes took the server too long."],
        RefusedBusy => ["Serveur occupé : la tablette réessaie d'elle-même.", "Server bezet: de tablet probeert het zelf opnieuw.", "Server busy: the tablet tries again by itself."],
        RefusedInternal => ["Erreur du serveur ; rien n'a été enregistré (voir le journal du serveur).", "Serverfout; er werd niets opgeslagen (zie het logboek van de server).", "Server error; nothing was stored (see the server log)."],
        RefusedSignIn => ["L'appareil doit se reconnecter.", "Het toestel moet zich opnieuw aanmelden.", "The device must sign in again."],
        RefusedRevoked => ["L'appareil est révoqué.", "Het toestel is ingetrokken.", "The device is revoked."],
        RefusedForbidden => ["Un document que cet utilisateur ne peut pas détenir ou modifier.", "Een document dat deze gebruiker niet mag houden of wijzigen.", "A document this user may not hold or change."],
        RefusedForged => ["Des modifications portaient l'identifiant d'auteur d'un autre appareil.", "Wijzigingen droegen de auteurs-id van een ander toestel.", "Changes carried another device's author id."],
        RefusedNotFound => ["Un document demandé n'existe pas sur le serveur.", "Een gevraagd document bestaat niet op de server.", "A requested document does not exist on the server."],
        RefusedInput => ["Une modification a été refusée par le serveur.", "Een wijziging werd door de server geweigerd.", "A change was refused by the server."],
        RefusedOther => ["Demande refusée par le serveur.", "Verzoek geweigerd door de server.", "Request refused by the server."],
    }
}

use text::t as at;

async fn admin_caller(state: &AppState, headers: &HeaderMap) -> Result<(Caller, Lang), PageError> {
    let (caller, lang) = office_caller(state, headers).await?;
    if !caller.is_admin() {
        return Err(PageError::Api(ApiError::new(ErrorCode::Forbidden, t(lang, L::AdminsOnly)), lang));
    }
    Ok((caller, lang))
}

/// A role in words.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    t(
        lang,
        match role {
            Role::Advisor => L::RoleAdvisor,
            Role::Office => L::RoleOffice,
            Role::Admin => L::RoleAdmin,
        },
    )
}

/// Why the server refused a device's sync request, in words: a sentence per stable code (the
/// fleet keeps the code, the admin reads the sentence).
pub fn refusal_label(lang: Lang, code: &str) -> &'static str {
    use terrain_client_core::protocol::ErrorCode as E;
    use text::L as R;
    let code: E = serde_json::from_value(serde_json::Value::String(code.to_owned())).unwrap_or(E::Unknown);
    at(
        lang,
        match code {
            E::MalformedRequest | E::UnsupportedMediaType => R::RefusedMalformed,
            E::UnsupportedProtocol => R::RefusedProtocol,
            E::AppOutdated => R::RefusedAppOutdated,
            E::BodyTooLarge | E::MessageTooLarge | E::TooManyDocuments => R::RefusedTooLarge,
            E::DuplicateDocument => R::RefusedDuplicate,
            E::InvalidSyncMessage => R::RefusedInvalidSync,
            E::SchemaViolation => R::RefusedSchema,
            E::PersonalData => R::RefusedPersonal,
            E::KindMismatch => R::RefusedKind,
            E::TooExpensive => R::RefusedExpensive,
            E::Busy => R::RefusedBusy,
            E::Internal => R::RefusedInternal,
            E::InvalidToken | E::InvalidCredentials | E::RateLimited => R::RefusedSignIn,
            E::DeviceRevoked => R::RefusedRevoked,
            E::Forbidden => R::RefusedForbidden,
            E::ForgedActor => R::RefusedForged,
            E::NotFound => R::RefusedNotFound,
            E::InvalidInput => R::RefusedInput,
            E::Unknown => R::RefusedOther,
        },
    )
}

/// `GET /office/admin`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (caller, lang) = admin_caller(&state, &headers).await?;
    Ok(view(&state, &caller, lang, &NewUserForm::default(), &[], None).await?.into_response())
}

/// The admin page, with the new-user form as typed and its problems.
async fn view(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    typed: &NewUserForm,
    problems: &[Problem],
    notice: Option<&str>,
) -> Result<maud::Markup, PageError> {
    let db = |e: StoreError| PageError::Api(ApiError::internal("admin page", e), lang);
    let users = state.store.users().await.map_err(db)?;
    let silent_days = state.fleet_silent_days;
    let fleet = crate::fleet::fleet(state.store.as_ref(), Utc::now(), silent_days).await.map_err(db)?;
    let contacts: HashMap<Uuid, Contact> = state.store.contacts().await.map_err(db)?.into_iter().collect();
    let worksites: Vec<(DocumentId, String)> =
        state.store.worksite_names().await.map_err(db)?.into_iter().map(|(id, name)| (DocumentId(id), name)).collect();
    let mut assigned = Vec::new();
    for u in users.iter().filter(|u| u.role == Role::Advisor) {
        for doc in state.store.entitled(u.id).await.map_err(db)? {
            if let Some((_, name)) = worksites.iter().find(|(id, _)| *id == doc) {
                assigned.push((doc, name.clone(), u.clone()));
            }
        }
    }
    assigned.sort_by(|a, b| (a.1.to_lowercase(), &a.2.display_name).cmp(&(b.1.to_lowercase(), &b.2.display_name)));
    let roles: Vec<(String, String)> = [Role::Advisor, Role::Office, Role::Admin]
        .iter()
        .map(|r| (r.as_str().to_owned(), role_label(lang, *r).to_owned()))
        .collect();
    let kind = |d: &crate::fleet::FleetDevice| t(lang, if d.dashboard { L::DashboardSession } else { L::TabletApp });
    let when = |at: chrono::DateTime<Utc>| super::timeline::format_brussels(at, lang);
    let body = html! {
        h1 { (t(lang, L::Administration)) }
        @if let Some(n) = notice { p.saved #notice role="status" { (n) } }
        section #users {
            h2 { (t(lang, L::Users)) }
            table { thead { tr { th { (t(lang, L::Login)) } th { (t(lang, L::DisplayName)) } th { (t(lang, L::Role)) } th { (t(lang, L::Phone)) } th { (t(lang, L::Email)) } th {} } }
                tbody { @for u in &users {
                    @let c = contacts.get(&u.id).cloned().unwrap_or_default();
                    tr data-login=(u.login) { td { (u.login) } td { (u.display_name) } td.role { (role_label(lang, u.role)) }
                        td.phone { (c.phone()) } td.email { (c.email()) }
                        td { a.edit-contact href=(format!("/office/admin/users/{}", u.id)) { (at(lang, text::L::EditContact)) } } }
                } } }
            p { small { (at(lang, text::L::ContactNote)) } }
            form.edit #create-user method="post" action="/office/admin/users" novalidate {
                h3 { (t(lang, L::CreateUser)) }
                div.row {
                    (forms::field(t(lang, L::Login), "login", &typed.login, Kind::Text, problems))
                    (forms::field(t(lang, L::DisplayName), "display_name", &typed.display_name, Kind::Text, problems))
                    (forms::select(t(lang, L::Role), "role", &typed.role, &roles, problems))
                    (forms::field(t(lang, L::Password), "password", "", Kind::Password, problems))
                }
                (forms::summary(problems, t(lang, L::FixFields)))
                button #create-user-submit type="submit" { (t(lang, L::CreateUser)) }
            }
        }
        section #devices {
            h2 { (t(lang, L::Devices)) }
            table #fleet {
                thead { tr {
                    th { (t(lang, L::User)) } th { (t(lang, L::DeviceName)) } th { (t(lang, L::DeviceModel)) }
                    th { (at(lang, text::L::AppVersion)) } th { (at(lang, text::L::Protocol)) } th { (t(lang, L::LastSync)) }
                    th { (at(lang, text::L::LastRefusal)) } th { (at(lang, text::L::PendingChanges)) }
                    th { (at(lang, text::L::DaysSilent)) } th {}
                } }
                tbody { @for f in &fleet {
                @let d = &f.device;
                tr.silent[f.silent].revoked[d.revoked_at.is_some()] data-device=(d.id) {
                    td.user { (f.user.as_ref().map(|u| u.display_name.as_str()).unwrap_or_default()) }
                    td {
                        form.inline.rename method="post" action=(format!("/office/admin/devices/{}/rename", d.id)) {
                            input name="name" value=(d.name) aria-label=(t(lang, L::DeviceName)) maxlength="200";
                            " " button.rename-submit type="submit" { (t(lang, L::Rename)) }
                        }
                    }
                    td.model { (kind(f)) @if !f.model.is_empty() { " · " (f.model) } }
                    td.app-version { @if !f.dashboard { (d.app_version) } }
                    @if f.dashboard {
                        td.protocol { "—" } td.last-sync { "—" } td.refusal {} td.pending { "—" } td.days-silent { "—" }
                    } @else {
                        td.protocol { @if let Some(p) = f.syncs.protocol { (p) } @else { "—" } }
                        td.last-sync { @if let Some(at) = f.syncs.last_sync_at { (when(at)) } @else { (at(lang, text::L::Never)) } }
                        td.refusal { @if let Some((code, refused_at)) = &f.syncs.refusal {
                            (refusal_label(lang, code)) " " small { "(" (when(*refused_at)) ")" }
                        } }
                        td.pending { @if let Some(n) = f.syncs.pending { (n) } @else { "—" } }
                        td.days-silent { (f.days_silent)
                            @if f.silent { " " span.flag.flag-overdue.flag-silent { (at(lang, text::L::SilentFor)) " " (silent_days) " " (at(lang, text::L::Days)) } } }
                    }
                    td { @if let Some(revoked_at) = d.revoked_at { span.flag.flag-revoked { (t(lang, L::Revoked)) } " " small { (when(revoked_at)) } } @else {
                        form.inline method="post" action=(format!("/office/admin/devices/{}/revoke", d.id))
                            onsubmit=(format!("return confirm({:?})", t(lang, L::RevokeConfirm))) {
                            button.revoke type="submit" { (t(lang, L::Revoke)) }
                        }
                    } }
                }
            } } }
            p { small { (at(lang, text::L::FleetNote)) " " (silent_days) " " (at(lang, text::L::Days)) " (TERRAIN_FLEET_SILENT_DAYS). " (at(lang, text::L::PendingNote)) } }
        }
        section #assignments {
            h2 { (t(lang, L::Assignments)) }
            table { tbody { @for (doc, name, u) in &assigned {
                tr.assignment data-worksite=(doc) { td { a href=(format!("/office/worksites/{doc}")) { (name) } } td { (u.display_name) } td { (u.login) }
                    td { form.inline method="post" action=(format!("/office/admin/assignments/{doc}/{}/remove", u.id)) { button type="submit" { (t(lang, L::Unassign)) } } } }
            } } }
            form.edit #assign method="post" action="/office/admin/assignments" {
                label { (t(lang, L::Worksite)) " " select name="worksite" { @for (w, name) in &worksites { option value=(w) { (name) } } } }
                " "
                label { (t(lang, L::Advisor)) " " select name="user" { @for u in users.iter().filter(|u| u.role == Role::Advisor) { option value=(u.id) { (u.display_name) " (" (u.login) ")" } } } }
                " " button #assign-submit type="submit" { (t(lang, L::Assign)) }
            }
        }
    };
    Ok(pages::page(lang, t(lang, L::Administration), caller, body))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    login: String,
    display_name: String,
    role: String,
    password: String,
}

/// `POST /office/admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<NewUserForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = admin_caller(&state, &headers).await?;
    let mut problems = super::setup::user_problems(lang, &form.login, &form.display_name, &form.password);
    if form.role.parse::<Role>().is_err() {
        problems.push(Problem::new(lang, "role", t(lang, L::Role), t(lang, L::Required)));
    }
    if problems.is_empty() {
        let user = crate::admin::new_user(&form.login, &form.display_name, &form.role, &form.password)
            .map_err(|e| PageError::Api(ApiError::new(ErrorCode::InvalidInput, e), lang))?;
        match state.store.create_user(&user, Utc::now()).await {
            Ok(()) => return Ok(Redirect::to("/office/admin?done=user#users").into_response()),
            Err(StoreError::Duplicate(_)) => {
                problems.push(Problem::new(lang, "login", t(lang, L::Login), t(lang, L::LoginTaken)));
            }
            Err(e) => return Err(PageError::Api(ApiError::internal("create_user", e), lang)),
        }
    }
    let page = view(&state, &caller, lang, &form, &problems, None).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
}

/// `POST /office/admin/devices/{id}/rename`.
pub async fn rename(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DeviceId>,
    axum::Form(form): axum::Form<RenameForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = admin_caller(&state, &headers).await?;
    let name = form.name.trim();
    if name.is_empty() {
        return Ok(Redirect::to("/office/admin#devices").into_response());
    }
    let name: String = name.chars().take(200).collect();
    let renamed = state
        .store
        .rename_device(id, &name)
        .await
        .map_err(|e| PageError::Api(ApiError::internal("rename", e), lang))?;
    if !renamed {
        return Err(PageError::Api(ApiError::new(ErrorCode::NotFound, t(lang, L::NotFound)), lang));
    }
    // Accounts keep no history table: the change is on record in the log, as a revocation is.
    tracing::info!(device = %id, by = %caller.user.login, "device renamed");
    Ok(Redirect::to("/office/admin#devices").into_response())
}

/// `POST /office/admin/devices/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DeviceId>,
) -> Result<Response, PageError> {
    let (_, lang) = admin_caller(&state, &headers).await?;
    state
        .store
        .revoke_device(id, Utc::now())
        .await
        .map_err(|e| PageError::Api(ApiError::internal("revoke", e), lang))?;
    Ok(Redirect::to("/office/admin#devices").into_response())
}

#[derive(Deserialize)]
pub struct AssignForm {
    worksite: DocumentId,
    user: Uuid,
}

/// `POST /office/admin/assignments`.
pub async fn assign(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<AssignForm>,
) -> Result<Response, PageError> {
    let (_, lang) = admin_caller(&state, &headers).await?;
    state
        .store
        .assign(form.worksite, form.user, Utc::now())
        .await
        .map_err(|e| PageError::Api(ApiError::internal("assign", e), lang))?;
    Ok(Redirect::to("/office/admin#assignments").into_response())
}

/// `POST /office/admin/assignments/{worksite}/{user}/remove`.
pub async fn unassign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((worksite, user)): Path<(DocumentId, Uuid)>,
) -> Result<Response, PageError> {
    let (_, lang) = admin_caller(&state, &headers).await?;
    state.store.unassign(worksite, user).await.map_err(|e| PageError::Api(ApiError::internal("unassign", e), lang))?;
    Ok(Redirect::to("/office/admin#assignments").into_response())
}

/// What the contact form holds.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    phone: String,
    email: String,
}

impl ContactForm {
    fn of(c: &Contact) -> ContactForm {
        ContactForm { phone: c.phone().to_owned(), email: c.email().to_owned() }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The problems of a typed contact, each naming its field in the user's language.
fn contact_problems(lang: Lang, wrong: &[ContactError]) -> Vec<Problem> {
    wrong
        .iter()
        .map(|e| match e {
            ContactError::Phone => Problem::new(lang, e.field(), t(lang, L::Phone), e.rule(lang)),
            ContactError::Email => Problem::new(lang, e.field(), t(lang, L::Email), e.rule(lang)),
        })
        .collect()
}

/// A user's contact page: who they are and the form of their telephone and e-mail. `action` is
/// where the form posts; `back` the link under it.
fn contact_page(
    caller: &Caller,
    lang: Lang,
    user: &User,
    (typed, problems, saved): (&ContactForm, &[Problem], bool),
    action: &str,
    back: Option<(&str, &str)>,
    feed: maud::Markup,
) -> maud::Markup {
    let title =
        if user.id == caller.user.id { at(lang, text::L::MyAccount) } else { at(lang, text::L::ContactDetails) };
    let body = html! {
        h1 { (title) }
        table #account { tbody {
            tr { th { (t(lang, L::DisplayName)) } td #account-name { (user.display_name) } }
            tr { th { (t(lang, L::Login)) } td { (user.login) } }
            tr { th { (t(lang, L::Role)) } td { (role_label(lang, user.role)) } }
        } }
        form.edit #contact method="post" action=(action) novalidate {
            h2 { (at(lang, text::L::ContactDetails)) }
            @if saved { p.saved #saved role="status" { (at(lang, text::L::ContactSaved)) } }
            div.row {
                (forms::field(t(lang, L::Phone), "phone", &typed.phone, Kind::Text, problems))
                (forms::field(t(lang, L::Email), "email", &typed.email, Kind::Text, problems))
            }
            p { small { (at(lang, text::L::ContactNote)) } }
            (forms::summary(problems, t(lang, L::FixFields)))
            button #contact-submit type="submit" { (t(lang, L::Save)) }
        }
        (feed)
        @if let Some((href, label)) = back { p { a href=(href) { (label) } } }
    };
    pages::page(lang, title, caller, body)
}

async fn user_or_404(state: &AppState, id: Uuid, lang: Lang) -> Result<User, PageError> {
    state
        .store
        .user_by_id(id)
        .await
        .map_err(|e| PageError::Api(ApiError::internal("user", e), lang))?
        .ok_or_else(|| PageError::Api(ApiError::new(ErrorCode::NotFound, t(lang, L::NotFound)), lang))
}

/// Check and store a typed contact: a redirect to `done` when saved, else the form again (400)
/// with what was typed and each wrong field named.
async fn save_contact(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    user: &User,
    form: &ContactForm,
    (action, done, back): (&str, &str, Option<(&str, &str)>),
) -> Result<Response, PageError> {
    match Contact::new(&form.phone, &form.email) {
        Ok(contact) => {
            state
                .store
                .set_contact(user.id, &contact)
                .await
                .map_err(|e| PageError::Api(ApiError::internal("set_contact", e), lang))?;
            Ok(Redirect::to(done).into_response())
        }
        Err(wrong) => {
            let problems = contact_problems(lang, &wrong);
            let feed =
                super::agenda::feed_section(state, lang, user, &feed_action(caller, user), &FeedNotice::None).await?;
            let page = contact_page(caller, lang, user, (form, &problems, false), action, back, feed);
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

/// `GET /office/admin/users/{id}`: a user's contact details, for the admin to edit.
pub async fn user_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let (caller, lang) = admin_caller(&state, &headers).await?;
    let user = user_or_404(&state, id, lang).await?;
    let contact = state.store.contact(id).await.map_err(|e| PageError::Api(ApiError::internal("contact", e), lang))?;
    let action = format!("/office/admin/users/{id}/contact");
    let back = ("/office/admin#users", at(lang, text::L::BackToAdmin));
    let typed = ContactForm::of(&contact);
    let feed =
        super::agenda::feed_section(&state, lang, &user, &feed_action(&caller, &user), &FeedNotice::None).await?;
    Ok(contact_page(&caller, lang, &user, (&typed, &[], q.saved.is_some()), &action, Some(back), feed).into_response())
}

/// `POST /office/admin/users/{id}/contact`.
pub async fn set_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    axum::Form(form): axum::Form<ContactForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = admin_caller(&state, &headers).await?;
    let user = user_or_404(&state, id, lang).await?;
    let action = format!("/office/admin/users/{id}/contact");
    let done = format!("/office/admin/users/{id}?saved=1#contact");
    let back = ("/office/admin#users", at(lang, text::L::BackToAdmin));
    save_contact(&state, &caller, lang, &user, &form, (&action, &done, Some(back))).await
}

/// `GET /office/account`: the signed-in user's own account and contact details.
pub async fn account_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let contact = state
        .store
        .contact(caller.user.id)
        .await
        .map_err(|e| PageError::Api(ApiError::internal("contact", e), lang))?;
    let typed = ContactForm::of(&contact);
    let feed =
        super::agenda::feed_section(&state, lang, &caller.user, "/office/account/calendar", &FeedNotice::None).await?;
    let page =
        contact_page(&caller, lang, &caller.user, (&typed, &[], q.saved.is_some()), "/office/account", None, feed);
    Ok(page.into_response())
}

/// `POST /office/account`: the signed-in user changes their own contact details.
pub async fn set_own_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ContactForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let user = caller.user.clone();
    save_contact(&state, &caller, lang, &user, &form, ("/office/account", "/office/account?saved=1#contact", None))
        .await
}

/// Where a user's calendar feed forms post: their own account page, or the admin's page of them.
fn feed_action(caller: &Caller, user: &User) -> String {
    if caller.user.id == user.id {
        "/office/account/calendar".to_owned()
    } else {
        format!("/office/admin/users/{}/calendar", user.id)
    }
}

/// The account page of `user` after a feed action, with its notice.
async fn after_feed(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    user: &User,
    notice: FeedNotice,
) -> Result<Response, PageError> {
    let contact =
        state.store.contact(user.id).await.map_err(|e| PageError::Api(ApiError::internal("contact", e), lang))?;
    let action = feed_action(caller, user);
    let feed = super::agenda::feed_section(state, lang, user, &action, &notice).await?;
    let typed = ContactForm::of(&contact);
    let page = if caller.user.id == user.id {
        contact_page(caller, lang, user, (&typed, &[], false), "/office/account", None, feed)
    } else {
        let back = ("/office/admin#users", at(lang, text::L::BackToAdmin));
        contact_page(
            caller,
            lang,
            user,
            (&typed, &[], false),
            &format!("/office/admin/users/{}/contact", user.id),
            Some(back),
            feed,
        )
    };
    Ok(page.into_response())
}

/// `POST /office/account/calendar`: make or renew the signed-in user's calendar feed.
pub async fn make_own_feed(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let user = caller.user.clone();
    let path = super::agenda::make_feed(&state, lang, &user).await?;
    after_feed(&state, &caller, lang, &user, FeedNotice::Made(path)).await
}

/// `POST /office/account/calendar/revoke`.
pub async fn revoke_own_feed(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let user = caller.user.clone();
    super::agenda::revoke_feed(&state, lang, &user).await?;
    after_feed(&state, &caller, lang, &user, FeedNotice::Revoked).await
}

/// `POST /office/admin/users/{id}/calendar`: an admin makes or renews a user's (an advisor's)
/// calendar feed, to hand its address over.
pub async fn make_user_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let (caller, lang) = admin_caller(&state, &headers).await?;
    let user = user_or_404(&state, id, lang).await?;
    let path = super::agenda::make_feed(&state, lang, &user).await?;
    after_feed(&state, &caller, lang, &user, FeedNotice::Made(path)).await
}

/// `POST /office/admin/users/{id}/calendar/revoke`.
pub async fn revoke_user_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let (caller, lang) = admin_caller(&state, &headers).await?;
    let user = user_or_404(&state, id, lang).await?;
    super::agenda::revoke_feed(&state, lang, &user).await?;
    after_feed(&state, &caller, lang, &user, FeedNotice::Revoked).await
}
