//! Meetings from the dashboard: record one, add its attendees and actions.
//!
//! A job seeker is never typed into a worksite: as an attendee, or as the person an action
//! concerns, they are picked from the worksite's people (a reference to their person document,
//! shown by name, and as an erased person once erased). A form whose text names one of the
//! worksite's people is refused by the server's check of every edit (`sync::write_edit`,
//! `personal_data` with the field), shown next to that field as a warning that names the person
//! and says what to do, everything typed kept.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use terrain_client_core::model::{MAX_SHORT, Meeting, Worksite};
use terrain_client_core::names::{KnownName, mentioned};
use terrain_client_core::values::MeetingKind;
use terrain_client_core::{DocumentId, Edit, ItemId};
use uuid::Uuid;

use super::forms::{self, Kind, Problem};
use super::i18n::{L, Lang, t};
use super::{PageError, office_caller};
use crate::auth::Caller;
use crate::http::{ApiError, AppState};
use crate::sync::SyncError;

/// A refused meeting form: which one, what was typed, and what is wrong.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// `meeting` (the new meeting form), `attendee:<meeting>` or `action:<meeting>`.
    pub which: String,
    /// The fields as typed.
    pub fields: BTreeMap<String, String>,
    /// The problems.
    pub problems: Vec<Problem>,
}

/// The worksite's people by name, as the page shows them; erased ones have no name.
pub type People = BTreeMap<DocumentId, String>;

/// How a person the worksite refers to is shown: their name, or the erased-person placeholder.
pub fn person_name(lang: Lang, people: &People, id: DocumentId) -> String {
    terrain_client_core::i18n::person_name(lang, people.get(&id).map(String::as_str))
}

/// The forms of the meetings section, drawing `typed` back into the form it came from.
pub struct Forms<'a> {
    lang: Lang,
    worksite: DocumentId,
    people: &'a People,
    typed: Option<&'a Typed>,
}

impl<'a> Forms<'a> {
    /// The forms of worksite `w`, whose people are `people`.
    pub fn new(lang: Lang, w: &Worksite, people: &'a People, typed: Option<&'a Typed>) -> Forms<'a> {
        Forms { lang, worksite: w.id, people, typed }
    }

    /// How a person the worksite refers to is shown on its page.
    pub fn person_name(&self, id: DocumentId) -> String {
        person_name(self.lang, self.people, id)
    }

    /// The problems and typed values of the refused form `which`, when it is the one refused.
    pub(super) fn typed(&self, which: &str) -> (&'a [Problem], impl Fn(&str) -> String + 'a) {
        let mine = self.typed.filter(|t| t.which == which);
        let problems: &'a [Problem] = mine.map_or(&[], |t| t.problems.as_slice());
        (problems, move |name: &str| mine.and_then(|t| t.fields.get(name).cloned()).unwrap_or_default())
    }

    fn people_options(&self, none: L) -> Vec<(String, String)> {
        std::iter::once((String::new(), t(self.lang, none).to_owned()))
            .chain(self.people.iter().map(|(id, name)| (id.to_string(), name.clone())))
            .collect()
    }

    /// "Record a meeting".
    pub fn new_meeting(&self) -> Markup {
        let lang = self.lang;
        let (problems, value) = self.typed("meeting");
        let kinds: Vec<(String, String)> = MeetingKind::ALL
            .iter()
            .map(|k| (k.code().to_owned(), super::pages::kind_label(lang, *k).to_owned()))
            .collect();
        html! {
            form.edit #add-meeting method="post" action=(format!("/office/worksites/{}/meetings", self.worksite)) novalidate {
                h3 { (t(lang, L::RecordMeeting)) }
                div.row {
                    // A kind always drawn selected: a select with none would look like unsent input
                    // to the page's live refresh.
                    @let kind = Some(value("kind")).filter(|k| !k.is_empty()).unwrap_or_else(|| MeetingKind::FollowUp.code().to_owned());
                    (forms::select_in("m", t(lang, L::Kind), "kind", &kind, &kinds, problems))
                    (forms::field_in("m", t(lang, L::Date), "date", &value("date"), Kind::Text, problems))
                    (forms::field_in("m", t(lang, L::Place), "place", &value("place"), Kind::Text, problems))
                }
                (forms::field_in("m", t(lang, L::Notes), "notes", &value("notes"), Kind::Text, problems))
                (forms::summary(problems, t(lang, L::FixFields)))
                button #add-meeting-submit type="submit" { (t(lang, L::Add)) }
            }
        }
    }

    /// "Add an attendee" and "Add an action" under meeting `m`.
    pub fn for_meeting(&self, m: &Meeting) -> Markup {
        let lang = self.lang;
        let base = format!("/office/worksites/{}/meetings/{}", self.worksite, m.id);
        let (a_problems, a_value) = self.typed(&format!("attendee:{}", m.id));
        let (x_problems, x_value) = self.typed(&format!("action:{}", m.id));
        html! {
            form.edit.add-attendee.no-print method="post" action=(format!("{base}/attendees")) novalidate {
                div.row {
                    (forms::select_in(&format!("a-{}", m.id), t(lang, L::JobSeeker), "person", &a_value("person"), &self.people_options(L::SomeoneElse), a_problems))
                    (forms::field_in(&format!("a-{}", m.id), t(lang, L::Name), "name", &a_value("name"), Kind::Text, a_problems))
                    (forms::field_in(&format!("a-{}", m.id), t(lang, L::Organisation), "organisation", &a_value("organisation"), Kind::Text, a_problems))
                }
                (forms::summary(a_problems, t(lang, L::FixFields)))
                button.add-attendee-submit type="submit" { (t(lang, L::AddAttendee)) }
            }
            form.edit.add-action.no-print method="post" action=(format!("{base}/actions")) novalidate {
                div.row {
                    (forms::field_in(&format!("x-{}", m.id), t(lang, L::Action), "what", &x_value("what"), Kind::Text, x_problems))
                    (forms::field_in(&format!("x-{}", m.id), t(lang, L::Who), "who", &x_value("who"), Kind::Text, x_problems))
                    (forms::select_in(&format!("x-{}", m.id), t(lang, L::PersonConcerned), "person", &x_value("person"), &self.people_options(L::NoOne), x_problems))
                    (forms::field_in(&format!("x-{}", m.id), t(lang, L::Due), "due", &x_value("due"), Kind::Text, x_problems))
                }
                (forms::summary(x_problems, t(lang, L::FixFields)))
                button.add-action-submit type="submit" { (t(lang, L::AddAction)) }
            }
        }
    }
}

/// A form's free-text field: its input's name (the key it is written under), its label, the text.
type TextField<'a> = (&'a str, L, &'a str);

/// Problems of free-text fields found before writing: too long.
fn check_text(lang: Lang, fields: &[TextField<'_>], problems: &mut Vec<Problem>) {
    for (field, label, value) in fields {
        if value.len() > MAX_SHORT {
            problems.push(Problem::new(lang, field, t(lang, *label), t(lang, L::TooLong)));
        }
    }
}

/// Write `edit` from a form whose free-text fields are `fields`. When the server refuses it
/// because one of them names a person of the worksite (`personal_data`, with the field; nothing
/// was written), the refusal becomes that field's problem, a warning naming the person (`names`).
async fn write_checked(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: DocumentId,
    edit: Edit,
    fields: &[TextField<'_>],
    names: &[KnownName],
) -> Result<Vec<Problem>, PageError> {
    match crate::sync::write_edit(&state.store, caller, id, edit).await {
        Ok(()) => Ok(Vec::new()),
        Err(SyncError::PersonalData { doc, path }) => {
            let key = path.rsplit('/').next().unwrap_or_default();
            let named = fields
                .iter()
                .find(|(field, _, _)| *field == key)
                .and_then(|(field, label, value)| Some((field, label, mentioned(value, names)?)));
            match named {
                Some((field, label, known)) => {
                    let why = terrain_client_core::i18n::named_person_warning(lang, &known.name);
                    Ok(vec![Problem::new(lang, field, t(lang, *label), &why)])
                }
                // Another text of the worksite (not this form's) names someone.
                None => Err(PageError::Api(ApiError::from(SyncError::PersonalData { doc, path }), lang)),
            }
        }
        Err(e) => Err(PageError::Api(ApiError::from(e), lang)),
    }
}

/// The worksite and its people's names and the names to keep out of its text.
async fn worksite_and_names(
    state: &AppState,
    id: DocumentId,
    lang: Lang,
) -> Result<(Worksite, People, Vec<KnownName>), PageError> {
    let (_, w) = super::worksite_of(state.store.as_ref(), id, lang).await?;
    let people = crate::sync::person_names(state.store.as_ref(), &w.people())
        .await
        .map_err(|e| PageError::Api(ApiError::internal("person names", e), lang))?;
    let names = people.iter().map(|(id, n)| KnownName::new(*id, n)).collect();
    Ok((w, people, names))
}

/// Draw the worksite page again with a refused meeting form (400), what was typed kept.
async fn refused(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: DocumentId,
    typed: Typed,
) -> Result<Response, PageError> {
    let page = super::worksite_view_typed(state, caller, lang, id, &typed).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

async fn write(state: &AppState, caller: &Caller, lang: Lang, id: DocumentId, edit: Edit) -> Result<(), PageError> {
    crate::sync::write_edit(&state.store, caller, id, edit).await.map_err(|e| PageError::Api(ApiError::from(e), lang))
}

fn person_of(lang: Lang, value: &str, people: &People, problems: &mut Vec<Problem>) -> Option<DocumentId> {
    if value.is_empty() {
        return None;
    }
    match value.parse::<DocumentId>() {
        Ok(p) if people.contains_key(&p) => Some(p),
        _ => {
            problems.push(Problem::new(lang, "person", t(lang, L::JobSeeker), t(lang, L::Required)));
            None
        }
    }
}

/// The new meeting form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MeetingForm {
    kind: String,
    date: String,
    place: String,
    notes: String,
}

/// `POST /office/worksites/{id}/meetings`: record a meeting.
pub async fn add_meeting(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    axum::Form(form): axum::Form<MeetingForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let (_, _, names) = worksite_and_names(&state, id, lang).await?;
    let mut problems = Vec::new();
    let kind: MeetingKind = form.kind.parse().unwrap_or(MeetingKind::FollowUp);
    let date = super::worksites::parse_date(&form.date).unwrap_or_else(|()| {
        problems.push(Problem::new(lang, "date", t(lang, L::Date), t(lang, L::DateRule)));
        None
    });
    let texts = [("place", L::Place, form.place.trim()), ("notes", L::Notes, form.notes.trim())];
    check_text(lang, &texts, &mut problems);
    if problems.is_empty() {
        let edit = Edit::AddMeeting {
            id: ItemId(Uuid::new_v4()),
            kind,
            date,
            place: form.place.trim().to_owned(),
            notes: form.notes.trim().to_owned(),
            next_meeting: None,
        };
        problems = write_checked(&state, &caller, lang, id, edit, &texts, &names).await?;
    }
    if !problems.is_empty() {
        let fields = [("kind", &form.kind), ("date", &form.date), ("place", &form.place), ("notes", &form.notes)];
        let fields = fields.into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        return refused(&state, &caller, lang, id, Typed { which: "meeting".into(), fields, problems }).await;
    }
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=meeting#meetings")).into_response())
}

/// The attendee form: a person of the worksite, or someone else by name.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttendeeForm {
    person: String,
    name: String,
    organisation: String,
}

/// `POST /office/worksites/{id}/meetings/{meeting}/attendees`.
pub async fn add_attendee(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, meeting)): Path<(DocumentId, ItemId)>,
    axum::Form(form): axum::Form<AttendeeForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let (_, people, names) = worksite_and_names(&state, id, lang).await?;
    let mut problems = Vec::new();
    let person = person_of(lang, &form.person, &people, &mut problems);
    if person.is_none() && problems.is_empty() && form.name.trim().is_empty() {
        problems.push(Problem::new(lang, "name", t(lang, L::Name), t(lang, L::Required)));
    }
    // A person picked: the name typed is not written.
    let texts = [("name", L::Name, form.name.trim()), ("organisation", L::Organisation, form.organisation.trim())];
    let texts = if person.is_some() { &texts[1..] } else { &texts[..] };
    check_text(lang, texts, &mut problems);
    if problems.is_empty() {
        let item = ItemId(Uuid::new_v4());
        let edit = match person {
            Some(person) => Edit::AddPersonAttendee { meeting, id: item, person },
            None => Edit::AddAttendee {
                meeting,
                id: item,
                name: form.name.trim().to_owned(),
                organisation: form.organisation.trim().to_owned(),
            },
        };
        problems = write_checked(&state, &caller, lang, id, edit, texts, &names).await?;
    }
    if !problems.is_empty() {
        let fields = [("person", &form.person), ("name", &form.name), ("organisation", &form.organisation)];
        let fields = fields.into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        return refused(&state, &caller, lang, id, Typed { which: format!("attendee:{meeting}"), fields, problems })
            .await;
    }
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=meeting#meetings")).into_response())
}

/// The action form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    what: String,
    who: String,
    person: String,
    due: String,
}

/// `POST /office/worksites/{id}/meetings/{meeting}/actions`.
pub async fn add_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, meeting)): Path<(DocumentId, ItemId)>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let (_, people, names) = worksite_and_names(&state, id, lang).await?;
    let mut problems = Vec::new();
    if form.what.trim().is_empty() {
        problems.push(Problem::new(lang, "what", t(lang, L::Action), t(lang, L::Required)));
    }
    let texts = [("what", L::Action, form.what.trim()), ("who", L::Who, form.who.trim())];
    check_text(lang, &texts, &mut problems);
    let person = person_of(lang, &form.person, &people, &mut problems);
    let due = super::worksites::parse_date(&form.due).unwrap_or_else(|()| {
        problems.push(Problem::new(lang, "due", t(lang, L::Due), t(lang, L::DateRule)));
        None
    });
    let action = ItemId(Uuid::new_v4());
    if problems.is_empty() {
        let edit = Edit::AddAction {
            meeting,
            id: action,
            what: form.what.trim().to_owned(),
            who: form.who.trim().to_owned(),
            due,
        };
        problems = write_checked(&state, &caller, lang, id, edit, &texts, &names).await?;
    }
    if !problems.is_empty() {
        let fields = [("what", &form.what), ("who", &form.who), ("person", &form.person), ("due", &form.due)];
        let fields = fields.into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        return refused(&state, &caller, lang, id, Typed { which: format!("action:{meeting}"), fields, problems })
            .await;
    }
    if person.is_some() {
        write(&state, &caller, lang, id, Edit::SetActionPerson { meeting, action, person }).await?;
    }
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=meeting#meetings")).into_response())
}
