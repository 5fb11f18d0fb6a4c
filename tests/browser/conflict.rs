//! Two tablets set the contractor's contact while offline; the office sees both values with
//! their authors and picks one, and both tablets converge on it.

use std::time::Duration;

use terrain_client_core::Edit;
use terrain_client_core::conflicts::conflicts;
use terrain_client_core::edit::WorksiteField;
use terrain_tests::browser::Browser;
use terrain_tests::device::TestDevice;
use terrain_tests::server::PASSWORD;

use crate::fixtures::{OFFICE_LOGIN, World, seed_worksite};

const SOPHIE: &str = "Tablette Sophie";
const MARC: &str = "Tablette Marc";
const SOPHIE_VALUE: &str = "Jean Dupont 0470 11 22 33";
const MARC_VALUE: &str = "Marie Lambert (chef de chantier)";

fn contact(device: &TestDevice, id: terrain_client_core::DocumentId) -> String {
    device.device.replica().worksite(id).expect("the tablet holds the worksite").contractor.contact
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflict() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let mut sophie = world.device(SOPHIE, 31).await;
    let mut marc = world.device(MARC, 32).await;
    let seeded = seed_worksite(&mut sophie);
    sophie.sync(&base).await.expect("Sophie uploads the worksite");
    marc.sync(&base).await.expect("Marc downloads the worksite");
    assert_eq!(contact(&marc, seeded.worksite), "Accueil");

    // Offline, each sets the contact; then both sync.
    sophie.edit(
        seeded.worksite,
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: SOPHIE_VALUE.into() },
    );
    marc.edit(
        seeded.worksite,
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: MARC_VALUE.into() },
    );
    sophie.sync(&base).await.expect("Sophie syncs");
    marc.sync(&base).await.expect("Marc syncs");

    let browser = Browser::launch(Some("fr")).await;
    browser.login(&base, OFFICE_LOGIN, PASSWORD).await;
    browser.goto(&format!("{base}/office/worksites/{}", seeded.worksite)).await;
    let found = browser.wait_for("#conflicts .conflict", Duration::from_secs(5), |_| true).await;
    assert_eq!(browser.count("#conflicts .conflict").await, 1, "one field conflicts: {found}");
    assert_eq!(
        browser.text("#conflicts .conflict strong.field").await,
        "Contact de l'adjudicataire",
        "the field is named as its form names it, not by its stored keys"
    );
    let mut values = Vec::new();
    for e in browser.find_all("#conflicts .conflict span.value").await {
        values.push(e.text().await.expect("a value"));
    }
    values.sort();
    let mut expected = vec![SOPHIE_VALUE.to_owned(), MARC_VALUE.to_owned()];
    expected.sort();
    assert_eq!(values, expected, "both competing values are shown");
    let mut authors = Vec::new();
    for e in browser.find_all("#conflicts .conflict span.author").await {
        authors.push(e.text().await.expect("an author"));
    }
    authors.sort();
    assert_eq!(authors, vec![MARC.to_owned(), SOPHIE.to_owned()], "both authors are shown");
    browser.screenshot("conflict-1-shown").await;

    browser
        .find(&format!("#conflicts button.choose[data-value=\"{MARC_VALUE}\"]"))
        .await
        .click()
        .await
        .expect("choose Marc's value");
    browser.wait_gone("#conflicts .conflict", Duration::from_secs(5)).await;
    browser.wait_for("#contractor", Duration::from_secs(5), |t| t.contains(MARC_VALUE)).await;
    browser.scroll_to("#conflicts").await;
    browser.screenshot("conflict-2-resolved").await;

    for device in [&mut sophie, &mut marc] {
        device.sync(&base).await.expect("the tablet syncs the resolution");
    }
    for device in [&sophie, &marc] {
        let doc = device.device.replica().automerge(seeded.worksite).expect("the tablet holds the worksite");
        assert!(conflicts(doc).is_empty(), "{}: conflicts left: {:?}", device.label, conflicts(doc));
        assert_eq!(contact(device, seeded.worksite), MARC_VALUE, "{}: the chosen value", device.label);
    }
    browser.quit().await;
}
