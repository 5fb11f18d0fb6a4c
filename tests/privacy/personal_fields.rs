//! A worksite refers to people by id only: a change putting a name, phone or e-mail into a
//! worksite is refused with `personal_data`, and nothing of it is stored.

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use terrain_client_core::DocKind;
use terrain_client_core::protocol::ErrorCode;
use terrain_tests::db::{Backend, contains, fingerprint, raw_dump};
use terrain_tests::device::push_raw;

use crate::fixtures::world;

pub async fn a_worksite_change_with_a_personal_field_is_refused_and_changes_nothing(backend: Backend) {
    let w = world(backend, 64).await;
    let base = w.server.base_url.clone();
    let worksite = w.seeded.worksite;
    let placement = w.seeded.placement.to_string();
    let cases: [(&str, fn(&mut automerge::Automerge, &str)); 4] = [
        ("Ahmed Benali", |doc, placement| {
            let mut tx = doc.transaction();
            let placements = tx.get(automerge::ROOT, "placements").unwrap().unwrap().1;
            let p = tx.get(&placements, placement).unwrap().unwrap().1;
            tx.put(&p, "last_name", "Ahmed Benali").unwrap();
            tx.commit();
        }),
        ("+32 486 12 34 56", |doc, _| {
            let mut tx = doc.transaction();
            let meetings = tx.get(automerge::ROOT, "meetings").unwrap().unwrap().1;
            let m = tx.put_object(&meetings, "0190f0e0-0000-7000-8000-000000000001", automerge::ObjType::Map).unwrap();
            tx.put(&m, "phone", "+32 486 12 34 56").unwrap();
            tx.commit();
        }),
        ("ahmed.benali@example.org", |doc, _| {
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, "email", "ahmed.benali@example.org").unwrap();
            tx.commit();
        }),
        // Set in one change, deleted by the next of the same batch: the merged worksite is clean,
        // but the number would stay in its history for good.
        ("+32 470 99 88 77", |doc, placement| {
            let p = {
                let placements = doc.get(automerge::ROOT, "placements").unwrap().unwrap().1;
                doc.get(&placements, placement).unwrap().unwrap().1
            };
            let mut tx = doc.transaction();
            tx.put(&p, "phone", "+32 470 99 88 77").unwrap();
            tx.commit();
            let mut tx = doc.transaction();
            tx.delete(&p, "phone").unwrap();
            tx.commit();
        }),
    ];
    for (secret, bad) in cases {
        let mut doc = w.advisor.device.replica().automerge(worksite).unwrap().fork();
        bad(&mut doc, &placement);
        let before = fingerprint(&w.url).await;
        let (status, body) =
            push_raw(&base, w.advisor.token(), &mut doc, worksite, DocKind::Worksite).await.expect_err("refused");
        assert_eq!((status, body.code), (422, ErrorCode::PersonalData), "{}", body.message);
        assert_eq!(body.code.as_str(), "personal_data");
        assert_eq!(body.doc, Some(worksite));
        assert_eq!(fingerprint(&w.url).await, before, "the refused change stored nothing");
        assert!(!contains(&raw_dump(&w.url).await, secret), "{secret:?} reached the database");
        let stored = w.server.store.load(&[worksite]).await.unwrap();
        let stored = terrain_server::sync::rebuild(&stored[0]).unwrap();
        assert_eq!(stored.get_heads(), w.advisor.device.replica().automerge(worksite).unwrap().get_heads());
    }
}

/// A worksite's free text may not name a person the worksite refers to: an action "about Karim",
/// or notes that named the other candidate and were corrected within the same batch, are refused
/// with `personal_data` and the field, and nothing is stored. The person picked as a reference is
/// accepted.
pub async fn a_worksite_text_naming_one_of_its_people_is_refused_and_changes_nothing(backend: Backend) {
    use crate::fixtures::{LAST_NAME, OTHER_NAME};
    use terrain_client_core::edit::{self, Edit};

    let mut w = world(backend, 65).await;
    let base = w.server.base_url.clone();
    let worksite = w.seeded.worksite;
    let meeting = w.seeded.meeting;
    let ctx = w.advisor.ctx();
    let action = w.advisor.next_id();
    let secret_action = "Préparer la réunion de bilan de Karim";
    let secret_notes = format!("Retards de M. {} à cause du bus", OTHER_NAME.split(' ').nth(1).unwrap());
    let cases: Vec<(String, &str, Vec<Edit>)> = vec![
        (
            secret_action.to_owned(),
            "actions",
            vec![Edit::AddAction {
                meeting,
                id: action,
                what: secret_action.into(),
                who: "Sophie Martin".into(),
                due: None,
            }],
        ),
        (
            format!("{LAST_NAME} (travailleur)"),
            "attendees",
            vec![Edit::AddAttendee {
                meeting,
                id: action,
                name: format!("{LAST_NAME} (travailleur)"),
                organisation: String::new(),
            }],
        ),
        // Typed, then corrected by a later change of the same batch: clean when merged, but the
        // name would stay in the history for good.
        (
            secret_notes.clone(),
            "notes",
            vec![
                Edit::SetMeetingNotes { meeting, notes: secret_notes.clone() },
                Edit::SetMeetingNotes { meeting, notes: "Retards à cause du bus".into() },
            ],
        ),
    ];
    for (secret, field, edits) in cases {
        let mut doc = w.advisor.device.replica().automerge(worksite).unwrap().fork();
        for e in &edits {
            edit::apply(&mut doc, e, &ctx).expect("edit");
        }
        let before = fingerprint(&w.url).await;
        let (status, body) =
            push_raw(&base, w.advisor.token(), &mut doc, worksite, DocKind::Worksite).await.expect_err("refused");
        assert_eq!((status, body.code), (422, ErrorCode::PersonalData), "{}", body.message);
        assert_eq!(body.doc, Some(worksite));
        assert!(
            body.message.contains(&format!("meetings/{meeting}/")) && body.message.contains(field),
            "{}",
            body.message
        );
        assert!(!body.message.contains("Karim") && !body.message.contains("Zoë"), "the refusal repeats no name");
        assert_eq!(fingerprint(&w.url).await, before, "the refused change stored nothing");
        assert!(!contains(&raw_dump(&w.url).await, &secret), "{secret:?} reached the database");
    }

    // Picked from the worksite's people, the same person is a reference: accepted.
    let attendee = w.advisor.next_id();
    w.advisor.edit(worksite, Edit::AddPersonAttendee { meeting, id: attendee, person: w.seeded.person });
    let what = "Préparer la réunion de bilan".to_owned();
    w.advisor.edit(worksite, Edit::AddAction { meeting, id: action, what, who: "Sophie Martin".into(), due: None });
    w.advisor.edit(worksite, Edit::SetActionPerson { meeting, action, person: Some(w.seeded.person) });
    w.advisor.sync(&base).await.expect("a reference is accepted");
    let stored = w.server.store.load(&[worksite]).await.unwrap();
    let stored = terrain_server::sync::rebuild(&stored[0]).unwrap();
    let site = terrain_client_core::model::Worksite::read(&stored).unwrap();
    let m = site.meeting(meeting).unwrap();
    assert!(m.attendees.iter().any(|a| a.person == Some(w.seeded.person) && a.name.is_empty()));
    assert_eq!(m.actions.iter().find(|a| a.id == action).and_then(|a| a.person), Some(w.seeded.person));
}

/// The dashboard's typed edits (`sync::write_edit`) pass the same check as synced changes: an
/// office user's text naming one of the worksite's people is refused `personal_data` with the
/// field, and nothing is written.
pub async fn the_dashboards_edit_naming_one_of_its_people_is_refused_and_changes_nothing(backend: Backend) {
    use terrain_client_core::Edit;
    use terrain_server::sync::{SyncError, write_edit};

    let mut w = world(backend, 66).await;
    let worksite = w.seeded.worksite;
    let meeting = w.seeded.meeting;
    let office = terrain_server::auth::authenticate_token(w.server.store.as_ref(), w.office.token())
        .await
        .expect("the office tablet's caller");
    let secret = "Appeler Karim pour son attestation";
    let action = w.office.next_id();
    let cases = [
        ("what", Edit::AddAction { meeting, id: action, what: secret.into(), who: String::new(), due: None }),
        ("notes", Edit::SetMeetingNotes { meeting, notes: secret.into() }),
    ];
    for (field, edit) in cases {
        let before = fingerprint(&w.url).await;
        let refused = write_edit(&w.server.store, &office, worksite, edit).await;
        let Err(SyncError::PersonalData { doc, path }) = refused else { panic!("refused personal_data: {refused:?}") };
        assert_eq!(doc, worksite);
        assert!(path.starts_with(&format!("meetings/{meeting}")) && path.ends_with(field), "{path}");
        assert_eq!(fingerprint(&w.url).await, before, "the refused edit wrote nothing");
        assert!(!contains(&raw_dump(&w.url).await, secret), "{secret:?} reached the database");
    }

    // The same text without the name is written.
    let edit = Edit::SetMeetingNotes { meeting, notes: "Appeler pour l'attestation".into() };
    write_edit(&w.server.store, &office, worksite, edit).await.expect("a text naming no one is written");
}

/// Several typed edits of one document (`sync::write_edits`: a referral and its partner link) are
/// committed together or not at all: when one of them is refused, nothing of the others is
/// written; when all are accepted, one commit holds them all.
pub async fn the_dashboards_edits_of_one_document_are_written_together_or_not_at_all(backend: Backend) {
    use terrain_client_core::{Edit, ItemId};
    use terrain_server::sync::{SyncError, write_edits};

    let w = world(backend, 67).await;
    let worksite = w.seeded.worksite;
    let meeting = w.seeded.meeting;
    let office = terrain_server::auth::authenticate_token(w.server.store.as_ref(), w.office.token())
        .await
        .expect("the office tablet's caller");
    let notes = |text: &str| Edit::SetMeetingNotes { meeting, notes: text.into() };
    // The second edit names an action the meeting does not have: refused, so the first is not kept.
    let missing = ItemId(uuid::Uuid::from_u128(0xdead));
    let before = fingerprint(&w.url).await;
    let refused = write_edits(
        &w.server.store,
        &office,
        worksite,
        vec![notes("Compte rendu envoyé"), Edit::SetActionPerson { meeting, action: missing, person: None }],
    )
    .await;
    assert!(matches!(refused, Err(SyncError::InvalidInput { doc, .. }) if doc == worksite), "{refused:?}");
    assert_eq!(fingerprint(&w.url).await, before, "nothing of the refused batch was written");
    assert!(!contains(&raw_dump(&w.url).await, "Compte rendu envoyé"));

    write_edits(&w.server.store, &office, worksite, vec![notes("Compte rendu"), notes("Compte rendu envoyé")])
        .await
        .expect("both edits are written");
    let stored = w.server.store.load(&[worksite]).await.unwrap();
    let doc = terrain_server::sync::rebuild(&stored[0]).unwrap();
    let site = terrain_client_core::model::Worksite::read(&doc).unwrap();
    assert_eq!(site.meeting(meeting).unwrap().notes, "Compte rendu envoyé");
}
