//! The browser runtime: start-up, events, storage and sync around the pure app state.
//!
//! Call order: [`start`] opens IndexedDB and takes the writer lock: one tab or window edits at a
//! time (Web Locks); another one says the app is open elsewhere and may take over (it asks on a
//! `BroadcastChannel`, the holder finishes its writes, stops and releases the lock). The holder
//! then opens the gate ([`crate::lock`]): the sign-in screen, the PIN that unlocks the sealed store
//! offline, or the screen asking for an online sign-in. The page is listened to once (clicks on
//! `data-action`, submits of `data-form`, typing, `#` changes, the browser's online/offline
//! events). An edit is applied to the replica, written to IndexedDB, and only then confirmed on
//! screen; a sync follows shortly after. Sync also runs when the network returns, every
//! [`PERIODIC_SYNC_MS`] while online, and on "sync now". A sync the server answers `busy` is sent
//! again by itself after the wait [`BusyBackoff`] reads from `Retry-After`: one retry is pending
//! at a time, and any sync that starts (the retry, "sync now", the periodic one, one after an
//! edit) takes its place. After [`crate::lock::LockRecord`]'s idle
//! minutes without a touch the app locks itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::NaiveDate;
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use terrain_client_core::protocol::{ErrorCode, LoginRequest};
use terrain_client_core::retry::BusyBackoff;
use terrain_client_core::seal::StorageKey;
use terrain_client_core::{DocumentId, Persist, Refusal, Replica};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Event, HtmlElement, HtmlFormElement};

use crate::app::{App, Flash, FormFeedback, PendingRetry, Screen, Session};
use crate::forms::Fields;
use crate::i18n::{L, Lang, t};
use crate::idb::{IdbStore, StoreError};
use crate::lock::{self, Gate, LockRecord, Msg, PinWrap};
use crate::net::{self, NetError};
use crate::view;

/// How often to sync while online, in milliseconds.
pub const PERIODIC_SYNC_MS: i32 = 30_000;
/// How long after an edit to sync, in milliseconds (edits in a burst share one sync).
pub const SYNC_AFTER_EDIT_MS: i32 = 1_500;
/// How often the idle lock looks at the clock, in milliseconds.
const IDLE_CHECK_MS: i32 = 5_000;
/// Where version 1 of the app cached the storage key for the browser session (read once by the
/// update, then removed: `sessionStorage` may be written to disk for session restore).
const KEY_ITEM: &str = "terrain_storage_key";
/// The Web Lock held by the tab that edits.
const WRITER_LOCK: &str = "terrain-writer";
/// The channel on which a tab asks the writer to hand over.
const CHANNEL: &str = "terrain";

/// Between the online sign-in and the PIN's choice: what the PIN will protect.
struct Pending {
    session: Session,
    replica: Replica,
    key: StorageKey,
    /// A new replica, whose metadata is stored with the PIN.
    fresh: bool,
}

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
    /// The one pending resend of a sync the server answered `busy`.
    retry_timer: Cell<Option<i32>>,
    /// While a resend is pending: the once-a-second count-down of its notice.
    retry_tick: Cell<Option<i32>>,
    /// `busy` answers in a row and the wait before the next resend.
    backoff: RefCell<BusyBackoff>,
    /// Resends fired by the app itself after `busy` since the page loaded (on
    /// `<body data-busy-retries>`, for tests).
    busy_retries: Cell<u32>,
    /// Writes under way (a hand-over waits for them).
    saving: Cell<u32>,
    /// Calling it releases the writer lock; `Some` while this tab holds it.
    release: RefCell<Option<Function>>,
    channel: RefCell<Option<JsValue>>,
    /// Last touch or key press (ms since the epoch), for the idle lock.
    last_activity: Cell<f64>,
    pending: RefCell<Option<Pending>>,
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
    app.screen = Screen::from_hash(&window.location().hash().unwrap_or_default());
    app.sync.online = window.navigator().on_line();
    let rt = Rc::new(Runtime {
        app: RefCell::new(app),
        store,
        typing: Cell::new(false),
        sync_timer: Cell::new(None),
        sync_again: Cell::new(false),
        syncs: Cell::new(0),
        retry_timer: Cell::new(None),
        retry_tick: Cell::new(None),
        // Replaced by one seeded from the device id once signed in (in `sync`).
        backoff: RefCell::new(BusyBackoff::new(0)),
        busy_retries: Cell::new(0),
        saving: Cell::new(0),
        release: RefCell::new(None),
        channel: RefCell::new(None),
        last_activity: Cell::new(now_ms() as f64),
        pending: RefCell::new(None),
    });
    listen(&rt, &window)?;
    open_channel(&rt);
    if acquire_writer(&rt, false).await {
        open_gate(&rt).await;
    } else {
        rt.app.borrow_mut().guard.gate = Gate::Elsewhere;
        render(&rt);
    }
    register_service_worker(&rt, &window);
    // Time from navigation to a usable screen (read by the benchmark), then the tests' signal.
    mark("data-ready-ms", now_precise());
    if let Some(body) = window.document().and_then(|d| d.body()) {
        let _ = body.set_attribute("data-ready", "true");
    }
    spawn_sync(&rt);
    Ok(())
}

/// Decide what the tab shows once it is the writer: the sign-in, the PIN, or the online sign-in
/// that reopens a blocked store; a store of the previous layout is updated.
async fn open_gate(rt: &Rc<Runtime>) {
    let record = rt.store.lock_record().await.unwrap_or_default();
    let legacy = if record.is_none() { rt.store.legacy_session().await.unwrap_or_default() } else { None };
    {
        let mut app = rt.app.borrow_mut();
        app.sync.last_success_ms = record.as_ref().and_then(|r| r.last_sync_ms).or(app.sync.last_success_ms);
        app.guard.gate = match &record {
            Some(r) if r.online_required => Gate::SignInRequired,
            Some(_) => Gate::Locked,
            None if legacy.is_some() => Gate::Finishing,
            None => Gate::Open,
        };
        app.guard.record = record;
    }
    if let Some(session) = legacy {
        finish_update(rt, session).await;
    }
    rt.typing.set(false);
    render(rt);
}

/// Version 1 kept the session in clear and the key for one browser session: fetch the key (or
/// take it from this browser session), open the store and ask for the PIN, which reseals the
/// session. Offline, the app says so and keeps everything until the network returns.
async fn finish_update(rt: &Rc<Runtime>, session: Session) {
    let key = match cached_key() {
        Some(key) => Some(key),
        None => match net::device_key(&session.token).await {
            Ok(hex) => hex.parse::<StorageKey>().ok(),
            Err(NetError::Refused(body)) if body.code == ErrorCode::DeviceRevoked => {
                let _ = erase(rt).await;
                rt.app.borrow_mut().sync.revoked = Some(Vec::new());
                return;
            }
            Err(_) => None,
        },
    };
    let Some(key) = key else {
        rt.app.borrow_mut().guard.gate = Gate::Finishing;
        return;
    };
    rt.store.unlock(Some(key.clone()));
    match rt.store.load().await.map_err(|e| e.to_string()).and_then(|s| {
        if s.meta.is_some() {
            Replica::restore(s).map(|r| (r, false)).map_err(|e| e.to_string())
        } else {
            Ok((Replica::new(session.device, random_bytes()), true))
        }
    }) {
        Ok((replica, fresh)) => {
            *rt.pending.borrow_mut() = Some(Pending { session, replica, key, fresh });
            rt.app.borrow_mut().guard.gate = Gate::SetPin;
        }
        Err(why) => {
            rt.store.unlock(None);
            let mut app = rt.app.borrow_mut();
            app.guard.gate = Gate::Finishing;
            app.guard.msg = Some(Msg::Local(why));
        }
    }
}

fn register_service_worker(rt: &Rc<Runtime>, window: &web_sys::Window) {
    let Ok(sw) = Reflect::get(&window.navigator(), &"serviceWorker".into()) else { return };
    if sw.is_undefined() {
        return;
    }
    let container = window.navigator().service_worker();
    let registering = container.register("sw.js");
    let r = rt.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(registration) = JsFuture::from(registering).await else { return };
        let target = registration.clone();
        // A version installed earlier, or one installing now, waits for the next start or a tap.
        let check = {
            let r = r.clone();
            let registration = registration.clone();
            move || {
                let waiting = Reflect::get(&registration, &"waiting".into()).unwrap_or(JsValue::NULL);
                let controlled = web_sys::window()
                    .and_then(|w| Reflect::get(&w.navigator().service_worker(), &"controller".into()).ok())
                    .is_some_and(|c| !c.is_null() && !c.is_undefined());
                if !waiting.is_null() && !waiting.is_undefined() && controlled {
                    r.app.borrow_mut().guard.update_ready = true;
                    render(&r);
                }
            }
        };
        check();
        let on_found = Closure::<dyn FnMut()>::new(move || {
            let check = check.clone();
            let installing = Reflect::get(&registration, &"installing".into()).unwrap_or(JsValue::NULL);
            if installing.is_null() || installing.is_undefined() {
                return;
            }
            let on_state = Closure::<dyn FnMut()>::new(move || check());
            let _ = Reflect::set(&installing, &"onstatechange".into(), on_state.as_ref());
            on_state.forget();
        });
        let _ = Reflect::set(&target, &"onupdatefound".into(), on_found.as_ref());
        on_found.forget();
    });
}

/// Ask the browser to check for a new version of the app now (the service worker's update check);
/// once one is installed, the advisor is offered "Update now".
fn look_for_update() {
    let Some(window) = web_sys::window() else { return };
    if Reflect::get(&window.navigator(), &"serviceWorker".into()).map_or(true, |sw| sw.is_undefined()) {
        return;
    }
    let getting = window.navigator().service_worker().get_registration();
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(registration) = JsFuture::from(getting).await else { return };
        if let Ok(update) = Reflect::get(&registration, &"update".into())
            && let Some(update) = update.dyn_ref::<Function>()
        {
            let _ = update.call0(&registration);
        }
    });
}

/// The advisor tapped "Update now": wait for running writes, let the new worker take over, reload.
async fn apply_update(rt: &Rc<Runtime>) {
    while rt.saving.get() > 0 || rt.app.borrow().sync.syncing {
        sleep(50).await;
    }
    let Some(window) = web_sys::window() else { return };
    let container = window.navigator().service_worker();
    let Ok(registration) = JsFuture::from(container.get_registration()).await else { return };
    let waiting = Reflect::get(&registration, &"waiting".into()).unwrap_or(JsValue::NULL);
    if waiting.is_null() || waiting.is_undefined() {
        return;
    }
    let reload = Closure::once_into_js(|| {
        let _ = web_sys::window().map(|w| w.location().reload());
    });
    let _ = Reflect::set(&container, &"oncontrollerchange".into(), &reload);
    if let Ok(post) = Reflect::get(&waiting, &"postMessage".into()) {
        if let Some(post) = post.dyn_ref::<Function>() {
            let _ = post.call1(&waiting, &"skip-waiting".into());
        }
    }
}

fn listen(rt: &Rc<Runtime>, window: &web_sys::Window) -> Result<(), String> {
    let document = window.document().ok_or("no document")?;
    let on = |target: &web_sys::EventTarget, name: &str, handler: Box<dyn FnMut(Event)>| {
        let closure = Closure::wrap(handler);
        let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        closure.forget();
    };
    let r = rt.clone();
    on(
        &document,
        "click",
        Box::new(move |e: Event| {
            r.last_activity.set(now_ms() as f64);
            click(&r, &e)
        }),
    );
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
    on(
        &document,
        "input",
        Box::new(move |_| {
            r.last_activity.set(now_ms() as f64);
            r.typing.set(true)
        }),
    );
    let r = rt.clone();
    on(&document, "keydown", Box::new(move |_| r.last_activity.set(now_ms() as f64)));
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
                if r.app.borrow().guard.gate == Gate::Finishing && r.release.borrow().is_some() {
                    open_gate(&r).await;
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
            // Nothing to resend into: the "online" event syncs.
            cancel_retry(&r);
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
    let r = rt.clone();
    let idle = Closure::<dyn FnMut()>::new(move || {
        let minutes = {
            let app = r.app.borrow();
            if app.guard.gate != Gate::Open || app.replica.is_none() {
                return;
            }
            app.guard.record.as_ref().map_or(lock::DEFAULT_IDLE_MINUTES, |rec| rec.idle_minutes)
        };
        if now_ms() as f64 - r.last_activity.get() > f64::from(minutes) * 60_000.0 {
            lock_now(&r);
        }
    });
    window
        .set_interval_with_callback_and_timeout_and_arguments_0(idle.as_ref().unchecked_ref(), IDLE_CHECK_MS)
        .map_err(|_| "timer")?;
    idle.forget();
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
                {
                    let mut app = rt.app.borrow_mut();
                    app.lang = lang;
                    // A form's message was written in the language it was given in: a stale one
                    // goes rather than stay in the other language.
                    app.feedback = None;
                }
                if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                    let _ = storage.set_item("terrain_lang", lang.code());
                }
                rt.typing.set(false);
                render(rt);
            }
        }
        Some("sync") => spawn_sync(rt),
        Some("unlock") => {
            // "Try again" on the update screen.
            let r = rt.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if r.release.borrow().is_some() {
                    open_gate(&r).await;
                }
            });
        }
        Some("forgot-pin") => {
            let mut app = rt.app.borrow_mut();
            app.guard.gate = Gate::SignInRequired;
            app.guard.msg = None;
            drop(app);
            rt.typing.set(false);
            render(rt);
        }
        Some("back-to-pin") => {
            let mut app = rt.app.borrow_mut();
            app.guard.gate = Gate::Locked;
            app.guard.msg = None;
            drop(app);
            rt.typing.set(false);
            render(rt);
        }
        Some("lock-now") => lock_now(rt),
        Some("apply-update") => {
            let r = rt.clone();
            wasm_bindgen_futures::spawn_local(async move { apply_update(&r).await });
        }
        Some("take-over") => {
            let r = rt.clone();
            wasm_bindgen_futures::spawn_local(async move { take_over(&r).await });
        }
        Some("retry") => {
            let Some(doc) = el.get_attribute("data-doc").and_then(|d| d.parse::<DocumentId>().ok()) else { return };
            let r = rt.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let ops = match r.app.borrow_mut().replica.as_mut() {
                    Some(replica) => replica.retry(doc),
                    None => return,
                };
                if save(&r, &ops).await.is_ok() {
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
                        r.typing.set(false);
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
    if rt.release.borrow().is_none() {
        // Another tab is the writer: this one edits nothing.
        return;
    }
    match name.as_str() {
        "login" => return login(rt, &fields).await,
        "set-pin" => return set_pin(rt, &fields).await,
        "unlock" => return unlock(rt, &fields).await,
        "idle" => return set_idle(rt, &fields).await,
        _ => {}
    }
    if rt.app.borrow().guard.gate != Gate::Open {
        return;
    }
    if name == "my-contact" {
        return set_my_contact(rt, form, &fields).await;
    }
    let doc = form.get_attribute("data-doc").and_then(|d| d.parse::<DocumentId>().ok());
    let started = now_precise();
    let (target, place) = crate::feedback::place_of(form);
    let result = rt.app.borrow_mut().submit(&name, &fields, doc, random_bytes, now_ms());
    let feedback = |app: &mut App, ok: bool, message: String, field: Option<String>| {
        app.feedback =
            Some(FormFeedback { screen: app.screen, target: target.clone(), form: place.clone(), ok, message, field });
    };
    let applied = now_precise();
    match result {
        Ok(done) => match save(rt, &done.ops).await {
            Ok(()) => {
                // How long from the tap to the edit being durable, and where the time went (read
                // by the benchmark): the Automerge transaction, sealing, the IndexedDB commit.
                let split = rt.store.timing.get();
                mark("data-last-save-ms", now_precise() - started);
                mark("data-last-apply-ms", applied - started);
                mark("data-last-seal-ms", split.seal_ms);
                mark("data-last-commit-ms", split.commit_ms);
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

/// The sentence for a failed call, in the user's language.
fn net_text(lang: Lang, e: &NetError) -> String {
    match e {
        NetError::Unreachable(_) => t(lang, L::NeedNetworkToSignIn).to_owned(),
        NetError::Refused(body) => lock::refusal_text(lang, body.code).to_owned(),
        NetError::BadAnswer(_) => lock::refusal_text(lang, ErrorCode::Internal).to_owned(),
        NetError::Busy(_) => lock::refusal_text(lang, ErrorCode::Busy).to_owned(),
    }
}

fn gate_msg(rt: &Rc<Runtime>, msg: Msg) {
    {
        let mut app = rt.app.borrow_mut();
        app.guard.busy = false;
        app.guard.msg = Some(msg);
    }
    rt.typing.set(false);
    render(rt);
}

/// Sign in online. The first time on this tablet: a new device, then the PIN is chosen. When the
/// tablet already holds data it cannot open (a forgotten or blocked PIN): the new sign-in fetches
/// the key of the device that holds the data, which keeps its token, replica and unsynced edits;
/// the device the sign-in registered is retired at once.
async fn login(rt: &Rc<Runtime>, fields: &Fields) {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let lang = rt.app.borrow().lang;
    let request = LoginRequest {
        login: get("login"),
        password: get("password"),
        device_name: fields.get("device_name").cloned().unwrap_or_else(|| t(lang, L::DefaultDeviceName).to_owned()),
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    rt.app.borrow_mut().guard.busy = true;
    let answer = match net::login(&request).await {
        Ok(answer) => answer,
        Err(e) => {
            rt.app.borrow_mut().guard.busy = false;
            let why = net_text(lang, &e);
            if rt.app.borrow().guard.gate == Gate::SignInRequired {
                return gate_msg(
                    rt,
                    match e {
                        NetError::Unreachable(_) => Msg::NeedNetwork,
                        NetError::Refused(body) => Msg::Code(body.code),
                        NetError::BadAnswer(_) => Msg::Code(ErrorCode::Internal),
                        NetError::Busy(_) => Msg::Code(ErrorCode::Busy),
                    },
                );
            }
            rt.app.borrow_mut().flash = Some(Flash::Error(why));
            return render(rt);
        }
    };
    let earlier = rt.app.borrow().guard.record.as_ref().map(|r| r.device);
    let pending = match earlier {
        None => {
            let Ok(key) = answer.storage_key.parse::<StorageKey>() else {
                return gate_msg(rt, Msg::Code(ErrorCode::Internal));
            };
            let session = Session {
                login: request.login.trim().to_lowercase(),
                display_name: answer.display_name,
                role: answer.role,
                device: answer.device,
                token: answer.token,
            };
            let replica = Replica::new(session.device, random_bytes());
            Pending { session, replica, key, fresh: true }
        }
        Some(device) => match reopen(rt, &answer.token, device).await {
            Ok(pending) => {
                // The data stays with its device; the one this sign-in registered is not needed.
                let _ = net::revoke(&pending.session.token, answer.device).await;
                pending
            }
            Err(msg) => {
                let _ = net::revoke(&answer.token, answer.device).await;
                return gate_msg(rt, msg);
            }
        },
    };
    rt.store.unlock(Some(pending.key.clone()));
    *rt.pending.borrow_mut() = Some(pending);
    {
        let mut app = rt.app.borrow_mut();
        app.guard.gate = Gate::SetPin;
        app.guard.busy = false;
        app.guard.msg = None;
        app.flash = None;
        app.sync.revoked = None;
    }
    rt.typing.set(false);
    render(rt);
}

/// Open the data this tablet holds with its device's key, fetched with a fresh sign-in's token.
async fn reopen(rt: &Rc<Runtime>, token: &str, device: terrain_client_core::DeviceId) -> Result<Pending, Msg> {
    let hex = match net::earlier_device_key(token, device).await {
        Ok(hex) => hex,
        Err(NetError::Refused(body)) if body.code == ErrorCode::DeviceRevoked => {
            // Revoked meanwhile: what it holds must go.
            let _ = erase(rt).await;
            rt.app.borrow_mut().sync.revoked = Some(Vec::new());
            return Err(Msg::Code(ErrorCode::DeviceRevoked));
        }
        Err(NetError::Refused(body)) => return Err(Msg::Code(body.code)),
        Err(NetError::Unreachable(_)) => return Err(Msg::NeedNetwork),
        Err(NetError::BadAnswer(_)) => return Err(Msg::Code(ErrorCode::Internal)),
        Err(NetError::Busy(_)) => return Err(Msg::Code(ErrorCode::Busy)),
    };
    let key = hex.parse::<StorageKey>().map_err(|_| Msg::Code(ErrorCode::Internal))?;
    rt.store.unlock(Some(key.clone()));
    let opened = async {
        let session = rt.store.session().await?.ok_or_else(|| "no stored session".to_owned())?;
        let stored = rt.store.load().await?;
        let replica = Replica::restore(stored).map_err(|e| e.to_string())?;
        Ok::<_, String>((session, replica))
    }
    .await;
    match opened {
        Ok((session, replica)) => Ok(Pending { session, replica, key, fresh: false }),
        Err(why) => {
            rt.store.unlock(None);
            Err(Msg::Local(why))
        }
    }
}

/// The PIN was chosen: wrap the storage key under it, store the session sealed, open the app.
async fn set_pin(rt: &Rc<Runtime>, fields: &Fields) {
    let pin = fields.get("pin").cloned().unwrap_or_default();
    let again = fields.get("pin_again").cloned().unwrap_or_default();
    if let Err(msg) = lock::check_new_secret(&pin, &again) {
        return gate_msg(rt, msg);
    }
    let Some(pending) = rt.pending.borrow_mut().take() else {
        return gate_msg(rt, Msg::Local("nothing to protect: sign in again".to_owned()));
    };
    rt.app.borrow_mut().guard.busy = true;
    rt.app.borrow_mut().guard.msg = None;
    rt.typing.set(false);
    render(rt);
    let probe_salt = random_bytes().to_vec();
    let started = now_precise();
    let probe = derive(&pin, &probe_salt, lock::PROBE_ITERATIONS).await;
    let iterations = lock::iterations_for(now_precise() - started);
    let salt = random_bytes().to_vec();
    let derived = match probe.and(Ok(())) {
        Ok(()) => derive(&pin, &salt, iterations).await,
        Err(why) => Err(why),
    };
    let derived = match derived {
        Ok(d) => d,
        Err(why) => {
            *rt.pending.borrow_mut() = Some(pending);
            return gate_msg(rt, Msg::Local(why));
        }
    };
    let Ok(nonce) = nonce() else {
        *rt.pending.borrow_mut() = Some(pending);
        return gate_msg(rt, Msg::Local("no randomness".to_owned()));
    };
    let wrap = PinWrap::new(derived, salt, iterations, nonce, &pending.key);
    let (idle, last_sync) = {
        let app = rt.app.borrow();
        let idle = app.guard.record.as_ref().map_or(lock::DEFAULT_IDLE_MINUTES, |r| r.idle_minutes);
        (idle, app.sync.last_success_ms)
    };
    let record = LockRecord::new(pending.session.device, wrap, idle, last_sync);
    let ops = if pending.fresh { vec![Persist::Meta(pending.replica.meta())] } else { Vec::new() };
    rt.store.unlock(Some(pending.key.clone()));
    if let Err(e) = rt.store.persist(&ops, Some(&pending.session), Some(&record)).await {
        *rt.pending.borrow_mut() = Some(pending);
        return gate_msg(rt, store_msg(e));
    }
    remove_cached_key();
    {
        let mut app = rt.app.borrow_mut();
        app.session = Some(pending.session);
        app.replica = Some(pending.replica);
        app.locked = false;
        app.guard.record = Some(record);
        app.guard.gate = Gate::Open;
        app.guard.busy = false;
        app.guard.msg = None;
    }
    rt.last_activity.set(now_ms() as f64);
    rt.typing.set(false);
    render(rt);
    refresh_storage(rt, true).await;
    sync(rt).await;
}

/// Unlock with the PIN. The attempt is counted before the derivation runs and forgiven once it
/// succeeds.
async fn unlock(rt: &Rc<Runtime>, fields: &Fields) {
    let submitted = now_precise();
    let pin = fields.get("pin").cloned().unwrap_or_default();
    let Some(mut record) = rt.app.borrow().guard.record.clone() else { return };
    let now = now_ms();
    rt.app.borrow_mut().guard.now_ms = now;
    if record.online_required {
        rt.app.borrow_mut().guard.gate = Gate::SignInRequired;
        return gate_msg(rt, Msg::WrongPin(0));
    }
    if record.retry_at_ms().is_some_and(|at| at > now) {
        return gate_msg(rt, Msg::Wait);
    }
    record.count_attempt(now);
    if let Err(e) = rt.store.put_lock(&record).await {
        return gate_msg(rt, store_msg(e));
    }
    {
        let mut app = rt.app.borrow_mut();
        app.guard.record = Some(record.clone());
        app.guard.busy = true;
        app.guard.msg = None;
    }
    rt.typing.set(false);
    render(rt);
    let started = now_precise();
    let derived = derive(&pin, &record.pin.salt, record.pin.iterations).await;
    mark("data-unlock-ms", now_precise() - started);
    let key = derived.ok().and_then(|d| record.pin.open(d));
    let Some(key) = key else {
        let left = lock::MAX_FAILURES.saturating_sub(record.failures);
        if record.online_required {
            rt.app.borrow_mut().guard.gate = Gate::SignInRequired;
        }
        return gate_msg(rt, Msg::WrongPin(left));
    };
    record.succeeded();
    rt.store.unlock(Some(key));
    let opened = async {
        let _ = rt.store.put_lock(&record).await;
        let session = rt.store.session().await?.ok_or_else(|| "no stored session".to_owned())?;
        let replica = Replica::restore(rt.store.load().await?).map_err(|e| e.to_string())?;
        Ok::<_, String>((session, replica))
    }
    .await;
    match opened {
        Ok((session, replica)) => {
            {
                let mut app = rt.app.borrow_mut();
                app.session = Some(session);
                app.replica = Some(replica);
                app.locked = false;
                app.guard.record = Some(record);
                app.guard.gate = Gate::Open;
                app.guard.busy = false;
                app.guard.msg = None;
                app.flash = None;
            }
            rt.last_activity.set(now_ms() as f64);
            rt.typing.set(false);
            render(rt);
            // From the PIN's submit to the worksites on screen (read by the benchmark).
            mark("data-open-ms", now_precise() - submitted);
            refresh_storage(rt, false).await;
            sync(rt).await;
        }
        Err(why) => {
            rt.store.unlock(None);
            gate_msg(rt, Msg::Local(why));
        }
    }
}

/// Lock the app now (a tap, or the idle time): the key and the documents leave memory. Waits for
/// a running sync or write to end (the next check locks).
fn lock_now(rt: &Rc<Runtime>) {
    {
        let mut app = rt.app.borrow_mut();
        if app.guard.gate != Gate::Open || app.guard.record.is_none() || app.sync.syncing || rt.saving.get() > 0 {
            return;
        }
        app.replica = None;
        app.session = None;
        app.guard.gate = Gate::Locked;
        app.guard.msg = None;
        app.flash = None;
    }
    rt.store.unlock(None);
    rt.typing.set(false);
    render(rt);
}

async fn set_idle(rt: &Rc<Runtime>, fields: &Fields) {
    let Some(minutes) = fields.get("idle").and_then(|m| m.parse::<u32>().ok()) else { return };
    if !lock::IDLE_CHOICES.contains(&minutes) {
        return;
    }
    let Some(mut record) = rt.app.borrow().guard.record.clone() else { return };
    record.idle_minutes = minutes;
    match rt.store.put_lock(&record).await {
        Ok(()) => {
            rt.app.borrow_mut().guard.record = Some(record);
            rt.app.borrow_mut().flash = Some(Flash::Saved);
        }
        Err(e) => rt.app.borrow_mut().flash = Some(Flash::Error(store_text(rt, e))),
    }
    rt.typing.set(false);
    render(rt);
}

/// PBKDF2-HMAC-SHA-256 of the secret, 256 bits, in the browser's WebCrypto.
async fn derive(secret: &str, salt: &[u8], iterations: u32) -> Result<[u8; 32], String> {
    let fail = |e: JsValue| format!("key derivation: {e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let crypto = Reflect::get(&window, &"crypto".into()).map_err(fail)?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(fail)?;
    if subtle.is_undefined() {
        return Err("WebCrypto is not available (the app must be served over https or from localhost)".to_owned());
    }
    let import: Function = Reflect::get(&subtle, &"importKey".into()).map_err(fail)?.unchecked_into();
    let algo = js_sys::Object::new();
    Reflect::set(&algo, &"name".into(), &"PBKDF2".into()).map_err(fail)?;
    let args = Array::of5(
        &"raw".into(),
        &Uint8Array::from(secret.as_bytes()).into(),
        &algo,
        &false.into(),
        &Array::of1(&"deriveBits".into()),
    );
    let base = JsFuture::from(Promise::from(import.apply(&subtle, &args).map_err(fail)?)).await.map_err(fail)?;
    let params = js_sys::Object::new();
    Reflect::set(&params, &"name".into(), &"PBKDF2".into()).map_err(fail)?;
    Reflect::set(&params, &"hash".into(), &"SHA-256".into()).map_err(fail)?;
    Reflect::set(&params, &"salt".into(), &Uint8Array::from(salt)).map_err(fail)?;
    Reflect::set(&params, &"iterations".into(), &f64::from(iterations).into()).map_err(fail)?;
    let derive_bits: Function = Reflect::get(&subtle, &"deriveBits".into()).map_err(fail)?.unchecked_into();
    let bits = derive_bits.call3(&subtle, &params, &base, &256.into()).map_err(fail)?;
    let bits = JsFuture::from(Promise::from(bits)).await.map_err(fail)?;
    let bytes = Uint8Array::new(&bits).to_vec();
    bytes.try_into().map_err(|_| "key derivation: not 32 bytes".to_owned())
}

/// Take the writer lock (Web Locks): at once if it is free, or (`wait`) once the holder released
/// it. Without Web Locks in the browser the tab is the writer.
async fn acquire_writer(rt: &Rc<Runtime>, wait: bool) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let locks = Reflect::get(&window.navigator(), &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    if locks.is_undefined() {
        *rt.release.borrow_mut() = Some(Function::new_no_args(""));
        return true;
    }
    let mut granted: Option<Function> = None;
    let answer = Promise::new(&mut |resolve, _| granted = Some(resolve));
    let Some(granted) = granted else { return false };
    let r = rt.clone();
    let callback = Closure::once_into_js(move |held: JsValue| -> JsValue {
        if held.is_null() {
            let _ = granted.call1(&JsValue::NULL, &false.into());
            return JsValue::UNDEFINED;
        }
        let mut release: Option<Function> = None;
        let hold = Promise::new(&mut |resolve, _| release = Some(resolve));
        *r.release.borrow_mut() = release;
        let _ = granted.call1(&JsValue::NULL, &true.into());
        hold.into()
    });
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &(!wait).into());
    let request: Option<Function> = Reflect::get(&locks, &"request".into()).ok().and_then(|f| f.dyn_into().ok());
    let Some(request) = request else { return false };
    if request.call3(&locks, &WRITER_LOCK.into(), &options, &callback).is_err() {
        return false;
    }
    JsFuture::from(answer).await.map(|v| v.as_bool() == Some(true)).unwrap_or(false)
}

fn open_channel(rt: &Rc<Runtime>) {
    let Some(window) = web_sys::window() else { return };
    let Ok(ctor) = Reflect::get(&window, &"BroadcastChannel".into()) else { return };
    let Some(ctor) = ctor.dyn_ref::<Function>() else { return };
    let Ok(channel) = Reflect::construct(ctor, &Array::of1(&CHANNEL.into())) else { return };
    let r = rt.clone();
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let data = Reflect::get(&e, &"data".into()).ok().and_then(|d| d.as_string());
        if data.as_deref() == Some("take-over") && r.release.borrow().is_some() {
            let r = r.clone();
            wasm_bindgen_futures::spawn_local(async move { hand_over(&r).await });
        }
    });
    let _ = Reflect::set(&channel, &"onmessage".into(), on_message.as_ref());
    on_message.forget();
    *rt.channel.borrow_mut() = Some(channel);
}

/// Another tab asked to take over: stop editing, let running writes and the sync end, drop the
/// key, release the lock.
async fn hand_over(rt: &Rc<Runtime>) {
    {
        let mut app = rt.app.borrow_mut();
        app.guard.gate = Gate::TakenOver;
        app.guard.msg = None;
    }
    if let Some(timer) = rt.sync_timer.take() {
        let _ = web_sys::window().map(|w| w.clear_timeout_with_handle(timer));
    }
    cancel_retry(rt);
    rt.typing.set(false);
    render(rt);
    while rt.saving.get() > 0 || rt.app.borrow().sync.syncing {
        sleep(50).await;
    }
    {
        let mut app = rt.app.borrow_mut();
        app.replica = None;
        app.session = None;
    }
    rt.pending.borrow_mut().take();
    rt.store.unlock(None);
    if let Some(release) = rt.release.borrow_mut().take() {
        let _ = release.call0(&JsValue::NULL);
    }
    render(rt);
}

/// Ask the writer to hand over, wait for the lock, then open the gate here.
async fn take_over(rt: &Rc<Runtime>) {
    if rt.release.borrow().is_some() {
        return;
    }
    if let Some(channel) = rt.channel.borrow().as_ref() {
        if let Ok(post) = Reflect::get(channel, &"postMessage".into()) {
            if let Some(post) = post.dyn_ref::<Function>() {
                let _ = post.call1(channel, &"take-over".into());
            }
        }
    }
    if acquire_writer(rt, true).await {
        rt.app.borrow_mut().guard.msg = None;
        open_gate(rt).await;
        spawn_sync(rt);
    }
}

async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Read the browser's storage state; with `ask`, ask for persistent storage first.
async fn refresh_storage(rt: &Rc<Runtime>, ask: bool) {
    let Some(window) = web_sys::window() else { return };
    let storage = Reflect::get(&window.navigator(), &"storage".into()).unwrap_or(JsValue::UNDEFINED);
    if storage.is_undefined() {
        return;
    }
    let call = |name: &str| -> Option<Promise> {
        let f: Function = Reflect::get(&storage, &name.into()).ok()?.dyn_into().ok()?;
        f.call0(&storage).ok()?.dyn_into().ok()
    };
    let persisted = match call(if ask { "persist" } else { "persisted" }) {
        Some(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_bool()),
        None => None,
    };
    let usage = match call("estimate") {
        Some(p) => JsFuture::from(p).await.ok().and_then(|e| {
            let used = Reflect::get(&e, &"usage".into()).ok()?.as_f64()?;
            let quota = Reflect::get(&e, &"quota".into()).ok()?.as_f64()?;
            Some((used, quota))
        }),
        None => None,
    };
    rt.app.borrow_mut().guard.storage = lock::StorageInfo { persisted, usage };
    render(rt);
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
/// so that "sync now" always reaches the server after the tap. No network is not a failure: the
/// status says offline.
async fn sync(rt: &Rc<Runtime>) {
    {
        let mut app = rt.app.borrow_mut();
        if app.session.is_none() || app.replica.is_none() || app.guard.gate != Gate::Open {
            return;
        }
        if app.sync.syncing {
            rt.sync_again.set(true);
            return;
        }
        app.sync.syncing = true;
        if let Some(session) = app.session.as_ref() {
            // Each device its own jitter, the same on every replay.
            let seed = session.device.uuid().as_u64_pair().0;
            let mut backoff = rt.backoff.borrow_mut();
            if backoff.refusals() == 0 {
                *backoff = BusyBackoff::new(seed);
            }
        }
    }
    // This sync takes the place of a pending resend after `busy`.
    cancel_retry(rt);
    render_status(rt);
    // The partner bodies kept on the tablet, read once the store is open (offline too).
    if !rt.app.borrow().partners_loaded {
        if let Ok(partners) = rt.store.partners().await {
            let mut app = rt.app.borrow_mut();
            app.partners = partners;
            app.partners_loaded = true;
        }
    }
    let mut resend_in: Option<u64>;
    loop {
        let outcome = sync_once(rt).await;
        if outcome.is_ok() {
            refresh_partners(rt).await;
            refresh_my_contact(rt).await;
        }
        resend_in = None;
        let record = {
            let mut app = rt.app.borrow_mut();
            let mut record = None;
            if !matches!(outcome, Err(Outcome::Busy(_))) {
                rt.backoff.borrow_mut().reset();
            }
            match outcome {
                Err(Outcome::Busy(retry_after)) => {
                    // Not a failure: the server read nothing and said when to come back.
                    let now = now_ms();
                    let wait = rt.backoff.borrow_mut().refused(retry_after.as_deref(), now);
                    app.sync.online = browser_online();
                    app.sync.last_error = None;
                    app.sync.retry = Some(PendingRetry { since_ms: now, wait_ms: wait });
                    resend_in = Some(wait);
                }
                Ok(()) => {
                    let now = now_ms();
                    app.sync.last_success_ms = Some(now);
                    app.sync.last_error = None;
                    app.sync.online = browser_online();
                    if let Some(r) = app.guard.record.as_mut() {
                        r.last_sync_ms = Some(now);
                        record = Some(r.clone());
                    }
                }
                Err(Outcome::Offline) => {
                    app.sync.online = false;
                    app.sync.last_error = None;
                }
                Err(Outcome::Failed(why)) => app.sync.last_error = Some(why),
                Err(Outcome::Again) => {}
            }
            record
        };
        if let Some(record) = record {
            // The time of the last sync survives a reload (it is not personal, kept in clear).
            let _ = rt.store.put_lock(&record).await;
        }
        let mut app = rt.app.borrow_mut();
        // After `busy`, a sync asked for meanwhile is the resend, after the server's wait.
        let again = rt.sync_again.replace(false) && resend_in.is_none();
        if !again || app.session.is_none() || app.guard.gate != Gate::Open {
            app.sync.syncing = false;
            break;
        }
    }
    if let Some(wait) = resend_in {
        schedule_retry(rt, wait);
    }
    rt.syncs.set(rt.syncs.get() + 1);
    render(rt);
}

/// Send the sync again in `wait_ms` (after `busy`), in place of any resend already pending.
fn schedule_retry(rt: &Rc<Runtime>, wait_ms: u64) {
    let Some(window) = web_sys::window() else { return };
    if let Some(timer) = rt.retry_timer.take() {
        window.clear_timeout_with_handle(timer);
    }
    let r = rt.clone();
    let later = Closure::once_into_js(move || {
        r.retry_timer.set(None);
        stop_count_down(&r);
        r.app.borrow_mut().sync.retry = None;
        r.busy_retries.set(r.busy_retries.get() + 1);
        spawn_sync(&r);
    });
    let wait = i32::try_from(wait_ms).unwrap_or(i32::MAX);
    match window.set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), wait) {
        Ok(id) => rt.retry_timer.set(Some(id)),
        Err(_) => rt.app.borrow_mut().sync.retry = None,
    }
    start_count_down(rt, &window);
}

/// Once a second while a resend is pending, the notice says how long is left ("… in 3 s",
/// "… in 2 s"): only its text changes, so nothing typed is touched.
fn start_count_down(rt: &Rc<Runtime>, window: &web_sys::Window) {
    stop_count_down(rt);
    let r = rt.clone();
    let tick = Closure::<dyn FnMut()>::new(move || {
        let (lang, retry) = {
            let app = r.app.borrow();
            (app.lang, app.sync.retry)
        };
        let Some(retry) = retry else {
            stop_count_down(&r);
            return;
        };
        let left = u64::try_from(retry.since_ms + retry.wait_ms as i64 - now_ms()).unwrap_or(0);
        let notice = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("sync-busy"));
        if let Some(notice) = notice {
            notice.set_text_content(Some(&crate::view::busy_retry(lang, left)));
        }
    });
    if let Ok(id) = window.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1_000)
    {
        rt.retry_tick.set(Some(id));
    }
    // The interval lives as long as the page may call it; it is cleared with the resend.
    tick.forget();
}

fn stop_count_down(rt: &Rc<Runtime>) {
    if let Some(tick) = rt.retry_tick.take() {
        let _ = web_sys::window().map(|w| w.clear_interval_with_handle(tick));
    }
}

/// Drop the pending resend after `busy`, if any (a sync starts now, or it has nothing to go to).
fn cancel_retry(rt: &Rc<Runtime>) {
    if let Some(timer) = rt.retry_timer.take() {
        let _ = web_sys::window().map(|w| w.clear_timeout_with_handle(timer));
    }
    stop_count_down(rt);
    rt.app.borrow_mut().sync.retry = None;
}

/// After a sync, the partner bodies as the server has them now, kept sealed when they changed.
/// A failure keeps what the tablet had.
async fn refresh_partners(rt: &Rc<Runtime>) {
    let Some(token) = rt.app.borrow().session.as_ref().map(|s| s.token.clone()) else { return };
    let Ok(partners) = net::partners(&token).await else { return };
    if rt.app.borrow().partners == partners {
        return;
    }
    if rt.store.put_partners(&partners).await.is_ok() {
        let mut app = rt.app.borrow_mut();
        app.partners = partners;
        app.partners_loaded = true;
    }
}

/// After a sync, the advisor's own contact details, once per start (they change only from this
/// form or the admin's page). A failure leaves the form waiting for the next sync.
async fn refresh_my_contact(rt: &Rc<Runtime>) {
    if rt.app.borrow().my_contact.is_some() {
        return;
    }
    let Some(token) = rt.app.borrow().session.as_ref().map(|s| s.token.clone()) else { return };
    if let Ok(contact) = net::my_contact(&token).await {
        rt.app.borrow_mut().my_contact = Some(contact);
        if !rt.typing.get() {
            render(rt);
        }
    }
}

/// The advisor saves their own contact details: checked here as the server checks them (a wrong
/// part is named next to its field, nothing sent), then sent; the answer is said next to the form.
/// What was typed stays in the form on any refusal.
async fn set_my_contact(rt: &Rc<Runtime>, form: &HtmlFormElement, fields: &Fields) {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let lang = rt.app.borrow().lang;
    let (target, place) = crate::feedback::place_of(form);
    let say = |ok: bool, message: String, field: Option<String>| {
        let mut app = rt.app.borrow_mut();
        let screen = app.screen;
        app.feedback = Some(FormFeedback { screen, target: target.clone(), form: place.clone(), ok, message, field });
    };
    let token = rt.app.borrow().session.as_ref().map(|s| s.token.clone());
    let checked = crate::account::check(lang, &get("phone"), &get("email"));
    let answer = match (checked, token) {
        (Err((why, field)), _) => Err((why, Some(field.to_owned()))),
        (Ok(_), None) => return,
        (Ok(contact), Some(token)) => match net::set_my_contact(&token, &contact.body()).await {
            Ok(kept) => Ok(kept),
            Err(NetError::Unreachable(_)) => {
                Err((crate::account::t(lang, crate::account::L::MyContactNoNetwork).to_owned(), None))
            }
            Err(e) => Err((net_text(lang, &e), None)),
        },
    };
    match answer {
        Ok(kept) => {
            rt.app.borrow_mut().my_contact = Some(kept);
            say(true, crate::account::t(lang, crate::account::L::MyContactSaved).to_owned(), None);
            rt.typing.set(false);
            render(rt);
        }
        Err((why, field)) => {
            say(false, why, field);
            // Nothing typed is lost: the page is not redrawn while a form holds input.
            rt.typing.set(true);
        }
    }
    crate::feedback::show(&rt.app.borrow());
}

/// One sync; several sessions when a refused document was set aside (the rest goes on).
async fn sync_once(rt: &Rc<Runtime>) -> Result<(), Outcome> {
    for _ in 0..4 {
        match sync_session(rt).await {
            Ok(()) => return Ok(()),
            Err(Outcome::Again) => continue,
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

enum Outcome {
    /// A document was set aside; sync the rest in a new session.
    Again,
    /// The server could not be reached: offline, not a failure.
    Offline,
    /// The server is busy and read nothing: send again after its `Retry-After` (the raw value).
    Busy(Option<String>),
    /// The sync stopped; the sentence (in the user's language) says why. Nothing stored is lost.
    Failed(String),
}

/// The device store refused a write during a sync: the session ends, and memory is read back
/// from the store so the two do not part.
async fn storage_failed(rt: &Rc<Runtime>, why: String) -> Outcome {
    if let Some(replica) = rt.app.borrow_mut().replica.as_mut() {
        replica.abort_sync();
    }
    reload_from_store(rt).await;
    Outcome::Failed(why)
}

async fn sync_session(rt: &Rc<Runtime>) -> Result<(), Outcome> {
    let lang = rt.app.borrow().lang;
    let (token, mut request, owed) = {
        let mut app = rt.app.borrow_mut();
        let token = app.session.as_ref().map(|s| s.token.clone()).ok_or(Outcome::Failed(String::new()))?;
        let replica = app.replica.as_mut().ok_or(Outcome::Failed(String::new()))?;
        let request = replica.start_sync();
        (token, request, replica.take_unpersisted())
    };
    // The request's number is stored before it leaves: it is never used twice.
    if let Err(why) = save(rt, &owed).await {
        return Err(storage_failed(rt, why).await);
    }
    loop {
        match net::sync(&token, &request).await {
            Ok(response) => {
                let handled = {
                    let mut app = rt.app.borrow_mut();
                    let replica = app.replica.as_mut().ok_or(Outcome::Failed(String::new()))?;
                    replica.handle_response(response).map_err(|_| {
                        replica.abort_sync();
                        // What the answer brought before the failure is applied in memory: store
                        // it now, so memory and disk do not part until the next edit.
                        replica.take_unpersisted()
                    })
                };
                let step = match handled {
                    Ok(step) => step,
                    Err(owed) => {
                        if let Err(why) = save(rt, &owed).await {
                            reload_from_store(rt).await;
                            return Err(Outcome::Failed(why));
                        }
                        return Err(Outcome::Failed(
                            lock::refusal_text(lang, ErrorCode::InvalidSyncMessage).to_owned(),
                        ));
                    }
                };
                if let Err(why) = save(rt, &step.persist).await {
                    return Err(storage_failed(rt, why).await);
                }
                match step.next {
                    Some(next) => request = next,
                    None => return Ok(()),
                }
            }
            Err(NetError::Refused(body)) => return Err(refused(rt, &body).await),
            Err(NetError::Busy(retry_after)) => {
                // The session ends here (nothing of it was read); the resend starts a new one
                // from what is stored.
                if let Some(replica) = rt.app.borrow_mut().replica.as_mut() {
                    replica.abort_sync();
                }
                return Err(Outcome::Busy(retry_after));
            }
            Err(other) => {
                if let Some(replica) = rt.app.borrow_mut().replica.as_mut() {
                    replica.abort_sync();
                }
                return Err(match other {
                    NetError::Unreachable(_) => Outcome::Offline,
                    other => Outcome::Failed(net_text(lang, &other)),
                });
            }
        }
    }
}

async fn refused(rt: &Rc<Runtime>, body: &terrain_client_core::protocol::ErrorBody) -> Outcome {
    let lang = rt.app.borrow().lang;
    let (refusal, ops) = match rt.app.borrow_mut().replica.as_mut() {
        Some(replica) => replica.handle_refusal(body),
        None => return Outcome::Failed(lock::refusal_text(lang, body.code).to_owned()),
    };
    if let Err(why) = save(rt, &ops).await {
        return Outcome::Failed(why);
    }
    match refusal {
        Refusal::Quarantined { .. } => Outcome::Again,
        Refusal::Revoked { unsynced } => {
            // Show what was not synced, by name, then erase the tablet (the server no longer
            // accepts it).
            let lost: Vec<(String, usize)> = {
                let app = rt.app.borrow();
                unsynced.iter().map(|(doc, _, n)| (crate::view::document_title(&app, *doc), *n)).collect()
            };
            let _ = erase(rt).await;
            rt.app.borrow_mut().sync.revoked = Some(lost);
            Outcome::Failed(lock::refusal_text(lang, body.code).to_owned())
        }
        Refusal::Other if body.code == ErrorCode::InvalidToken => Outcome::Failed(t(lang, L::SignInAgain).to_owned()),
        Refusal::Other if body.code == ErrorCode::AppOutdated => {
            // The server serves the newer app: fetch it now, so "Update now" shows at once.
            look_for_update();
            Outcome::Failed(lock::refusal_text(lang, body.code).to_owned())
        }
        Refusal::Other => Outcome::Failed(format!("{} ({})", lock::refusal_text(lang, body.code), body.code.as_str())),
    }
}

/// Store operations; an error (in the user's language) says why nothing was confirmed.
async fn save(rt: &Rc<Runtime>, ops: &[Persist]) -> Result<(), String> {
    if ops.is_empty() {
        return Ok(());
    }
    rt.saving.set(rt.saving.get() + 1);
    let result = rt.store.persist(ops, None, None).await;
    rt.saving.set(rt.saving.get() - 1);
    result.map_err(|e| store_text(rt, e))
}

fn store_msg(e: StoreError) -> Msg {
    match e {
        StoreError::Quota => Msg::StorageFull,
        StoreError::Failed(why) => Msg::Local(why),
    }
}

fn store_text(rt: &Rc<Runtime>, e: StoreError) -> String {
    let lang = rt.app.borrow().lang;
    lock::message(lang, &store_msg(e), None, 0)
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

/// Erase the tablet: documents, session, lock record.
async fn erase(rt: &Rc<Runtime>) -> Result<(), String> {
    rt.store.wipe().await?;
    rt.store.unlock(None);
    remove_cached_key();
    rt.pending.borrow_mut().take();
    let mut app = rt.app.borrow_mut();
    app.session = None;
    app.replica = None;
    app.partners = Default::default();
    app.partners_loaded = false;
    app.my_contact = None;
    app.locked = false;
    app.guard.record = None;
    app.guard.gate = Gate::Open;
    app.guard.msg = None;
    app.guard.busy = false;
    Ok(())
}

/// The storage key version 1 cached for the browser session, if this is still that session.
fn cached_key() -> Option<StorageKey> {
    let storage = web_sys::window()?.session_storage().ok()??;
    storage.get_item(KEY_ITEM).ok()??.parse().ok()
}

fn remove_cached_key() {
    if let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.remove_item(KEY_ITEM);
    }
}

/// Render the whole page, unless the user is typing in a form: then only the status bar.
fn render(rt: &Rc<Runtime>) {
    let gate = rt.app.borrow().guard.gate;
    if rt.typing.get() {
        if gate != Gate::Open {
            // A PIN being typed: nothing in the background redraws the lock screen.
            return;
        }
        return render_status(rt);
    }
    let Some(root) = root() else { return };
    let closed = details_state(&root);
    rt.app.borrow_mut().guard.now_ms = now_ms();
    let html = {
        let app = rt.app.borrow();
        if gate != Gate::Open {
            lock::page(&app).into_string()
        } else if app.session.is_some() {
            let mut html = view::page(&app).into_string();
            html.push_str(&lock::footer(&app).into_string());
            html.push_str(&crate::account::section(&app).into_string());
            html
        } else {
            view::page(&app).into_string()
        }
    };
    root.set_inner_html(&html);
    no_autofill(&root);
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

/// Keep what is typed out of the browser's autofill, form history and session-restore state:
/// every form and field says `autocomplete="off"` (Chromium then neither saves nor restores the
/// value), except the password field of the sign-in, which is the password manager's business.
fn no_autofill(root: &Element) {
    let Ok(list) = root.query_selector_all("form, input, textarea, select") else { return };
    for i in 0..list.length() {
        let Some(el) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
        if el.get_attribute("type").as_deref() == Some("password") {
            continue;
        }
        let _ = el.set_attribute("autocomplete", "off");
        if el.tag_name() != "FORM" {
            let _ = el.set_attribute("autocorrect", "off");
            let _ = el.set_attribute("spellcheck", "false");
        }
    }
}

/// The open screen, the gate and the number of completed syncs, on `<body>` (what tests wait
/// for).
fn mark_page(rt: &Rc<Runtime>) {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let app = rt.app.borrow();
        let _ = body.set_attribute("data-screen", &app.screen.hash());
        let _ = body.set_attribute("data-syncs", &rt.syncs.get().to_string());
        let _ = body.set_attribute("data-busy-retries", &rt.busy_retries.get().to_string());
        let gate = match app.guard.gate {
            Gate::Open if app.session.is_some() => "open",
            Gate::Open => "sign-in",
            Gate::SetPin => "set-pin",
            Gate::Locked => "locked",
            Gate::SignInRequired => "sign-in-required",
            Gate::Finishing => "finishing",
            Gate::Elsewhere => "elsewhere",
            Gate::TakenOver => "taken-over",
        };
        let _ = body.set_attribute("data-gate", gate);
    }
}

fn render_status(rt: &Rc<Runtime>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if rt.app.borrow().guard.gate != Gate::Open {
        return render(rt);
    }
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

fn nonce() -> Result<[u8; 12], String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    Ok(bytes)
}

/// Whether the browser says it is online now. An answer proves the network was there when it
/// came, not that it still is: the browser may have gone offline while the sync finished (its
/// `offline` event already handled), and the status bar must not say "online" until the next one.
fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}
