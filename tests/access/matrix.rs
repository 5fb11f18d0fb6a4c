//! Every endpoint × every role × assigned / unassigned worksite × valid / revoked / unknown token:
//! the expected status and code, and nothing written where refused.

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use serde_json::{Value, json};
use terrain_client_core::DocKind;
use terrain_client_core::protocol::{self, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use terrain_tests::db::{Backend, fingerprint};
use terrain_tests::device::push_raw;
use terrain_tests::server::PASSWORD;

use crate::setup::{World, world};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    Office,
    /// The advisor the `assigned` worksite is assigned to.
    Advisor,
    /// An advisor with no assignment.
    OtherAdvisor,
    Revoked,
    Unknown,
    NoToken,
}

const EVERYONE: [Who; 7] =
    [Who::Admin, Who::Office, Who::Advisor, Who::OtherAdvisor, Who::Revoked, Who::Unknown, Who::NoToken];

fn token(w: &World, who: Who) -> Option<String> {
    match who {
        Who::Admin => Some(w.admin.token().to_owned()),
        Who::Office => Some(w.office.token().to_owned()),
        Who::Advisor => Some(w.advisor.token().to_owned()),
        Who::OtherAdvisor => Some(w.other_advisor.token().to_owned()),
        Who::Revoked => Some(w.revoked.token().to_owned()),
        Who::Unknown => Some("not-a-token-anyone-was-given".to_owned()),
        Who::NoToken => None,
    }
}

/// The answer a caller gets when the role decides: `allowed` roles get `ok`, the others 403.
fn by_role(who: Who, allowed: &[Who], ok: u16) -> (u16, Option<&'static str>) {
    match who {
        Who::Revoked => (401, Some("device_revoked")),
        Who::Unknown | Who::NoToken => (401, Some("invalid_token")),
        w if allowed.contains(&w) => (ok, None),
        _ => (403, Some("forbidden")),
    }
}

async fn call(w: &World, who: Who, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", w.server.base_url);
    let mut request = match method {
        "GET" => client.get(url),
        "POST" => client.post(url),
        "DELETE" => client.delete(url),
        "PUT" => client.put(url),
        other => panic!("method {other}"),
    };
    if let Some(t) = token(w, who) {
        request = request.bearer_auth(t);
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Check one answer; when refused, check nothing was written.
async fn expect(
    w: &World,
    label: &str,
    who: Who,
    got: (u16, Option<String>),
    want: (u16, Option<&str>),
    before: &[(String, i64)],
) {
    assert_eq!(got.0, want.0, "{label} as {who:?}: status");
    if let Some(code) = want.1 {
        assert_eq!(got.1.as_deref(), Some(code), "{label} as {who:?}: code");
    }
    if want.0 >= 400 {
        assert_eq!(fingerprint(&w.url).await, before, "{label} as {who:?}: refused, so nothing was written");
    }
}

fn code(v: &Value) -> Option<String> {
    v.get("code").and_then(Value::as_str).map(str::to_owned)
}

pub async fn every_endpoint_role_worksite_and_token(backend: Backend) {
    let w = world(backend).await;
    let everything = [w.assigned, w.unassigned, w.person, w.other_person];

    for who in EVERYONE {
        let before = fingerprint(&w.url).await;

        let (s, v) = call(&w, who, "GET", "/v1/me", None).await;
        let all = [Who::Admin, Who::Office, Who::Advisor, Who::OtherAdvisor];
        expect(&w, "GET /v1/me", who, (s, code(&v)), by_role(who, &all, 200), &before).await;

        let (s, v) = call(&w, who, "GET", "/v1/devices", None).await;
        expect(&w, "GET /v1/devices", who, (s, code(&v)), by_role(who, &all, 200), &before).await;
        if who == Who::Advisor {
            let list = v.as_array().unwrap();
            assert!(list.iter().all(|d| d["user_id"] == json!(w.advisor_id)), "an advisor sees only their devices");
        }

        // One's own contact: anyone signed in reads and sets theirs; one wrong part is refused
        // with its stable code and nothing is written, not even the right part.
        let (s, kept) = call(&w, who, "GET", "/v1/me/contact", None).await;
        expect(&w, "GET /v1/me/contact", who, (s, code(&kept)), by_role(who, &all, 200), &before).await;
        let wrong = json!({"phone": "0475 99 88 77", "email": "=HYPERLINK(\"x\")"});
        let (s, v) = call(&w, who, "PUT", "/v1/me/contact", Some(wrong)).await;
        let refused = match by_role(who, &all, 400) {
            (400, None) => (400, Some("invalid_input")),
            other => other,
        };
        expect(&w, "PUT /v1/me/contact (wrong)", who, (s, code(&v)), refused, &before).await;
        let (s, v) = call(&w, who, "PUT", "/v1/me/contact", Some(json!({"phone": ["0475"]}))).await;
        expect(&w, "PUT /v1/me/contact (not a contact)", who, (s, code(&v)), refused, &before).await;
        if s == 400 {
            let (_, after) = call(&w, who, "GET", "/v1/me/contact", None).await;
            assert_eq!(after, kept, "{who:?}: a refused contact changes nothing");
        }
        let mine = json!({"phone": " 02 505 14 11 ", "email": format!("{who:?}@actiris.be").to_lowercase()});
        let (s, v) = call(&w, who, "PUT", "/v1/me/contact", Some(mine)).await;
        expect(&w, "PUT /v1/me/contact", who, (s, code(&v)), by_role(who, &all, 200), &before).await;
        if s == 200 {
            assert_eq!(v["phone"], json!("02 505 14 11"), "kept trimmed");
            let (_, got) = call(&w, who, "GET", "/v1/me/contact", None).await;
            assert_eq!(got, v, "{who:?} reads back what they set");
        }

        let before = fingerprint(&w.url).await;
        let (s, v) = call(&w, who, "GET", "/v1/users", None).await;
        expect(&w, "GET /v1/users", who, (s, code(&v)), by_role(who, &[Who::Admin], 200), &before).await;

        let (s, v) = call(&w, who, "GET", "/v1/fleet", None).await;
        expect(&w, "GET /v1/fleet", who, (s, code(&v)), by_role(who, &[Who::Admin], 200), &before).await;
        if who == Who::Admin {
            let fleet = v.as_array().expect("the fleet is a list");
            let of_advisor = |revoked: bool| {
                fleet
                    .iter()
                    .find(|d| d["user_id"] == json!(w.advisor_id) && d["revoked"] == json!(revoked))
                    .unwrap_or_else(|| panic!("the fleet lists the advisor's tablet (revoked: {revoked}): {fleet:?}"))
            };
            let tablet = of_advisor(false);
            assert_eq!((tablet["kind"].as_str(), tablet["user_login"].as_str()), (Some("tablet"), Some("advisor")));
            assert_eq!(tablet["silent"], json!(false), "it signed in just now");
            assert_eq!(tablet["days_silent"], json!(0));
            assert!(tablet["revoked_at"].is_null() && tablet.get("last_sync_at").is_some());
            assert!(of_advisor(true)["revoked_at"].is_string(), "the revoked tablet is marked");
        }

        let new_user = json!({"login": format!("new-{who:?}").to_lowercase(), "display_name": "New", "role": "office", "password": PASSWORD});
        let before = fingerprint(&w.url).await;
        let (s, v) = call(&w, who, "POST", "/v1/users", Some(new_user)).await;
        expect(&w, "POST /v1/users", who, (s, code(&v)), by_role(who, &[Who::Admin], 201), &before).await;

        let before = fingerprint(&w.url).await;
        let assignment = json!({"worksite": w.unassigned, "user": w.other_advisor_id});
        let (s, v) = call(&w, who, "POST", "/v1/assignments", Some(assignment)).await;
        expect(&w, "POST /v1/assignments", who, (s, code(&v)), by_role(who, &[Who::Admin], 204), &before).await;
        if s == 204 {
            // Back to the starting state for the next callers.
            let (s, _) =
                call(&w, who, "DELETE", &format!("/v1/assignments/{}/{}", w.unassigned, w.other_advisor_id), None)
                    .await;
            assert_eq!(s, 204);
        }

        let before = fingerprint(&w.url).await;
        let path = format!("/v1/assignments/{}/{}", w.assigned, w.advisor_id);
        let (s, v) = call(&w, who, "DELETE", &path, None).await;
        expect(&w, "DELETE /v1/assignments", who, (s, code(&v)), by_role(who, &[Who::Admin], 204), &before).await;
        if s == 204 {
            w.server.store.assign(w.assigned, w.advisor_id, chrono::Utc::now()).await.unwrap();
        }

        // Revoke a spare device of the other advisor: its owner or an admin may.
        let spare_dir = tempfile::tempdir().unwrap();
        let mut spare = terrain_tests::device::TestDevice::open(spare_dir.path(), "spare", 99);
        spare.sign_in(&w.server.base_url, "other", PASSWORD).await.unwrap();
        let spare_id = w.server.store.devices(Some(w.other_advisor_id)).await.unwrap().last().unwrap().id;
        let before = fingerprint(&w.url).await;
        let (s, v) = call(&w, who, "POST", &format!("/v1/devices/{spare_id}/revoke"), None).await;
        expect(
            &w,
            "POST /v1/devices/{id}/revoke",
            who,
            (s, code(&v)),
            by_role(who, &[Who::Admin, Who::OtherAdvisor], 200),
            &before,
        )
        .await;

        for (doc, allowed) in
            [(w.assigned, &[Who::Admin, Who::Office, Who::Advisor][..]), (w.unassigned, &[Who::Admin, Who::Office][..])]
        {
            let before = fingerprint(&w.url).await;
            let (s, v) = call(&w, who, "GET", &format!("/v1/documents/{doc}/history"), None).await;
            expect(&w, "GET /v1/documents/{id}/history", who, (s, code(&v)), by_role(who, allowed, 200), &before).await;
        }

        // Sync, reading: each caller receives exactly what it may hold.
        let before = fingerprint(&w.url).await;
        let (s, body) = sync_from_scratch(&w, who).await;
        expect(&w, "POST /v1/sync (read)", who, (s, body.as_ref().err().cloned()), by_role(who, &all, 200), &before)
            .await;
        if let Ok(mut got) = body {
            got.sort();
            let mut want: Vec<_> = match who {
                Who::Admin | Who::Office => everything.to_vec(),
                Who::Advisor => vec![w.assigned, w.person],
                _ => vec![],
            };
            want.sort();
            assert_eq!(got, want, "documents sent to {who:?}");
        }

        // Sync, writing to the assigned and to the unassigned worksite.
        for (doc, allowed) in
            [(w.assigned, &[Who::Admin, Who::Office, Who::Advisor][..]), (w.unassigned, &[Who::Admin, Who::Office][..])]
        {
            let mut copy = w.office.device.replica().automerge(doc).unwrap().fork();
            let mut tx = copy.transaction();
            let site = tx.get(ROOT, "worksite").unwrap().unwrap().1;
            tx.put(&site, "address", format!("written by {who:?}")).unwrap();
            tx.commit();
            let before = fingerprint(&w.url).await;
            let result = push_raw(
                &w.server.base_url,
                token(&w, who).as_deref().unwrap_or(""),
                &mut copy,
                doc,
                DocKind::Worksite,
            )
            .await;
            let got = match result {
                Ok(()) => (200, None),
                Err((status, body)) => (status, Some(body.code.as_str().to_owned())),
            };
            expect(&w, "POST /v1/sync (write)", who, got, by_role(who, allowed, 200), &before).await;
        }
    }

    // Signing in needs no token: a right password gets one, a wrong one a 401.
    let (s, v) = call(
        &w,
        Who::NoToken,
        "POST",
        "/v1/login",
        Some(json!({"login": "office", "password": PASSWORD, "device_name": "x", "app_version": "1"})),
    )
    .await;
    assert_eq!(s, 200);
    assert!(v["token"].as_str().is_some_and(|t| t.len() >= 40));
    let before = fingerprint(&w.url).await;
    let (s, v) = call(
        &w,
        Who::NoToken,
        "POST",
        "/v1/login",
        Some(json!({"login": "office", "password": "wrong password", "device_name": "x", "app_version": "1"})),
    )
    .await;
    expect(&w, "POST /v1/login", Who::NoToken, (s, code(&v)), (401, Some("invalid_credentials")), &before).await;
    let _ = w.other_person;
}

/// A sync from cursor 0 with no document: the ids the server sends back, or the error code.
async fn sync_from_scratch(w: &World, who: Who) -> (u16, Result<Vec<terrain_client_core::DocumentId>, String>) {
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor: 0,
        docs: vec![],
        pushes: Vec::new(),
        removed: vec![],
        page: None,
        schema: terrain_client_core::SCHEMA_VERSION,
        number: 0,
        pending: None,
    };
    let mut r = reqwest::Client::new()
        .post(format!("{}/v1/sync", w.server.base_url))
        .header("content-type", protocol::CONTENT_TYPE)
        .body(protocol::encode(&request));
    if let Some(t) = token(w, who) {
        r = r.bearer_auth(t);
    }
    let response = r.send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    if status == 200 {
        let body: SyncResponse = protocol::decode(&bytes).unwrap();
        (status, Ok(body.docs.into_iter().map(|d| d.doc).collect()))
    } else {
        let body: protocol::ErrorBody = protocol::decode(&bytes).unwrap();
        (status, Err(body.code.as_str().to_owned()))
    }
}
