//! Contact details through the dashboard, from an empty install: the admin gives an advisor's
//! telephone and e-mail on the user's page (a wrong one is refused in the user's language, the
//! field named and in view, what was typed kept), the admin page lists them, and an office user
//! gives their own from "my account"; an advisor gives theirs from the tablet.

use crate::fixtures::squash;
use crate::office_steps::*;
use crate::tablet_steps as tablet;
use serde_json::json;
use terrain_tests::browser::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_details_are_checked_and_kept_from_the_screens() {
    let server = EmptyServer::start().await;
    let base = server.base.clone();
    let b = Browser::launch(Some("fr")).await;
    b.set_size(1024, 768).await;
    let br = &b;
    set_up_first_admin(&b, &server).await;
    sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    create_user(&b, &base, "sophie", "Sophie Martin", "advisor").await;
    create_user(&b, &base, "claire", "Claire Dubois", "office").await;

    // A telephone that is not one, then an e-mail that is not one: refused, in three languages.
    open_contact(&b, &base, "sophie").await;
    assert_eq!(b.text("#account-name").await, "Sophie Martin");
    let url = b.url().await;
    refused_in_three_languages(
        &b,
        &url,
        "account-01-wrong-phone",
        ["Téléphone", "Telefoon", "Phone"],
        "#contact-submit",
        move || async move {
            fill(br, "#f-phone", "appelez-moi").await;
            fill(br, "#f-email", "sophie.martin@actiris.be").await;
        },
    )
    .await;
    assert!(
        squash(&b.text(".field-error").await).contains("6 to 20 digits"),
        "the rule is said (the last page is in English)"
    );
    assert_eq!(b.attr("#f-email", "value").await.as_deref(), Some("sophie.martin@actiris.be"), "what was typed stays");
    refused_in_three_languages(
        &b,
        &url,
        "account-02-wrong-email",
        ["E-mail", "E-mail", "E-mail"],
        "#contact-submit",
        move || async move {
            fill(br, "#f-phone", "02 505 14 11").await;
            fill(br, "#f-email", "sophie.martin-actiris.be").await;
        },
    )
    .await;
    assert!(squash(&b.text(".field-error").await).contains("name@domain.be"), "the rule is said");
    b.goto(&format!("{base}/office/admin")).await;
    assert_eq!(b.text("tr[data-login=sophie] td.phone").await, "", "nothing refused was saved");

    // Right, then saved and listed.
    set_contact(&b, &base, "sophie", "02 505 14 11", "sophie.martin@actiris.be").await;
    assert_eq!(squash(&b.text("#saved").await), "Coordonnées enregistrées.");
    assert_eq!(b.attr("#f-phone", "value").await.as_deref(), Some("02 505 14 11"));
    shots_named(&b, "account-03-contact-saved").await;
    b.goto(&format!("{base}/office/admin")).await;
    assert_eq!(b.text("tr[data-login=sophie] td.phone").await, "02 505 14 11");
    assert_eq!(b.text("tr[data-login=sophie] td.email").await, "sophie.martin@actiris.be");
    sign_out(&b).await;

    // An office user gives their own, from their name in the header.
    sign_in(&b, &base, "claire", PASSWORD).await;
    submit(&b, "#account-link").await;
    assert_eq!(b.text("#account-name").await, "Claire Dubois");
    fill(&b, "#f-phone", "0475 12 34 56").await;
    submit(&b, "#contact-submit").await;
    assert_eq!(squash(&b.text("#saved").await), "Coordonnées enregistrées.");
    shots_named(&b, "account-04-my-account").await;
    sign_out(&b).await;
    sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    b.goto(&format!("{base}/office/admin")).await;
    assert_eq!(b.text("tr[data-login=claire] td.phone").await, "0475 12 34 56");
    b.quit().await;
}

/// The advisor's own contact, from the tablet (the dashboard is the office's): the form shows what
/// the admin gave; a wrong telephone is refused next to its field in the advisor's language,
/// before anything is sent, what was typed kept; with no network it says so and nothing changes;
/// online it is saved, the admin page lists it and the next start shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advisor_gives_their_own_contact_from_the_tablet() {
    let server = EmptyServer::start().await;
    let base = server.base.clone();
    let b = Browser::launch(Some("fr")).await;
    set_up_first_admin(&b, &server).await;
    sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    create_user(&b, &base, "sophie", "Sophie Martin", "advisor").await;
    set_contact(&b, &base, "sophie", "02 505 14 11", "").await;

    let tab = Browser::launch(Some("fr")).await;
    tab.set_size(1024, 768).await;
    tab.first_app_sign_in(&base, "sophie", "#f-new-worksite").await;
    let form = "#my-contact-form";
    tab.wait_for(form, tablet::WAIT, |_| true).await;
    let value = |name: &'static str| {
        let tab = &tab;
        async move {
            let css = format!("{form} [name={name}]");
            tab.run("return document.querySelector(arguments[0]).value", vec![json!(css)]).await
        }
    };
    assert_eq!(value("phone").await, json!("02 505 14 11"), "the form shows what the admin gave");

    let wrong = [("phone", "appelez-moi"), ("email", "sophie.martin@actiris.be")];
    tablet::refused(&tab, form, &wrong, "phone", "Téléphone", "tablet-contact-01-wrong-phone-fr").await;
    assert!(squash(&tab.text(".form-msg.error").await).contains("6 à 20 chiffres"), "the rule is said");
    tablet::set_lang(&tab, "nl").await;
    let wrong = [("phone", "02 505 14 11"), ("email", "sophie.martin-actiris.be")];
    tablet::refused(&tab, form, &wrong, "email", "E-mail", "tablet-contact-02-wrong-email-nl").await;
    assert!(squash(&tab.text(".form-msg.error").await).contains("naam@domein.be"), "the rule is said in Dutch");
    tablet::set_lang(&tab, "fr").await;

    // No network: said next to the form, what was typed kept, nothing saved.
    let right = [("phone", "0475 12 34 56"), ("email", "sophie.martin@actiris.be")];
    tab.set_offline(true).await;
    tablet::fill(&tab, form, &right).await;
    tab.run("document.querySelectorAll('.form-msg').forEach(e => e.remove());", vec![]).await;
    tab.run(&format!("document.querySelector({}).requestSubmit();", json!(form)), vec![]).await;
    let msg = tab.wait_for(&format!("{form} .form-msg.error"), tablet::WAIT, |_| true).await;
    assert!(msg.contains("Pas de réseau"), "{msg}");
    assert_eq!(value("phone").await, json!("0475 12 34 56"), "what was typed stays");
    tab.screenshot("tablet-contact-03-no-network-fr").await;
    b.goto(&format!("{base}/office/admin")).await;
    assert_eq!(b.text("tr[data-login=sophie] td.phone").await, "02 505 14 11", "nothing refused was saved");

    // Online: saved, listed on the admin page, shown again after a restart.
    tab.set_offline(false).await;
    tablet::fill_and_save(&tab, form, &right).await;
    assert_eq!(squash(&tab.text(".form-msg.ok").await), "Coordonnées enregistrées");
    tablet::shots(&tab, "tablet-contact-04-saved").await;
    b.goto(&format!("{base}/office/admin")).await;
    assert_eq!(b.text("tr[data-login=sophie] td.phone").await, "0475 12 34 56");
    assert_eq!(b.text("tr[data-login=sophie] td.email").await, "sophie.martin@actiris.be");
    tablet::reload(&tab).await;
    tab.wait_for(form, tablet::WAIT, |_| true).await;
    assert_eq!(value("email").await, json!("sophie.martin@actiris.be"));
    tab.quit().await;
    b.quit().await;
}
