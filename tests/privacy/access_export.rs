//! Right of access: the export of one person holds everything Terrain keeps about them (identity,
//! contact, notes, evaluations and consent, placements with hours, who changed the record) and
//! nothing about anyone else; as JSON and as a PDF.

use terrain_tests::db::Backend;

use crate::fixtures::{EVALUATION, NAME, NOTE, OTHER_NAME, OTHER_NOTE, PHONE, pdf_text, world};

async fn get(base: &str, token: &str, path: &str, lang: &str) -> (u16, Vec<u8>) {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

pub async fn the_access_export_holds_everything_about_the_person_and_nothing_else(backend: Backend) {
    let w = world(backend, 70).await;
    let base = w.server.base_url.clone();
    let person = w.seeded.person;
    let path = format!("/v1/people/{person}/export");

    let (status, bytes) = get(&base, w.office.token(), &path, "fr").await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let p = &json["person"];
    assert_eq!((p["first_name"].as_str(), p["last_name"].as_str()), (Some("Karim"), Some("El Amrani")));
    assert_eq!(p["phone"], PHONE);
    assert_eq!(p["notes"][0]["text"], NOTE);
    assert_eq!(p["evaluations"][0]["text"], EVALUATION);
    assert_eq!(p["evaluations"][0]["id"], w.evaluation.to_string());
    assert_eq!(p["evaluations"][0]["consent"]["recorded_by"], "Sophie Martin");
    assert_eq!(p["evaluations"][0]["consent"]["recorded_on"], "2026-10-01");
    let site = &json["worksites"][0];
    assert_eq!(site["worksite"], w.seeded.worksite.to_string());
    assert_eq!(site["placements"].as_array().unwrap().len(), 1, "only their own placement");
    assert_eq!(site["placements"][0]["position_title"], "Maçon");
    assert_eq!(site["placements"][0]["hours"].as_array().unwrap().len(), 2);
    assert_eq!(site["referrals"].as_array().unwrap().len(), 1);
    assert!(json["history"].as_array().unwrap().len() >= 4, "who changed the record, change by change");
    assert!(json["retention_date"].as_str().is_some());
    for other in [OTHER_NAME, "Vandersmissen", OTHER_NOTE, &w.other.to_string()] {
        assert!(!text.contains(other), "{other:?} is about someone else");
    }

    let (status, pdf) = get(&base, w.office.token(), &format!("{path}.pdf"), "fr").await;
    assert_eq!(status, 200);
    let pdf = pdf_text(&pdf);
    for expected in [
        NAME,
        PHONE,
        "Médiation",
        "retards liés à la garde des enfants",
        "ponctuel et soigneux",
        "Sophie Martin",
        "01/10/2026",
        "Maçon",
        "312,5 h",
        "Conservé jusqu'au",
    ] {
        assert!(pdf.contains(expected), "{expected:?} missing from the PDF: {pdf}");
    }
    for other in [OTHER_NAME, "Vandersmissen", "permis C"] {
        assert!(!pdf.contains(other), "{other:?} is about someone else");
    }
    let (_, pdf_nl) = get(&base, w.office.token(), &format!("{path}.pdf"), "nl").await;
    assert!(pdf_text(&pdf_nl).contains("Bewaard tot"), "the PDF is in the reader's language");

    // Advisors may not export; an unknown id is not found.
    let (status, body) = get(&base, w.advisor.token(), &path, "fr").await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let (status, _) = get(&base, w.office.token(), &format!("/v1/people/{}/export", uuid::Uuid::new_v4()), "fr").await;
    assert_eq!(status, 404);
}
