//! Retention: the job erases people whose retention date has passed, the dashboard lists those
//! about to expire, and the totals do not move.

use chrono::{Days, Utc};
use terrain_client_core::Edit;
use terrain_client_core::values::HoursSource;
use terrain_tests::db::{Backend, contains, raw_dump};
use terrain_tests::device::date;
use terrain_tests::server::terrain_binary;

use crate::fixtures::{NAME, add_person, dashboard_session, worksite_hours, world};

const OLD: &str = "Ancien Stagiaire";
const SOON: &str = "Bientôt Échu";

/// The dashboard's people page, signed in as `login`, in English.
async fn people_page(base: &str, login: &str) -> String {
    let cookie = dashboard_session(base, login).await;
    let r = reqwest::Client::new()
        .get(format!("{base}/office/people"))
        .header("cookie", format!("{cookie}; terrain_lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

pub async fn expired_records_are_erased_by_the_retention_job_and_totals_hold(backend: Backend) {
    let mut w = world(backend, 66).await;
    let base = w.server.base_url.clone();
    let today = Utc::now().date_naive();
    let ws = w.seeded.worksite;
    // Placed in 2015, with hours then: expired long ago under the default five years.
    let old = add_person(&mut w.advisor, ws, "Ancien", "Stagiaire", "Entretien de 2015.", date(2015, 3, 2));
    let old_placement =
        w.advisor.device.replica().worksite(ws).unwrap().placements.iter().find(|p| p.person == old).unwrap().id;
    w.advisor.edit(
        ws,
        Edit::RecordHours {
            placement: old_placement,
            month: "2015-04".parse().unwrap(),
            hours: 120.0,
            source: HoursSource::Payroll,
        },
    );
    w.advisor.edit(ws, Edit::EndPlacement { placement: old_placement, end: date(2016, 6, 30), reason: String::new() });
    // Last seen five years less thirty days ago: expires within the warning period, not yet.
    let soon_start = today.checked_sub_days(Days::new(5 * 365 - 30)).unwrap();
    let soon = add_person(&mut w.advisor, ws, "Bientôt", "Échu", "Entretien.", soon_start);
    let soon_placement =
        w.advisor.device.replica().worksite(ws).unwrap().placements.iter().find(|p| p.person == soon).unwrap().id;
    w.advisor.edit(ws, Edit::EndPlacement { placement: soon_placement, end: soon_start, reason: String::new() });
    w.advisor.sync(&base).await.unwrap();

    let page = people_page(&base, "user67").await;
    let expiring = &page[page.find("id=\"expiring-soon\"").expect("an expiring-soon table")..];
    let expiring = &expiring[..expiring.find("</table>").unwrap()];
    assert!(expiring.contains(SOON) && expiring.contains(OLD), "both are listed as expiring: {expiring}");
    assert!(!expiring.contains(NAME), "a recent person is not expiring");

    let hours_before = worksite_hours(&w.url).await;
    assert_eq!(hours_before.iter().map(|(_, h)| h).sum::<f64>(), 312.5 + 120.0);

    // `terrain admin run-retention`, as an operator or cron would run it.
    let out = tokio::process::Command::new(terrain_binary())
        .args(["admin", "--database-url", &w.url, "run-retention"])
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("erased {old}")), "{stdout}");
    assert!(stdout.contains("1 person(s) erased"), "{stdout}");

    assert!(w.server.store.is_erased(old).await.unwrap());
    for kept in [soon, w.seeded.person, w.other] {
        assert!(!w.server.store.is_erased(kept).await.unwrap());
        assert_eq!(w.server.store.load(&[kept]).await.unwrap().len(), 1);
    }
    assert_eq!(worksite_hours(&w.url).await, hours_before, "the erased person's hours still count");
    let dump = raw_dump(&w.url).await;
    assert!(!contains(&dump, OLD) && !contains(&dump, "Entretien de 2015."), "the expired record is gone");
    assert!(contains(&dump, SOON), "the record not yet expired is kept");

    // Running it again erases nothing more; the tablet drops its copy at its next sync.
    let again = terrain_server::privacy::run_retention(w.server.store.as_ref(), today, &Default::default()).await;
    assert!(again.unwrap().erased.is_empty());
    w.advisor.sync(&base).await.unwrap();
    assert!(w.advisor.device.replica().person(old).is_err());
    let total: f64 = w.advisor.device.replica().worksite(ws).unwrap().placements.iter().map(|p| p.total_hours()).sum();
    assert_eq!(total, 312.5 + 120.0);
}
