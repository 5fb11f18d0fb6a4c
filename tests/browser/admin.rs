//! The dashboard's admin page: an admin creates a user, assigns a worksite and revokes a lost
//! tablet through its forms; office staff may not open it. The fleet of tablets with their last
//! sync, pending changes and refusals in words, renamed from the page, a silent one flagged.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use terrain_client_core::edit::NewWorksite;
use terrain_client_core::i18n::Lang;
use terrain_client_core::protocol::PROTOCOL_VERSION;
use terrain_client_core::values::{ContractType, CountingUnit};
use terrain_client_core::{DocumentId, Edit};
use terrain_server::store::SyncSeen;
use terrain_tests::browser::Browser;
use terrain_tests::device::SyncFailure;
use terrain_tests::server::{PASSWORD, create_user};

use crate::fixtures::{OFFICE_LOGIN, World, seed_worksite, session, squash};
use crate::office_steps::{fill, shots_named, submit};

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_users_assignments_and_devices_from_the_dashboard() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let store = world.server.store.clone();
    create_user(store.as_ref(), "chef", "admin").await;
    let advisor = create_user(store.as_ref(), "amina", "advisor").await;
    let mut office = world.device("Bureau · poste 1", 5).await;
    let seeded = seed_worksite(&mut office);
    office.sync(&base).await.expect("the office uploads a worksite");

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let post = |cookie: String, path: String, body: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}{path}"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("the dashboard answers")
                .status()
        }
    };

    // Office staff may not open the admin page.
    let office_cookie = session(&http, OFFICE_LOGIN, &base).await;
    let r = http.get(format!("{base}/office/admin")).header("cookie", &office_cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let cookie = session(&http, "chef", &base).await;
    let page = http.get(format!("{base}/office/admin")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("amina"), "the admin page lists the users");

    // Create a user; they can sign in.
    let body = form(&[
        ("login", "nouveau"),
        ("display_name", "Nouveau Conseiller"),
        ("role", "advisor"),
        ("password", PASSWORD),
    ]);
    assert_eq!(post(cookie.clone(), "/office/admin/users".into(), body).await, StatusCode::SEE_OTHER);
    let created = store.user_by_login("nouveau").await.unwrap().expect("the user exists");
    assert_eq!(created.role.as_str(), "advisor");
    let login = http
        .post(format!("{base}/v1/login"))
        .json(&serde_json::json!({"login": "nouveau", "password": PASSWORD, "device_name": "t", "app_version": "1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK, "the new user signs in");

    // Assign the worksite to the advisor: their tablet receives it.
    let body = form(&[("worksite", &seeded.worksite.to_string()), ("user", &advisor.to_string())]);
    assert_eq!(post(cookie.clone(), "/office/admin/assignments".into(), body).await, StatusCode::SEE_OTHER);
    let dir = tempfile::tempdir().unwrap();
    let mut tablet = terrain_tests::device::TestDevice::open(dir.path(), "Tablette Amina", 77);
    tablet.sign_in(&base, "amina", PASSWORD).await.unwrap();
    tablet.sync(&base).await.unwrap();
    assert!(tablet.device.replica().worksite(seeded.worksite).is_ok(), "the assigned worksite reached the tablet");

    // The tablet is lost: revoke it from the admin page.
    let device = store.devices(Some(advisor)).await.unwrap().pop().unwrap();
    let path = format!("/office/admin/devices/{}/revoke", device.id);
    assert_eq!(post(cookie.clone(), path, String::new()).await, StatusCode::SEE_OTHER);
    match tablet.sync(&base).await {
        Err(SyncFailure::Refused(401, body)) => assert_eq!(body.code.as_str(), "device_revoked"),
        other => panic!("the revoked tablet is refused, got {other:?}"),
    }
}

/// The fleet on the admin page: a tablet that synced shows its last sync (Brussels time, as the
/// dashboard writes times) and the changes it still held, its refused request in words; the
/// admin renames it and sees the new name; a tablet silent for 20 days is flagged. Screenshots in
/// three languages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_sees_the_fleet_renames_a_tablet_and_a_silent_one_is_flagged() {
    let world = World::new().await;
    let base = world.base_url().to_owned();
    let store = world.server.store.clone();
    for (login, name, role) in [("chef", "Chef Admin", "admin"), ("amina", "Amina Benali", "advisor")] {
        let user = terrain_server::admin::new_user(login, name, role, PASSWORD).unwrap();
        store.create_user(&user, Utc::now()).await.unwrap();
    }
    let amina = store.user_by_login("amina").await.unwrap().unwrap().id;
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];

    // Amina's first tablet creates a worksite offline; its sync is cut after the first answer,
    // so the server heard how many changes it still held.
    let mut first = terrain_tests::device::TestDevice::open(dirs[0].path(), "Tablette Amina", 71);
    first.sign_in(&base, "amina", PASSWORD).await.unwrap();
    let site = DocumentId(uuid::Uuid::new_v4());
    let ctx = first.ctx();
    let new = NewWorksite { name: "Crèche Helmet".into(), ..NewWorksite::default() };
    first.device.create_worksite(site, &new, &ctx).unwrap();
    first.edit(site, Edit::SetClause { unit: CountingUnit::Hours, objective: 800.0, deadline: None });
    let position = first.next_id();
    first.edit(
        site,
        Edit::AddPosition {
            id: position,
            title: "Coffreur".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: ContractType::FixedTerm,
            planned_start: None,
            hours_planned: 0.0,
        },
    );
    let pending = first.device.replica().status().pending_changes;
    assert!(pending >= 3, "the tablet holds its work: {pending}");
    assert!(first.sync_rounds(&base, 1).await.is_err(), "the connection drops after the first answer");
    // Then it sends something that is no sync request: refused.
    let refused = reqwest::Client::new()
        .post(format!("{base}/v1/sync"))
        .header("content-type", terrain_client_core::protocol::CONTENT_TYPE)
        .bearer_auth(first.token())
        .body(b"\xc1 not a request".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    // Her second tablet synced, but 20 days ago. No screen can make time pass, so this one test
    // writes that sync's record through the store, as the sync endpoint would have written it.
    let mut second = terrain_tests::device::TestDevice::open(dirs[1].path(), "Tablette de réserve", 72);
    second.sign_in(&base, "amina", PASSWORD).await.unwrap();
    let devices = store.devices(Some(amina)).await.unwrap();
    let (first_id, second_id) = (devices[0].id, devices[1].id);
    let long_ago = SyncSeen { at: Utc::now() - Duration::days(20), protocol: Some(1), pending: Some(0), refused: None };
    store.record_sync(second_id, &long_ago).await.unwrap();

    let last_sync = store.sync_records().await.unwrap().into_iter().find(|(id, _)| *id == first_id).unwrap().1;
    let last_sync = last_sync.last_sync_at.expect("the first tablet synced");
    let b = Browser::launch(Some("fr")).await;
    b.login(&base, "chef", PASSWORD).await;
    b.goto(&format!("{base}/office/admin")).await;
    let row = |id| format!("#devices tr[data-device=\"{id}\"]");
    let cell = |id, class: &str| format!("{} td.{class}", row(id));
    assert_eq!(b.text(&cell(first_id, "user")).await, "Amina Benali");
    assert_eq!(b.text(&cell(first_id, "model")).await, "Application tablette");
    assert_eq!(b.text(&cell(first_id, "protocol")).await, PROTOCOL_VERSION.to_string());
    assert_eq!(
        b.text(&cell(first_id, "last-sync")).await,
        terrain_server::office::format_brussels(last_sync, Lang::Fr),
        "the last sync in Brussels time"
    );
    assert_eq!(b.text(&cell(first_id, "pending")).await, pending.to_string(), "the changes it still held");
    let refusal = squash(&b.text(&cell(first_id, "refusal")).await);
    assert!(refusal.starts_with("L'appareil a envoyé une demande que le serveur n'a pas pu lire."), "{refusal}");
    assert!(!refusal.contains("malformed"), "the refusal in words, not its code: {refusal}");
    assert_eq!(b.count(&format!("{} .flag-silent", row(first_id))).await, 0, "synced today: not flagged");
    assert_eq!(b.text(&cell(first_id, "days-silent")).await, "0");

    let silent = squash(&b.text(&cell(second_id, "days-silent")).await);
    assert_eq!(silent, "20 Aucune synchronisation depuis plus de 14 jours", "the silent tablet is flagged");
    assert_eq!(b.text(&cell(second_id, "pending")).await, "0");

    // The admin renames the first tablet from its row.
    b.run(
        "var r=document.querySelector(arguments[0]); r.querySelector('input[name=name]').id='rename-me'; r.querySelector('button.rename-submit').id='rename-go';",
        vec![serde_json::json!(row(first_id))],
    )
    .await;
    fill(&b, "#rename-me", "Tablette 1 d'Amina").await;
    submit(&b, "#rename-go").await;
    assert_eq!(
        b.attr(&format!("{} input[name=name]", row(first_id)), "value").await.as_deref(),
        Some("Tablette 1 d'Amina")
    );
    assert_eq!(store.device(first_id).await.unwrap().unwrap().name, "Tablette 1 d'Amina");

    b.scroll_to("#devices").await;
    shots_named(&b, "admin-fleet").await;
    // In the other languages too, the flag and the refusal are sentences.
    b.run("document.cookie='terrain_lang=en; path=/';", vec![]).await;
    b.goto(&format!("{base}/office/admin")).await;
    assert_eq!(squash(&b.text(&cell(second_id, "days-silent")).await), "20 No sync for more than 14 days");
    assert!(squash(&b.text(&cell(first_id, "refusal")).await).starts_with("The device sent a request"));
    b.run("document.cookie='terrain_lang=nl; path=/';", vec![]).await;
    b.goto(&format!("{base}/office/admin")).await;
    assert_eq!(
        squash(&b.text(&cell(second_id, "days-silent")).await),
        "20 Geen synchronisatie sinds meer dan 14 dagen"
    );
    b.quit().await;
}
