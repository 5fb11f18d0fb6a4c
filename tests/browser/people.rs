//! People in meetings are references: through the dashboard's screens, a job seeker attends a
//! mediation and is the subject of an action (picked from the worksite's people; their name typed
//! instead is refused with a warning), then is erased with the typed confirmation. The worksite
//! page then shows an erased person in French, Dutch and English, and neither the page, its
//! report PDF nor the database's bytes hold any trace of their name.

use std::time::Duration;

use serde_json::json;
use terrain_tests::browser::Browser;
use terrain_tests::db::{contains, raw_dump};
use terrain_tests::server::PASSWORD;

use crate::fixtures::{OFFICE_LOGIN, World, pdf_text, require_pdftotext, seed_worksite, session, squash};
use crate::office_steps::submit;

/// The person `seed_worksite` refers to.
const FIRST: &str = "Karim";
const LAST: &str = "El Amrani";
const WAIT: Duration = Duration::from_secs(10);

async fn fill(b: &Browser, css: &str, text: &str) {
    let e = b.find(css).await;
    e.clear().await.unwrap_or_else(|err| panic!("clear {css}: {err}"));
    e.send_keys(text).await.unwrap_or_else(|err| panic!("type into {css}: {err}"));
}

async fn choose(b: &Browser, select: &str, value: &str) {
    let ok = b
        .run(
            "var s=document.querySelector(arguments[0]); if(!s){return false;} s.value=arguments[1]; return s.value===arguments[1];",
            vec![json!(select), json!(value)],
        )
        .await;
    assert_eq!(ok, json!(true), "{select} has an option {value:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_attendee_leaves_no_trace_on_the_worksite_page_its_report_or_the_database() {
    require_pdftotext();
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let mut tablet = world.device("Tablette Sophie", 41).await;
    let seeded = seed_worksite(&mut tablet);
    tablet.sync(&base).await.expect("the tablet uploads the worksite and the person");
    let person = seeded.person.to_string();
    let page = format!("{base}/office/worksites/{}", seeded.worksite);

    let b = Browser::launch(Some("fr")).await;
    b.login(&base, OFFICE_LOGIN, PASSWORD).await;
    b.run("document.cookie='terrain_lang=fr; path=/';", vec![]).await;
    b.goto(&page).await;
    b.wait_for("#worksite-name", WAIT, |_| true).await;

    // A mediation on site.
    choose(&b, "#add-meeting select[name=kind]", "mediation").await;
    fill(&b, "#add-meeting input[name=date]", "10/03/2026").await;
    fill(&b, "#add-meeting input[name=place]", "Baraque de chantier").await;
    fill(&b, "#add-meeting input[name=notes]", "Consignes reformulées, binôme avec un ouvrier expérimenté.").await;
    submit(&b, "#add-meeting-submit").await;
    let mediation = b
        .run(
            "var m=[...document.querySelectorAll('#meetings div.meeting')].find(d=>d.textContent.includes('Médiation')); return m ? m.dataset.meeting : null;",
            vec![],
        )
        .await;
    let mediation = mediation.as_str().expect("the mediation is on the page").to_owned();
    let here = format!("#meetings div.meeting[data-meeting=\"{mediation}\"]");

    // The job seeker attends, picked from the worksite's people; the site manager by name.
    choose(&b, &format!("{here} form.add-attendee select[name=person]"), &person).await;
    submit(&b, &format!("{here} .add-attendee-submit")).await;
    fill(&b, &format!("{here} form.add-attendee input[name=name]"), "Marc Delvaux").await;
    fill(&b, &format!("{here} form.add-attendee input[name=organisation]"), "Bâtiments Delvaux SA").await;
    submit(&b, &format!("{here} .add-attendee-submit")).await;
    let attendees = squash(&b.text(&format!("{here} p.attendees")).await);
    assert!(
        attendees.contains(&format!("{FIRST} {LAST}")) && attendees.contains("Marc Delvaux (Bâtiments Delvaux SA)"),
        "{attendees}"
    );

    // Their name typed into an action is refused with a warning, what was typed kept.
    let typed = format!("Préparer la réunion de bilan de {FIRST}");
    fill(&b, &format!("{here} form.add-action input[name=what]"), &typed).await;
    fill(&b, &format!("{here} form.add-action input[name=who]"), "Sophie Martin").await;
    submit(&b, &format!("{here} .add-action-submit")).await;
    let warning = squash(&b.text(&format!("{here} form.add-action .field-error")).await);
    assert!(
        warning.contains(&format!("Ce texte nomme {FIRST} {LAST}, une personne de ce chantier"))
            && warning.contains("choisissez la personne dans la liste"),
        "{warning}"
    );
    let kept =
        b.run(&format!("return document.querySelector('{here} form.add-action input[name=what]').value"), vec![]).await;
    assert_eq!(kept, json!(typed), "what was typed is kept");
    b.screenshot("people-1-name-refused-fr").await;

    // Picked as the person the action concerns instead.
    fill(&b, &format!("{here} form.add-action input[name=what]"), "Préparer la réunion de bilan").await;
    choose(&b, &format!("{here} form.add-action select[name=person]"), &person).await;
    submit(&b, &format!("{here} .add-action-submit")).await;
    let actions = squash(&b.text(&format!("{here} ul.actions")).await);
    assert!(actions.contains(&format!("Préparer la réunion de bilan (concerne {FIRST} {LAST})")), "{actions}");
    b.screenshot("people-2-mediation-fr").await;

    // Erased from their page, after typing their name to confirm.
    b.goto(&format!("{base}/office/people/{person}")).await;
    let expected = b.text("#erase-expected").await;
    fill(&b, "#erase-confirm", &expected).await;
    submit(&b, "#erase-submit").await;
    assert!(!b.url().await.contains(&person), "the person's page is gone: {}", b.url().await);

    // The worksite page: an erased person, in three languages, and no trace of the name.
    for (lang, erased, concerns) in [
        ("nl", "gewiste persoon", "betreft"),
        ("en", "erased person", "concerns"),
        ("fr", "personne effacée", "concerne"),
    ] {
        b.run(&format!("document.cookie='terrain_lang={lang}; path=/';"), vec![]).await;
        b.goto(&page).await;
        b.wait_for("#worksite-name", WAIT, |_| true).await;
        let attendees = squash(&b.text(&format!("{here} p.attendees")).await);
        assert!(attendees.contains(erased) && attendees.contains("Marc Delvaux"), "{lang}: {attendees}");
        let actions = squash(&b.text(&format!("{here} ul.actions")).await);
        assert!(actions.contains(&format!("Préparer la réunion de bilan ({concerns} {erased})")), "{lang}: {actions}");
        let html = b.run("return document.documentElement.outerHTML", vec![]).await;
        let html = html.as_str().unwrap_or_default();
        for name in [FIRST, LAST] {
            assert!(!html.contains(name), "{lang}: the worksite page still shows {name:?}");
        }
        b.screenshot(&format!("people-3-erased-{lang}")).await;
    }

    // The report sent to the authority.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let cookie = session(&http, OFFICE_LOGIN, &base).await;
    let response = http
        .get(format!("{page}/report.pdf"))
        .header("cookie", &cookie)
        .header("accept-language", "fr")
        .send()
        .await
        .expect("the report answers");
    assert!(response.status().is_success(), "report: {}", response.status());
    let text = squash(&pdf_text(&response.bytes().await.expect("the report's bytes")));
    assert!(text.contains("Préparer la réunion de bilan (concerne une personne suivie)"), "{text}");
    for name in [FIRST, LAST] {
        assert!(!text.contains(name), "the report still names {name:?}");
    }

    // The database's bytes.
    let dump = raw_dump(&world.url).await;
    for name in [FIRST, LAST, "Karim El Amrani"] {
        assert!(!contains(&dump, name), "the database still holds {name:?}");
    }
    b.quit().await;
}

/// The server checks the dashboard's edits like a tablet's (`sync::write_edit`): meeting notes
/// naming the worksite's job seeker are refused, the warning shown next to the notes in French,
/// Dutch and English, what was typed kept, nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meeting_notes_naming_a_job_seeker_are_refused_next_to_the_field_in_three_languages() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let mut tablet = world.device("Tablette Sophie", 42).await;
    let seeded = seed_worksite(&mut tablet);
    tablet.sync(&base).await.expect("the tablet uploads the worksite and the person");
    let page = format!("{base}/office/worksites/{}", seeded.worksite);

    let b = Browser::launch(Some("fr")).await;
    b.login(&base, OFFICE_LOGIN, PASSWORD).await;
    let typed = format!("{LAST} absent ce matin, à rappeler");
    for (lang, warning) in [
        ("fr", format!("Notes : Ce texte nomme {FIRST} {LAST}, une personne de ce chantier.")),
        ("nl", format!("Notities: Deze tekst noemt {FIRST} {LAST}, een persoon van deze werf.")),
        ("en", format!("Notes: This text names {FIRST} {LAST}, a person of this worksite.")),
    ] {
        b.run(&format!("document.cookie='terrain_lang={lang}; path=/';"), vec![]).await;
        b.goto(&page).await;
        b.wait_for("#worksite-name", WAIT, |_| true).await;
        let meetings = b.count("#meetings div.meeting").await;
        fill(&b, "#add-meeting input[name=date]", "12/03/2026").await;
        fill(&b, "#add-meeting input[name=notes]", &typed).await;
        submit(&b, "#add-meeting-submit").await;
        // Next to the notes, and what the screen reader reads with them.
        let error = squash(&b.text("#add-meeting p.field.invalid #m-notes-error").await);
        assert!(error.contains(&warning), "{lang}: {error}");
        assert_eq!(b.attr("#add-meeting #m-notes", "aria-describedby").await.as_deref(), Some("m-notes-error"));
        let kept = b.run("return document.querySelector('#add-meeting #m-notes').value", vec![]).await;
        assert_eq!(kept, json!(typed), "{lang}: what was typed is kept");
        assert_eq!(b.count("#meetings div.meeting").await, meetings, "{lang}: no meeting was recorded");
        b.screenshot(&format!("people-notes-refused-{lang}")).await;
    }
    let dump = raw_dump(&world.url).await;
    assert!(!contains(&dump, "absent ce matin"), "nothing of the refused notes reached the database");
    b.quit().await;
}

/// What an erasure leaves in the office browser: nothing. The office user opens a job seeker's
/// page, their letter PDF and their access export, types their name, phone and e-mail into the
/// dashboard's forms (the people search, a meeting's notes the server refuses, the erase
/// confirmation), then erases them. Once the browser is closed, a byte scan of its whole profile
/// folder (cache, history, sessions, the autofill database `Default/Web Data`), for each string
/// in UTF-8, UTF-16LE and as a URL would carry it, finds none of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_person_leaves_nothing_in_the_office_browsers_profile() {
    use terrain_client_core::Edit;
    use terrain_client_core::edit::PersonField;
    use terrain_tests::device::date;

    const PHONE: &str = "+32 470 00 00 00";
    const EMAIL: &str = "karim.elamrani@example.be";
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let mut tablet = world.device("Tablette Sophie", 44).await;
    let seeded = seed_worksite(&mut tablet);
    let (person, worksite) = (seeded.person, seeded.worksite);
    tablet.edit(person, Edit::SetPersonField { field: PersonField::Email, value: EMAIL.into() });
    let evaluation = tablet.next_id();
    tablet.edit(
        person,
        Edit::AddEvaluation {
            id: evaluation,
            date: Some(date(2026, 9, 30)),
            worksite: Some(worksite),
            placement: Some(seeded.placement),
            text: "Ponctuel et soigneux.".into(),
        },
    );
    tablet.edit(
        person,
        Edit::RecordConsent { evaluation, recorded_by: "Sophie Martin".into(), recorded_on: date(2026, 10, 1) },
    );
    tablet.sync(&base).await.expect("the tablet uploads the worksite and the person");

    let b = Browser::launch(Some("fr")).await;
    b.login(&base, OFFICE_LOGIN, PASSWORD).await;
    b.run("document.cookie='terrain_lang=fr; path=/';", vec![]).await;

    // Found through the people search, by name.
    b.goto(&format!("{base}/office/people")).await;
    fill(&b, "#people-q", &format!("{FIRST} {LAST}")).await;
    submit(&b, "#people-search-submit").await;
    let found = b.text("#all-people").await;
    assert!(found.contains(LAST), "the search finds them: {found}");
    assert!(!b.url().await.contains(FIRST), "the search is not in the address: {}", b.url().await);

    // Their page, letter and access export.
    let page = format!("{base}/office/people/{person}");
    b.goto(&page).await;
    let shown = b.text("#identity").await;
    assert!(shown.contains(PHONE) && shown.contains(EMAIL), "{shown}");
    b.goto(&format!("{page}/evaluations/{evaluation}/letter.pdf")).await;
    b.goto(&format!("{page}/export.pdf")).await;

    // Their name, phone and e-mail typed into a meeting's notes: refused, as it names them.
    let site = format!("{base}/office/worksites/{worksite}");
    b.goto(&site).await;
    b.wait_for("#worksite-name", WAIT, |_| true).await;
    fill(&b, "#add-meeting input[name=date]", "12/03/2026").await;
    fill(&b, "#add-meeting input[name=notes]", &format!("{FIRST} : {PHONE}, {EMAIL}")).await;
    submit(&b, "#add-meeting-submit").await;
    b.wait_for("#add-meeting #m-notes-error", WAIT, |_| true).await;

    // Erased after typing their name to confirm.
    b.goto(&page).await;
    let expected = b.text("#erase-expected").await;
    fill(&b, "#erase-confirm", &expected).await;
    submit(&b, "#erase-submit").await;
    assert!(!b.url().await.contains(&person.to_string()), "the person's page is gone");
    b.goto(&site).await;
    b.wait_for("#worksite-name", WAIT, |_| true).await;

    let profile = b.quit_keeping_profile().await;
    let files = files_under(profile.path());
    assert!(files.iter().any(|(p, _)| p.ends_with("Web Data")), "the scan reads the autofill database");
    assert!(
        !found_in(&files, &format!("/office/worksites/{worksite}")).is_empty(),
        "the scan sees the history (or it proves nothing)"
    );
    let mut leaks = Vec::new();
    for text in [FIRST, LAST, PHONE, EMAIL, "El+Amrani", "El%20Amrani", "470+00", "470%2000", "karim.elamrani"] {
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        for needle in [text.as_bytes().to_vec(), utf16] {
            for path in found_in(&files, &needle) {
                leaks.push(format!("{text:?} in {}", path.strip_prefix(profile.path()).unwrap_or(&path).display()));
            }
        }
    }
    leaks.sort();
    leaks.dedup();
    assert!(leaks.is_empty(), "the office browser's profile still holds the erased person:\n{}", leaks.join("\n"));
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    out
}

/// The files holding `needle`, case-insensitively for ASCII letters.
fn found_in(files: &[(std::path::PathBuf, Vec<u8>)], needle: impl AsRef<[u8]>) -> Vec<std::path::PathBuf> {
    let needle = needle.as_ref();
    files
        .iter()
        .filter(|(_, b)| b.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle)))
        .map(|(p, _)| p.clone())
        .collect()
}
