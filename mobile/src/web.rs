//! The browser runtime: start-up, events, storage and sync around the pure app state.
//!
//! Call order: [`start`] opens IndexedDB, restores the session and replica, renders, then listens
//! on the page once (clicks on `data-action`, submits of `data-form`, typing, `#` changes, the
//! browser's online/offline events). An edit is applied to the replica, written to IndexedDB, and
//! only then confirmed on screen; a sync follows shortly after. Sync also runs when the network
//! returns, every [`PERIODIC_SYNC_MS`] while online, and on "sync now".

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::NaiveDate;
use terrain_client_core::protocol::{ErrorCode, LoginRequest};
use terrain_client_core::seal::StorageKey;
use terrain_client_core::{DocumentId, Persist, Refusal, Replica};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Event, HtmlElement, HtmlFormElement};

use crate::app::{App, Flash, FormFeedback, Screen, Session};
use crate::forms::Fields;
use crate::i18n::{L, Lang, t};
use crate::idb::IdbStore;
use crate::net::{self, NetError};
use crate::view;

/// How often to sync while online, in milliseconds.
pub const PERIODIC_SYNC_MS: i32 = 30_000;
/// How long after an edit to sync, in milliseconds (edits in a burst share one sync).
pub const SYNC_AFTER_EDIT_MS: i32 = 1_500;
/// Where the device's storage key is cached for the browser session (`sessionStorage`).
const KEY_ITEM: &str = "terrain_storage_key";

struct Runtime {
    app: RefCell<App>,
    store: IdbStore,
    /// A form on screen has input not yet submitted: background renders leave it alone.
    typing: Cell<bool>,
    sync_timer: Cell<Option<i32>>,
    /// A sync was asked for while one was running: run another when it ends.
    sync_again: Cell<bool>,
    /// Completed syncs since the page loaded (on `<body data-syncs>`, for tests).
    syncs: Cell<u32>,
}

/// Entry point, called when the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(why) = run().await {
            if let Some(root) = root() {
                root.set_text_content(Some(&format!("Terrain could not start: {why}")));
            }
        }
    });
}

async fn run() -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let lang = stored_lang()
        .unwrap_or_else(|| window.navigator().language().and_then(|l| Lang::from_code(&l)).unwrap_or_default());
    let store = IdbStore::open().await?;
    let mut app = App::new(lang, today());
    app.session = store.session().await?;
    app.screen = Screen::from_hash(&window.location().hash().unwrap_or_default());
    app.sync.online = window.navigator().on_line();
    let rt = Rc::new(Runtime {
        app: RefCell::new(app),
        store,
        typing: Cell::new(false),
        sync_timer: Cell::new(None),
        sync_again: Cell::new(false),
        syncs: Cell::new(0),
    });
    render(&rt);
    listen(&rt, &window)?;
    if rt.app.borrow().session.is_some() {
        unlock(&rt).await;
    }
    if let Ok(sw) = js_sys::Reflect::get(&window.navigator(), &"serviceWorker".into()) {
        if !sw.is_undefined() {
            let _ = window.navigator().service_worker().register("sw.js");
        }
    }
    // Time from navigation to a usable screen (read by the benchmark), then the tests' signal.
    mark("data-ready-ms", now_precise());
    if let Some(body) = window.document().and_then(|d| d.body()) {
        let _ = body.set_attribute("data-ready", "true");
    }
    spawn_sync(&rt);
    Ok(())
}

fn listen(rt: &Rc<Runtime>, window: &web_sys::Window) -> Result<(), String> {
    let document = window.document().ok_or("no document")?;
    let on = |target: &web_sys::EventTarget, name: &str, handler: Box<dyn FnMut(Event)>| {
        let closure = Closure::wrap(handler);
        let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        closure.forget();
    };
    let r = rt.clone();
    on(&document, "click", Box::new(move |e: Event| click(&r, &e)));
    let r = rt.clone();
    on(
        &document,
        "submit",
        Box::new(move |e: Event| {
            e.prevent_default();
            let Some(form) = e.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else { return };
            let r = r.clone();
            wasm_bindgen_futures::spawn_local(async move { submit(&r, &form).await });
        }),
    );
    let r = rt.clone();
    on(&document, "input", Box::new(move |_| r.typing.set(true)));
    let r = rt.clone();
    on(
        window,
        "hashchange",
        Box::new(move |_| {
            let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
            r.app.borrow_mut().screen = Screen::from_hash(&hash);
            r.app.borrow_mut().flash = None;
            r.typing.set(false);
            render(&r);
            let _ = web_sys::window().map(|w| w.scroll_to_with_x_and_y(0.0, 0.0));
        }),
    );
    let r = rt.clone();
    on(
        window,
        "online",
        Box::new(move |_| {
            r.app.borrow_mut().sync.online = true;
            render_status(&r);
            let r = r.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if r.app.borrow().locked {
                    unlock(&r).await;
                }
                sync(&r).await;
            });
        }),
    );
    let r = rt.clone();
    on(
        window,
        "offline",
        Box::new(move |_| {
            r.app.borrow_mut().sync.online = false;
            render_status(&r);
        }),
    );
    let r = rt.clone();
    let periodic = Closure::<dyn FnMut()>::new(move || {
        if r.app.borrow().sync.online {
            spawn_sync(&r);
        }
    });
    window
        .set_interval_with_callback_and_timeout_and_arguments_0(periodic.as_ref().unchecked_ref(), PERIODIC_SYNC_MS)
        .map_err(|_| "timer")?;
    periodic.forget();
    Ok(())
}

fn click(rt: &Rc<Runtime>, e: &Event) {
    let Some(el) =
        e.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest("[data-action]").ok().flatten())
    else {
        return;
    };
    match el.get_attribute("data-action").as_deref() {
        Some("lang") => {
            if let Some(lang) = el.get_attribute("data-lang").and_then(|c| Lang::from_code(&c)) {
                rt.app.borrow_mut().lang = lang;
                if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                    let _ = storage.set_item("terrain_lang", lang.code());
                }
                render(rt);
            }
        }
        Some("sync") => spawn_sync(rt),
        Some("unlock") => {
            let r = rt.clone();
            wasm_bindgen_futures::spawn_local(async move {
                unlock(&r).await;
                sync(&r).await;
            });
        }
        Some("retry") => {
            let Some(doc) = el.get_attribute("data-doc").and_then(|d| d.parse::<DocumentId>().ok()) else { return };
            let r = rt.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let ops = match r.app.borrow_mut().replica.as_mut() {
                    Some(replica) => replica.retry(doc),
                    None => return,
                };
                if save(&r, &ops, None).await.is_ok() {
                    sync(&r).await;
                }
            });
        }
        Some("sign-out") => {
            let lang = rt.app.borrow().lang;
            let confirmed = web_sys::window().and_then(|w| w.confirm_with_message(t(lang, L::SignOutConfirm)).ok());
            if confirmed == Some(true) {
                let r = rt.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if erase(&r).await.is_ok() {
                        render(&r);
                    }
                });
            }
        }
        _ => {}
    }
}

async fn submit(rt: &Rc<Runtime>, form: &HtmlFormElement) {
    let name = form.get_attribute("data-form").unwrap_or_default();
    let fields = form_fields(form);
    if name == "login" {
        return login(rt, &fields).await;
    }
    let doc = form.get_attribute("data-doc").and_then(|d| d.parse::<DocumentId>().ok());
    let started = now_precise();
    let (target, place) = crate::feedback::place_of(form);
    let result = rt.app.borrow_mut().submit(&name, &fields, doc, random_bytes, now_ms());
    let feedback = |app: &mut App, ok: bool, message: String, field: Option<String>| {
        app.feedback =
            Some(FormFeedback { screen: app.screen, target: target.clone(), form: place.clone(), ok, message, field });
    };
    match result {
        Ok(done) => match save(rt, &done.ops, None).await {
            Ok(()) => {
                // How long from the tap to the edit being durable (read by the benchmark).
                mark("data-last-save-ms", now_precise() - started);
                {
                    let mut app = rt.app.borrow_mut();
                    if done.quiet {
                        app.feedback = None;
                    } else {
                        app.flash = Some(Flash::Saved);
                        let saved = t(app.lang, L::Saved).to_owned();
                        feedback(&mut app, true, saved, None);
                    }
                    if let Some(screen) = done.open {
                        // A new worksite or meeting opens at once; its title carries the message.
                        app.screen = screen;
                        if let Some(f) = app.feedback.as_mut() {
                            f.screen = screen;
                            f.target = match screen {
                                Screen::Meeting(..) => "meeting-title".to_owned(),
                                _ => "worksite-name".to_owned(),
                            };
                        }
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().set_hash(&screen.hash());
                        }
                    }
                }
                rt.typing.set(false);
                render(rt);
                if !done.ops.is_empty() {
                    schedule_sync(rt);
                }
            }
            Err(why) => {
                // The edit is in memory but not stored: reload what is stored, so the screen
                // never shows an edit that would not survive a reload.
                reload_from_store(rt).await;
                {
                    let mut app = rt.app.borrow_mut();
                    app.flash = Some(Flash::Error(why.clone()));
                    feedback(&mut app, false, why, None);
                }
                render(rt);
                crate::feedback::show(&rt.app.borrow());
            }
        },
        Err(refused) => {
            {
                let mut app = rt.app.borrow_mut();
                app.flash = Some(Flash::Error(refused.message.clone()));
                feedback(&mut app, false, refused.message, refused.field);
            }
            // Nothing typed is lost: the page is not redrawn while a form holds input.
            rt.typing.set(true);
            render(rt);
            crate::feedback::show(&rt.app.borrow());
        }
    }
}

async fn login(rt: &Rc<Runtime>, fields: &Fields) {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let request = LoginRequest {
        login: get("login"),
        password: get("password"),
        device_name: get("device_name"),
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let lang = rt.app.borrow().lang;
    match net::login(&request).await {
        Ok(answer) => {
            let session = Session {
                login: request.login.trim().to_lowercase(),
                display_name: answer.display_name,
                role: answer.role,
                device: answer.device,
                token: answer.token,
            };
            let Ok(key) = answer.storage_key.parse::<StorageKey>() else {
                rt.app.borrow_mut().flash = Some(Flash::Error("the server sent no storage key".to_owned()));
                return render(rt);
            };
            cache_key(Some(&key));
            rt.store.unlock(Some(key));
            let replica = Replica::new(session.device, random_bytes());
            let ops = vec![Persist::Meta(replica.meta())];
            if let Err(why) = rt.store.persist(&ops, Some(&session)).await {
                rt.app.borrow_mut().flash = Some(Flash::Error(why));
                return render(rt);
            }
            {
                let mut app = rt.app.borrow_mut();
                app.session = Some(session);
                app.replica = Some(replica);
                app.sync.revoked = None;
                app.flash = None;
                app.locked = false;
            }
            rt.typing.set(false);
            render(rt);
            sync(rt).await;
        }
        Err(e) => {
            let why = match e {
                NetError::Unreachable(_) => t(lang, L::NeedNetworkToSignIn).to_owned(),
                other => other.to_string(),
            };
            rt.app.borrow_mut().flash = Some(Flash::Error(why));
            render(rt);
        }
    }
}

fn schedule_sync(rt: &Rc<Runtime>) {
    let Some(window) = web_sys::window() else { return };
    if let Some(timer) = rt.sync_timer.take() {
        window.clear_timeout_with_handle(timer);
    }
    let r = rt.clone();
    let later = Closure::once_into_js(move || {
        r.sync_timer.set(None);
        spawn_sync(&r);
    });
    if let Ok(id) =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), SYNC_AFTER_EDIT_MS)
    {
        rt.sync_timer.set(Some(id));
    }
}

fn spawn_sync(rt: &Rc<Runtime>) {
    let r = rt.clone();
    wasm_bindgen_futures::spawn_local(async move { sync(&r).await });
}

/// Sync until there is nothing left to say. Asked for while a sync runs, it runs once more after,
/// so that "sync now" always reaches the server after the tap.
async fn sync(rt: &Rc<Runtime>) {
    {
        let mut app = rt.app.borrow_mut();
        if app.session.is_none() || app.replica.is_none() {
            return;
        }
        if app.sync.syncing {
            rt.sync_again.set(true);
            return;
        }
        app.sync.syncing = true;
    }
    render_status(rt);
    loop {
        let outcome = sync_once(rt).await;
        let mut app = rt.app.borrow_mut();
        match outcome {
            Ok(()) => {
                app.sync.last_success_ms = Some(now_ms());
                app.sync.last_error = None;
                app.sync.online = true;
            }
            Err(why) => app.sync.last_error = Some(why),
        }
        if !rt.sync_again.replace(false) || app.session.is_none() {
            app.sync.syncing = false;
            break;
        }
    }
    rt.syncs.set(rt.syncs.get() + 1);
    render(rt);
}

/// One sync; several sessions when a refused document was set aside (the rest goes on).
async fn sync_once(rt: &Rc<Runtime>) -> Result<(), String> {
    for _ in 0..4 {
        match sync_session(rt).await {
            Ok(()) => return Ok(()),
            Err(Outcome::Again) => continue,
            Err(Outcome::Failed(why)) => return Err(why),
        }
    }
    Ok(())
}

enum Outcome {
    /// A document was set aside; sync the rest in a new session.
    Again,
    /// The sync stopped; the sentence says why. Nothing stored is lost.
    Failed(String),
}

async fn sync_session(rt: &Rc<Runtime>) -> Result<(), Outcome> {
    let (token, mut request) = {
        let mut app = rt.app.borrow_mut();
        let token = app.session.as_ref().map(|s| s.token.clone()).ok_or(Outcome::Failed(String::new()))?;
        let request = app.replica.as_mut().ok_or(Outcome::Failed(String::new()))?.start_sync();
        (token, request)
    };
    loop {
        match net::sync(&token, &request).await {
            Ok(response) => {
                let step = {
                    let mut app = rt.app.borrow_mut();
                    let replica = app.replica.as_mut().ok_or(Outcome::Failed(String::new()))?;
                    match replica.handle_response(response) {
                        Ok(step) => step,
                        Err(e) => {
                            replica.abort_sync();
                            return Err(Outcome::Failed(e.to_string()));
                        }
                    }
                };
                if let Err(why) = save(rt, &step.persist, None).await {
                    if let Some(replica) = rt.app.borrow_mut().replica.as_mut() {
                        replica.abort_sync();
                    }
                    reload_from_store(rt).await;
                    return Err(Outcome::Failed(why));
                }
                match step.next {
                    Some(next) => request = next,
                    None => return Ok(()),
                }
            }
            Err(NetError::Refused(body)) => return Err(refused(rt, &body).await),
            Err(other) => {
                if let Some(replica) = rt.app.borrow_mut().replica.as_mut() {
                    replica.abort_sync();
                }
                if matches!(other, NetError::Unreachable(_)) {
                    rt.app.borrow_mut().sync.online = web_sys::window().is_some_and(|w| w.navigator().on_line());
                }
                return Err(Outcome::Failed(other.to_string()));
            }
        }
    }
}

async fn refused(rt: &Rc<Runtime>, body: &terrain_client_core::protocol::ErrorBody) -> Outcome {
    let (refusal, ops) = match rt.app.borrow_mut().replica.as_mut() {
        Some(replica) => replica.handle_refusal(body),
        None => return Outcome::Failed(body.message.clone()),
    };
    if let Err(why) = save(rt, &ops, None).await {
        return Outcome::Failed(why);
    }
    match refusal {
        Refusal::Quarantined { .. } => Outcome::Again,
        Refusal::Revoked { unsynced } => {
            // Show what was not synced, then erase the tablet (the server no longer accepts it).
            let _ = erase(rt).await;
            rt.app.borrow_mut().sync.revoked = Some(unsynced);
            Outcome::Failed(body.message.clone())
        }
        Refusal::Other if body.code == ErrorCode::InvalidToken => {
            let lang = rt.app.borrow().lang;
            Outcome::Failed(t(lang, L::SignInAgain).to_owned())
        }
        Refusal::Other => Outcome::Failed(format!("{} ({})", body.message, body.code.as_str())),
    }
}

/// Store operations (and the session when given); an error says why nothing was confirmed.
async fn save(rt: &Rc<Runtime>, ops: &[Persist], session: Option<&Session>) -> Result<(), String> {
    if ops.is_empty() && session.is_none() {
        return Ok(());
    }
    rt.store.persist(ops, session).await
}

async fn reload_from_store(rt: &Rc<Runtime>) {
    if let Ok(stored) = rt.store.load().await {
        if stored.meta.is_some() {
            if let Ok(replica) = Replica::restore(stored) {
                rt.app.borrow_mut().replica = Some(replica);
            }
        }
    }
}

/// Open the sealed documents: with the key cached for this browser session, else with the key
/// the server gives this device. Without network in a new session the app stays locked (nothing
/// is lost) until the network returns. A revoked device is erased.
async fn unlock(rt: &Rc<Runtime>) {
    let Some(token) = rt.app.borrow().session.as_ref().map(|s| s.token.clone()) else { return };
    let key = match cached_key() {
        Some(key) => Some(key),
        None => match net::device_key(&token).await {
            Ok(hex) => hex.parse::<StorageKey>().ok().inspect(|k| cache_key(Some(k))),
            Err(NetError::Refused(body)) if body.code == ErrorCode::DeviceRevoked => {
                let _ = erase(rt).await;
                rt.app.borrow_mut().sync.revoked = Some(Vec::new());
                return render(rt);
            }
            Err(_) => None,
        },
    };
    rt.store.unlock(key.clone());
    let restored = match key {
        Some(_) => match rt.store.load().await {
            Ok(stored) if stored.meta.is_some() => Replica::restore(stored).map_err(|e| e.to_string()),
            Ok(_) => Err("the tablet's store holds no replica".to_owned()),
            Err(why) => Err(why),
        },
        None => Err(String::new()),
    };
    {
        let mut app = rt.app.borrow_mut();
        match restored {
            Ok(replica) => {
                app.replica = Some(replica);
                app.locked = false;
            }
            Err(why) => {
                app.locked = true;
                if !why.is_empty() {
                    app.flash = Some(Flash::Error(why));
                }
            }
        }
    }
    render(rt);
}

/// Erase the tablet: documents, session and the cached key.
async fn erase(rt: &Rc<Runtime>) -> Result<(), String> {
    rt.store.wipe().await?;
    rt.store.unlock(None);
    cache_key(None);
    let mut app = rt.app.borrow_mut();
    app.session = None;
    app.replica = None;
    app.locked = false;
    Ok(())
}

/// The storage key for this browser session (gone when the browser session ends).
fn cached_key() -> Option<StorageKey> {
    let storage = web_sys::window()?.session_storage().ok()??;
    storage.get_item(KEY_ITEM).ok()??.parse().ok()
}

fn cache_key(key: Option<&StorageKey>) {
    let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) else { return };
    let _ = match key {
        Some(key) => storage.set_item(KEY_ITEM, &key.to_string()),
        None => storage.remove_item(KEY_ITEM),
    };
}

/// Render the whole page, unless the user is typing in a form: then only the status bar.
fn render(rt: &Rc<Runtime>) {
    if rt.typing.get() {
        return render_status(rt);
    }
    let Some(root) = root() else { return };
    let closed = details_state(&root);
    root.set_inner_html(&view::page(&rt.app.borrow()).into_string());
    for (id, open) in closed {
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id)) {
            let _ = if open { el.set_attribute("open", "") } else { el.remove_attribute("open") };
        }
    }
    let lang = rt.app.borrow().lang;
    if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = html.set_attribute("lang", lang.code());
    }
    crate::feedback::show(&rt.app.borrow());
    mark_page(rt);
}

/// The open screen and the number of completed syncs, on `<body>` (what tests wait for).
fn mark_page(rt: &Rc<Runtime>) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-screen", &rt.app.borrow().screen.hash());
        let _ = body.set_attribute("data-syncs", &rt.syncs.get().to_string());
    }
}

fn render_status(rt: &Rc<Runtime>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    match document.get_element_by_id("status") {
        Some(status) => {
            status.set_outer_html(&view::status(&rt.app.borrow()).into_string());
            mark_page(rt);
        }
        None => {
            rt.typing.set(false);
            render(rt)
        }
    }
}

fn details_state(root: &Element) -> Vec<(String, bool)> {
    let Ok(list) = root.query_selector_all("details[id]") else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .map(|el| (el.id(), el.has_attribute("open")))
        .collect()
}

fn form_fields(form: &HtmlFormElement) -> Fields {
    let mut fields = Fields::new();
    if let Ok(data) = web_sys::FormData::new_with_form(form) {
        for entry in data.entries() {
            let Ok(pair) = entry else { continue };
            let pair: js_sys::Array = pair.unchecked_into();
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                fields.insert(k, v);
            }
        }
    }
    fields
}

fn root() -> Option<HtmlElement> {
    web_sys::window()?.document()?.get_element_by_id("app")?.dyn_into().ok()
}

fn stored_lang() -> Option<Lang> {
    let storage = web_sys::window()?.local_storage().ok()??;
    Lang::from_code(&storage.get_item("terrain_lang").ok()??)
}

/// Milliseconds since the page started loading.
fn now_precise() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Record a measurement on `<body>` for benchmarks.
fn mark(name: &str, ms: f64) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute(name, &format!("{ms:.1}"));
    }
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn today() -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms()).map_or(NaiveDate::MIN, |d| d.date_naive())
}

fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    // The browser's crypto.getRandomValues cannot fail for 16 bytes; zeros would only make the
    // id collide, which the core refuses as a duplicate rather than corrupting anything.
    let _ = getrandom::fill(&mut bytes);
    bytes
}
