//! Erasure: an office user erases a person; nothing of them stays in the database or on either
//! tablet after its next sync, and the worksite totals do not move.

use terrain_client_core::DocKind;
use terrain_client_core::Edit;
use terrain_client_core::store::native::FileStore;
use terrain_client_core::{LocalStore, values::NoteKind};
use terrain_tests::db::{Backend, contains, fingerprint, raw_dump};
use terrain_tests::device::{TestDevice, date, push_raw};

use crate::fixtures::{
    EVALUATION, LAST_NAME, NAME, NOTE, OTHER_NAME, PHONE, dashboard_session, erase, worksite_hours, world,
};

/// A note typed on the office tablet while offline, never synced before the erasure.
const OFFLINE_NOTE: &str = "Appel de Karim depuis son nouveau numéro 0499 11 22 33.";

fn personal_strings() -> [&'static str; 6] {
    [NAME, LAST_NAME, PHONE, NOTE, EVALUATION, OFFLINE_NOTE]
}

/// What the device's store holds once opened with its key: every document's bytes and the
/// metadata, in clear.
fn opened_store(device: &TestDevice) -> Vec<terrain_client_core::DocumentId> {
    let mut store = FileStore::open(device.dir(), device.storage_key()).expect("open the store");
    let stored = store.load().expect("the store opens with its key").expect("the store holds something");
    stored.docs.iter().map(|(id, _, _)| *id).collect()
}

pub async fn an_erased_person_leaves_no_trace_on_the_server_or_the_devices(backend: Backend) {
    let mut w = world(backend, 60).await;
    let base = w.server.base_url.clone();
    let person = w.seeded.person;
    // The office tablet writes about the person offline: that change never reaches the server.
    let note = w.office.next_id();
    w.office.edit(
        person,
        Edit::AddPersonNote {
            id: note,
            kind: NoteKind::FollowUp,
            date: Some(date(2026, 11, 2)),
            worksite: None,
            text: OFFLINE_NOTE.into(),
        },
    );

    // A copy of the document as a device (or an old app) might keep pushing it after the erasure.
    let mut stale = w.office.device.replica().automerge(person).unwrap().fork();

    let hours_before = worksite_hours(&w.url).await;
    assert_eq!(hours_before.iter().map(|(_, h)| h).sum::<f64>(), 312.5);
    let dump = raw_dump(&w.url).await;
    assert!(contains(&dump, NAME), "the scan finds the person before the erasure (or it proves nothing)");

    let (status, body) = erase(&base, w.office.token(), person, NAME).await;
    assert_eq!(status, 204, "{body}");
    assert!(w.server.store.is_erased(person).await.unwrap());

    // The tablets learn at their next sync; the office tablet's unsynced note is destroyed too,
    // and the server stores nothing of it.
    w.advisor.sync(&base).await.expect("the advisor syncs after the erasure");
    w.office.sync(&base).await.expect("the office tablet syncs after the erasure");
    for device in [&w.advisor, &w.office] {
        assert!(device.device.replica().person(person).is_err(), "{} still holds the person", device.label);
        assert!(!opened_store(device).contains(&person), "{} still stores the person", device.label);
        assert!(device.device.replica().person(w.other).is_ok(), "the other person is untouched");
        let total = device
            .device
            .replica()
            .worksite(w.seeded.worksite)
            .unwrap()
            .placements
            .iter()
            .map(|p| p.total_hours())
            .sum::<f64>();
        assert_eq!(total, 312.5, "the tablet's worksite still counts the hours");
        let raw = device.store_bytes();
        for s in personal_strings() {
            assert!(!contains(&raw, s), "{:?} found in the store of {}", s, device.label);
        }
    }
    assert!(w.server.store.load(&[person]).await.unwrap().is_empty(), "the person was not re-created");

    // A client still pushing the old document is answered, and nothing of it is stored.
    let before = fingerprint(&w.url).await;
    push_raw(&base, w.office.token(), &mut stale, person, DocKind::Person).await.expect("answered, not refused");
    assert_eq!(fingerprint(&w.url).await, before, "the pushed document was not stored");
    assert!(w.server.store.load(&[person]).await.unwrap().is_empty());

    assert_eq!(worksite_hours(&w.url).await, hours_before, "worksite totals are unchanged");
    let dump = raw_dump(&w.url).await;
    for s in personal_strings() {
        assert!(!contains(&dump, s), "{s:?} found in the database after the erasure");
    }
    assert!(contains(&dump, OTHER_NAME), "the other person is still in the database");
    // The anonymous id stays, so the placement still counts and points somewhere.
    let ids: Vec<(uuid::Uuid,)> = terrain_tests::db::query(&w.url, "SELECT person_id FROM placements").await;
    assert!(ids.iter().any(|(id,)| *id == person.0));
}

pub async fn erasure_is_refused_to_advisors_and_without_confirmation(backend: Backend) {
    let w = world(backend, 62).await;
    let base = w.server.base_url.clone();
    let person = w.seeded.person;
    let before = fingerprint(&w.url).await;

    let (status, body) = erase(&base, w.advisor.token(), person, NAME).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{body}");
    let (status, body) = erase(&base, w.office.token(), person, "Karim").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_input")), "{body}");
    let (status, body) = erase(&base, w.office.token(), w.seeded.worksite, "École communale Anderlecht").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "a worksite is not a person: {body}");
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/people/{person}/erase"))
        .bearer_auth(w.office.token())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(fingerprint(&w.url).await, before, "nothing was erased");
    assert!(!w.server.store.is_erased(person).await.unwrap());

    let (status, _) = erase(&base, w.office.token(), person, &NAME.to_lowercase()).await;
    assert_eq!(status, 204, "the name, whatever its case, confirms");
    let (status, body) = erase(&base, w.office.token(), person, NAME).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "erasing twice: {body}");
}

/// The person's page, as the dashboard shows it in `lang`.
async fn person_page(base: &str, cookie: &str, person: terrain_client_core::DocumentId, lang: &str) -> String {
    let r = reqwest::Client::new()
        .get(format!("{base}/office/people/{person}"))
        .header("cookie", format!("{cookie}; terrain_lang={lang}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

pub async fn the_dashboard_erases_a_person_only_after_the_typed_confirmation(backend: Backend) {
    let w = world(backend, 72).await;
    let base = w.server.base_url.clone();
    let person = w.seeded.person;
    let cookie = dashboard_session(&base, "user73").await;
    // The page, in each language: consent with who and when, the letter, the exports, the form.
    for (lang, consent, erase) in [
        ("fr", "enregistré par", "Effacer cette personne"),
        ("nl", "geregistreerd door", "Deze persoon wissen"),
        ("en", "recorded by", "Erase this person"),
    ] {
        let page = person_page(&base, &cookie, person, lang).await;
        assert!(page.contains(&format!("lang=\"{lang}\"")));
        assert!(page.contains(consent) && page.contains("Sophie Martin"), "consent who, in {lang}");
        assert!(page.contains(if lang == "nl" { "01-10-2026" } else { "01/10/2026" }), "consent when, in {lang}");
        assert!(page.contains(&format!("/office/people/{person}/evaluations/{}/letter.pdf", w.evaluation)));
        assert!(page.contains("export.json") && page.contains("export.pdf"));
        assert!(page.contains(erase) && page.contains("name=\"confirm\""), "the erase form, in {lang}");
        assert!(!page.contains(OTHER_NAME), "nothing about the other person");
    }
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let post = |confirm: &str| {
        let form = url::form_urlencoded::Serializer::new(String::new()).append_pair("confirm", confirm).finish();
        http.post(format!("{base}/office/people/{person}/erase"))
            .header("cookie", format!("{cookie}; terrain_lang=en"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let before = fingerprint(&w.url).await;
    let r = post("Karim El Amran").await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("What you typed does not match: nothing was erased."));
    assert_eq!(fingerprint(&w.url).await, before, "a wrong confirmation erases nothing");

    let r = post(NAME).await.unwrap();
    assert!(r.status().is_redirection());
    assert_eq!(r.headers()["location"], "/office/people?erased=1");
    assert!(w.server.store.is_erased(person).await.unwrap());
    let r = reqwest::Client::new()
        .get(format!("{base}/office/people?erased=1"))
        .header("cookie", format!("{cookie}; terrain_lang=fr"))
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("La personne a été effacée."));
    assert!(!page.contains(NAME) && page.contains(OTHER_NAME));
}
