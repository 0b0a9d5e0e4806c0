//! A headless Chromium behind its chromedriver, spoken to over W3C WebDriver with ureq, for
//! the browser tests of the public register (service/tests/browser.rs) and of the local app
//! (tests/app_browser.rs): Debian's `chromium` with the flags CI uses, a fresh profile each.
//! Without `chromium` and `chromium-driver` the tests fail and say so: they never pass
//! without a browser.
#![allow(dead_code, unreachable_pub)]

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use base64::Engine as _;
use serde_json::{json, Value};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A headless Chromium session behind a chromedriver of its own, with a fresh profile.
pub struct Browser {
    driver: Child,
    url: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

/// How a browser is started, beyond the flags every session has.
#[derive(Default)]
pub struct Options {
    /// JavaScript on (the register's pages check the log with it); off otherwise, as pages
    /// must work without it.
    pub javascript: bool,
    /// More command-line flags.
    pub args: Vec<String>,
    /// The browser's languages (its `Accept-Language`); Chromium's default otherwise.
    pub languages: Option<&'static str>,
    /// Where downloads are saved, without asking.
    pub downloads: Option<PathBuf>,
}

impl Browser {
    /// JavaScript off, in English: the app's pages have no script.
    pub fn start() -> Browser {
        Self::start_with(Options {
            languages: Some("en"),
            ..Options::default()
        })
    }

    /// A session with JavaScript on, in English, saving downloads into `downloads` without
    /// asking: for showing that what the app serves runs no script even in a browser that
    /// would run one (the app's pages still run none: their policy allows no script).
    pub fn start_with_script(downloads: &Path) -> Browser {
        Self::start_with(Options {
            javascript: true,
            languages: Some("en"),
            downloads: Some(downloads.to_owned()),
            ..Options::default()
        })
    }

    pub fn start_with(options: Options) -> Browser {
        for (path, package) in [(CHROMEDRIVER, "chromium-driver"), (CHROMIUM, "chromium")] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's `{package}` \
                 (apt-get install chromium chromium-driver fonts-wqy-microhei, as .ci/run does)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let started = Instant::now();
        while agent.get(format!("{url}/status")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver does not answer"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("tempdir");
        let javascript = if options.javascript { 1 } else { 2 };
        let mut prefs =
            json!({ "profile.managed_default_content_settings.javascript": javascript });
        if let Some(dir) = &options.downloads {
            prefs["download.default_directory"] = json!(dir.display().to_string());
            prefs["download.prompt_for_download"] = json!(false);
        }
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--window-size=1280,1400",
        ]
        .map(str::to_owned)
        .to_vec();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        if let Some(languages) = options.languages {
            prefs["intl.accept_languages"] = json!(languages);
            args.push(format!("--accept-lang={languages}"));
        }
        args.extend(options.args);
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args, "prefs": prefs },
        } } });
        let mut browser = Browser {
            driver,
            url,
            session: String::new(),
            agent,
            _profile: profile,
        };
        let created = browser.call("POST", "/session", Some(capabilities));
        browser.session = created["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        browser
    }

    /// A WebDriver command: its status and its `value`.
    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let mut response = match method {
            "POST" => self
                .agent
                .post(&url)
                .send_json(body.unwrap_or_else(|| json!({}))),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.get(&url).call(),
        }
        .expect("chromedriver answers");
        let value: Value = response.body_mut().read_json().expect("JSON");
        (response.status().as_u16(), value["value"].clone())
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.try_call(method, path, body);
        assert_eq!(status, 200, "{method} {path}: {value}");
        value
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn open(&self, url: &str) {
        self.call(
            "POST",
            &self.session_path("/url"),
            Some(json!({ "url": url })),
        );
    }

    /// Sets the window's size.
    pub fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            &self.session_path("/window/rect"),
            Some(json!({ "width": width, "height": height })),
        );
    }

    pub fn url(&self) -> String {
        let url = self.call("GET", &self.session_path("/url"), None);
        url.as_str().unwrap_or_default().to_owned()
    }

    /// Runs `script` in the page (WebDriver runs it whatever the page's settings), its value.
    pub fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            &self.session_path("/execute/sync"),
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// The first element `css` selects.
    pub fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            &self.session_path("/element"),
            Some(json!({ "using": "css selector", "value": css })),
        );
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element `{css}`: {found}"))
            .to_owned()
    }

    /// Clicks the first element `css` selects, and waits for the page it leads to (the old
    /// page's root goes stale, even when the new page has the same address).
    pub fn click(&self, css: &str) {
        let root = self.find("html");
        let element = self.find(css);
        self.call(
            "POST",
            &self.session_path(&format!("/element/{element}/click")),
            None,
        );
        let started = Instant::now();
        loop {
            let (status, _) = self.try_call(
                "GET",
                &self.session_path(&format!("/element/{root}/name")),
                None,
            );
            if status != 200 && self.run("return document.readyState;").as_str() == Some("complete")
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no new page after clicking {css}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clicks what leads to no new page (an option of a list).
    pub fn click_option(&self, css: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &self.session_path(&format!("/element/{element}/click")),
            None,
        );
    }

    /// Empties the first field `css` selects.
    pub fn clear(&self, css: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &self.session_path(&format!("/element/{element}/clear")),
            None,
        );
    }

    /// Types `text` into the first element `css` selects (a file input takes a path).
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &self.session_path(&format!("/element/{element}/value")),
            Some(json!({ "text": text })),
        );
    }

    /// The text of the first element `css` selects.
    pub fn text_of(&self, css: &str) -> String {
        let element = self.find(css);
        let text = self.call(
            "GET",
            &self.session_path(&format!("/element/{element}/text")),
            None,
        );
        text.as_str().unwrap_or_default().to_owned()
    }

    /// The text of the first element `css` selects, once a page has one: for a page that
    /// reloads itself until its work is done. Each look is one script, so a reload between
    /// two looks loses nothing.
    pub fn wait_for(&self, css: &str) -> String {
        let script =
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;";
        let started = Instant::now();
        loop {
            let (status, value) = self.try_call(
                "POST",
                &self.session_path("/execute/sync"),
                Some(json!({ "script": script, "args": [css] })),
            );
            if let (200, Some(text)) = (status, value.as_str()) {
                return text.to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no `{css}` after two minutes: {}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The page's text, as a visitor reads it.
    pub fn text(&self) -> String {
        self.text_of("body")
    }

    /// `<html lang>` of the page.
    pub fn lang(&self) -> String {
        let root = self.find("html");
        let lang = self.call(
            "GET",
            &self.session_path(&format!("/element/{root}/attribute/lang")),
            None,
        );
        lang.as_str().unwrap_or_default().to_owned()
    }

    /// Saves a screenshot to `target/tmp/TEST-screenshots/NAME.png`, TEST being the test
    /// binary's name (`browser`, `app_browser`).
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.call("GET", &self.session_path("/screenshot"), None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("base64"))
            .expect("a PNG");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(concat!(env!("CARGO_CRATE_NAME"), "-screenshots"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = self.session_path("");
            let _ = self.agent.delete(format!("{}{path}", self.url)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
