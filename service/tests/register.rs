//! The public register's pages, rendered by a real service from real filings, proofs,
//! challenges, a tip and alerts: their content, languages, headers, errors, and that no
//! figure, asset, note or tip of the declarations behind them shows.

mod common;

use std::time::{Duration, Instant};

use common::*;
use ed25519_dalek::SigningKey;
use probity_core::{format_minor_units, Amount, Declaration, StatementKind};
use probity_service::api;

const DAY_MS: u64 = 86_400_000;
const TIP_TEXT: &str = "The flat at Xixi Road 88 is in the name of his brother-in-law";

/// A page: status, headers, body.
struct Page {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn get(server: &TestServer, path: &str, accept_language: Option<&str>) -> Page {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(format!("{}{path}", server.base));
    if let Some(l) = accept_language {
        request = request.header("accept-language", l);
    }
    let mut response = request.call().expect("the server answers");
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    Page {
        status: response.status().as_u16(),
        headers,
        body: response.body_mut().read_to_string().expect("a text body"),
    }
}

fn en(server: &TestServer, path: &str) -> Page {
    get(server, path, Some("en"))
}

/// A service with three officials on time, late and missing for 2025, one of them with a
/// 2026 filing explained by income, an answered and an expired challenge, a tip, and
/// enough other officials for two pages of the list.
struct Story {
    server: TestServer,
    declarations: Vec<Declaration>,
    challenged: Vec<String>,
}

fn story() -> Story {
    let server = TestServer::start_with(|c| c.sweep_interval_secs = 1);
    let gov1 = server.register_official("GOV-0001", "CN-ZJ-HZ");
    let gov2 = server.register_official("GOV-0002", "CN-ZJ-NB");
    server.register_official("GOV-0003", "CN-ZJ-NB");
    for i in 0..52 {
        server.register_official(&format!("PAGE-{i:03}"), "CN-BJ");
    }
    let supervisor = server.register_supervisor("AUDIT-1");
    let as_supervisor = server.client().signed(supervisor);
    let _: api::Written = server
        .as_registrar()
        .post(
            "/v1/admin/deadlines",
            &api::SetDeadline {
                period: probity_core::Period::new(2025).expect("period"),
                deadline: server.now_ms() + 10 * DAY_MS,
            },
        )
        .expect("deadline");

    let d2025 = declaration("gov-0001-2025.toml");
    let d2026 = declaration("gov-0001-2026.toml");
    let o2025 = opening(&d2025);
    let o2026 = opening(&d2026);
    file(&server, &gov1, &o2025, vec![band_proof(&o2025)]);
    let growth = prover(StatementKind::WealthGrowth)
        .wealth_growth(&o2025, &o2026, Amount(0), &mut rand::rngs::OsRng)
        .expect("explained");
    file(&server, &gov1, &o2026, vec![band_proof(&o2026), growth]);

    // A challenge answered, and one left to expire.
    let mut challenged = Vec::new();
    for (n, asset) in d2026.items()[..2].iter().enumerate() {
        challenged.push(asset.asset_id.id_hash().to_string());
        let created: api::ChallengeCreated = as_supervisor
            .post(
                "/v1/challenges",
                &api::IssueChallenge {
                    official: o2026.official().clone(),
                    period: None,
                    id_hash: asset.asset_id.id_hash().to_string(),
                    min_value: asset.value.0,
                    deadline: server.now_ms() + DAY_MS,
                },
            )
            .expect("challenged");
        if n == 0 {
            let answer = prover(StatementKind::AssetIncluded)
                .asset_included(&o2026, &asset.asset_id, asset.value, &mut rand::rngs::OsRng)
                .expect("declared");
            let _: api::Written = server
                .client()
                .signed(gov1.clone())
                .post(
                    &format!("/v1/challenges/{}/answer", created.challenge),
                    &api::AnswerChallenge { proof: answer },
                )
                .expect("answered");
        }
    }
    let tipper = server.whistleblower("CN-ZJ-HZ");
    let info: api::ServiceInfo = server.client().get("/v1/info").expect("info");
    let _: api::TipAccepted = server
        .client()
        .post("/v1/tips", &tipper.tip("GOV-0001", info.epoch, TIP_TEXT))
        .expect("tip");

    // Past the 2025 deadline: GOV-0002 files late, GOV-0003 never does.
    server.advance_ms(11 * DAY_MS);
    let d2025_2 = declaration_as("gov-0001-2025.toml", "GOV-0002");
    let o2025_2 = opening(&d2025_2);
    file(&server, &gov2, &o2025_2, vec![band_proof(&o2025_2)]);
    // The sweep expires the unanswered challenge and alerts on GOV-0003's missing filing.
    wait_for(|| {
        en(&server, "/officials/GOV-0001")
            .body
            .contains("expired unanswered")
    });
    wait_for(|| {
        en(&server, "/officials/GOV-0003")
            .body
            .contains("Declaration overdue")
    });
    Story {
        server,
        declarations: vec![d2025, d2026, d2025_2],
        challenged,
    }
}

fn file(
    server: &TestServer,
    key: &SigningKey,
    o: &probity_core::Opening,
    proofs: Vec<probity_core::ProofEnvelope>,
) {
    let _: api::FilingAccepted = server
        .client()
        .signed(key.clone())
        .post("/v1/filings", &filing(o, key, proofs))
        .expect("filed");
}

/// Waits for the service's own sweep (its interval is a second): a generous bound, only so
/// that a broken sweep fails instead of hanging.
fn wait_for(done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the sweep never ran"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The row of `id` in the officials table.
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("<code>{id}</code>"))
        .unwrap_or_else(|| panic!("{id} is listed"));
    let end = html[at..].find("</tr>").expect("a row ends") + at;
    &html[at..end]
}

#[test]
fn the_register_shows_the_record_in_both_languages_and_nothing_private() {
    let story = story();
    let server = &story.server;

    // The list: standing against the 2025 deadline, latest period filed, paging.
    let list = en(server, "/");
    assert_eq!(list.status, 200);
    assert!(list.body.contains("<html lang=\"en\">"));
    assert!(list.body.contains("Officials found: 55"), "{}", list.body);
    assert!(list.body.contains("Page 1 of 2"));
    let gov1 = row(&list.body, "GOV-0001");
    assert!(gov1.contains("2026") && gov1.contains("on time"), "{gov1}");
    let gov2 = row(&list.body, "GOV-0002");
    assert!(gov2.contains("2025") && gov2.contains("late"), "{gov2}");
    let gov3 = row(&list.body, "GOV-0003");
    assert!(gov3.contains("missing") && gov3.contains("none"), "{gov3}");
    assert!(list.body.contains("PAGE-046") && !list.body.contains("PAGE-047"));
    let page2 = en(server, "/?page=2");
    assert!(page2.body.contains("PAGE-047") && page2.body.contains("PAGE-051"));
    assert!(page2.body.contains("Page 2 of 2") && !page2.body.contains("GOV-0001"));
    assert!(page2.body.contains("rel=\"prev\" href=\"/?page=1\""));
    assert_eq!(
        en(server, "/?page=99").body,
        page2.body,
        "past the end: the last page"
    );

    // Search and filters, offered from the values present.
    let found = en(server, "/?q=gov-000");
    assert!(found.body.contains("Officials found: 3"));
    let found = en(server, "/?q=Official+PAGE-010");
    assert!(found.body.contains("Officials found: 1<") && found.body.contains("PAGE-010"));
    let filtered = en(server, "/?jurisdiction=CN-ZJ-NB");
    assert!(filtered.body.contains("Officials found: 2<"));
    assert!(filtered
        .body
        .contains("<option value=\"CN-ZJ-NB\" selected>"));
    assert!(filtered.body.contains("<option value=\"CN-BJ\">"));
    assert!(en(server, "/?position=Nobody")
        .body
        .contains("No official matches"));

    // One official: filings, statements in words with ✓, challenges, alerts, QR.
    let one = en(server, "/officials/GOV-0001");
    assert_eq!(one.status, 200);
    let html = &one.body;
    assert!(html.contains("Official GOV-0001") && html.contains("Head of department"));
    assert!(html.contains("<svg"), "a QR code");
    assert!(html.contains(&format!("{}/officials/GOV-0001", server.base)));
    assert!(html.contains("Net worth for 2025 between 1,000,000.00 yuan and 4,999,999.99 yuan"));
    assert!(html.contains("Net worth for 2026 between 1,000,000.00 yuan and 4,999,999.99 yuan"));
    assert!(html.contains("Growth of net worth from 2025 to 2026 explained by income"));
    assert!(html.contains("An asset a supervisor asked about is declared for 2026"));
    // (The ✓ of each proof; the in-browser check's words, data attributes, hold more.)
    assert_eq!(
        html.matches(r#"<span class="check" "#).count(),
        4,
        "four verified proofs"
    );
    // Each entry the page names (the registration, the filings, the proofs, the two
    // challenges) carries its canonical JSON and audit path for the in-browser check.
    let record: api::OfficialRecord = server
        .client()
        .get("/v1/officials/GOV-0001")
        .expect("record");
    let named = 1 + record.filings.len() + record.proofs.len() + 2;
    assert_eq!(html.matches(r#"class="entry-check""#).count(), named);
    assert!(html.contains(r#"data-official="GOV-0001""#));
    assert!(html.contains(r#"id="checkpoint-note""#));
    assert!(html.contains("answered") && html.contains("expired unanswered"));
    assert!(html.contains("Challenge expired unanswered: <strong>1</strong>"));
    assert!(html.contains("2026-03-01 00:00 UTC"), "dates in UTC");
    let late = en(server, "/officials/GOV-0002").body;
    assert!(late.contains("Filed after the deadline: <strong>1</strong>"));
    assert!(late.contains("badge warn\">late"));

    // Chinese: by Accept-Language, by default, and by the switch, carried on links.
    let zh = get(
        server,
        "/officials/GOV-0001",
        Some("zh-CN,zh;q=0.9,en;q=0.8"),
    );
    assert!(zh.body.contains("<html lang=\"zh-CN\">"));
    assert!(zh.body.contains("2025 至 2026 年度净资产增长可由收入解释"));
    assert!(zh
        .body
        .contains("2026 年度净资产在 1,000,000.00 元 至 4,999,999.99 元 之间"));
    assert!(get(server, "/", None).body.contains("公职人员名录"));
    let switched = en(server, "/?lang=zh-CN&q=GOV");
    assert!(switched.body.contains("<html lang=\"zh-CN\">"));
    assert!(switched
        .body
        .contains("href=\"/officials/GOV-0001?lang=zh-CN\""));
    assert!(
        switched.body.contains("href=\"/?q=GOV&amp;lang=en\""),
        "the switch"
    );
    assert!(get(server, "/about?lang=en", Some("zh"))
        .body
        .contains("<html lang=\"en\">"));

    // About: the words of the demo, the keys, the commands.
    let about = en(server, "/about").body;
    assert!(about.contains("No proof can show that a declaration is complete"));
    assert!(about.contains("development keys") && about.contains("<code>dev</code>"));
    assert!(about.contains("probity ledger verify") && about.contains("supervisor audit"));
    assert!(about.contains("probity witness"));

    the_statistics_match_the_story(server);

    // Headers on every page, 404 in the visitor's language, no 500 for any query.
    for path in [
        "/",
        "/officials/GOV-0001",
        "/about",
        "/stats",
        "/officials/NOBODY",
    ] {
        let page = en(server, path);
        assert_eq!(
            page.header("content-security-policy"),
            Some(probity_web::CONTENT_SECURITY_POLICY),
            "{path}"
        );
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        // No script but the in-browser check, from this server, on an official's page.
        let body = page
            .body
            .replace(r#"<script src="/static/verify.js" defer></script>"#, "");
        assert!(!body.contains("<script"), "{path}");
        assert!(!page.body.contains("style="), "{path}: no inline style");
        // Nothing loaded or linked from elsewhere: every link and source is on this server.
        for attribute in ["href=\"", "src=\""] {
            for (at, _) in page.body.match_indices(attribute) {
                let value = &page.body[at + attribute.len()..];
                assert!(
                    value.starts_with('/'),
                    "{path}: {}",
                    &value[..40.min(value.len())]
                );
            }
        }
    }
    let missing = en(server, "/officials/NOBODY");
    assert_eq!(missing.status, 404);
    assert!(missing
        .body
        .contains("No official with the id “NOBODY” is registered."));
    let missing = get(server, "/officials/%E2%9C%93%3Cb%3E", Some("zh"));
    assert_eq!(missing.status, 404);
    assert!(missing
        .body
        .contains("没有编号为“✓&lt;b&gt;”的登记公职人员。"));
    for query in [
        "/?page=-1",
        "/?page=18446744073709551616",
        "/?q=%FF%FE%",
        "/?jurisdiction=%00&position=%3Cscript%3E",
        "/?lang=xx&lang=en&&&=",
        "/officials/GOV-0001?lang=%ZZ",
        "/about?page=2",
        "/stats?page=2&start=-1&lang=%FF",
    ] {
        let page = en(server, query);
        assert_eq!(page.status, 200, "{query}");
        assert!(!page.body.contains("<script>"), "{query}");
    }
    let css = en(server, "/static/register.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.body.contains("@media print"));

    // Nothing private, in any page and either language: no value of the declarations
    // (raw or formatted), no asset id, no note, no challenged id_hash, no tip.
    let mut pages = Vec::new();
    for path in [
        "/",
        "/?page=2",
        "/officials/GOV-0001",
        "/officials/GOV-0002",
        "/officials/GOV-0003",
        "/about",
        "/stats",
        "/log",
        "/log/entries",
        "/log/entries?start=50",
        "/log/consistency?from=1",
    ] {
        for lang in ["en", "zh-CN"] {
            pages.push((format!("{path} {lang}"), get(server, path, Some(lang)).body));
        }
    }
    // Every entry's page: its canonical JSON is public, and must hold nothing private either.
    let size = server.ledger_size();
    for index in 0..size {
        let path = format!("/log/entries/{index}");
        pages.push((path.clone(), get(server, &path, Some("en")).body));
    }
    // Commitments and the log key are public hashes and keys: long runs of digits and
    // letters that a short secret could match by chance. They are taken out first.
    let mut public: Vec<String> = Vec::new();
    for id in ["GOV-0001", "GOV-0002"] {
        let record: api::OfficialRecord = server
            .client()
            .get(&format!("/v1/officials/{id}"))
            .expect("record");
        public.extend(record.filings.iter().map(|f| f.commitment.to_string()));
    }
    let info: api::ServiceInfo = server.client().get("/v1/info").expect("info");
    public.push(info.log_key);
    let mut secrets: Vec<String> = vec![TIP_TEXT.to_owned(), "Xixi Road".to_owned()];
    secrets.extend(story.challenged.iter().cloned());
    for d in &story.declarations {
        for item in d.items() {
            secrets.push(item.value.0.to_string());
            secrets.push(format_minor_units(i128::from(item.value.0)));
            let id = item.asset_id.0.as_str();
            if !id.is_empty() {
                secrets.push(id.to_owned());
                secrets.push(id.split_whitespace().collect());
            }
            if !item.note.is_empty() {
                secrets.push(item.note.clone());
            }
        }
    }
    for (name, mut html) in pages {
        for p in &public {
            html = html.replace(p.as_str(), "");
        }
        let html = without_long_tokens(&html);
        // A figure leaks as a number of its own: a run of digits equal to it. (As a substring
        // it can turn up by chance inside a public time in milliseconds.)
        let numbers: std::collections::HashSet<&str> = html
            .split(|c: char| !c.is_ascii_digit())
            .filter(|run| !run.is_empty())
            .collect();
        for secret in &secrets {
            let shown = if secret.bytes().all(|b| b.is_ascii_digit()) {
                numbers.contains(secret.as_str())
            } else {
                html.contains(secret.as_str())
            };
            assert!(!shown, "{name} shows `{secret}`");
        }
    }
}

/// The figures of the chart `id` on a page, as its SVG describes them to screen readers.
fn chart_figures(html: &str, id: &str) -> String {
    let open = format!("<desc id=\"{id}-desc\">");
    let at = html.find(&open).unwrap_or_else(|| panic!("a chart `{id}`")) + open.len();
    let end = html[at..].find("</desc>").expect("a description ends") + at;
    html[at..end].to_owned()
}

/// `/stats` in both languages: the story's filings per period, bands, proofs, challenges,
/// and a log whose last point is the checkpoint's size.
fn the_statistics_match_the_story(server: &TestServer) {
    let (stats, size) = loop {
        // The sweep may log while the page is read: a size unchanged across it is the page's.
        let before = server.ledger_size();
        let stats = en(server, "/stats");
        if server.ledger_size() == before {
            break (stats, before);
        }
    };
    assert_eq!(stats.status, 200);
    let html = &stats.body;
    assert!(
        html.contains("href=\"/stats\">Statistics</a>"),
        "in the menu"
    );
    // 55 officials against the 2025 deadline: GOV-0001 on time, GOV-0002 late, the rest
    // missing; 2026 has no deadline, and GOV-0001 filed for it.
    assert_eq!(
        chart_figures(html, "filings"),
        "2025: on time 1, late 1, missing 53, not yet due 0, filed (no deadline set) 0; \
         2026: on time 0, late 0, missing 0, not yet due 0, filed (no deadline set) 1"
    );
    // GOV-0001's latest band (2026) and GOV-0002's (2025) are the same default band.
    assert_eq!(
        chart_figures(html, "bands"),
        "1,000,000.00 yuan to 4,999,999.99 yuan: 2; no band proved: 53"
    );
    assert_eq!(
        chart_figures(html, "proofs"),
        "net worth in a band: 3; a category's total in bounds: 0; \
         growth explained by income: 1; asset declared, answering a challenge: 1"
    );
    assert_eq!(
        chart_figures(html, "challenges"),
        "answered: 1; expired unanswered: 1; open: 0"
    );
    let log = chart_figures(html, "log-size");
    let points: Vec<&str> = log.split("; ").collect();
    assert!(points.len() > 2 && points.len() <= 33, "{log}");
    assert!(points[0].ends_with("UTC: 1 entries"), "{log}");
    let last = points.last().expect("a point");
    assert!(
        last.ends_with(&format!("UTC: {size} entries")),
        "the last point is the checkpoint's size {size}: {log}"
    );
    assert!(
        html.contains("<table class=\"figures\">"),
        "the figures as tables"
    );

    let zh = get(server, "/stats", Some("zh-CN")).body;
    assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains("登记册统计"));
    assert!(chart_figures(&zh, "filings").starts_with("2025: 按时 1, 逾期 1, 未申报 53"));
    assert_eq!(
        chart_figures(&zh, "bands"),
        "1,000,000.00 元 至 4,999,999.99 元: 2; 未证明区间: 53"
    );
    assert!(chart_figures(&zh, "log-size").contains(" UTC："));
    assert!(get(server, "/stats?lang=en", Some("zh"))
        .body
        .contains("href=\"/stats?lang=zh-CN\""));
}

/// `text` without its runs of 40 or more base64 or hex characters: hashes, field elements,
/// signatures and keys of the log pages, public and random, in which a short secret (a value
/// of nine digits) could appear by chance. A secret itself is never that long.
fn without_long_tokens(text: &str) -> String {
    let is_token = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if is_token(c) {
            run.push(c);
            continue;
        }
        if run.len() < 40 {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// Whoever made dev keys can forge every proof the register shows as verified: under dev
/// keys every page says so in the visitor's language, and `/v1/info` names them; on a
/// ceremony's keys, opened without the dev permission, nothing warns.
#[test]
fn dev_keys_are_named_in_the_info_and_on_every_page() {
    const EN: &str = "Development keys: whoever made them can forge proofs.";
    const ZH: &str = "开发密钥：密钥生成者可以伪造证明。";
    let pages = [
        "/",
        "/about",
        "/stats",
        "/log",
        "/log/entries",
        "/officials/GOV-9999",
    ];

    let server = TestServer::start();
    let info: api::ServiceInfo = server.client().get("/v1/info").expect("info");
    assert_eq!(info.keys, api::KeySetup::Dev);
    for path in pages {
        let en_page = en(&server, path);
        assert!(en_page.body.contains(EN), "{path}: {}", en_page.body);
        let zh_page = get(&server, path, Some("zh-CN"));
        assert!(zh_page.body.contains(ZH), "{path}: {}", zh_page.body);
        assert!(!zh_page.body.contains(EN), "{path}");
    }
    assert!(en(&server, "/about").body.contains("<code>dev</code>"));
    drop(server);

    // The same keys, as a ceremony's manifest names them: no warning anywhere.
    let dir = tempfile::tempdir().expect("tempdir");
    copy_params(dir.path());
    let manifest = dir.path().join("params").join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let relabelled = text.replace(r#""setup": "dev""#, r#""setup": "ceremony""#);
    assert_ne!(text, relabelled, "the manifest names its setup");
    std::fs::write(&manifest, relabelled).expect("write");
    let registrar = SigningKey::generate(&mut rand::rngs::OsRng);
    let server = TestServer::start_in_with(dir, registrar, |c| c.allow_dev_keys = false);
    let info: api::ServiceInfo = server.client().get("/v1/info").expect("info");
    assert_eq!(info.keys, api::KeySetup::Ceremony);
    for path in pages {
        let body = get(&server, path, Some("zh-CN")).body;
        assert!(!body.contains("dev-keys") && !body.contains(ZH), "{path}");
        assert!(body.contains("</footer>"), "{path}: a whole page");
    }
    assert!(en(&server, "/about").body.contains("<code>ceremony</code>"));
}

/// Serves the story's register for a person (or a headless browser) to look at:
/// `cargo test -p probity-service --test register -- --ignored --nocapture serve_the_story`
/// prints the address, and serves for `PROBITY_SERVE_SECS` seconds (default 600).
#[test]
#[ignore = "serves until stopped, for looking at the pages"]
fn serve_the_story() {
    let story = story();
    println!("register at {}/", story.server.base);
    let secs = std::env::var("PROBITY_SERVE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    std::thread::sleep(Duration::from_secs(secs));
}
