//! The tablet app's steps, shared by the day tests: filling a form as typing would and waiting
//! for its message, opening a screen, reloading (and unlocking), the language, refused forms.

use std::time::Duration;

use serde_json::json;
use terrain_tests::browser::{APP_PIN, Browser};

/// How long a tablet step waits (a PIN derivation, a sync).
pub const WAIT: Duration = Duration::from_secs(20);

/// Set fields as typing would (selects and checkboxes included), submit, and wait for the
/// message next to the form.
pub async fn fill_and_save(b: &Browser, form: &str, fields: &[(&str, &str)]) {
    fill(b, form, fields).await;
    b.run(
        "document.getElementById('flash')?.remove(); document.querySelectorAll('.form-msg').forEach(e => e.remove());",
        vec![],
    )
    .await;
    b.run(&format!("document.querySelector({}).requestSubmit();", json!(form)), vec![]).await;
    b.wait_for(".form-msg.ok", WAIT, |_| true).await;
}

/// Set fields as typing would (selects and checkboxes included), opening the `<details>` they
/// sit in.
pub async fn fill(b: &Browser, form: &str, fields: &[(&str, &str)]) {
    b.find(form).await;
    for (name, value) in fields {
        let css = format!("{form} [name=\"{name}\"]");
        b.find(&css).await;
        b.run(
            "const e = document.querySelector(arguments[0]); \
             for (let d = e.closest('details'); d; d = d.parentElement.closest('details')) d.setAttribute('open', ''); \
             if (e.type === 'checkbox') { e.checked = arguments[1] === 'on'; } else { e.value = arguments[1]; } \
             e.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![json!(css), json!(value)],
        )
        .await;
    }
}

pub async fn screen(b: &Browser) -> String {
    b.run("return document.body.dataset.screen || ''", vec![]).await.as_str().unwrap_or_default().to_owned()
}

pub async fn open(b: &Browser, hash: &str) {
    b.run("location.hash = arguments[0];", vec![json!(hash)]).await;
    b.wait_until(
        &format!("the screen {hash}"),
        WAIT,
        &format!("return document.body.dataset.screen === {}", json!(hash)),
    )
    .await;
}

pub async fn texts(b: &Browser, css: &str) -> Vec<String> {
    let v = b
        .run("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())", vec![json!(css)])
        .await;
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

pub async fn reload(b: &Browser) {
    b.client.refresh().await.expect("reload");
    b.wait_until("the app to start again", WAIT, "return document.body.dataset.ready === 'true'").await;
    // A reload locks the sealed store: the advisor's PIN opens it again (offline).
    b.unlock_app(APP_PIN).await;
}

pub async fn set_lang(b: &Browser, lang: &str) {
    b.run(&format!("document.querySelector('button.lang[data-lang={lang}]').click();"), vec![]).await;
    b.wait_until("the language", WAIT, &format!("return document.documentElement.lang === '{lang}'")).await;
}

/// Everything visible inside the 1024×768 viewport.
pub async fn in_view(b: &Browser, css: &str) -> bool {
    b.run(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
         return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;",
        vec![json!(css)],
    )
    .await
        == json!(true)
}

/// Submit a form that must be refused: the message sits next to it, in view, names the field in
/// the user's words, the field is marked, and what was typed is still there.
pub async fn refused(b: &Browser, form: &str, fields: &[(&str, &str)], field: &str, label: &str, shot: &str) {
    fill(b, form, fields).await;
    b.run("document.querySelectorAll('.form-msg').forEach(e => e.remove());", vec![]).await;
    b.run(&format!("document.querySelector({}).requestSubmit();", json!(form)), vec![]).await;
    let msg = b.wait_for(&format!("{form} .form-msg.error"), WAIT, |_| true).await;
    assert!(msg.contains(label), "the message names the field `{label}`: {msg}");
    // The key as a word of its own ("phone :"), not the end of the label ("Téléphone :").
    let key = format!("{field} :");
    let keyed = msg.match_indices(&key).any(|(i, _)| !msg[..i].chars().next_back().is_some_and(char::is_alphabetic));
    assert!(!keyed, "no field key in the message: {msg}");
    assert!(in_view(b, &format!("{form} .form-msg.error")).await, "the message is in view: {msg}");
    let input = format!("{form} [name=\"{field}\"]");
    assert_eq!(b.attr(&input, "aria-invalid").await.as_deref(), Some("true"), "the field is marked");
    assert!(in_view(b, &input).await, "the invalid field is in view");
    for (name, value) in fields {
        let now = b
            .run("return document.querySelector(arguments[0]).value", vec![json!(format!("{form} [name=\"{name}\"]"))])
            .await;
        assert_eq!(now.as_str(), Some(*value), "what was typed in `{name}` is kept");
    }
    b.screenshot(shot).await;
}

/// Whole-page screenshots of the current screen in the three languages, `<name>-<lang>.png`;
/// ends in French.
pub async fn shots(b: &Browser, name: &str) {
    for lang in ["fr", "nl", "en"] {
        set_lang(b, lang).await;
        b.screenshot_full_page(&format!("{name}-{lang}")).await;
    }
    set_lang(b, "fr").await;
}
