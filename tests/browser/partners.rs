//! Partner bodies, the candidate pool and matching, through the screens from an empty install:
//! a training session of a partner body brings five candidates into the pool on the dashboard,
//! the pool is ranked for a position with the reasons, proposing one records the referral and
//! the partner's statistics count it; offline on the tablet, the advisor matches and proposes
//! from the candidates it holds, and after sync the dashboard shows the referral; hostile input
//! on the new forms and endpoints is refused with a stable code and writes nothing.
//! Screenshots `partners-*` in French, Dutch and English.

use serde_json::json;
use terrain_tests::browser::Browser;
use terrain_tests::server::app_dir;

use crate::fixtures::squash;
use crate::office_steps::{self as office, ADMIN_PASSWORD, EmptyServer, PASSWORD, WAIT};
use crate::tablet_steps::{self as tablet, fill_and_save, open, texts};

/// An empty install with its first admin signed in on the dashboard and an advisor, Sophie.
async fn install() -> (EmptyServer, Browser) {
    assert!(app_dir().join("index.html").is_file(), "build the tablet app first: bash scripts/build-app.sh");
    let server = EmptyServer::start().await;
    let b = Browser::launch(Some("fr")).await;
    b.set_size(1024, 768).await;
    office::set_up_first_admin(&b, &server).await;
    office::sign_in(&b, &server.base, "admin", ADMIN_PASSWORD).await;
    office::create_user(&b, &server.base, "sophie", "Sophie Martin", "advisor").await;
    (server, b)
}

/// Sophie's tablet, signed in, with a worksite she creates and a job on it ("Maçon", starting on
/// 1 March 2026, needing masonry, a B licence and French). Returns the tablet, the worksite's
/// id and the position's id.
async fn tablet_with_a_job(base: &str) -> (Browser, String, String) {
    let tab = Browser::launch(Some("fr")).await;
    tab.set_size(1024, 768).await;
    tab.first_app_sign_in(base, "sophie", "#f-new-worksite").await;
    fill_and_save(
        &tab,
        "#f-new-worksite",
        &[
            ("name", "Logements Rue Haute"),
            ("address", "Rue Haute 120, 1000 Bruxelles"),
            ("authority", "Logement bruxellois"),
            ("contractor", "BatiBrux SA"),
            ("order_to_start", "2026-01-05"),
            ("planned_end", "2026-12-31"),
        ],
    )
    .await;
    let site = tab.attr("#worksite-name", "data-doc").await.expect("worksite id");
    fill_and_save(
        &tab,
        "#f-position",
        &[
            ("title", "Maçon"),
            ("tasks", "Maçonnerie de briques"),
            ("planned_start", "2026-03-01"),
            ("hours_planned", "600"),
        ],
    )
    .await;
    let position = tab.attr("details.position", "data-position").await.expect("the job's id");
    fill_and_save(
        &tab,
        &format!("#f-position-needs-{position}"),
        &[("trade", "maçonnerie"), ("licence", "b"), ("languages", "fr")],
    )
    .await;
    (tab, site, position)
}

async fn synced(tab: &Browser) {
    tab.wait_until(
        "the sync",
        std::time::Duration::from_secs(40),
        "return document.querySelector('#pending strong')?.textContent === '0' && !document.getElementById('syncing')",
    )
    .await;
}

/// The dashboard's partner page: a new body, then a session of it. Returns the body's and the
/// session's ids.
async fn partner_with_a_session(b: &Browser, base: &str) -> (String, String) {
    b.goto(&format!("{base}/office/partners")).await;
    office::fill(b, "#np-name", "IrisTech").await;
    office::choose(b, "#np-kind", "reference_centre").await;
    office::fill(b, "#np-contacts", "Mme Claes, 02 555 00 11").await;
    office::fill(b, "#np-trades", "maçonnerie, carrelage").await;
    office::submit(b, "#partner-create").await;
    b.wait_for("#partner-name", WAIT, |t| t == "IrisTech").await;
    let partner = b.url().await.split("/office/partners/").nth(1).unwrap().split(['?', '#']).next().unwrap().to_owned();
    office::fill(b, "#ns-title", "Maçonnerie 2026-1").await;
    office::fill(b, "#ns-trade", "maçonnerie").await;
    office::fill(b, "#ns-end_date", "20/02/2026").await;
    office::fill(b, "#ns-trainees", "5").await;
    office::submit(b, "#session-create").await;
    let session = b.attr("article.session", "data-session").await.expect("the session");
    (partner, session)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_training_session_brings_five_candidates_into_the_pool_who_are_ranked_proposed_and_counted() {
    let (server, b) = install().await;
    let base = server.base.clone();
    let (tab, site, position) = tablet_with_a_job(&base).await;
    synced(&tab).await;

    // The partner body and its session.
    let (partner, session) = partner_with_a_session(&b, &base).await;
    // Five trainees come into the pool, each through the session's form.
    let trainees = [
        ("Amina", "Haddad", "maçonnerie", "b", "fr, ar", "20/02/2026", "Bruxelles"),
        ("Bart", "Claes", "maçonnerie", "none", "nl", "20/02/2026", ""),
        ("Chloé", "Petit", "maçonnerie", "c", "fr", "15/04/2026", ""),
        ("David", "Mertens", "carrelage", "b", "fr", "20/02/2026", ""),
        ("Emma", "Janssens", "maçonnerie, coffrage", "b", "fr", "25/02/2026", "Anderlecht"),
    ];
    for (first, last, trades, licence, languages, from, area) in trainees {
        let f = format!("#t-{session}");
        office::fill(&b, &format!("{f}-first_name"), first).await;
        office::fill(&b, &format!("{f}-last_name"), last).await;
        office::fill(&b, &format!("{f}-trades"), trades).await;
        office::choose(&b, &format!("{f}-licence"), licence).await;
        office::fill(&b, &format!("{f}-languages"), languages).await;
        office::fill(&b, &format!("{f}-available_from"), from).await;
        office::fill(&b, &format!("{f}-area"), area).await;
        office::submit(&b, &format!("article.session[data-session=\"{session}\"] form.trainee-form button")).await;
        b.wait_for("#notice", WAIT, |_| true).await;
    }
    let listed = b.text(&format!("article.session[data-session=\"{session}\"] ul.trainees")).await;
    for (first, last, ..) in trainees {
        assert!(listed.contains(&format!("{first} {last}")), "the session lists {first} {last} in the pool: {listed}");
    }
    assert_eq!(b.text(&format!("article.session[data-session=\"{session}\"] span.in-pool")).await, "5");
    assert_eq!(b.text("#count-pool").await, "5", "the body follows five people in the pool");
    office::shots_named(&b, "partners-01-session").await;

    // Matching the job: the pool ranked with the reasons of each rank.
    b.goto(&format!("{base}/office/worksites/{site}")).await;
    office::submit(&b, &format!("div.position[data-position=\"{position}\"] a.match")).await;
    let ranked = texts(&b, "#ranked tr.candidate td.name").await;
    assert_eq!(
        ranked,
        ["Amina Haddad", "Emma Janssens", "Chloé Petit", "Bart Claes", "David Mertens"],
        "ranked by fit"
    );
    let first = squash(&b.text("#ranked tr.candidate[data-rank=\"1\"] td.reasons").await);
    for reason in ["métier : maçonnerie", "disponible à temps", "permis requis", "parle fr", "dans sa zone"] {
        assert!(first.contains(reason), "the first says why: {reason:?} in {first:?}");
    }
    let third = squash(&b.text("#ranked tr.candidate[data-rank=\"3\"] td.reasons").await);
    assert!(third.contains("disponible seulement le 15/04/2026"), "the third is late: {third}");
    let last = squash(&b.text("#ranked tr.candidate[data-rank=\"5\"] td.reasons").await);
    assert!(last.contains("autre métier"), "the last has another trade: {last}");
    assert!(
        b.text("#ranked tr.candidate[data-rank=\"1\"] td.partner").await.contains("IrisTech — Maçonnerie 2026-1"),
        "the candidate's body and session are named"
    );
    office::shots_named(&b, "partners-02-matching").await;
    // Filters: only those with the licence the job requires.
    office::click(&b, "#match-filters input[name=licence]").await;
    office::submit(&b, "#match-filter").await;
    assert_eq!(
        texts(&b, "#ranked tr.candidate td.name").await,
        ["Amina Haddad", "Emma Janssens", "Chloé Petit", "David Mertens"],
        "Bart, without a licence, is filtered out"
    );

    // Propose Emma: the referral is recorded, linked to the body and the session.
    let emma =
        b.run("return [...document.querySelectorAll('#ranked tr.candidate')].find(r => r.textContent.includes('Emma')).dataset.person", vec![]).await;
    let emma = emma.as_str().expect("Emma's id").to_owned();
    office::submit(&b, &format!("#ranked tr.candidate[data-person=\"{emma}\"] form.propose button")).await;
    b.wait_for("#notice", WAIT, |_| true).await;
    assert!(
        b.text(&format!("#ranked tr.candidate[data-person=\"{emma}\"]")).await.contains("Déjà proposé"),
        "Emma is shown as proposed"
    );
    // A forged "propose" of someone outside the pool is refused and records nothing.
    let match_path = format!("/office/worksites/{site}/positions/{position}/propose");
    for person in [uuid::Uuid::new_v4().to_string(), "not-an-id".to_owned(), String::new()] {
        let (status, page) = post_form(&b, &match_path, json!({ "person": person })).await;
        assert_eq!(status, 400, "proposing {person:?} is refused");
        assert!(page.contains("data-code=\"invalid_input\""), "with the stable code");
    }
    b.goto(&format!("{base}/office/worksites/{site}")).await;
    let funnel = b.text("#funnel tr[data-partner=\"IrisTech\"]").await;
    assert!(squash(&funnel).starts_with("IrisTech 1"), "the worksite's funnel counts the referral by body: {funnel}");

    // The partner's statistics over the portfolio count it.
    b.goto(&format!("{base}/office/partners")).await;
    let row = format!("tr.partner[data-partner=\"{partner}\"]");
    assert_eq!(b.text(&format!("{row} td.referrals")).await, "1");
    assert_eq!(b.text(&format!("{row} td.hires")).await, "0");
    assert_eq!(b.text(&format!("{row} td.in-pool")).await, "5");
    office::shots_named(&b, "partners-03-statistics").await;

    // The tablet receives the referral at its next sync, named by the body.
    tab.run("document.querySelector('[data-action=sync]')?.click();", vec![]).await;
    open(&tab, &format!("#/w/{site}")).await;
    tab.wait_until(
        "the referral on the tablet",
        tablet::WAIT,
        "return [...document.querySelectorAll('#referrals li.referral')].some(li => li.textContent.includes('Emma Janssens') && li.textContent.includes('IrisTech'))",
    )
    .await;
    tab.quit().await;
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_advisor_matches_and_proposes_from_the_candidates_the_tablet_holds() {
    let (server, b) = install().await;
    let base = server.base.clone();
    let (partner, session) = partner_with_a_session(&b, &base).await;
    let (tab, site, position) = tablet_with_a_job(&base).await;
    synced(&tab).await;
    // The tablet has the partner bodies (fetched at sync, kept sealed): a candidate met by the
    // advisor is linked to IrisTech's session.
    tab.run("document.querySelector('[data-action=sync]')?.click();", vec![]).await;
    tab.wait_until(
        "the partner bodies on the tablet",
        tablet::WAIT,
        &format!("return !!document.querySelector('#f-pool-candidate option[value=\"{partner}/{session}\"]')"),
    )
    .await;
    let source = format!("{partner}/{session}");
    for (first, last, trades, licence, from, source) in [
        ("Farid", "Benali", "peinture", "b", "2026-02-01", ""),
        ("Greet", "Peeters", "maçonnerie", "b", "2026-02-20", source.as_str()),
        ("Hugo", "Lambert", "maçonnerie", "none", "2026-05-01", ""),
    ] {
        fill_and_save(
            &tab,
            "#f-pool-candidate",
            &[
                ("first_name", first),
                ("last_name", last),
                ("trades", trades),
                ("licence", licence),
                ("languages", "fr"),
                ("available_from", from),
                ("origin", source),
            ],
        )
        .await;
    }
    synced(&tab).await;

    // Offline: the ranked pool of the job, from what the tablet holds.
    tab.set_offline(true).await;
    tab.wait_for("#network.offline", tablet::WAIT, |_| true).await;
    tablet::reload(&tab).await;
    open(&tab, &format!("#/w/{site}")).await;
    let block = format!("section.matching[data-position=\"{position}\"]");
    let names = texts(&tab, &format!("{block} li.candidate strong.name")).await;
    assert_eq!(names, ["Greet Peeters", "Farid Benali", "Hugo Lambert"], "ranked offline");
    let reasons = squash(&texts(&tab, &format!("{block} li.candidate:first-child ul.reasons li")).await.join(" "));
    assert!(reasons.contains("métier : maçonnerie") && reasons.contains("permis requis"), "with reasons: {reasons}");
    tab.screenshot("partners-04-tablet-matching-offline-fr").await;
    let greet = tab.attr(&format!("{block} li.candidate:first-child"), "data-person").await.expect("Greet's id");
    tab.run("document.querySelectorAll('.form-msg').forEach(e => e.remove());", vec![]).await;
    tab.run(&format!("document.querySelector('#f-propose-{position}-{greet}').requestSubmit();"), vec![]).await;
    tab.wait_for(&format!("{block} li.candidate[data-person=\"{greet}\"] span.proposed"), tablet::WAIT, |_| true).await;
    assert!(
        texts(&tab, "#referrals li.referral").await.iter().any(|t| t.contains("Greet Peeters")),
        "the referral is on the worksite, offline"
    );
    let pending = tab.text("#pending").await;
    assert!(!pending.trim().starts_with('0'), "the referral waits for the network: {pending}");

    // Back online: the dashboard shows the referral, counted for IrisTech.
    tab.set_offline(false).await;
    synced(&tab).await;
    b.goto(&format!("{base}/office/worksites/{site}/positions/{position}/match")).await;
    b.wait_for(&format!("#ranked tr.candidate[data-person=\"{greet}\"]"), WAIT, |t| t.contains("Déjà proposé")).await;
    b.goto(&format!("{base}/office/worksites/{site}")).await;
    assert!(squash(&b.text("#funnel").await).contains("IrisTech 1"), "the funnel names the body");
    b.goto(&format!("{base}/office/partners")).await;
    assert_eq!(b.text(&format!("tr.partner[data-partner=\"{partner}\"] td.referrals")).await, "1");
    office::shots_named(&b, "partners-05-after-sync").await;
    tab.quit().await;
    b.quit().await;
}

/// POST a form from the signed-in page (its session cookie), as a forged request would: the
/// status and the page's text.
async fn post_form(b: &Browser, path: &str, fields: serde_json::Value) -> (u64, String) {
    let got = b
        .run(
            "return fetch(arguments[0], {method: 'POST', body: new URLSearchParams(arguments[1]), redirect: 'manual'})
               .then(r => r.text().then(t => [r.status, t]));",
            vec![json!(path), fields],
        )
        .await;
    (got[0].as_u64().unwrap_or(0), got[1].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_on_partners_pool_and_matching_is_refused_with_a_stable_code_and_writes_nothing() {
    let (server, b) = install().await;
    let base = server.base.clone();
    let (partner, session) = partner_with_a_session(&b, &base).await;
    b.goto(&format!("{base}/office/partners")).await;
    let before = b.text("#partner-stats").await;

    // Through the screens: a name too long, in each language, names the field.
    office::refused_in_three_languages(
        &b,
        &format!("{base}/office/partners"),
        "partners-refused",
        ["Nom", "Naam", "Name"],
        "#partner-create",
        || async {
            office::fill(&b, "#np-name", &"x".repeat(600)).await;
        },
    )
    .await;
    // Forged posts: an unknown kind, a duplicate name (folded), a bad session, a bad trainee.
    let long = "é".repeat(300);
    for (path, fields) in [
        (
            "/office/partners/new".to_owned(),
            json!({"name": "Cenforgil", "kind": "cartel", "contacts": "", "trades": ""}),
        ),
        ("/office/partners/new".to_owned(), json!({"name": " iristech ", "kind": "isp", "contacts": "", "trades": ""})),
        (format!("/office/partners/{partner}/edit"), json!({"name": "", "kind": "isp"})),
        (
            format!("/office/partners/{partner}/sessions"),
            json!({"title": "S", "end_date": "31/02/2026", "trainees": "5"}),
        ),
        (format!("/office/partners/{partner}/sessions"), json!({"title": "S", "trainees": "-3"})),
        (
            format!("/office/partners/{partner}/sessions/{session}/trainees"),
            json!({"first_name": "Zed", "trades": long, "licence": "b", "available_from": "demain"}),
        ),
        (
            format!("/office/partners/{partner}/sessions/{session}/trainees"),
            json!({"first_name": "Zed", "trades": "maçonnerie", "licence": "z"}),
        ),
    ] {
        let (status, page) = post_form(&b, &path, fields.clone()).await;
        assert_eq!(status, 400, "{path} {fields} is refused");
        assert!(page.contains("data-code=\"invalid_input\""), "{path} {fields}: the stable code is on the page");
    }
    // Unknown ids: not found.
    let nobody = uuid::Uuid::new_v4();
    let (status, _) = post_form(&b, &format!("/office/partners/{nobody}/sessions"), json!({"title": "S"})).await;
    assert_eq!(status, 404, "an unknown body");
    let (status, _) = post_form(
        &b,
        &format!("/office/partners/{partner}/sessions/{nobody}/trainees"),
        json!({"first_name": "Zed", "trades": "x", "licence": "b"}),
    )
    .await;
    assert_eq!(status, 404, "an unknown session");
    // Nothing was written: the same bodies, no new session, nobody in the pool.
    b.goto(&format!("{base}/office/partners")).await;
    assert_eq!(b.text("#partner-stats").await, before, "the partners page is as it was");
    b.goto(&format!("{base}/office/partners/{partner}")).await;
    assert_eq!(texts(&b, "article.session").await.len(), 1, "one session still");
    assert_eq!(b.text("#count-pool").await, "0", "nobody entered the pool");
    b.goto(&format!("{base}/office/people")).await;
    assert!(!b.text("main").await.contains("Zed"), "no person was created");

    // The tablets' endpoint: no token, a wrong token.
    let http = reqwest::Client::new();
    for auth in [None, Some("Bearer not-a-token")] {
        let mut request = http.get(format!("{base}/v1/partners"));
        if let Some(a) = auth {
            request = request.header("authorization", a);
        }
        let r = request.send().await.expect("GET /v1/partners");
        assert_eq!(r.status().as_u16(), 401);
        let body: serde_json::Value = r.json().await.expect("a JSON error");
        assert_eq!(body["code"], json!("invalid_token"), "{auth:?}: {body}");
    }
    // A signed-in device reads the bodies.
    let login: serde_json::Value = http
        .post(format!("{base}/v1/login"))
        .json(&json!({"login": "sophie", "password": PASSWORD, "device_name": "t", "app_version": "test"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login answer");
    let token = login["token"].as_str().expect("a token");
    let list: serde_json::Value = http
        .get(format!("{base}/v1/partners"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET /v1/partners")
        .json()
        .await
        .expect("the partner list");
    assert_eq!(list["partners"][0]["name"], json!("IrisTech"));
    assert_eq!(list["partners"][0]["sessions"][0]["trainees"], json!(5));
    b.quit().await;
}
