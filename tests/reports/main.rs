//! What the authority and the people receive: the letter, the progress report and the access
//! export for people whose names need more than Windows-1252, the exports' totals against SQL on
//! the projection, the chart's figures, and one label per contract type everywhere.
//!
//! A real server on SQLite; the data comes through the sync path from a test device. Needs
//! Debian's `poppler-utils` (`pdftotext`, `pdffonts`, `pdftoppm`). Pages rendered from the PDFs
//! land in `tests/artifacts/reports/`.

mod portfolio;

use std::path::PathBuf;
use std::process::Command;

use terrain_client_core::edit::{NewPerson, NewWorksite};
use terrain_client_core::i18n::{Lang, label};
use terrain_client_core::values::{ContractType, CountingUnit, HoursSource, Month, PartnerKind};
use terrain_client_core::{DocumentId, Edit, ItemId};
use terrain_tests::db::{fresh_sqlite, query};
use terrain_tests::device::{TestDevice, date};
use terrain_tests::server::{PASSWORD, TestServer, create_user};

/// The names, as typed; `RENEE` has its `é` decomposed (e + U+0301).
const AYSE: (&str, &str) = ("Ayşe", "Yılmaz");
const LUKASZ: (&str, &str) = ("Łukasz", "Nowak-Ștefănescu");
const NGUYEN: (&str, &str) = ("Nguyễn", "Thị Minh Khai");
const RENEE: (&str, &str) = ("Rene\u{301}e", "Dubois");
/// The worksite's name, with a decomposed `é`; NFC in every document.
const SITE: &str = "Re\u{301}novation de l'école Ștefan cel Mare";
const SITE_NFC: &str = "Rénovation de l'école Ștefan cel Mare";
/// A worksite whose name a spreadsheet would run as a formula.
const FORMULA_SITE: &str = "=HYPERLINK(\"http://example.invalid\",\"clic\")";

fn nfc(s: &str) -> String {
    s.replace("e\u{301}", "é")
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join("reports");
    std::fs::create_dir_all(&dir).expect("the artifacts folder");
    dir
}

fn tool(name: &str, args: &[&str], pdf: &std::path::Path) -> String {
    let output = Command::new(name)
        .args(args)
        .arg(pdf)
        .args(if name == "pdftotext" { vec!["-"] } else { vec![] })
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name} ({e}): install Debian's `poppler-utils` package"));
    assert!(output.status.success(), "{name} refused {}: {}", pdf.display(), String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Keep a PDF and its first page as PNG under the artifacts; its text (pdftotext) and fonts.
fn inspect(bytes: &[u8], name: &str) -> (String, String) {
    assert!(
        bytes.starts_with(b"%PDF-"),
        "{name} is not a PDF: {:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
    );
    let pdf = artifacts().join(format!("{name}.pdf"));
    std::fs::write(&pdf, bytes).expect("keep the PDF");
    let text = tool("pdftotext", &["-enc", "UTF-8"], &pdf);
    let fonts = tool("pdffonts", &[], &pdf);
    let prefix = artifacts().join(name);
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs");
    assert!(status.success(), "pdftoppm renders {name}");
    (squash(&text), fonts)
}

fn squash(text: &str) -> String {
    text.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Every font in the PDF is embedded and DejaVu Sans is one of them.
fn assert_embedded(fonts: &str, name: &str) {
    let rows: Vec<&str> = fonts.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert!(!rows.is_empty(), "{name} lists no font:\n{fonts}");
    assert!(rows.iter().any(|r| r.contains("DejaVuSans")), "{name} is set in DejaVu Sans:\n{fonts}");
    for r in &rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        // name type [encoding…] emb sub uni object ID: `emb` is the fifth field from the end.
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "{name}: font not embedded: {r}\n{fonts}");
    }
}

struct Fixture {
    _db: tempfile::TempDir,
    _dir: tempfile::TempDir,
    url: String,
    server: TestServer,
    tablet: TestDevice,
    worksite: DocumentId,
    formula: DocumentId,
    people: Vec<(DocumentId, ItemId, String)>,
}

async fn fixture() -> Fixture {
    let (db, url) = fresh_sqlite();
    let server = TestServer::start_with(&url, terrain_tests::server::default_settings()).await;
    create_user(server.store.as_ref(), "bureau", "office").await;
    create_user(server.store.as_ref(), "user61", "office").await;
    let dir = tempfile::tempdir().expect("a device folder");
    let mut tablet = TestDevice::open(dir.path(), "Tablette Łukasz", 61);
    tablet.sign_in(&server.base_url, "user61", PASSWORD).await.expect("sign in");

    let ctx = tablet.ctx();
    let worksite = DocumentId(uuid::Uuid::from_u128(0x5171e));
    let new = |name: &str| NewWorksite {
        name: name.into(),
        address: "Chaussée de Forest 1, 1060 Saint-Gilles".into(),
        contract_reference: "MP-2026-031".into(),
        authority: "Commune de Saint-Gilles".into(),
        contractor: "Bâtiments Şahin-Ørsted SA".into(),
        advisor: "Łukasz Nowak-Ștefănescu".into(),
        order_to_start: Some(date(2026, 1, 5)),
        planned_end: Some(date(2026, 12, 31)),
    };
    tablet.device.create_worksite(worksite, &new(SITE), &ctx).expect("create the worksite");
    tablet.edit(worksite, Edit::SetClause { unit: CountingUnit::Hours, objective: 2400.0, deadline: None });
    let position = tablet.next_id();
    tablet.edit(
        worksite,
        Edit::AddPosition {
            id: position,
            title: "Maçon coffreur".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: ContractType::TransitionPlacement,
            planned_start: Some(date(2026, 2, 1)),
            hours_planned: 1200.0,
        },
    );
    let contracts =
        [ContractType::TransitionPlacement, ContractType::Interim, ContractType::FixedTerm, ContractType::Fpi];
    let mut people = Vec::new();
    for (n, ((first, last), contract)) in [AYSE, LUKASZ, NGUYEN, RENEE].into_iter().zip(contracts).enumerate() {
        let person = DocumentId(uuid::Uuid::from_u128(0xbe0 + n as u128));
        tablet
            .device
            .create_person(
                person,
                &NewPerson {
                    first_name: first.into(),
                    last_name: last.into(),
                    phone: "+32 470 12 34 56".into(),
                    email: String::new(),
                    partner_kind: Some(PartnerKind::Isp),
                    partner_name: String::new(),
                },
                &ctx,
            )
            .expect("create a person");
        let placement = tablet.next_id();
        tablet.edit(
            worksite,
            Edit::AddPlacement {
                id: placement,
                person,
                position,
                contract_type: contract,
                start: Some(date(2026, 2, 2)),
                end: Some(date(2026, 7, 31)),
                weekly_hours: 38.0,
            },
        );
        for (month, hours) in [(2, 120.5), (3, 150.0), (4, 160.25 + n as f64)] {
            tablet.edit(
                worksite,
                Edit::RecordHours {
                    placement,
                    month: Month::new(2026, month).expect("a month"),
                    hours,
                    source: if n % 2 == 0 { HoursSource::AttendanceSheet } else { HoursSource::Payroll },
                },
            );
        }
        let evaluation = tablet.next_id();
        tablet.edit(
            person,
            Edit::AddEvaluation {
                id: evaluation,
                date: Some(date(2026, 7, 31)),
                worksite: Some(worksite),
                placement: Some(placement),
                text: format!("{first} {last} a été ponctuel(le), soigneux(se) et très apprécié(e) de l'équipe."),
            },
        );
        tablet.edit(
            person,
            Edit::RecordConsent {
                evaluation,
                recorded_by: "Łukasz Nowak-Ștefănescu".into(),
                recorded_on: date(2026, 8, 1),
            },
        );
        people.push((person, evaluation, nfc(&format!("{first} {last}"))));
    }
    // A second worksite named like a formula, with one placement (of the first person) and hours.
    let formula = DocumentId(uuid::Uuid::from_u128(0xf0f0));
    tablet.device.create_worksite(formula, &new(FORMULA_SITE), &ctx).expect("create the worksite");
    tablet.edit(formula, Edit::SetClause { unit: CountingUnit::Hours, objective: 500.0, deadline: None });
    let position2 = tablet.next_id();
    tablet.edit(
        formula,
        Edit::AddPosition {
            id: position2,
            title: "=1+1".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: ContractType::Permanent,
            planned_start: None,
            hours_planned: 100.0,
        },
    );
    let placement2 = tablet.next_id();
    tablet.edit(
        formula,
        Edit::AddPlacement {
            id: placement2,
            person: people[0].0,
            position: position2,
            contract_type: ContractType::Permanent,
            start: Some(date(2026, 9, 1)),
            end: None,
            weekly_hours: 19.0,
        },
    );
    tablet.edit(
        formula,
        Edit::RecordHours {
            placement: placement2,
            month: Month::new(2026, 9).expect("a month"),
            hours: 76.0,
            source: HoursSource::Payroll,
        },
    );
    tablet.sync(&server.base_url).await.expect("the tablet uploads");
    Fixture { _db: db, _dir: dir, url, server, tablet, worksite, formula, people }
}

/// The `terrain_session=…` cookie of the office user, with the language cookie.
async fn session(http: &reqwest::Client, base: &str, lang: Lang) -> String {
    let response = http
        .post(format!("{base}/office/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("login=bureau&password={PASSWORD}"))
        .send()
        .await
        .expect("the login form answers");
    assert!(response.status().is_redirection(), "signing in redirects, got {}", response.status());
    let pair = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("terrain_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    format!("{pair}; terrain_lang={}", lang.code())
}

async fn get(http: &reqwest::Client, cookie: &str, url: &str) -> (u16, String, Vec<u8>) {
    let response = http.get(url).header("cookie", cookie).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, kind, response.bytes().await.expect("a body").to_vec())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn letters_reports_and_access_exports_keep_every_name() {
    let f = fixture().await;
    let base = f.server.base_url.clone();
    let http = client();
    for lang in Lang::ALL {
        let cookie = session(&http, &base, lang).await;
        let code = lang.code();

        let (status, kind, body) =
            get(&http, &cookie, &format!("{base}/office/worksites/{}/report.pdf", f.worksite)).await;
        assert_eq!((status, kind.as_str()), (200, "application/pdf"));
        let (text, fonts) = inspect(&body, &format!("report-{code}"));
        assert_embedded(&fonts, "the progress report");
        for expected in [SITE_NFC, "Łukasz Nowak-Ștefănescu", "Bâtiments Şahin-Ørsted SA"] {
            assert!(text.contains(expected), "the {code} report gives back {expected:?}:\n{text}");
        }
        for (person, _, name) in &f.people {
            // Łukasz is also the worksite's advisor, whom the report does name.
            if !name.starts_with("Łukasz") {
                assert!(!text.contains(name.as_str()), "the report never names the job seekers ({name})");
            }
            let (status, _, body) = get(&http, &cookie, &format!("{base}/office/people/{person}/export.pdf")).await;
            assert_eq!(status, 200);
            let slug = name.split(' ').next().unwrap_or("x").to_lowercase();
            let (text, fonts) = inspect(&body, &format!("export-{slug}-{code}"));
            assert_embedded(&fonts, "the access export");
            assert!(text.contains(name.as_str()), "the {code} access export gives back {name:?}:\n{text}");
            assert!(text.contains(SITE_NFC), "the access export names the worksite:\n{text}");
        }
        for (person, evaluation, name) in &f.people {
            let url = format!("{base}/office/people/{person}/evaluations/{evaluation}/letter.pdf");
            let (status, _, body) = get(&http, &cookie, &url).await;
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body[..body.len().min(300)]));
            let slug = name.split(' ').next().unwrap_or("x").to_lowercase();
            let (text, fonts) = inspect(&body, &format!("letter-{slug}-{code}"));
            assert_embedded(&fonts, "the letter");
            for expected in
                [name.as_str(), "Maçon coffreur", "Bâtiments Şahin-Ørsted SA", "Łukasz Nowak-Ștefănescu", SITE_NFC]
            {
                assert!(text.contains(expected), "the {code} letter gives back {expected:?}:\n{text}");
            }
            let start = terrain_client_core::i18n::format_date(date(2026, 2, 2), lang);
            let end = terrain_client_core::i18n::format_date(date(2026, 7, 31), lang);
            assert!(text.contains(&start) && text.contains(&end), "the letter gives the contract dates:\n{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_letter_needs_a_placement() {
    let mut f = fixture().await;
    let base = f.server.base_url.clone();
    let (person, _, _) = f.people[0].clone();
    let evaluation = f.tablet.next_id();
    f.tablet.edit(
        person,
        Edit::AddEvaluation {
            id: evaluation,
            date: Some(date(2026, 6, 1)),
            worksite: None,
            placement: None,
            text: "Motivé.".into(),
        },
    );
    f.tablet
        .edit(person, Edit::RecordConsent { evaluation, recorded_by: "Sophie".into(), recorded_on: date(2026, 6, 2) });
    f.tablet.sync(&base).await.expect("uploads");
    let http = client();
    let cookie = session(&http, &base, Lang::En).await;
    let (status, _, _) =
        get(&http, &cookie, &format!("{base}/office/people/{person}/evaluations/{evaluation}/letter.pdf")).await;
    assert_eq!(status, 403, "no placement, no letter");
    let (_, _, page) = get(&http, &cookie, &format!("{base}/office/people/{person}")).await;
    let page = String::from_utf8(page).expect("HTML");
    assert!(!page.contains(&format!("/evaluations/{evaluation}/letter.pdf")), "the page offers no letter for it");
    assert!(page.contains(&format!("/evaluations/{}/letter.pdf", f.people[0].1)), "but does for the placement's");
}

/// `data-name="value"` attributes of the elements of an SVG whose class is `class`.
fn attributes(html: &str, class: &str, name: &str) -> Vec<String> {
    html.split(&format!("class=\"{class}\""))
        .skip(1)
        .filter_map(|rest| {
            let tag_end = rest.find('>')?;
            let tag = &rest[..tag_end];
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            Some(tag[start..].split('"').next()?.to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chart_draws_the_projection_and_the_pace_meets_the_objective() {
    let f = fixture().await;
    let base = f.server.base_url.clone();
    let http = client();
    let cookie = session(&http, &base, Lang::Fr).await;
    let (status, _, page) = get(&http, &cookie, &format!("{base}/office/worksites/{}", f.worksite)).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).expect("HTML");
    let months = attributes(&page, "month", "data-month");
    let hours: Vec<f64> =
        attributes(&page, "month", "data-hours").iter().map(|h| h.parse().expect("a number")).collect();
    let projected: Vec<(String, f64)> = query(
        &f.url,
        &format!(
            "SELECT month, SUM(hours) FROM placement_hours WHERE worksite_id = (SELECT id FROM worksites WHERE name = '{}') \
             GROUP BY month ORDER BY month",
            SITE.replace('\'', "''")
        ),
    )
    .await;
    assert_eq!(projected.len(), 3, "three months of hours in the projection");
    assert_eq!(months, projected.iter().map(|(m, _)| m.clone()).collect::<Vec<_>>(), "one bar per month with hours");
    for ((_, p), h) in projected.iter().zip(&hours) {
        assert!((p - h).abs() < 1e-9, "bar {h} = projection {p}");
    }
    let pace: Vec<f64> =
        attributes(&page, "pace", "data-values")[0].split(' ').map(|v| v.parse().expect("a number")).collect();
    assert_eq!(pace.len(), 12, "the pace runs January to December (the deadline)");
    assert_eq!(*pace.last().expect("a point"), 2400.0, "the pace reaches the objective at the deadline");
    assert!(pace.windows(2).all(|w| w[0] <= w[1]), "the pace only rises: {pace:?}");
    let realised: Vec<f64> =
        attributes(&page, "realised", "data-values")[0].split(' ').map(|v| v.parse().expect("a number")).collect();
    let total: f64 = projected.iter().map(|(_, h)| h).sum();
    assert!(
        realised.iter().any(|r| (r - total).abs() < 1e-9),
        "the cumulative line reaches the total {total}: {realised:?}"
    );
    // The portfolio shows progress against elapsed time for each worksite.
    let (_, _, portfolio) = get(&http, &cookie, &format!("{base}/office")).await;
    let portfolio = String::from_utf8(portfolio).expect("HTML");
    assert_eq!(attributes(&portfolio, "progress", "data-done").len(), 2, "one progress bar per worksite");
}

fn parse_number(s: &str) -> f64 {
    s.replace(',', ".").parse().unwrap_or_else(|_| panic!("a number: {s:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spreadsheets_add_up_to_the_projection_and_neutralise_formulas() {
    use calamine::{Data, Reader, Xlsx};
    let f = fixture().await;
    let base = f.server.base_url.clone();
    let http = client();
    let total: Vec<(Option<f64>,)> = query(&f.url, "SELECT SUM(hours) FROM placement_hours").await;
    let total = total[0].0.expect("hours in the projection");
    for lang in Lang::ALL {
        let cookie = session(&http, &base, lang).await;
        // CSV: BOM, the language's separator, translated headers, names instead of ids.
        let (status, kind, body) = get(&http, &cookie, &format!("{base}/office/export/hours.csv")).await;
        assert_eq!(status, 200);
        assert!(kind.starts_with("text/csv"), "{kind}");
        assert!(body.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 byte-order mark");
        let sep = if lang == Lang::En { b',' } else { b';' };
        let mut reader = csv::ReaderBuilder::new().delimiter(sep).from_reader(&body[3..]);
        let headers: Vec<String> = reader.headers().expect("headers").iter().map(str::to_owned).collect();
        let hours_header = terrain_server::office::i18n::t(lang, terrain_server::office::i18n::L::HoursRealised);
        let col =
            headers.iter().position(|h| h == hours_header).unwrap_or_else(|| panic!("{hours_header} in {headers:?}"));
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
        assert_eq!(rows.len(), 13, "one row per placement and month");
        let sum: f64 = rows.iter().map(|r| parse_number(&r[col])).sum();
        assert!((sum - total).abs() < 1e-6, "{} CSV sums to {sum}, the projection to {total}", lang.code());
        let text = String::from_utf8(body[3..].to_vec()).expect("UTF-8");
        assert!(text.contains("Ayşe Yılmaz") && text.contains("Maçon coffreur"), "names, not ids:\n{text}");
        assert!(text.contains(label(lang, ContractType::Interim)), "translated contract types:\n{text}");
        assert!(
            !text.contains("fixed_term") && !text.contains(&f.worksite.to_string()),
            "no raw codes or ids:\n{text}"
        );
        assert!(
            text.contains("\"'=HYPERLINK(") || text.contains("'=HYPERLINK("),
            "the formula is neutralised:\n{text}"
        );
        assert!(text.contains("'=1+1"), "the position title too:\n{text}");
        assert!(!text.contains("-0"), "no -0:\n{text}");

        // XLSX: the same total, read back by calamine.
        let (status, _, body) = get(&http, &cookie, &format!("{base}/office/export/hours.xlsx")).await;
        assert_eq!(status, 200);
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(body)).expect("an XLSX workbook");
        let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
        let mut rows = range.rows();
        let header: Vec<String> = rows.next().expect("a header").iter().map(|c| c.to_string()).collect();
        let col = header.iter().position(|h| h == hours_header).expect("the hours column");
        let mut sum = 0.0;
        let mut neutralised = false;
        for row in rows {
            match &row[col] {
                Data::Float(v) => sum += v,
                Data::Int(v) => sum += *v as f64,
                other => panic!("hours are numbers in the XLSX, got {other:?}"),
            }
            neutralised |= matches!(&row[0], Data::String(s) if s.starts_with("'=HYPERLINK("));
        }
        assert!((sum - total).abs() < 1e-6, "XLSX sums to {sum}, the projection to {total}");
        assert!(neutralised, "the worksite named like a formula is text in the XLSX");

        // The placements export: one row per placement, hours equal to the projection.
        let (_, _, body) = get(&http, &cookie, &format!("{base}/office/export/placements.xlsx")).await;
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(body)).expect("an XLSX workbook");
        let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
        assert_eq!(range.height(), 6, "a header and five placements");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yearly_statistics_add_up_and_print() {
    use calamine::{Data, Reader, Xlsx};
    let f = fixture().await;
    let base = f.server.base_url.clone();
    let http = client();
    let cookie = session(&http, &base, Lang::Nl).await;
    let total: Vec<(Option<f64>,)> =
        query(&f.url, "SELECT SUM(hours) FROM placement_hours WHERE month LIKE '2026-%'").await;
    let total = total[0].0.expect("hours");
    let (status, _, page) = get(&http, &cookie, &format!("{base}/office/summary?year=2026")).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).expect("HTML");
    assert!(page.contains("<option value=\"2026\" selected"), "the year is chosen on the page");
    assert!(page.contains(label(Lang::Nl, ContractType::TransitionPlacement)), "lines per contract type");
    let (_, _, body) = get(&http, &cookie, &format!("{base}/office/statistics/2026.xlsx")).await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(body)).expect("an XLSX workbook");
    let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    let last = range.rows().last().expect("a total row").to_vec();
    let hours = match &last[4] {
        Data::Float(v) => *v,
        other => panic!("total hours: {other:?}"),
    };
    assert!((hours - total).abs() < 1e-6, "statistics total {hours} = projection {total}");
    assert!(matches!(&last[6], Data::Float(v) if *v == 4.0), "four distinct people: {:?}", last[6]);
    let (status, _, body) = get(&http, &cookie, &format!("{base}/office/statistics/2026.pdf")).await;
    assert_eq!(status, 200);
    let (text, fonts) = inspect(&body, "statistics-2026-nl");
    assert_embedded(&fonts, "the statistics");
    assert!(text.contains("Saint-Gilles") && text.contains("coffreur"), "{text}");
    let (_, _, body) = get(&http, &cookie, &format!("{base}/office/statistics/2026.csv")).await;
    assert!(body.starts_with(b"\xEF\xBB\xBF"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_label_per_contract_type_on_the_page_the_tablet_and_the_pdf() {
    let f = fixture().await;
    let base = f.server.base_url.clone();
    let http = client();
    // The tablet's worksite screen, drawn by the tablet app's own view code from the same edits.
    let tablet_html = |lang: Lang| {
        use terrain_mobile::app::{App, Screen, Session};
        let mut app = App::new(lang, date(2026, 5, 15));
        let device = terrain_client_core::DeviceId::from_random_bytes([9; 16]);
        app.session = Some(Session {
            login: "l".into(),
            display_name: "Łukasz".into(),
            role: "advisor".into(),
            device,
            token: "t".into(),
        });
        let mut replica = terrain_client_core::Replica::new(device, [8; 16]);
        let ctx = terrain_client_core::EditContext { author_label: "Łukasz".into(), now_ms: 0 };
        let id = DocumentId::from_random_bytes([7; 16]);
        replica.create_worksite(id, &NewWorksite { name: "Site".into(), ..Default::default() }, &ctx).expect("create");
        for (n, contract) in [ContractType::TransitionPlacement, ContractType::Interim].into_iter().enumerate() {
            let edit = Edit::AddPosition {
                id: ItemId::from_random_bytes([n as u8 + 1; 16]),
                title: format!("P{n}"),
                tasks: String::new(),
                requirements: String::new(),
                contract_type: contract,
                planned_start: None,
                hours_planned: 1.0,
            };
            replica.edit(id, &edit, &ctx).expect("edit");
        }
        app.replica = Some(replica);
        app.screen = Screen::Worksite(id);
        terrain_mobile::view::page(&app).into_string()
    };
    for lang in Lang::ALL {
        let cookie = session(&http, &base, lang).await;
        let (_, _, page) = get(&http, &cookie, &format!("{base}/office/worksites/{}", f.worksite)).await;
        let page = String::from_utf8(page).expect("HTML");
        let (_, _, printable) = get(&http, &cookie, &format!("{base}/office/worksites/{}/report", f.worksite)).await;
        let printable = String::from_utf8(printable).expect("HTML");
        let (_, _, pdf) = get(&http, &cookie, &format!("{base}/office/worksites/{}/report.pdf", f.worksite)).await;
        let (pdf, _) = inspect(&pdf, &format!("labels-{}", lang.code()));
        let tablet = tablet_html(lang);
        for contract in [ContractType::TransitionPlacement, ContractType::Interim] {
            let name = label(lang, contract);
            let escaped = name.replace('\'', "&#39;");
            // The worksite page lists the position (a transition placement); every placement's
            // contract shows on the printable page and in the PDF.
            if contract == ContractType::TransitionPlacement {
                assert!(page.contains(name) || page.contains(&escaped), "the page says {name:?}");
            }
            assert!(printable.contains(name) || printable.contains(&escaped), "the printable page says {name:?}");
            assert!(tablet.contains(name) || tablet.contains(&escaped), "the tablet says {name:?}");
            assert!(pdf.contains(&squash(name)), "the PDF says {name:?}:\n{pdf}");
        }
    }
    // The labels that disagreed before.
    assert_eq!(label(Lang::Nl, ContractType::TransitionPlacement), "Instapstage");
    assert_eq!(label(Lang::En, ContractType::Interim), "Temporary agency work");
    let _ = &f.formula;
}

terrain_tests::on_both_backends!(portfolio::url_keeps_filters_search_sort_and_page);
