//! The log's pages in a real browser: Debian's Chromium, driven headless through its
//! chromedriver over the W3C WebDriver protocol. The page's own script checks what it shows
//! against the signed log with WebCrypto; these tests check that it says "checked in your
//! browser" for the honest log, and a failure, never the ✓, when a proxy between browser and
//! service changes what the service sent (an entry's byte, a checkpoint's signature) or when
//! the log forks from the checkpoint the browser saw before.
//!
//! Screenshots go to `target/tmp/browser-screenshots/`. Without `/usr/bin/chromedriver` and
//! `/usr/bin/chromium` (Debian's `chromium-driver` and `chromium`, installed by `.ci/run`)
//! the tests fail and say so: they never pass without a browser.

#[path = "../../tests/common/browser.rs"]
mod browser;
mod common;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    sync::Arc,
    time::{Duration, Instant},
};

use browser::{Browser, Options};
use common::*;
use serde_json::json;

/// A browser for the register's pages: JavaScript on (their checks run in it) or off.
fn chromium(javascript: bool) -> Browser {
    Browser::start_with(Options {
        javascript,
        ..Options::default()
    })
}

/// The results of the page's per-entry marks (`ok`, `bad`, or empty if unmarked), in page
/// order, with their index.
fn entry_marks(browser: &Browser) -> Vec<(String, String)> {
    let marks = browser.run(
        "return Array.from(document.querySelectorAll('.entry-check'), \
         (m) => [m.dataset.index, m.dataset.result || '', m.textContent]);",
    );
    marks
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| {
            let text = m[2].as_str().unwrap_or_default();
            let result = m[1].as_str().unwrap_or_default();
            assert_eq!(
                text.contains('✓'),
                result == "ok",
                "a mark says ✓ exactly when its entry checked: {m}"
            );
            (
                m[0].as_str().unwrap_or_default().to_owned(),
                result.to_owned(),
            )
        })
        .collect()
}

/// The in-browser check's outcome (`ok`, `bad`, `insecure`) and its line, once it has one.
fn check(browser: &Browser) -> (String, String) {
    let started = Instant::now();
    loop {
        let status = browser.run(
            "const s = document.getElementById('browser-check');\
             return s ? [s.dataset.result || '', s.textContent] : ['none', ''];",
        );
        let result = status[0].as_str().unwrap_or_default().to_owned();
        if !["", "running"].contains(&result.as_str()) {
            return (result, status[1].as_str().unwrap_or_default().to_owned());
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the check never finished: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What a proxy does to a response body on its way to the browser, given the request path.
type Tamper = Arc<dyn Fn(&str, Vec<u8>) -> Vec<u8> + Send + Sync>;

/// An HTTP proxy in front of the service (GET only, one request a connection), passing on
/// the status, the content type and the CSP, and the body through `tamper`. Its address is
/// another origin, so each proxy starts with an empty `localStorage`.
fn proxy(upstream: &str, tamper: Tamper) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let upstream = upstream.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (upstream, tamper) = (upstream.clone(), Arc::clone(&tamper));
            std::thread::spawn(move || {
                let _ = forward(stream, &upstream, &*tamper);
            });
        }
    });
    address
}

fn forward(
    mut stream: TcpStream,
    upstream: &str,
    tamper: &(dyn Fn(&str, Vec<u8>) -> Vec<u8> + Send + Sync),
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(format!("{upstream}{path}"))
        .header("accept-language", "en")
        .call()
        .map_err(std::io::Error::other)?;
    let status = response.status().as_u16();
    let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    for name in ["content-type", "content-security-policy"] {
        if let Some(value) = response.headers().get(name).and_then(|v| v.to_str().ok()) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let mut body = Vec::new();
    response.body_mut().as_reader().read_to_end(&mut body)?;
    let body = tamper(&path, body);
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()
}

fn honest() -> Tamper {
    Arc::new(|_, body| body)
}

/// A service whose log has a few dozen entries: officials and a supervisor registered.
fn service() -> TestServer {
    let server = TestServer::start();
    for i in 0..60 {
        server.register_official(&format!("GOV-{i:04}"), "CN-ZJ-HZ");
    }
    server.register_supervisor("AUDIT-1");
    server
}

#[test]
fn the_log_pages_are_checked_in_the_browser_and_tampering_shows_as_a_failure() {
    let server = service();
    let browser = chromium(true);

    // The honest log, through an honest proxy: the checkpoint, then an entry, each ✓.
    let site = proxy(&server.base, honest());
    browser.open(&format!("{site}/log?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "ok", "{line}");
    assert!(line.starts_with("✓ checked in your browser"), "{line}");
    assert!(line.contains("this checkpoint is kept"), "{line}");
    browser.screenshot("log-en");
    browser.open(&format!("{site}/log/entries/7?lang=zh-CN"));
    let (result, line) = check(&browser);
    assert_eq!(result, "ok", "{line}");
    assert!(line.starts_with("✓ 已在您的浏览器中核验"), "{line}");
    browser.screenshot("entry-7-zh");

    // The log grows: the next page proves consistency with the checkpoint seen before.
    let seen: u64 = browser
        .run("return document.getElementById('checkpoint-size').textContent;")
        .as_str()
        .and_then(|s| s.trim().parse().ok())
        .expect("the checkpoint's size");
    server.register_official("GOV-LATE", "CN-ZJ-HZ");
    let started = Instant::now();
    while server.ledger_size() <= seen {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no new checkpoint"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    browser.open(&format!("{site}/log/entries/60?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "ok", "{line}");
    assert!(
        line.contains(&format!(
            "consistency with the checkpoint of {seen} entries"
        )),
        "{line} (seen {seen})"
    );
    browser.open(&format!("{site}/log/entries?lang=en"));
    assert_eq!(check(&browser).0, "ok");
    browser.open(&format!("{site}/log/consistency?from=5&lang=en"));
    assert_eq!(check(&browser).0, "ok");
    browser.screenshot("consistency-en");

    // A fork: the browser saw a checkpoint of this log that today's does not extend.
    let forked = format!(
        "localStorage.setItem('probity-checkpoint:' + document.getElementById('log-key')\
         .textContent.split('+')[0], JSON.stringify({{key: document.getElementById('log-key')\
         .textContent.trim(), size: {seen}, root: btoa('x'.repeat(32))}})); return true;"
    );
    browser.run(&forked);
    browser.open(&format!("{site}/log?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert!(!line.contains('✓'), "{line}");
    assert!(line.contains("rewritten or forked"), "{line}");
    browser.screenshot("log-forked-en");

    // The log key changed since this browser's last visit (same log name, another key).
    let rekeyed = format!(
        "localStorage.setItem('probity-checkpoint:' + document.getElementById('log-key')\
         .textContent.split('+')[0], JSON.stringify({{key: document.getElementById('log-key')\
         .textContent.trim() + 'x', size: {seen}, root: btoa('x'.repeat(32))}})); return true;"
    );
    browser.run(&rekeyed);
    browser.open(&format!("{site}/log?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert!(!line.contains('✓'), "{line}");
    assert!(
        line.contains("the log key is not the one this browser saw before"),
        "{line}"
    );

    // One byte of an entry's JSON changed on its way: the entry is not in the log.
    let changed_entry = proxy(
        &server.base,
        Arc::new(|path, body| {
            if !path.starts_with("/log/entries/") {
                return body;
            }
            let mut body = body;
            let html = String::from_utf8_lossy(&body).into_owned();
            let json = html.find("id=\"entry-json\"").expect("the entry");
            let start = json + html[json..].find('>').expect("the tag's end") + 1;
            let at = start
                + html[start..]
                    .find(|c: char| c.is_ascii_digit())
                    .expect("a digit");
            body[at] = if body[at] == b'9' { b'0' } else { body[at] + 1 };
            body
        }),
    );
    browser.open(&format!("{changed_entry}/log/entries/3?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert!(!line.contains('✓'), "{line}");
    assert!(
        line.contains("this entry is not in the signed checkpoint"),
        "{line}"
    );
    browser.screenshot("entry-3-changed-en");

    // A checkpoint whose signature was changed: refused, on every log page.
    let bad_signature = proxy(
        &server.base,
        Arc::new(|_, body| {
            let mut body = body;
            let html = String::from_utf8_lossy(&body).into_owned();
            let note = html.find("id=\"checkpoint-note\"").unwrap_or(html.len());
            if let Some(line) = html[note..].find("\u{2014} ").map(|at| note + at) {
                let sig = line + html[line + 4..].find(' ').expect("the signature") + 4 + 1;
                let at = sig + 10;
                body[at] = if body[at] == b'A' { b'B' } else { b'A' };
            }
            body
        }),
    );
    for path in ["/log?lang=zh-CN", "/log/entries/3?lang=en"] {
        browser.open(&format!("{bad_signature}{path}"));
        let (result, line) = check(&browser);
        assert_eq!(result, "bad", "{path}: {line}");
        assert!(!line.contains('✓'), "{line}");
    }
    browser.screenshot("log-bad-signature-en");
    let (_, line) = check(&browser);
    assert!(
        line.contains("signature does not verify under the log key"),
        "{line}"
    );
}

#[test]
fn without_javascript_the_log_pages_show_everything_and_claim_no_check() {
    let server = service();
    let browser = chromium(false);
    let info: probity_service::api::ServiceInfo = server.client().get("/v1/info").expect("info");
    let note = ureq::get(format!("{}/v1/log/checkpoint", server.base))
        .call()
        .expect("checkpoint")
        .body_mut()
        .read_to_string()
        .expect("text");

    browser.open(&format!("{}/log?lang=en", server.base));
    let text = browser.text();
    assert!(text.contains("Not checked in your browser: that needs JavaScript"));
    assert!(!text.contains('✓'));
    assert!(text.contains(&info.log_key));
    for line in note.lines().filter(|l| !l.is_empty()) {
        assert!(text.contains(line), "the note's line `{line}` is not shown");
    }
    browser.screenshot("log-no-script-en");

    let entries: probity_service::api::EntriesPage = server
        .client()
        .get("/v1/log/entries?start=5&end=6")
        .expect("entries");
    browser.open(&format!("{}/log/entries/5?lang=en", server.base));
    let text = browser.text();
    assert!(
        text.contains(&entries.entries[0]),
        "the canonical JSON is shown as is"
    );
    assert!(text.contains("Audit path"));
    browser.open(&format!("{}/log/entries?start=50&lang=en", server.base));
    let text = browser.text();
    assert!(text.contains("Entries 50 to"), "{text}");
    assert!(text.contains("First"));
}

/// A service for the statistics page: the officials of [`service`], a 2025 deadline met by
/// two of them and missed by one who files late, their net-worth bands, and a challenge
/// left open.
fn service_with_figures() -> TestServer {
    use probity_core::Period;
    use probity_service::api;
    let server = service();
    let supervisor = server.register_supervisor("AUDIT-2");
    let _: api::Written = server
        .as_registrar()
        .post(
            "/v1/admin/deadlines",
            &api::SetDeadline {
                period: Period::new(2025).expect("period"),
                deadline: server.now_ms() + 10 * 86_400_000,
            },
        )
        .expect("deadline");
    let file = |id: &str| {
        let key = server.register_official(id, "CN-ZJ-NB");
        let d = declaration_as("gov-0001-2025.toml", id);
        let o = opening(&d);
        let _: api::FilingAccepted = server
            .client()
            .signed(key.clone())
            .post("/v1/filings", &filing(&o, &key, vec![band_proof(&o)]))
            .expect("filed");
        d
    };
    let d = file("NB-0001");
    file("NB-0002");
    let asset = &d.items()[0];
    let _: api::ChallengeCreated = server
        .client()
        .signed(supervisor)
        .post(
            "/v1/challenges",
            &api::IssueChallenge {
                official: d.official().clone(),
                period: None,
                id_hash: asset.asset_id.id_hash().to_string(),
                min_value: asset.value.0,
                deadline: server.now_ms() + 30 * 86_400_000,
            },
        )
        .expect("challenged");
    server.advance_ms(11 * 86_400_000);
    file("NB-0003");
    server
}

#[test]
fn without_javascript_the_statistics_page_draws_its_charts() {
    let server = service_with_figures();
    let browser = chromium(false);
    let rect = |width: u32, height: u32| browser.resize(width, height);
    rect(1280, 2600);
    for (lang, title, on_time) in [
        ("en", "The register in figures", "on time"),
        ("zh-CN", "登记册统计", "按时"),
    ] {
        browser.open(&format!("{}/stats?lang={lang}", server.base));
        let text = browser.text();
        assert!(text.contains(title), "{text}");
        assert!(text.contains(on_time), "the legend: {text}");
        // Five charts, each drawn at a size (not collapsed) and described in figures.
        let charts = browser.run(
            "return Array.from(document.querySelectorAll('svg.chart')).map(s => {\
               const r = s.getBoundingClientRect();\
               return [Math.round(r.width), Math.round(r.height),\
                       s.querySelector('desc').textContent];\
             });",
        );
        let charts = charts.as_array().expect("a list");
        assert_eq!(charts.len(), 5, "{charts:?}");
        for chart in charts {
            assert!(chart[0].as_u64() > Some(300), "{chart}");
            assert!(chart[1].as_u64() > Some(50), "{chart}");
        }
        assert!(charts[0][2]
            .as_str()
            .is_some_and(|d| d.starts_with("2025: ")));
        browser.screenshot(&format!("stats-{lang}"));
    }
    // A phone's width: the charts shrink to fit, nothing runs off the page.
    rect(390, 2600);
    browser.open(&format!("{}/stats?lang=zh-CN", server.base));
    let overflow = browser
        .run("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    assert_eq!(overflow.as_i64(), Some(0), "the page scrolls sideways");
    browser.screenshot("stats-zh-CN-phone");
    rect(1280, 2600);
    browser.open(&format!("{}/stats?lang=en", server.base));
    browser.screenshot("stats");
}

/// A proxy that changes the page's bytes at `path`s starting with `prefix`: the first
/// occurrence of `find` after the `nth` occurrence of `anchor` becomes `replace`.
fn changing(
    upstream: &str,
    prefix: &'static str,
    anchor: &'static str,
    nth: usize,
    edit: fn(&str) -> String,
) -> String {
    proxy(
        upstream,
        Arc::new(move |path, body| {
            if !path.starts_with(prefix) {
                return body;
            }
            let html = String::from_utf8_lossy(&body).into_owned();
            let Some((at, _)) = html.match_indices(anchor).nth(nth) else {
                return body;
            };
            let (head, tail) = html.split_at(at);
            format!("{head}{}", edit(tail)).into_bytes()
        }),
    )
}

#[test]
fn every_entry_a_page_shows_is_checked_and_a_changed_one_is_caught() {
    let server = service();
    let browser = chromium(true);
    let size = server.ledger_size();

    // Every row of the entries list: ✓, each checked against the checkpoint on its own.
    browser.open(&format!("{}/log/entries?lang=en", server.base));
    let (result, line) = check(&browser);
    assert_eq!(result, "ok", "{line}");
    let marks = entry_marks(&browser);
    assert_eq!(marks.len(), 50.min(size as usize));
    for (i, (index, result)) in marks.iter().enumerate() {
        assert_eq!(index, &i.to_string());
        assert_eq!(result, "ok", "entry {index}");
    }
    browser.screenshot("entries-rows-checked-en");

    // An official's page: its registration entry, checked in the browser too.
    browser.open(&format!("{}/officials/GOV-0007?lang=zh-CN", server.base));
    let (result, line) = check(&browser);
    assert_eq!(result, "ok", "{line}");
    let marks = entry_marks(&browser);
    assert!(!marks.is_empty());
    assert!(marks.iter().all(|(_, r)| r == "ok"), "{marks:?}");
    browser.screenshot("official-checked-zh");

    // One byte of the fifth row's JSON changed on its way: that row, and the page, fail.
    let changed = changing(
        &server.base,
        "/log/entries",
        "data-entry-json=",
        4,
        |tail| {
            let digit = tail.find(|c: char| c.is_ascii_digit()).expect("a digit");
            let mut tail = tail.to_owned();
            let new = if &tail[digit..=digit] == "9" {
                "0"
            } else {
                "1"
            };
            let new = if &tail[digit..=digit] == new {
                "2"
            } else {
                new
            };
            tail.replace_range(digit..=digit, new);
            tail
        },
    );
    browser.open(&format!("{changed}/log/entries?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert!(!line.contains('✓'), "{line}");
    assert!(
        line.contains("entry 4 as this page shows it is not in the signed checkpoint"),
        "{line}"
    );
    let marks = entry_marks(&browser);
    assert_eq!(marks[4].1, "bad");
    assert!(marks
        .iter()
        .enumerate()
        .all(|(i, (_, r))| i == 4 || r == "ok"));
    browser.screenshot("entries-row-changed-en");

    // A row that shows another type than its entry's: caught the same way.
    let relabelled = changing(
        &server.base,
        "/log/entries",
        "<code class=\"entry-kind\">",
        2,
        |tail| {
            let (start, end) = (
                tail.find('>').expect("a tag") + 1,
                tail.find("</").expect("its end"),
            );
            format!("{}DeclarationFiled{}", &tail[..start], &tail[end..])
        },
    );
    browser.open(&format!("{relabelled}/log/entries?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert_eq!(entry_marks(&browser)[2].1, "bad");

    // An official's page whose registration entry was changed.
    let changed_official = changing(&server.base, "/officials/", "data-entry-json=", 0, |tail| {
        tail.replacen("GOV-0007", "GOV-0008", 1)
    });
    browser.open(&format!("{changed_official}/officials/GOV-0007?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert!(!browser.text().contains('✓') || entry_marks(&browser)[0].1 == "bad");
    assert_eq!(entry_marks(&browser)[0].1, "bad");
    browser.screenshot("official-entry-changed-en");
}

/// The mark of the first row of `table` on the page (`ok`, `bad`, or empty before the check).
fn first_mark_in(browser: &Browser, table: &str) -> String {
    browser
        .run(&format!(
            "const m = document.querySelector('table.{table} .entry-check'); \
             return m ? (m.dataset.result || '') : 'none';"
        ))
        .as_str()
        .expect("a result")
        .to_owned()
}

#[test]
fn a_filing_or_challenge_shown_otherwise_than_logged_gets_no_check() {
    let server = service_with_figures();
    let browser = chromium(true);
    let page = "/officials/NB-0001?lang=en";

    // Honest: the filing's period and commitment, the challenge's period and deadline, as
    // their entries have them.
    browser.open(&format!("{}{page}", server.base));
    let (result, line) = check(&browser);
    assert_eq!(result, "ok", "{line}");
    assert_eq!(first_mark_in(&browser, "filings"), "ok");
    assert_eq!(first_mark_in(&browser, "challenges"), "ok");

    // The commitment in the title (the whole of it) changed by one digit.
    let commitment = changing(
        &server.base,
        "/officials/",
        "data-field=\"commitment\" title=\"",
        0,
        |tail| {
            let at = "data-field=\"commitment\" title=\"".len();
            let new = if &tail[at..=at] == "1" { "2" } else { "1" };
            let mut tail = tail.to_owned();
            tail.replace_range(at..=at, new);
            tail
        },
    );
    browser.open(&format!("{commitment}{page}"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert_eq!(first_mark_in(&browser, "filings"), "bad");
    assert_eq!(first_mark_in(&browser, "challenges"), "ok");

    // The filing shown under another period.
    let period = changing(
        &server.base,
        "/officials/",
        "data-field=\"period\">",
        0,
        |tail| tail.replacen("2025", "2024", 1),
    );
    browser.open(&format!("{period}{page}"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert_eq!(first_mark_in(&browser, "filings"), "bad");

    // The challenge shown with a later deadline.
    let deadline = changing(
        &server.base,
        "/officials/",
        "data-field=\"deadline\">",
        0,
        |tail| {
            let year = tail.find("20").expect("a year");
            let mut tail = tail.to_owned();
            tail.replace_range(year..year + 4, "2099");
            tail
        },
    );
    browser.open(&format!("{deadline}{page}"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert_eq!(first_mark_in(&browser, "challenges"), "bad");
    assert_eq!(first_mark_in(&browser, "filings"), "ok");
    browser.screenshot("official-deadline-changed-en");
}

/// A cosignature line for the note in a page, by `witness`, spliced into the note as a
/// proxy would; `spoil` changes one byte of the signature.
fn cosigning(upstream: &str, witness: probity_ledger::CheckpointSigner, spoil: bool) -> String {
    proxy(
        upstream,
        Arc::new(move |_, body| {
            let html = String::from_utf8_lossy(&body).into_owned();
            let Some(at) = html.find("id=\"checkpoint-note\">") else {
                return body;
            };
            let start = at + "id=\"checkpoint-note\">".len();
            let end = start + html[start..].find("</pre>").expect("the note ends");
            let note = &html[start..end];
            let body_end = note.find("\n\n").expect("a note") + 1;
            let cosignature = witness
                .cosign(&note.as_bytes()[..body_end], 1_772_323_200)
                .expect("cosigns");
            let mut line = String::from_utf8(cosignature.line).expect("UTF-8");
            if spoil {
                let sig_at = line.rfind(' ').expect("a signature") + 30;
                let new = if &line[sig_at..=sig_at] == "A" {
                    "B"
                } else {
                    "A"
                };
                line.replace_range(sig_at..=sig_at, new);
            }
            format!("{}{line}{}", &html[..end], &html[end..]).into_bytes()
        }),
    )
}

fn witness(name: &str, seed: u8) -> probity_ledger::CheckpointSigner {
    probity_ledger::CheckpointSigner::new(name, ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
        .expect("a witness key")
}

/// The cosignature lines the script listed: `(result, text)`.
fn cosignatures(browser: &Browser) -> Vec<(String, String)> {
    let listed = browser.run(
        "return Array.from(document.querySelectorAll('#cosignatures li'), \
         (li) => [li.dataset.result, li.textContent]);",
    );
    listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|l| {
            (
                l[0].as_str().unwrap_or_default().to_owned(),
                l[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn witnesses_cosignatures_are_checked_under_the_keys_the_register_names() {
    let named = witness("witness.test/w1", 11);
    let key = named.verifier().cosignature_vkey();
    let server = TestServer::start_with(|c| c.witness_keys = vec![key.clone()]);
    server.register_official("GOV-0001", "CN-ZJ-HZ");
    let browser = chromium(true);

    // The register names the witness: its key is on the page, its cosignature checked.
    let site = cosigning(&server.base, witness("witness.test/w1", 11), false);
    browser.open(&format!("{site}/log?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "ok", "{line}");
    assert!(browser.text().contains(&key));
    let listed = cosignatures(&browser);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].0, "ok");
    assert!(
        listed[0]
            .1
            .starts_with("✓ cosigned by witness witness.test/w1, at 2026-03-01 00:00 UTC"),
        "{listed:?}"
    );
    browser.screenshot("log-witness-cosigned-en");

    // A cosignature by that witness that does not verify: a failure, no ✓.
    let spoiled = cosigning(&server.base, witness("witness.test/w1", 11), true);
    browser.open(&format!("{spoiled}/log?lang=en"));
    let (result, line) = check(&browser);
    assert_eq!(result, "bad", "{line}");
    assert!(
        line.contains("the cosignature of witness witness.test/w1 does not verify"),
        "{line}"
    );
    assert_eq!(cosignatures(&browser)[0].0, "bad");
    assert!(!browser.text().contains('✓'));
    browser.screenshot("log-witness-bad-en");

    // Another key under the same name, and a witness the register does not name: listed as
    // not checked, never with a ✓; the log's own signatures still check.
    for (name, seed) in [("witness.test/w1", 12), ("witness.test/other", 13)] {
        let site = cosigning(&server.base, witness(name, seed), false);
        browser.open(&format!("{site}/officials/GOV-0001?lang=en"));
        let (result, line) = check(&browser);
        assert_eq!(result, "ok", "{line}");
        let listed = cosignatures(&browser);
        assert_eq!(listed[0].0, "unknown", "{listed:?}");
        assert_eq!(
            listed[0].1,
            format!("not checked: unknown witness key ({name})")
        );
    }

    // A register that names no witness: a cosignature is shown, not checked.
    let plain = service();
    let site = cosigning(&plain.base, witness("witness.test/w1", 11), false);
    browser.open(&format!("{site}/log/entries/3?lang=en"));
    assert_eq!(check(&browser).0, "ok");
    assert!(browser
        .text()
        .contains("This register names no witness keys"));
    assert_eq!(cosignatures(&browser)[0].0, "unknown");
    browser.screenshot("entry-unknown-witness-en");
}

#[test]
fn over_plain_http_on_another_host_the_pages_say_the_checks_need_https() {
    let server = service();
    let port = server.base.rsplit(':').next().expect("a port").to_owned();
    let browser = Browser::start_with(Options {
        javascript: true,
        args: vec!["--host-resolver-rules=MAP probity.test 127.0.0.1".to_owned()],
        ..Options::default()
    });
    for path in [
        "/log?lang=en",
        "/log/entries?lang=en",
        "/officials/GOV-0001?lang=en",
    ] {
        browser.open(&format!("http://probity.test:{port}{path}"));
        assert_eq!(
            browser
                .run("return [window.isSecureContext, !!(window.crypto && window.crypto.subtle)];"),
            json!([false, false]),
            "{path} is not a secure context"
        );
        let (result, line) = check(&browser);
        assert_eq!(result, "insecure", "{path}: {line}");
        assert!(line.contains("the checks need HTTPS"), "{line}");
        assert!(!browser.text().contains('✓'), "{path}");
        assert!(entry_marks(&browser).iter().all(|(_, r)| r.is_empty()));
    }
    browser.screenshot("official-needs-https-en");
}

#[test]
fn a_visitor_searches_opens_an_official_follows_its_printed_address_and_switches_language() {
    let server = service();
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let _: probity_service::api::Written = server
        .as_registrar()
        .post(
            "/v1/admin/officials",
            &probity_service::api::RegisterOfficial {
                official: probity_core::OfficialId::new("GOV-WANG").expect("id"),
                name: "王小明".into(),
                position: "局长".into(),
                jurisdiction: "CN-ZJ-NB".into(),
                public_key: hex::encode(key.verifying_key().as_bytes()),
            },
        )
        .expect("registered");
    // A browser that prefers Chinese, as the register's visitors do.
    let browser = Browser::start_with(Options {
        javascript: true,
        languages: Some("zh-CN,zh"),
        ..Options::default()
    });
    let rows = |b: &Browser| {
        b.run("return Array.from(document.querySelectorAll('table.officials tbody tr td:first-child'), (td) => td.textContent.trim());")
    };

    // Accept-Language picks Chinese; search by name with the form.
    browser.open(&format!("{}/", server.base));
    assert_eq!(browser.lang(), "zh-CN");
    assert!(browser.text().contains("公职人员"));
    browser.type_into("input[name=q]", "王小明");
    browser.click("form.search button[type=submit]");
    assert_eq!(rows(&browser), json!(["GOV-WANG"]));
    browser.screenshot("search-by-name-zh");

    // Then by id; open the official.
    browser.clear("input[name=q]");
    browser.type_into("input[name=q]", "GOV-0042");
    browser.click("form.search button[type=submit]");
    assert_eq!(rows(&browser), json!(["GOV-0042"]));
    assert!(browser.url().contains("q=GOV-0042"));
    browser.screenshot("search-by-id-zh");
    browser.click("table.officials tbody tr a");
    assert!(
        browser.url().ends_with("/officials/GOV-0042"),
        "{}",
        browser.url()
    );
    assert_eq!(check(&browser).0, "ok");
    browser.screenshot("official-opened-zh");

    // The scan: the address printed under the QR code (the one it encodes, as web's unit
    // tests check) leads to the same page.
    let printed = browser.run("return document.getElementById('page-url').textContent;");
    let printed = printed.as_str().expect("the printed address").to_owned();
    assert_eq!(printed, format!("{}/officials/GOV-0042", server.base));
    browser.open(&printed);
    assert!(browser.text().contains("Official GOV-0042"));
    assert_eq!(check(&browser).0, "ok");

    // The language switch: the page is English, and the next link keeps it.
    browser.click("span.switch a[hreflang=en]");
    assert_eq!(browser.lang(), "en");
    assert!(browser.url().contains("lang=en"));
    assert!(browser.text().contains("Filings"), "{}", browser.text());
    browser.screenshot("official-switched-en");
    browser.click("header.site nav a[href^='/log']");
    assert_eq!(browser.lang(), "en");
    assert!(browser.text().contains("The log"));
    browser.click("header.site nav a[href^='/?'], header.site nav a[href='/']");
    assert_eq!(browser.lang(), "en");
    assert!(browser.text().contains("Officials"));
    browser.screenshot("officials-after-switch-en");
}
