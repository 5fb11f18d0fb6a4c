//! The dashboard's admin page: an admin creates a user, assigns a worksite and revokes a lost
//! tablet through its forms; office staff may not open it.

use reqwest::StatusCode;
use terrain_tests::device::SyncFailure;
use terrain_tests::server::{PASSWORD, create_user};

use crate::fixtures::{OFFICE_LOGIN, World, seed_worksite, session};

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
