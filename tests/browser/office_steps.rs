//! The office dashboard's steps, shared by the day tests: an empty `terrain serve` with its
//! log (for the first-run code), typing, choosing, submitting and waiting for the next page,
//! signing in and out, screenshots in three languages, refused forms.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use terrain_client_core::DocumentId;
use terrain_tests::browser::Browser;
use terrain_tests::server::{free_port, terrain_binary};

/// How long a dashboard step waits.
pub const WAIT: Duration = Duration::from_secs(10);
/// The dashboard's languages, in the order screenshots are taken.
pub const LANGS: [&str; 3] = ["fr", "nl", "en"];
/// The first admin's password, typed on the setup page.
pub const ADMIN_PASSWORD: &str = "premier-admin-2026";
/// The password the admin gives the users it creates: the one the tablet app's sign-in helpers
/// type.
pub use terrain_tests::server::PASSWORD;

/// `terrain serve` on an empty database, its log (stdout and stderr) in a file.
pub struct EmptyServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    log: std::path::PathBuf,
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

impl EmptyServer {
    /// Start it on a fresh SQLite file and wait until it answers.
    pub async fn start() -> EmptyServer {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let log = dir.path().join("server.log");
        let out = std::fs::File::create(&log).expect("create the log file");
        let err = out.try_clone().expect("share the log file");
        let port = free_port();
        let database = format!("sqlite://{}", dir.path().join("terrain.db").display());
        let child = tokio::process::Command::new(terrain_binary())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", &database])
            .arg("--app-dir")
            .arg(terrain_tests::server::app_dir())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .spawn()
            .expect("spawn terrain serve");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "terrain serve did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        EmptyServer { base, log, _child: child, _dir: dir }
    }

    /// The one-time setup code printed in the log (`XXXX-XXXX-XXXX`).
    pub fn setup_code(&self) -> String {
        let log = std::fs::read_to_string(&self.log).expect("read the server log");
        let ok = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit();
        log.split(|c: char| !(ok(c) || c == '-'))
            .find(|w| {
                w.len() == 14 && w.split('-').count() == 3 && w.split('-').all(|p| p.len() == 4 && p.chars().all(ok))
            })
            .unwrap_or_else(|| panic!("no setup code in the server log:\n{log}"))
            .to_owned()
    }
}

/// Type into a field (found by CSS), replacing what it held.
pub async fn fill(b: &Browser, css: &str, text: &str) {
    let e = b.find(css).await;
    e.clear().await.unwrap_or_else(|err| panic!("clear {css}: {err}"));
    e.send_keys(text).await.unwrap_or_else(|err| panic!("type into {css}: {err}"));
}

pub async fn choose(b: &Browser, select: &str, value: &str) {
    let ok = b
        .run(
            "var s=document.querySelector(arguments[0]); if(!s){return false;} s.value=arguments[1]; return s.value===arguments[1];",
            vec![json!(select), json!(value)],
        )
        .await;
    assert_eq!(ok, json!(true), "{select} has an option {value:?}");
}

pub async fn click(b: &Browser, css: &str) {
    b.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Click a submit button and wait for the next page.
pub async fn submit(b: &Browser, css: &str) {
    b.run("document.body.dataset.leaving='1';", vec![]).await;
    click(b, css).await;
    wait_next_page(b, css).await;
}

/// Click a submit button that asks for a confirmation first, check the question (it contains
/// `question`), accept it as a person would, and wait for the next page.
pub async fn submit_confirmed(b: &Browser, css: &str, question: &str) {
    b.run("document.body.dataset.leaving='1';", vec![]).await;
    click(b, css).await;
    let asked = b.client.get_alert_text().await.unwrap_or_else(|e| panic!("no confirmation after {css}: {e}"));
    assert!(asked.contains(question), "the confirmation asks {question:?}: {asked:?}");
    b.client.accept_alert().await.unwrap_or_else(|e| panic!("accept the confirmation: {e}"));
    wait_next_page(b, css).await;
}

async fn wait_next_page(b: &Browser, css: &str) {
    // The old page carries the mark; the next one, fully loaded, does not. A script run during
    // the navigation may fail: look again.
    let deadline = Instant::now() + WAIT;
    loop {
        let done = b
            .client
            .execute("return document.readyState==='complete' && document.body.dataset.leaving!=='1';", vec![])
            .await;
        if matches!(done, Ok(serde_json::Value::Bool(true))) {
            return;
        }
        assert!(Instant::now() < deadline, "no new page after clicking {css}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The language of the next pages.
pub async fn set_lang(b: &Browser, lang: &str) {
    b.run(&format!("document.cookie='terrain_lang={lang}; path=/';"), vec![]).await;
}

/// Whole-page screenshots of the current page (reloaded) in the three languages, as
/// `day-<name>-<lang>.png`; ends in French.
pub async fn shots(b: &Browser, name: &str) {
    shots_named(b, &format!("day-{name}")).await;
}

/// Whole-page screenshots of the current page (reloaded) in the three languages, as
/// `<name>-<lang>.png`; ends in French.
pub async fn shots_named(b: &Browser, name: &str) {
    // Without its fragment: going to the same address with only a `#…` does not load the page
    // again, and the screenshots would all be in the language it was loaded in.
    let url = b.url().await.split('#').next().unwrap_or_default().to_owned();
    for lang in LANGS {
        set_lang(b, lang).await;
        b.goto(&url).await;
        b.screenshot_full_page(&format!("{name}-{lang}")).await;
    }
    set_lang(b, "fr").await;
    b.goto(&url).await;
}

/// The refused form's error: in the viewport, next to a field marked invalid, naming it.
pub async fn assert_error_in_view(b: &Browser, field_label: &str) {
    let seen = b
        .run(
            "var e=document.querySelector('.field-error'); if(!e){return null;}
             var r=e.getBoundingClientRect();
             var inView=r.top>=0 && r.bottom<=window.innerHeight && r.left>=0 && r.right<=window.innerWidth;
             var field=e.closest('p.field'); var input=field && field.querySelector('[aria-invalid=true]');
             return {text:e.textContent, inView:inView, marked:!!input};",
            vec![],
        )
        .await;
    assert!(seen.is_object(), "a refused form shows an error next to its field on {}", b.url().await);
    assert_eq!(seen["inView"], json!(true), "the error {:?} is in the 1024×768 viewport", seen["text"]);
    assert_eq!(seen["marked"], json!(true), "the invalid field is marked");
    let text = seen["text"].as_str().unwrap_or_default();
    assert!(text.starts_with(field_label), "the error names the field {field_label:?}: {text:?}");
}

/// Submit a form that must be refused, in each language: the error is in view and names the
/// field; screenshots of each. `prepare` fills the form on a fresh page.
pub async fn refused_in_three_languages<F, Fut>(
    b: &Browser,
    url: &str,
    name: &str,
    labels: [&str; 3],
    button: &str,
    prepare: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for (lang, label) in LANGS.iter().zip(labels) {
        set_lang(b, lang).await;
        b.goto(url).await;
        prepare().await;
        submit(b, button).await;
        assert_error_in_view(b, label).await;
        b.screenshot(&format!("day-{name}-{lang}")).await;
    }
    set_lang(b, "fr").await;
}

pub async fn sign_in(b: &Browser, base: &str, login: &str, password: &str) {
    b.goto(&format!("{base}/office/login")).await;
    fill(b, "input[name=login]", login).await;
    fill(b, "input[name=password]", password).await;
    submit(b, "#login-submit").await;
    assert!(!b.url().await.contains("/office/login"), "{login} signed in: {}", b.text("main").await);
}

pub async fn sign_out(b: &Browser) {
    submit(b, "header form[action=\"/office/logout\"] button").await;
}

/// Fill the new-worksite form.
#[allow(clippy::too_many_arguments)]
pub async fn worksite_form(
    b: &Browser,
    name: &str,
    lots: &str,
    advisor: &str,
    unit: &str,
    objective: &str,
    start: &str,
    end: &str,
) {
    fill(b, "#f-name", name).await;
    fill(b, "#f-address", "Chaussée de Mons 120, 1070 Anderlecht").await;
    fill(b, "#f-contract_reference", "CSC 2026/017").await;
    fill(b, "#f-lots", lots).await;
    fill(b, "#f-authority_name", "Commune d'Anderlecht").await;
    fill(b, "#f-authority_contact", "Mme Lambert, 02 558 08 00").await;
    fill(b, "#f-contractor_name", "Bâtiments Dupont SA").await;
    fill(b, "#f-contractor_contact", "M. Dupont, 0475 12 34 56").await;
    fill(b, "#f-sub_name", "Électricité Nova").await;
    fill(b, "#f-sub_contact", "0486 44 55 66").await;
    choose(b, "#f-advisor", advisor).await;
    fill(b, "#f-order_to_start", start).await;
    fill(b, "#f-planned_end", end).await;
    choose(b, "#f-status", "in_progress").await;
    choose(b, "#f-unit", unit).await;
    fill(b, "#f-objective", objective).await;
}

/// The worksite id of the page shown.
pub async fn shown_worksite(b: &Browser) -> DocumentId {
    let url = b.url().await;
    let tail = url.split("/office/worksites/").nth(1).expect("a worksite page");
    tail.split(['?', '#']).next().unwrap().parse().expect("a worksite id")
}

/// The first admin, created on `/setup` with the one-time code of the server's log: login
/// `admin`, "Nadia Admin", [`ADMIN_PASSWORD`]. Ends on the sign-in page.
pub async fn set_up_first_admin(b: &Browser, server: &EmptyServer) {
    b.goto(&format!("{}/setup", server.base)).await;
    fill(b, "#f-code", &server.setup_code().to_lowercase()).await;
    fill(b, "#f-login", "admin").await;
    fill(b, "#f-display_name", "Nadia Admin").await;
    fill(b, "#f-password", ADMIN_PASSWORD).await;
    submit(b, "#setup-submit").await;
    assert!(b.url().await.contains("/office/login"), "after the setup: the sign-in page");
}

/// The signed-in admin creates a user on the admin page, with [`PASSWORD`].
pub async fn create_user(b: &Browser, base: &str, login: &str, name: &str, role: &str) {
    b.goto(&format!("{base}/office/admin")).await;
    fill(b, "#f-login", login).await;
    fill(b, "#f-display_name", name).await;
    choose(b, "#f-role", role).await;
    fill(b, "#f-password", PASSWORD).await;
    submit(b, "#create-user-submit").await;
    b.wait_for(&format!("tr[data-login={login}]"), WAIT, |t| t.contains(name)).await;
}

/// The signed-in admin opens a user's contact page from the admin page's list of users.
pub async fn open_contact(b: &Browser, base: &str, login: &str) {
    b.goto(&format!("{base}/office/admin")).await;
    submit(b, &format!("tr[data-login={login}] a.edit-contact")).await;
    b.wait_for("#contact", WAIT, |_| true).await;
}

/// The signed-in admin gives a user's telephone and e-mail on their contact page.
pub async fn set_contact(b: &Browser, base: &str, login: &str, phone: &str, email: &str) {
    open_contact(b, base, login).await;
    fill(b, "#f-phone", phone).await;
    fill(b, "#f-email", email).await;
    submit(b, "#contact-submit").await;
    b.wait_for("#saved", WAIT, |_| true).await;
}

/// The signed-in admin assigns a worksite to an advisor on the admin page, both chosen by name.
pub async fn assign(b: &Browser, base: &str, site: DocumentId, login: &str) {
    b.goto(&format!("{base}/office/admin")).await;
    choose(b, "#assign select[name=worksite]", &site.to_string()).await;
    let user_id = b
        .run(
            "var o=[...document.querySelectorAll('#assign select[name=user] option')].find(o=>o.textContent.includes('('+arguments[0]+')')); return o?o.value:null;",
            vec![json!(login)],
        )
        .await;
    choose(b, "#assign select[name=user]", user_id.as_str().expect("the advisor is offered")).await;
    submit(b, "#assign-submit").await;
}

/// What the link matching `css` serves, fetched by the page itself (with its session), as a
/// click would download it.
pub async fn download(b: &Browser, css: &str) -> Vec<u8> {
    let data = b
        .run(
            "var a=document.querySelector(arguments[0]); if(!a){return null;}
             return fetch(a.href).then(function(r){ if(!r.ok){throw new Error(a.href+' answered '+r.status);} return r.arrayBuffer(); })
               .then(function(buf){ var u=new Uint8Array(buf), s=''; for(var i=0;i<u.length;i+=32768){ s+=String.fromCharCode.apply(null,u.subarray(i,i+32768)); } return btoa(s); });",
            vec![json!(css)],
        )
        .await;
    let Some(data) = data.as_str() else { panic!("no link `{css}` on {}", b.url().await) };
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(data).expect("base64 from btoa")
}
