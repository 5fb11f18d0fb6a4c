//! A real browser for tests: Debian's `chromium`, headless, driven over WebDriver by
//! `chromedriver` (a child process of the test) through the `fantoccini` crate.
//!
//! ```no_run
//! # async fn example() {
//! use std::time::Duration;
//! use terrain_tests::browser::Browser;
//!
//! let browser = Browser::launch(Some("fr")).await;
//! browser.login("http://127.0.0.1:8080", "office", "secret").await;
//! browser.wait_for("table#portfolio", Duration::from_secs(5), |_| true).await;
//! browser.screenshot("portfolio").await;
//! browser.quit().await;
//! # }
//! ```
//!
//! Nothing is skipped: without `/usr/bin/chromium` or `/usr/bin/chromedriver` the launch panics
//! and names the Debian package to install (`scripts/test.sh` installs both).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tempfile::TempDir;

/// Where Debian's `chromium` package puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Where Debian's `chromium-driver` package puts the driver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The PIN the tests choose for the tablet app (at least six characters).
pub const APP_PIN: &str = "482916";

/// How long the tablet app's helpers wait (a PIN derivation costs about half a second).
const APP_WAIT: Duration = Duration::from_secs(20);

/// How often [`Browser::wait_for`] looks again.
const POLL: Duration = Duration::from_millis(100);

/// Panic unless the browser and its driver are installed, naming the packages.
pub fn require_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's `chromium` package (apt-get install -y chromium chromium-driver; \
         scripts/test.sh does it)"
    );
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is missing: install Debian's `chromium-driver` package (apt-get install -y chromium \
         chromium-driver; scripts/test.sh does it)"
    );
}

/// Folder of the screenshots: `tests/artifacts/screenshots/` (git-ignored).
pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join("screenshots")
}

/// A headless Chromium with its own chromedriver and a fresh profile. Dropping it kills the
/// driver and the browser (their whole process group); [`Browser::quit`] ends the session
/// cleanly first.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Option<Child>,
    profile: Option<TempDir>,
}

impl Browser {
    /// Start chromedriver on a free port and open a session in a new headless Chromium. With
    /// `lang` (`fr`, `nl`, `en`), the browser's interface language and `Accept-Language` are that
    /// language.
    pub async fn launch(lang: Option<&str>) -> Browser {
        let profile =
            tempfile::Builder::new().prefix("terrain-chromium-").tempdir().expect("a temporary profile folder");
        Browser::launch_with_profile(lang, profile).await
    }

    /// Start a new Chromium on an existing profile folder (one [`Browser::quit_keeping_profile`]
    /// returned): the tablet restarting, with what its disk kept.
    pub async fn launch_with_profile(lang: Option<&str>, profile: TempDir) -> Browser {
        require_chromium();
        let port = crate::server::free_port();
        // Its own process group, so that dropping the browser can end chromedriver and every
        // Chromium process it started, and nothing else.
        let mut command = Command::new(CHROMEDRIVER);
        command.arg(format!("--port={port}")).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        // On Linux, Chromium takes its interface locale (the one date fields are shown in:
        // jj/mm/aaaa, dd-mm-jjjj) from the environment, not from `--lang`.
        if let Some(lang) = lang {
            command.env("LANGUAGE", lang);
        }
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let driver = command.spawn().unwrap_or_else(|e| {
            panic!("cannot start {CHROMEDRIVER} ({e}): install Debian's `chromium-driver` package")
        });
        let mut browser_guard = DriverGuard(Some(driver));
        let webdriver = format!("http://127.0.0.1:{port}");
        wait_for_driver(&webdriver, &mut browser_guard).await;

        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut options = json!({ "binary": CHROMIUM });
        if let Some(lang) = lang {
            args.push(format!("--lang={lang}"));
            options["prefs"] = json!({ "intl.accept_languages": lang });
        }
        options["args"] = json!(args);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not open a Chromium session ({CHROMIUM}): {e}"));
        Browser { client, driver: browser_guard.0.take(), profile: Some(profile) }
    }

    /// The browser's profile folder: what a lost tablet's disk would hold.
    pub fn profile_dir(&self) -> &Path {
        self.profile.as_ref().expect("the profile").path()
    }

    /// End the session (Chromium shuts down and writes its files), stop chromedriver and every
    /// process it started, and hand back the profile folder for [`Browser::launch_with_profile`].
    pub async fn quit_keeping_profile(mut self) -> TempDir {
        let _ = self.client.clone().close().await;
        if let Some(child) = self.driver.take() {
            kill_group(child);
        }
        let profile = self.profile.take().expect("the profile");
        // Chromium's lock on the profile goes with its process.
        let _ = std::fs::remove_file(profile.path().join("SingletonLock"));
        profile
    }

    /// End the session (closing Chromium), then stop chromedriver.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        if let Some(child) = self.driver.take() {
            kill_group(child);
        }
    }

    /// Open a URL and wait for its load.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.client.current_url().await.expect("the current URL").to_string()
    }

    /// The first element matching a CSS selector (panics when there is none).
    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no element matches `{css}` on {}: {e}", self.url().await),
        }
    }

    /// Every element matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap_or_else(|e| panic!("find_all `{css}`: {e}"))
    }

    /// How many elements match a CSS selector.
    pub async fn count(&self, css: &str) -> usize {
        self.find_all(css).await.len()
    }

    /// The rendered text of the first element matching a CSS selector. The app may swap the
    /// element out between finding it and reading it (a re-render after a sync or a language
    /// change): a stale element is looked up again, a missing one panics.
    pub async fn text(&self, css: &str) -> String {
        const LOOKUPS: usize = 20;
        let mut stale = None;
        for _ in 0..LOOKUPS {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(e) if e.to_string().contains("stale element") => {
                    stale = Some(e);
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => panic!("text of `{css}`: {e}"),
            }
        }
        panic!("text of `{css}`: still swapped out after {LOOKUPS} lookups: {stale:?}")
    }

    /// The DOM `textContent` of the first element matching a CSS selector, exactly as the page
    /// holds it (WebDriver's rendered text may normalise some spaces).
    pub async fn text_content(&self, css: &str) -> String {
        let value = self
            .client
            .execute(
                "var e = document.querySelector(arguments[0]); return e === null ? null : e.textContent;",
                vec![json!(css)],
            )
            .await
            .unwrap_or_else(|e| panic!("textContent of `{css}`: {e}"));
        match value {
            serde_json::Value::String(s) => s,
            _ => panic!("no element matches `{css}` on {}", self.url().await),
        }
    }

    /// An attribute of the first element matching a CSS selector.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.unwrap_or_else(|e| panic!("attribute {name} of `{css}`: {e}"))
    }

    /// Poll every 100 ms until an element matches `css` and its text satisfies `predicate`;
    /// returns that text. Panics after `timeout` with the last text seen.
    pub async fn wait_for(&self, css: &str, timeout: Duration, predicate: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        let mut last: Option<String> = None;
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                // The element may be swapped out between find and text: look again.
                if let Ok(text) = e.text().await {
                    if predicate(&text) {
                        return text;
                    }
                    last = Some(text);
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "after {timeout:?}, `{css}` {} on {}",
                    match &last {
                        Some(t) => format!("still reads {t:?}"),
                        None => "matches nothing".to_owned(),
                    },
                    self.url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Poll every 100 ms until no element matches `css`. Panics after `timeout`.
    pub async fn wait_gone(&self, css: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.count(css).await == 0 {
                return;
            }
            if Instant::now() >= deadline {
                panic!("after {timeout:?}, `{css}` still matches on {}", self.url().await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Scroll the first element matching a CSS selector to the top of the viewport (for a
    /// screenshot of what lies below the fold).
    pub async fn scroll_to(&self, css: &str) {
        self.client
            .execute(
                "var e = document.querySelector(arguments[0]); if (e) { e.scrollIntoView(true); }",
                vec![json!(css)],
            )
            .await
            .unwrap_or_else(|e| panic!("scroll to `{css}`: {e}"));
    }

    /// Save a PNG of the viewport as `tests/artifacts/screenshots/<name>.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("create tests/artifacts/screenshots");
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Save a PNG of the whole page, below the fold included, as
    /// `tests/artifacts/screenshots/<name>.png` (Chromium's DevTools `Page.captureScreenshot`
    /// beyond the viewport, at the window's width); returns its path. For long pages such as a
    /// worksite's timeline, which [`Browser::screenshot`] would cut at the viewport.
    pub async fn screenshot_full_page(&self, name: &str) -> PathBuf {
        let metrics = self.devtools("Page.getLayoutMetrics", json!({})).await;
        let size =
            |key: &str| metrics["cssContentSize"][key].as_f64().unwrap_or_else(|| panic!("page {key}: {metrics}"));
        let viewport = metrics["cssLayoutViewport"]["clientWidth"].as_f64().unwrap_or_else(|| size("width"));
        // A page taller than this would make a PNG too big to look at; it is cut there.
        const TALLEST: f64 = 16_000.0;
        let clip = json!({ "x": 0, "y": 0, "width": viewport.max(1.0), "height": size("height").clamp(1.0, TALLEST), "scale": 1 });
        let shot = self
            .devtools("Page.captureScreenshot", json!({ "format": "png", "captureBeyondViewport": true, "clip": clip }))
            .await;
        let data = shot["data"].as_str().unwrap_or_else(|| panic!("screenshot {name}: no data in {shot}"));
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap_or_else(|e| panic!("screenshot {name}: not base64: {e}"));
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("create tests/artifacts/screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Run a Chrome DevTools Protocol command through chromedriver and return its result.
    async fn devtools(&self, cmd: &'static str, params: serde_json::Value) -> serde_json::Value {
        self.client.issue_cmd(DevTools { cmd, params }).await.unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
    }

    /// Cut the browser's network (`true`) or give it back (`false`), as Chromium's DevTools do:
    /// page requests fail and `navigator.onLine` turns false; the service worker's cache still
    /// answers.
    pub async fn set_offline(&self, offline: bool) {
        self.client
            .issue_cmd(NetworkConditions { offline })
            .await
            .unwrap_or_else(|e| panic!("set the network {}: {e}", if offline { "off" } else { "on" }));
    }

    /// Resize the window (the viewport of headless Chromium).
    pub async fn set_size(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap_or_else(|e| panic!("resize to {width}×{height}: {e}"));
    }

    /// Run a script in the page and return its value.
    pub async fn run(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Wait until a script returns `true`.
    pub async fn wait_until(&self, what: &str, timeout: Duration, script: &str) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.run(script, vec![]).await == json!(true) {
                return;
            }
            if Instant::now() >= deadline {
                panic!("waited {timeout:?} for {what}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The tablet app's gate, from `<body data-gate>`: `sign-in`, `set-pin`, `locked`,
    /// `sign-in-required`, `elsewhere`, `taken-over`, `finishing` or `open`.
    pub async fn app_gate(&self) -> String {
        self.run("return document.body.dataset.gate || ''", vec![]).await.as_str().unwrap_or_default().to_owned()
    }

    /// Wait until the tablet app has started; when it asks for its PIN, give [`APP_PIN`] and wait
    /// until it is open.
    pub async fn app_started(&self) {
        self.wait_until("the app to start", APP_WAIT, "return document.body.dataset.ready === 'true'").await;
        if self.app_gate().await == "locked" {
            self.unlock_app(APP_PIN).await;
        }
    }

    /// Type the PIN on the tablet app's lock screen and wait until the app is open.
    pub async fn unlock_app(&self, pin: &str) {
        self.submit_pin(pin).await;
        self.wait_until(
            "the app to unlock",
            APP_WAIT,
            "return document.body.dataset.gate === 'open' && !document.getElementById('deriving')",
        )
        .await;
    }

    /// Type a PIN on the lock screen and submit it, without waiting for the outcome.
    pub async fn submit_pin(&self, pin: &str) {
        let input = self.find("#unlock input[name=pin]").await;
        input.send_keys(pin).await.expect("type the PIN");
        self.find("#unlock button[type=submit]").await.click().await.expect("tap unlock");
    }

    /// On the tablet app's "choose a code" screen (after an online sign-in), choose `pin` and wait
    /// until the app is open.
    pub async fn choose_app_pin(&self, pin: &str) {
        self.wait_for("#set-pin", APP_WAIT, |_| true).await;
        self.find("#set-pin input[name=pin]").await.send_keys(pin).await.expect("type the PIN");
        self.find("#set-pin input[name=pin_again]").await.send_keys(pin).await.expect("type the PIN again");
        self.find("#set-pin button[type=submit]").await.click().await.expect("save the PIN");
        self.wait_until("the app to open with its new PIN", APP_WAIT, "return document.body.dataset.gate === 'open'")
            .await;
    }

    /// On the tablet app's sign-in form (the first one, or the one a blocked PIN asks for), type
    /// `login` and the test password and submit.
    pub async fn type_app_sign_in(&self, login: &str) {
        let password = crate::server::PASSWORD;
        self.find("#login input[name=login]").await.send_keys(login).await.expect("type the login");
        self.find("#login input[name=password]").await.send_keys(password).await.expect("type the password");
        self.find("#login button[type=submit]").await.click().await.expect("sign in");
    }

    /// A tablet's first visit: open the app, sign in as `login`, choose the test PIN, wait until
    /// `ready` (a CSS selector: the expected first screen) shows and the service worker controls
    /// the page (so the app opens offline from now on).
    pub async fn first_app_sign_in(&self, base_url: &str, login: &str, ready: &str) {
        self.goto(&format!("{base_url}/app/")).await;
        self.wait_until("the app to start", APP_WAIT, "return document.body.dataset.ready === 'true'").await;
        self.type_app_sign_in(login).await;
        self.choose_app_pin(APP_PIN).await;
        self.wait_for(ready, APP_WAIT, |_| true).await;
        self.wait_until(
            "the service worker to control the page",
            APP_WAIT,
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)",
        )
        .await;
    }

    /// Sign in to the office dashboard through its form; returns once the form is gone.
    pub async fn login(&self, base_url: &str, login: &str, password: &str) {
        self.goto(&format!("{base_url}/office/login")).await;
        self.find("input[name=login]").await.send_keys(login).await.expect("type the login");
        self.find("input[name=password]").await.send_keys(password).await.expect("type the password");
        self.find("#login-submit").await.click().await.expect("click sign in");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if !self.url().await.contains("/office/login") {
                return;
            }
            if self.count("#login-error").await > 0 {
                panic!("sign-in of {login} refused: {}", self.text("#login-error").await);
            }
            if Instant::now() >= deadline {
                panic!("sign-in of {login}: still on the login page after 10 s");
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(child) = self.driver.take() {
            kill_group(child);
        }
    }
}

/// Kills chromedriver's process group if launching fails half-way.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            kill_group(child);
        }
    }
}

/// SIGKILL the process group led by `child` (chromedriver and the Chromium it started), then
/// reap chromedriver.
fn kill_group(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

async fn wait_for_driver(webdriver: &str, guard: &mut DriverGuard) {
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Some(child) = guard.0.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            panic!("{CHROMEDRIVER} exited at start ({status}): is Debian's `chromium-driver` package intact?");
        }
        if let Ok(r) = http.get(format!("{webdriver}/status")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{CHROMEDRIVER} did not answer on {webdriver} within 10 s");
}

/// chromedriver's network emulation (`POST`/`DELETE /session/{id}/chromium/network_conditions`).
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/chromium/network_conditions", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        if self.offline {
            let conditions = json!({ "offline": true, "latency": 0, "download_throughput": 0, "upload_throughput": 0 });
            (http::Method::POST, Some(json!({ "network_conditions": conditions }).to_string()))
        } else {
            (http::Method::DELETE, None)
        }
    }
}

/// A Chrome DevTools Protocol command through chromedriver (`POST /session/{id}/goog/cdp/execute`).
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}
