//! Exports and PDFs over plain HTTP with the dashboard's session cookie: the hours CSV agrees
//! with the projection, the progress report is a real PDF, and a recommendation letter needs the
//! person's consent.

use reqwest::StatusCode;
use terrain_client_core::Edit;
use terrain_server::office::i18n::{Lang, format_hours};
use terrain_tests::db::query;
use terrain_tests::device::date;

use crate::fixtures::{
    OFFICE_LOGIN, WORKSITE_NAME, World, pdf_text, record_hours, require_pdftotext, seed_worksite, session, squash,
};

const EVALUATION: &str = "Karim a été ponctuel et soigneux tout au long du chantier. Il maîtrise la maçonnerie \
                          de façade et a formé un collègue au montage des échafaudages.";

/// One CSV line's fields (RFC 4180 quoting, `;` as in a French export).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (';', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

async fn get(http: &reqwest::Client, cookie: &str, url: &str) -> (StatusCode, String, Vec<u8>) {
    let response = http.get(url).header("cookie", cookie).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, kind, response.bytes().await.expect("a body").to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports() {
    require_pdftotext();
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let mut tablet = world.device("Tablette Sophie", 51).await;
    let first = seed_worksite(&mut tablet);
    record_hours(&mut tablet, &first, 2, 600.0);
    record_hours(&mut tablet, &first, 3, 634.5);
    let second = seed_worksite(&mut tablet);
    record_hours(&mut tablet, &second, 5, 151.75);
    let evaluation = tablet.next_id();
    tablet.edit(
        first.person,
        Edit::AddEvaluation {
            id: evaluation,
            date: Some(date(2026, 9, 30)),
            worksite: Some(first.worksite),
            placement: Some(first.placement),
            text: EVALUATION.into(),
        },
    );
    tablet.sync(&base).await.expect("the tablet uploads");

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let cookie = session(&http, OFFICE_LOGIN, &base).await;

    // Without the cookie: back to the login page.
    let response = http.get(format!("{base}/office/export/hours.csv")).send().await.expect("answers");
    assert!(response.status().is_redirection(), "no session, no export: {}", response.status());

    // The hours CSV adds up to what the projection holds.
    let (status, kind, body) = get(&http, &cookie, &format!("{base}/office/export/hours.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "content type {kind}");
    let text = String::from_utf8(body).expect("UTF-8 CSV");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark, for Excel");
    let mut lines = text.lines();
    let header = csv_fields(lines.next().expect("a header"));
    let hours_col = header.iter().position(|h| h == "Heures réalisées").expect("an hours column");
    let rows: Vec<Vec<String>> = lines.filter(|l| !l.is_empty()).map(csv_fields).collect();
    assert_eq!(rows.len(), 3, "one row per placement and month:\n{text}");
    let csv_sum: f64 =
        rows.iter().map(|r| r[hours_col].replace(',', ".").parse::<f64>().expect("hours are a number")).sum();
    let projected: Vec<(Option<f64>,)> = query(&world.url, "SELECT SUM(hours) FROM placement_hours").await;
    let projected = projected[0].0.expect("the projection holds hours");
    assert!((csv_sum - projected).abs() < 1e-9, "CSV sums to {csv_sum}, the projection to {projected}");
    assert!((csv_sum - 1386.25).abs() < 1e-9, "CSV sums to {csv_sum}");
    assert!(rows.iter().all(|r| r.contains(&WORKSITE_NAME.to_owned())), "rows name their worksite:\n{text}");

    // The progress report: a PDF naming the worksite and its realised hours.
    let (status, kind, body) =
        get(&http, &cookie, &format!("{base}/office/worksites/{}/report.pdf", first.worksite)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    let text = squash(&pdf_text(&body));
    assert!(text.contains(WORKSITE_NAME), "the report names the worksite:\n{text}");
    let hours = squash(&format_hours(1234.5, Lang::Fr));
    assert!(text.contains(&hours), "the report holds the realised hours {hours:?}:\n{text}");
    std::fs::create_dir_all(terrain_tests::browser::screenshot_dir()).expect("artifacts folder");
    std::fs::write(terrain_tests::browser::screenshot_dir().join("exports-report.pdf"), &body).expect("keep the PDF");

    // The letter: refused without the person's consent…
    let letter = format!("{base}/office/people/{}/evaluations/{evaluation}/letter.pdf", first.person);
    let (status, _, body) = get(&http, &cookie, &letter).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no consent, no letter: {}", String::from_utf8_lossy(&body));
    // … served once the consent is recorded.
    tablet.edit(
        first.person,
        Edit::RecordConsent { evaluation, recorded_by: "Sophie Martin".into(), recorded_on: date(2026, 10, 1) },
    );
    tablet.sync(&base).await.expect("the tablet uploads the consent");
    let (status, kind, body) = get(&http, &cookie, &letter).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body[..body.len().min(500)]));
    assert_eq!(kind, "application/pdf");
    let text = squash(&pdf_text(&body));
    assert!(text.contains(&squash(EVALUATION)), "the letter holds the evaluation:\n{text}");
    std::fs::write(terrain_tests::browser::screenshot_dir().join("exports-letter.pdf"), &body).expect("keep the PDF");
}
