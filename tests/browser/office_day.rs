//! An office day from an empty install, through the dashboard's screens only: the real `terrain`
//! binary started on an empty SQLite database, the first admin set up in the browser with the
//! one-time code read from the server's log, users and assignments made on the admin page,
//! worksites created and edited from their forms. The tablets' side (two advisors recording a
//! placement and hours, and a correction) goes through the test tablets syncing over HTTP, as the
//! tablet app would.
//!
//! Along the way: figures labelled by what they count (hours, positions), sorting that keeps the
//! filters, a form that keeps what is typed while a tablet syncs, a timeline in sentences, and
//! every refused form showing its error in the viewport at 1024×768, naming the field. Screenshots
//! of each step in French, Dutch and English (`tests/artifacts/screenshots/day-*`).

use serde_json::json;
use terrain_client_core::edit::NewPerson;
use terrain_client_core::values::{ContractType, HoursSource, Month, PartnerKind};
use terrain_client_core::{DocumentId, Edit};
use terrain_tests::browser::Browser;
use terrain_tests::device::{TestDevice, date};

use crate::fixtures::squash;
use crate::office_steps::*;

/// A tablet of an advisor records a job description, a person, a referral, a placement and,
/// optionally, hours for March 2026.
fn tablet_placement(
    t: &mut TestDevice,
    worksite: DocumentId,
    title: &str,
    hours: Option<f64>,
) -> terrain_client_core::ItemId {
    let position = t.next_id();
    let placement = t.next_id();
    let referral = t.next_id();
    let person = DocumentId(uuid::Uuid::new_v4());
    let ctx = t.ctx();
    t.device
        .create_person(
            person,
            &NewPerson {
                first_name: "Karim".into(),
                last_name: "El Amrani".into(),
                partner_kind: Some(PartnerKind::ReferenceCentre),
                ..Default::default()
            },
            &ctx,
        )
        .expect("create the person");
    t.edit(
        worksite,
        Edit::AddPosition {
            id: position,
            title: title.into(),
            tasks: "Façade".into(),
            requirements: String::new(),
            contract_type: ContractType::FixedTerm,
            planned_start: Some(date(2026, 2, 1)),
            hours_planned: 600.0,
        },
    );
    t.edit(
        worksite,
        Edit::Refer {
            id: referral,
            person,
            position,
            partner_kind: PartnerKind::ReferenceCentre,
            partner_name: String::new(),
            proposed_on: Some(date(2026, 1, 20)),
        },
    );
    t.edit(
        worksite,
        Edit::AddPlacement {
            id: placement,
            person,
            position,
            contract_type: ContractType::FixedTerm,
            start: Some(date(2026, 2, 2)),
            end: Some(date(2026, 9, 30)),
            weekly_hours: 38.0,
        },
    );
    if let Some(h) = hours {
        record(t, worksite, placement, h);
    }
    placement
}

fn record(t: &mut TestDevice, worksite: DocumentId, placement: terrain_client_core::ItemId, hours: f64) {
    t.edit(
        worksite,
        Edit::RecordHours {
            placement,
            month: Month::new(2026, 3).unwrap(),
            hours,
            source: HoursSource::AttendanceSheet,
        },
    );
}

/// The names of the devices on the admin page (they sit in their rename fields).
async fn device_names(b: &Browser) -> String {
    let names = b
        .run("return [...document.querySelectorAll('#devices input[name=name]')].map(i=>i.value).join(' | ');", vec![])
        .await;
    names.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_day_from_an_empty_server_through_the_screens() {
    let server = EmptyServer::start().await;
    let base = server.base.clone();
    let b = Browser::launch(Some("fr")).await;
    b.set_size(1024, 768).await;
    let br = &b;

    // `/` of an empty server leads to the first-run page.
    b.goto(&format!("{base}/")).await;
    assert!(b.url().await.ends_with("/setup"), "/ leads to the setup page on an empty server");
    shots(&b, "01-setup").await;

    // A wrong code is refused, the field named, what was typed kept.
    let setup_url = format!("{base}/setup");
    refused_in_three_languages(
        &b,
        &setup_url,
        "02-setup-wrong-code",
        ["Code à usage unique", "Eenmalige code", "One-time code"],
        "#setup-submit",
        move || async move {
            fill(br, "#f-code", "AAAA-BBBB-CCCC").await;
            fill(br, "#f-login", "admin").await;
            fill(br, "#f-display_name", "Nadia Admin").await;
            fill(br, "#f-password", ADMIN_PASSWORD).await;
        },
    )
    .await;
    assert_eq!(b.attr("#f-display_name", "value").await.as_deref(), Some("Nadia Admin"), "nothing typed is lost");

    // The code from the log creates the first admin.
    set_up_first_admin(&b, &server).await;
    assert!(b.text("#notice").await.contains("administrateur est créé"));
    assert!(b.text("#tablet-app").await.contains("/app/"), "the sign-in page says where the tablet app is");
    shots(&b, "03-signin-after-setup").await;
    // The setup page is gone.
    b.goto(&setup_url).await;
    assert!(b.url().await.contains("/office/login"), "the setup page is gone once a user exists");
    b.goto(&format!("{base}/")).await;
    assert!(b.url().await.contains("/office/login"), "/ leads to the sign-in");

    // The admin creates an office user and two advisors; a short password is refused first.
    sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    let admin_url = format!("{base}/office/admin");
    refused_in_three_languages(
        &b,
        &admin_url,
        "04-admin-short-password",
        ["Mot de passe", "Wachtwoord", "Password"],
        "#create-user-submit",
        move || async move {
            fill(br, "#f-login", "claire").await;
            fill(br, "#f-display_name", "Claire Dubois").await;
            choose(br, "#f-role", "office").await;
            fill(br, "#f-password", "court").await;
        },
    )
    .await;
    for (login, name, role) in [
        ("claire", "Claire Dubois", "office"),
        ("sophie", "Sophie Martin", "advisor"),
        ("luc", "Luc Peeters", "advisor"),
    ] {
        create_user(&b, &base, login, name, role).await;
    }
    assert_eq!(squash(&b.text("tr[data-login=sophie] td.role").await), "Conseiller", "roles in words");
    assert_eq!(squash(&b.text("tr[data-login=claire] td.role").await), "Personnel du bureau");
    sign_out(&b).await;

    // A refused advisor sign-in on the dashboard leaves no device behind.
    b.goto(&format!("{base}/office/login")).await;
    fill(&b, "input[name=login]", "sophie").await;
    fill(&b, "input[name=password]", PASSWORD).await;
    submit(&b, "#login-submit").await;
    assert!(b.text("#login-error").await.contains("Réservé au personnel du bureau"));

    // The office user creates a worksite counted in hours; a wrong date is refused first.
    sign_in(&b, &base, "claire", PASSWORD).await;
    click(&b, "#new-worksite-link").await;
    b.wait_for("#new-worksite", WAIT, |_| true).await;
    let new_url = format!("{base}/office/worksites/new");
    shots(&b, "05-new-worksite").await;
    refused_in_three_languages(
        &b,
        &new_url,
        "06-new-worksite-wrong-date",
        ["Ordre de commencer", "Bevel tot aanvang", "Order to start"],
        "#create-worksite",
        move || async move {
            worksite_form(
                br,
                "Crèche Les Coccinelles",
                "Lot 1 gros œuvre",
                "Sophie Martin",
                "hours",
                "1552",
                "31/02/2026",
                "30/11/2026",
            )
            .await;
        },
    )
    .await;
    assert_eq!(b.attr("#f-name", "value").await.as_deref(), Some("Crèche Les Coccinelles"), "the typed name is kept");
    assert_eq!(b.attr("#f-lots", "value").await.as_deref(), Some("Lot 1 gros œuvre"), "the typed lots are kept");
    fill(&b, "#f-order_to_start", "02/02/2026").await;
    submit(&b, "#create-worksite").await;
    assert!(b.text("#saved").await.contains("Chantier créé"), "the creation is confirmed next to the form");
    let hours_site = shown_worksite(&b).await;
    assert!(b.text("#contract").await.contains("Électricité Nova"), "the subcontractor is shown");
    assert_eq!(squash(&b.text("#objective").await), "1 552 h");
    assert_eq!(squash(&b.text("#realised").await), "0 h");
    shots(&b, "07-worksite-created").await;

    // Planning: a phase ending before it starts is refused, then two phases are added.
    let site_url = format!("{base}/office/worksites/{hours_site}");
    refused_in_three_languages(
        &b,
        &site_url,
        "08-phase-end-before-start",
        ["Fin", "Einde", "End"],
        "#add-phase-submit",
        move || async move {
            fill(br, "#f-phase_name", "Gros œuvre").await;
            fill(br, "#f-trade", "Maçonnerie").await;
            fill(br, "#f-start", "01/04/2026").await;
            fill(br, "#f-end", "01/03/2026").await;
        },
    )
    .await;
    assert_eq!(b.attr("#f-phase_name", "value").await.as_deref(), Some("Gros œuvre"));
    fill(&b, "#f-end", "30/06/2026").await;
    submit(&b, "#add-phase-submit").await;
    b.wait_for("#planning", WAIT, |t| t.contains("Gros œuvre")).await;
    fill(&b, "#f-phase_name", "Électricité").await;
    fill(&b, "#f-trade", "Électricien").await;
    fill(&b, "#f-start", "01/06/2026").await;
    fill(&b, "#f-end", "30/09/2026").await;
    submit(&b, "#add-phase-submit").await;
    b.wait_for("#planning", WAIT, |t| t.contains("Électricité")).await;
    assert_eq!(b.count("#planning li.phase").await, 2);

    // Edit the worksite: lots and the contractor's contact.
    fill(&b, "#edit-worksite #f-lots", "Lot 1 gros œuvre, lot 2 électricité").await;
    fill(&b, "#edit-worksite #f-contractor_contact", "Mme Dupont, 0475 65 43 21").await;
    submit(&b, "#save-worksite").await;
    assert!(b.text("#saved").await.contains("Enregistré"));
    assert!(b.text("#lots").await.contains("lot 2 électricité"));
    assert!(b.text("#contractor").await.contains("Mme Dupont"));
    // An edit error is shown next to the field, in view.
    fill(&b, "#edit-worksite #f-objective", "beaucoup").await;
    submit(&b, "#save-worksite").await;
    assert_error_in_view(&b, "Objectif").await;
    b.screenshot("day-09-edit-wrong-objective-fr").await;

    // A second worksite, counted in positions.
    b.goto(&new_url).await;
    worksite_form(&b, "Piscine Neptunium", "Lot unique", "Luc Peeters", "positions", "2", "01/03/2026", "31/12/2026")
        .await;
    submit(&b, "#create-worksite").await;
    let positions_site = shown_worksite(&b).await;
    assert_eq!(squash(&b.text("#objective").await), "2 postes");
    sign_out(&b).await;

    // The admin assigns: the hours worksite to both advisors, the positions one to Luc. Names,
    // not ids.
    sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    for (site, user) in [(hours_site, "sophie"), (hours_site, "luc"), (positions_site, "luc")] {
        assign(&b, &base, site, user).await;
    }
    let assignments = b.text("#assignments").await;
    assert!(assignments.contains("Crèche Les Coccinelles") && assignments.contains("Piscine Neptunium"));
    assert!(assignments.contains("Sophie Martin") && assignments.contains("Luc Peeters"));
    assert!(!assignments.contains(&hours_site.to_string()), "no worksite id on the admin page");

    // The tablets sync: Sophie records a placement and 120 h for March; Luc corrects it to 132 h
    // and places someone on the positions worksite.
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut sophie = TestDevice::open(dirs[0].path(), "Sophie Martin · Galaxy Tab A8", 31);
    sophie.sign_in(&base, "sophie", PASSWORD).await.expect("Sophie signs in on her tablet");
    sophie.sync(&base).await.expect("Sophie's tablet syncs");
    let placement = tablet_placement(&mut sophie, hours_site, "Maçon", Some(120.0));
    sophie.sync(&base).await.expect("Sophie's tablet sends the placement");
    let mut luc = TestDevice::open(dirs[1].path(), "Luc Peeters · iPad", 32);
    luc.sign_in(&base, "luc", PASSWORD).await.expect("Luc signs in");
    luc.sync(&base).await.expect("Luc's tablet syncs");
    record(&mut luc, hours_site, placement, 132.0);
    tablet_placement(&mut luc, positions_site, "Maître-nageur", None);
    luc.sync(&base).await.expect("Luc's tablet sends its changes");

    // Devices: names, models, users, no dashboard device of the refused advisor sign-in.
    b.goto(&admin_url).await;
    let devices = b.text("#devices").await;
    assert!(
        device_names(&b).await.contains("Sophie Martin · Galaxy Tab A8"),
        "the tablets by name: {}",
        device_names(&b).await
    );
    assert!(devices.contains("Application tablette"), "{devices}");
    assert!(devices.contains("Tableau de bord"), "dashboard sessions are named in words");
    assert!(!devices.contains("Office dashboard"));
    let sophie_dashboard = b
        .run(
            "return [...document.querySelectorAll('#devices tr')].filter(r=>r.querySelector('td.user') && r.querySelector('td.user').textContent==='Sophie Martin' && r.textContent.includes('Tableau de bord')).length;",
            vec![],
        )
        .await;
    assert_eq!(sophie_dashboard, json!(0), "the refused sign-in of an advisor left no device");
    // Rename Sophie's tablet.
    let rename = "the row of Sophie's tablet";
    let row = b
        .run(
            "var r=[...document.querySelectorAll('#devices tr')].find(r=>{var i=r.querySelector('input[name=name]'); return i && i.value.includes('Galaxy Tab A8');}); if(!r){return false;} r.querySelector('input[name=name]').id='rename-me'; r.querySelector('button').id='rename-go'; return true;",
            vec![],
        )
        .await;
    assert_eq!(row, json!(true), "{rename}");
    fill(&b, "#rename-me", "Tablette 1 de Sophie").await;
    submit(&b, "#rename-go").await;
    assert!(
        device_names(&b).await.contains("Tablette 1 de Sophie"),
        "the tablet is renamed: {}",
        device_names(&b).await
    );
    shots(&b, "10-admin").await;
    for word in ["advisor", "office", "Office dashboard"] {
        assert!(
            !squash(&b.text("main").await).split(' ').any(|w| w == word),
            "no internal word {word:?} on the admin page"
        );
    }
    sign_out(&b).await;

    // The portfolio: hours for the hours clause, positions for the positions clause.
    sign_in(&b, &base, "claire", PASSWORD).await;
    let row = |id: DocumentId| format!("table#portfolio tr[data-worksite=\"{id}\"]");
    b.wait_for(&format!("{} td.realised", row(hours_site)), WAIT, |t| squash(t) == "132 h").await;
    assert_eq!(squash(&b.text(&format!("{} td.objective", row(hours_site))).await), "1 552 h");
    assert_eq!(squash(&b.text(&format!("{} td.realised", row(positions_site))).await), "1 poste");
    assert_eq!(squash(&b.text(&format!("{} td.objective", row(positions_site))).await), "2 postes");
    shots(&b, "11-portfolio").await;

    // Filter by advisor, then sort: the filter stays.
    choose(&b, "#filters select[name=advisor]", "Sophie Martin").await;
    submit(&b, "#filter-submit").await;
    assert_eq!(b.count("table#portfolio tbody tr").await, 1);
    submit(&b, "a[data-sort=realised]").await;
    assert!(b.url().await.contains("advisor=Sophie"), "sorting keeps the filter in the URL: {}", b.url().await);
    assert!(b.url().await.contains("sort=realised"));
    assert_eq!(b.count("table#portfolio tbody tr").await, 1, "sorting keeps the filter");
    assert_eq!(b.attr("#filters select[name=advisor] option:checked", "value").await.as_deref(), Some("Sophie Martin"));
    shots(&b, "12-portfolio-filtered-sorted").await;

    // The worksite page: figures and the timeline in sentences.
    b.goto(&site_url).await;
    assert_eq!(squash(&b.text("#realised").await), "132 h");
    let timeline = squash(&b.text("#timeline").await);
    for sentence in [
        "Claire Dubois a créé le chantier « Crèche Les Coccinelles »",
        "Claire Dubois a ajouté la phase de travaux « Gros œuvre »",
        "Sophie Martin a saisi les heures de la mise à l'emploi 1 pour mars 2026 : 120 h",
        "Luc Peeters a modifié les heures de la mise à l'emploi 1 pour mars 2026 : 120 h (saisies par Sophie Martin) → 132 h",
    ] {
        assert!(timeline.contains(&squash(sentence)), "the timeline says {sentence:?}:\n{timeline}");
    }
    for key in ["notes, text", "attendees", "hours_source", "kind, date"] {
        assert!(!timeline.contains(key), "no internal key {key:?} in the timeline");
    }
    // The whole page, the timeline at its foot included.
    shots(&b, "13-timeline").await;

    // Typing in a form while a tablet syncs: the text stays, the page says it was updated.
    b.goto(&site_url).await;
    b.wait_for("#live-status[data-state=connected]", WAIT, |_| true).await;
    let typed = "Lot 3 : HVAC (en cours de discussion)";
    fill(&b, "#edit-worksite #f-lots", typed).await;
    record(&mut luc, hours_site, placement, 140.0);
    luc.sync(&base).await.expect("Luc corrects again");
    b.wait_until("the refresh note", WAIT, "return !document.getElementById('refresh-note').hidden;").await;
    assert_eq!(
        b.run("return document.querySelector('#edit-worksite #f-lots').value;", vec![]).await,
        json!(typed),
        "what the office user typed is still there"
    );
    assert_eq!(squash(&b.text("#realised").await), "132 h", "the page was not replaced under the typing");
    b.screenshot("day-14-typing-kept-fr").await;
    submit(&b, "#save-worksite").await;
    assert!(b.text("#lots").await.contains("HVAC"), "the typed lots are saved");
    assert_eq!(squash(&b.text("#realised").await), "140 h");
    b.quit().await;
}
