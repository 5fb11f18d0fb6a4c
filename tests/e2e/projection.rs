//! After a sync, plain SQL on the projection answers the office's questions.

use terrain_client_core::edit::NewWorksite;
use terrain_client_core::values::{HoursSource, MeetingKind, PartnerKind};
use terrain_client_core::{DocumentId, Edit};
use terrain_tests::db::{Backend, fresh, query};
use terrain_tests::device::date;
use terrain_tests::server::TestServer;

use crate::fixtures::{seed_worksite, signed_in};

pub async fn plain_sql_answers_office_questions(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let mut tablet = signed_in(&server.base_url, server.store.as_ref(), dir.path(), "Sophie · tablette 1", 7).await;
    let s = seed_worksite(&mut tablet);
    for (month, hours) in [("2026-02", 152.0), ("2026-03", 160.5)] {
        tablet.edit(
            s.worksite,
            Edit::RecordHours {
                placement: s.placement,
                month: month.parse().unwrap(),
                hours,
                source: HoursSource::Payroll,
            },
        );
    }
    let follow_up = tablet.next_id();
    tablet.edit(
        s.worksite,
        Edit::AddMeeting {
            id: follow_up,
            kind: MeetingKind::FollowUp,
            date: Some(date(2026, 3, 12)),
            place: "Sur chantier".into(),
            notes: String::new(),
            next_meeting: None,
        },
    );
    // A second worksite with referrals from two other bodies and no hours yet.
    let other = DocumentId(uuid::Uuid::new_v4());
    let ctx = tablet.ctx();
    tablet
        .device
        .create_worksite(other, &NewWorksite { name: "Piscine de Forest".into(), ..NewWorksite::default() }, &ctx)
        .unwrap();
    let position = tablet.next_id();
    tablet.edit(
        other,
        Edit::AddPosition {
            id: position,
            title: "Électricien".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: terrain_client_core::values::ContractType::Fpi,
            planned_start: None,
            hours_planned: 0.0,
        },
    );
    for (kind, name) in [
        (PartnerKind::ReferenceCentre, "Cenforgil"),
        (PartnerKind::BruxellesFormation, ""),
        (PartnerKind::ReferenceCentre, "IrisTech"),
    ] {
        let id = tablet.next_id();
        tablet.edit(
            other,
            Edit::Refer {
                id,
                person: s.person,
                position,
                partner_kind: kind,
                partner_name: name.into(),
                proposed_on: None,
            },
        );
    }
    tablet.sync(&server.base_url).await.expect("sync");

    let hours: Vec<(String, String, f64)> = query(
        &url,
        "SELECT w.name, h.month, SUM(h.hours) FROM placement_hours h JOIN worksites w ON w.id = h.worksite_id \
         GROUP BY w.name, h.month ORDER BY h.month",
    )
    .await;
    assert_eq!(
        hours,
        vec![
            ("École communale Anderlecht".into(), "2026-02".into(), 152.0),
            ("École communale Anderlecht".into(), "2026-03".into(), 160.5),
        ]
    );

    let mut meetings: Vec<(String, i64)> = query(
        &url,
        "SELECT w.name, COUNT(m.id) FROM worksites w LEFT JOIN meetings m ON m.worksite_id = w.id \
         GROUP BY w.name ORDER BY w.name",
    )
    .await;
    meetings.sort(); // collations differ between backends
    assert_eq!(meetings, vec![("Piscine de Forest".into(), 0), ("École communale Anderlecht".into(), 2)]);

    let mut referrals: Vec<(String, i64)> =
        query(&url, "SELECT partner_body, COUNT(*) FROM referrals GROUP BY partner_body").await;
    referrals.sort();
    assert_eq!(referrals, vec![("Cenforgil".into(), 1), ("IrisTech".into(), 2), ("bruxelles_formation".into(), 1)]);
}
