//! `probity app` in a real browser (Debian's Chromium, headless, JavaScript off), against a
//! real `probity serve`: a whistleblower opens the printed address, enrolls with the
//! registrar's code, writes a tip about an official with an attachment, reads the receipt
//! code off the page, and after the supervisor's reply (sent from the supervisor's own app,
//! in a second browser) reads it with that code; in both languages. A second browser cannot
//! reuse the address, and without it sees only the page that says what to open. An official
//! and a supervisor work in theirs, each answering the other through their own app.
//!
//! Screenshots go to `target/tmp/app_browser-screenshots/`.
#![allow(missing_docs)]

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::app::{App, World};

#[test]
fn a_whistleblower_enrolls_tips_and_reads_the_reply_in_the_browser() {
    let world = World::start();
    let data = tempfile::tempdir().expect("tempdir");
    let app = App::start(data.path(), &world.server.url);
    let browser = Browser::start();

    // The printed address: the token is exchanged and leaves the address bar.
    browser.open(&app.url);
    assert_eq!(browser.url(), format!("{}/", app.base));
    assert_eq!(browser.lang(), "en");
    let home = browser.text();
    assert!(home.contains("Not enrolled yet"), "{home}");
    assert!(
        home.contains("What the service's operator can see"),
        "{home}"
    );
    browser.screenshot("home-en");
    browser.open(&format!("{}/?lang=zh-CN", app.base));
    assert_eq!(browser.lang(), "zh-CN");
    assert!(browser.text().contains("举报前请了解"));
    browser.screenshot("home-zh");

    // Enroll (in Chinese: the choice is remembered), with the registrar's code.
    browser.click("ul.actions a");
    assert_eq!(browser.lang(), "zh-CN", "the language choice is kept");
    browser.screenshot("enroll-zh");
    browser.type_into("#code", &world.enrollment_code());
    browser.click("form.app button");
    assert!(browser.text_of("#enrolled").contains("CN-ZJ-HZ"));
    browser.screenshot("enrolled-zh");

    // Write a tip, in English, about the official chosen from the list, with a file.
    browser.open(&format!("{}/whistleblower/tip?lang=en", app.base));
    browser.screenshot("tip-form-en");
    browser.click_option("#subject option[value='GOV-0001']");
    browser.type_into(
        "#text",
        "The director's villa in Hangzhou is not on the declaration.",
    );
    let evidence = data.path().join("deed.pdf");
    std::fs::write(&evidence, b"%PDF-1.4 a scanned deed").expect("write");
    browser.type_into("#attachments", evidence.to_str().expect("UTF-8"));
    browser.click("form.app button");
    let page = browser.text();
    assert!(page.contains("Write this code down"), "{page}");
    let receipt = browser.text_of("#receipt-code");
    assert!(!receipt.is_empty());
    assert!(
        !browser.url().contains(&receipt),
        "the code is in no address"
    );
    browser.screenshot("tip-sent-en");

    // The supervisor reads the tip and replies, in the supervisor's own app.
    world.give_tip_key();
    let desk = App::start(world.supervisor.path(), &world.server.url);
    let supervisor = Browser::start();
    supervisor.open(&desk.url);
    supervisor.open(&format!("{}/supervisor/tips", desk.base));
    let tip = supervisor.text_of("section.tip");
    assert!(
        tip.contains("villa in Hangzhou") && tip.contains("deed.pdf"),
        "{tip}"
    );
    supervisor.type_into(
        "section.tip textarea",
        "谢谢。我们正在核实此事。Thank you; we are looking into it.",
    );
    supervisor.click("section.tip form.reply button");
    assert!(supervisor.text_of("#replied").contains("Replied"));

    // The whistleblower reads it with the code written down, in both languages.
    browser.open(&format!("{}/whistleblower/status?lang=zh-CN", app.base));
    browser.type_into("#receipt", &receipt);
    browser.click("form.app button");
    let status = browser.text_of("#status-report");
    assert!(
        status.contains("谢谢。我们正在核实此事。Thank you; we are looking into it."),
        "{status}"
    );
    assert!(status.contains("处理中"), "{status}");
    browser.screenshot("status-zh");
    browser.open(&format!("{}/whistleblower/status?lang=en", app.base));
    browser.type_into("#receipt", &receipt);
    browser.click("form.app button");
    assert!(browser.text_of("#tip-status").contains("open"));
    browser.screenshot("status-en");

    // Another browser: the used address is refused, and without it only the refusal shows.
    let other = Browser::start();
    other.open(&app.url);
    assert!(other
        .text()
        .contains("Restart probity app for a new address"));
    other.screenshot("token-reused-en");
    other.open(&format!("{}/whistleblower/tip", app.base));
    assert!(other
        .text()
        .contains("Open the address probity app printed"));
    other.screenshot("no-session-en");
}

/// An official unlocks the wallet in the page, edits a declaration (a value changed, an item
/// added), saves it, files it and sees its receipts checked; sees that a later declaration's
/// wealth growth is not explained, with the figure needed; and answers a supervisor's
/// challenge, told why another cannot be answered.
#[test]
fn an_official_edits_files_and_answers_in_the_browser() {
    let data = tempfile::tempdir().expect("tempdir");
    let world = World::start_with_official(data.path());
    std::fs::write(
        data.path().join("2025.toml"),
        include_str!("../examples/gov-0001-2025.toml"),
    )
    .expect("write");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let to_import = elsewhere.path().join("2026.toml");
    std::fs::write(
        &to_import,
        include_str!("../examples/gov-0001-2026-unexplained.toml"),
    )
    .expect("write");
    let app = App::start(data.path(), &world.server.url);
    let browser = Browser::start();

    // Unlock, in the page.
    browser.open(&app.url);
    assert!(browser.text().contains("Unlock your wallet"));
    browser.click("#official ul.actions a");
    browser.type_into("#passphrase", common::party::PASSPHRASE);
    browser.screenshot("official-unlock-en");
    browser.click("form.app button");
    assert!(browser.text_of("#unlocked").contains("Unlocked"));

    // Import 2026.toml from another folder: it opens in the editor.
    browser.click("main ul.actions a");
    browser.type_into("#import", to_import.to_str().expect("UTF-8"));
    browser.click("#import-button");
    assert!(browser
        .url()
        .ends_with("/official/declaration?file=2026.toml"));
    assert!(data.path().join("2026.toml").exists());
    browser.open(&format!("{}/official/declarations", app.base));

    // Edit 2025.toml: the first value, and a new item.
    browser.click("#declarations a");
    assert!(browser.text_of("#net-worth").contains("yuan"));
    browser.clear("input[name='value.1']");
    browser.type_into("input[name='value.1']", "3,250,000");
    browser.click_option("select[name='category.new'] option[value='cash_valuables']");
    browser.type_into("input[name='value.new']", "50,000.50");
    browser.type_into("input[name='note.new']", "现金");
    browser.click("#save");
    assert!(
        browser.text_of("#saved").contains("Saved"),
        "{}",
        browser.text()
    );
    let saved = std::fs::read_to_string(data.path().join("2025.toml")).expect("read");
    assert!(saved.contains("value = 325000000"), "{saved}");
    assert!(saved.contains("category = \"cash_valuables\""), "{saved}");
    assert!(
        saved.contains("# --- Liabilities"),
        "comments kept: {saved}"
    );
    browser.screenshot("official-editor-en");

    // File it, in Chinese: the plan, then the receipts checked.
    browser.open(&format!(
        "{}/official/file?file=2025.toml&lang=zh-CN",
        app.base
    ));
    browser.click("#plan");
    assert!(browser.url().ends_with("/official/file/progress"));
    assert!(browser.wait_for("#statements").contains("net_worth_range"));
    let steps = browser.text_of("#steps");
    assert!(
        steps.contains("正在下载 net_worth_range 的证明密钥（容量 16）") && steps.contains('✓'),
        "the key's download is a step: {steps}"
    );
    browser.screenshot("official-plan-zh");
    browser.click("#file-now");
    // The filing's page: each step as it happens, then the receipts checked.
    let receipts = browser.wait_for("#receipts");
    assert!(
        receipts.contains("已记入日志第") && receipts.contains("已核验"),
        "{receipts}"
    );
    let steps = browser.text_of("#steps");
    for step in [
        "正在生成 net_worth_range 证明 ✓",
        "正在发送申报 ✓",
        "正在对照日志核验回执 ✓",
    ] {
        assert!(steps.contains(step), "{step}: {steps}");
    }
    browser.screenshot("official-filed-zh");

    // 2026, whose growth income does not explain: said before filing, with the figure.
    browser.open(&format!(
        "{}/official/file?file=2026.toml&prev=2025.toml&lang=en",
        app.base
    ));
    browser.click("#plan");
    let growth = browser.wait_for("#growth");
    assert!(growth.contains("is not explained"), "{growth}");
    assert!(growth.contains("more would be needed"), "{growth}");
    browser.screenshot("official-growth-en");

    // A supervisor's challenges: one on a declared asset, one on an asset not declared.
    world.challenge("浙(2018)杭州市不动产权第0123456号", 300_000_000, 2025);
    world.challenge("NOT-DECLARED-0001", 1, 2025);
    browser.open(&format!("{}/official/challenges", app.base));
    let listed = browser.text_of("#challenges");
    assert!(listed.contains("Can be answered: item 1"), "{listed}");
    assert!(
        listed.contains("no asset with that id is declared"),
        "{listed}"
    );
    assert!(listed.contains("due "), "{listed}");
    browser.screenshot("official-challenges-en");
    browser.click("#answer-all");
    let answered = browser.text_of("#answered");
    assert!(
        answered.contains("answered: on the log at entry"),
        "{answered}"
    );
    browser.screenshot("official-answered-en");

    // The history: the filing, the proofs, the receipts checked again.
    browser.open(&format!("{}/official/history", app.base));
    assert!(browser.text_of("#filings").contains("2025"));
    assert!(browser.text_of("#receipts").contains("checked"));
    browser.screenshot("official-history-en");

    // Lock: the pages ask for the passphrase again.
    browser.click("header.site form.lock button");
    browser.open(&format!("{}/official/declarations", app.base));
    assert!(browser.text().contains("Wallet passphrase"));
}

/// What a tip's `x.html` attachment holds: a page whose script would mark the page it runs
/// in (its title) and the app's origin (its storage).
const X_HTML: &str = "<html><head><title>x</title></head><body><script>document.title='PWNED';localStorage.setItem('pwned','1');</script>x</body></html>";

/// The example declarations of GOV-0001, made GOV-0002's, in `dir`: (2025, 2026 with a
/// growth its income does not explain).
fn gov_0002_declarations(dir: &std::path::Path) -> (String, String) {
    let mut paths = Vec::new();
    for (name, text) in [
        ("2025.toml", include_str!("../examples/gov-0001-2025.toml")),
        (
            "2026.toml",
            include_str!("../examples/gov-0001-2026-unexplained.toml"),
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text.replace("GOV-0001", "GOV-0002")).expect("write");
        paths.push(path.to_str().expect("UTF-8").to_owned());
    }
    (paths.remove(0), paths.remove(0))
}

/// A supervisor, in a browser with JavaScript on: sees one official's filing verified and
/// another's wealth growth not shown, with its alert, and opens that official's record from
/// it; challenges the first official and sees the challenge answered (in the official's own
/// app, in a second browser) and the answer re-verified; opens a tip whose `x.html` attachment
/// would run a script, and downloads it without it running; replies and closes the tip; runs
/// a full audit.
#[test]
fn a_supervisor_reverifies_challenges_and_reads_tips_in_the_browser() {
    let gov1 = tempfile::tempdir().expect("tempdir");
    let world = World::start_with_official(gov1.path());
    world.official(gov1.path(), &["file", "examples/gov-0001-2025.toml"]);
    let gov2 = tempfile::tempdir().expect("tempdir");
    let key = world.official(gov2.path(), &["init"])["public_key"]
        .as_str()
        .expect("a key")
        .to_owned();
    world.registrar.json(&[
        "admin",
        "register-official",
        "--id",
        "GOV-0002",
        "--name",
        "Official Two",
        "--position",
        "Deputy director",
        "--jurisdiction",
        "CN-ZJ-HZ",
        "--public-key",
        &key,
    ]);
    let (d2025, d2026) = gov_0002_declarations(gov2.path());
    world.official(gov2.path(), &["file", &d2025]);
    world.official(gov2.path(), &["file", &d2026, "--prev", &d2025]);
    world.give_tip_key();
    let entry = world.send_tip(
        "GOV-0002",
        "Official Two bought a flat in Ningbo in 2026 <with cash>.",
        &[
            ("x.html", "text/html", X_HTML.as_bytes()),
            ("notes.txt", "text/plain", "收据 receipt 2026-03".as_bytes()),
        ],
    );
    let app = App::start(world.supervisor.path(), &world.server.url);
    let downloads = tempfile::tempdir().expect("tempdir");
    let browser = Browser::start_with_script(downloads.path());

    // The home page, then the dashboard: each official's latest filing re-verified here.
    browser.open(&app.url);
    assert!(browser.text_of("#supervisor").contains("Nothing to unlock"));
    browser.screenshot("supervisor-home-en");
    browser.click("#supervisor ul.actions a");
    let one = browser.text_of("#official-GOV-0001");
    assert!(one.contains("2025") && one.contains("verified"), "{one}");
    let two = browser.text_of("#official-GOV-0002");
    assert!(
        two.contains("2026") && two.contains("wealth growth not shown"),
        "{two}"
    );
    browser.screenshot("supervisor-dashboard-en");
    browser.open(&format!("{}/supervisor?lang=zh-CN", app.base));
    assert!(browser
        .text_of("#official-GOV-0002")
        .contains("财产增长未获证明"));
    browser.screenshot("supervisor-dashboard-zh");

    // The alert of the unexplained growth, and the official's record from it.
    browser.open(&format!("{}/supervisor/alerts?lang=en", app.base));
    let alert = browser.text_of("#rule-wealth_growth_missing");
    assert!(
        alert.contains("GOV-0002") && alert.contains("2026"),
        "{alert}"
    );
    // The risk view above them: the total, and the alert behind it with its weight.
    let risk = browser.text_of("#risk tr.official-risk");
    assert!(
        risk.contains("GOV-0002") && risk.contains("+3 wealth_growth_missing 2026"),
        "{risk}"
    );
    browser.screenshot("supervisor-alerts-en");
    browser.click("#rule-wealth_growth_missing table a");
    assert!(browser.text_of("#verdict").contains("VERIFIED"));
    assert!(browser
        .text_of("#standing")
        .contains("wealth growth not shown"));
    assert!(browser.text_of("#filings").contains("2026"));
    browser.screenshot("supervisor-record-en");

    // Challenge GOV-0001 from their record; they answer; the answer is re-verified here.
    browser.open(&format!("{}/supervisor/official?id=GOV-0001", app.base));
    browser.click("main ul.actions a");
    browser.type_into("#asset-id", "浙(2018)杭州市不动产权第0123456号");
    browser.type_into("#min-value", "3,000,000");
    browser.run("document.getElementById('due').value = '2099-12-31';");
    browser.type_into("#period", "2025");
    browser.screenshot("supervisor-challenge-form-en");
    browser.click("#challenge button");
    assert!(browser.text_of("#issued").contains("logged at entry"));
    assert!(
        !browser.url().contains("0123456"),
        "the asset id is in no address"
    );
    // The official answers in their own app: unlocked, then every challenge that can be.
    std::fs::write(
        gov1.path().join("2025.toml"),
        include_str!("../examples/gov-0001-2025.toml"),
    )
    .expect("write");
    let desk = App::start(gov1.path(), &world.server.url);
    let official = Browser::start();
    official.open(&desk.url);
    official.open(&format!("{}/official", desk.base));
    official.type_into("#passphrase", common::party::PASSPHRASE);
    official.click("form.app button");
    official.open(&format!("{}/official/challenges", desk.base));
    official.click("#answer-all");
    assert!(official
        .text_of("#answered")
        .contains("answered: on the log at entry"));
    browser.open(&format!("{}/supervisor/official?id=GOV-0001", app.base));
    let challenges = browser.text_of("#challenges");
    assert!(
        challenges.contains("answered") && challenges.contains("re-verified"),
        "{challenges}"
    );
    browser.screenshot("supervisor-answered-en");

    // The tip: its text as text, its attachments listed.
    browser.open(&format!("{}/supervisor/tips", app.base));
    let tip = browser.text_of(&format!("#tip-{entry}"));
    assert!(tip.contains("in 2026 <with cash>."), "{tip}");
    assert!(tip.contains("x.html") && tip.contains("notes.txt"), "{tip}");
    browser.screenshot("supervisor-tips-en");

    // This browser runs the attachment's script when it is a page of its own …
    let page = downloads.path().join("as-a-page.html");
    std::fs::write(&page, X_HTML).expect("write");
    browser.open(&format!("file://{}", page.display()));
    assert_eq!(browser.run("return document.title;"), "PWNED");
    // … but from the app it is only a file saved: nothing of it runs, neither from the link
    // nor opened by its address.
    browser.open(&format!("{}/supervisor/tips", app.base));
    let title = browser.run("return document.title;");
    browser.click_option(&format!("#tip-{entry} a.download"));
    let saved = downloads.path().join("x.html");
    let started = std::time::Instant::now();
    while !saved.exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "no download"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(std::fs::read_to_string(&saved).expect("read"), X_HTML);
    let link = format!("{}/supervisor/tips/{entry}/attachments/1", app.base);
    browser.open(&link);
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(browser.run("return document.title;"), title);
    assert_eq!(
        browser.run("return localStorage.getItem('pwned');"),
        serde_json::Value::Null
    );
    assert!(!browser.text().contains("PWNED"));

    // Reply, and close the tip.
    browser.open(&format!("{}/supervisor/tips", app.base));
    browser.type_into(
        &format!("#tip-{entry} textarea"),
        "Thank you; we are looking into it.",
    );
    browser.click_option(&format!("#tip-{entry} input[name='close']"));
    browser.click(&format!("#tip-{entry} form.reply button"));
    assert!(browser.text_of("#replied").contains("closed it"));
    assert!(browser
        .text_of(&format!("#tip-{entry}"))
        .contains("Thank you; we are looking into it."));
    browser.screenshot("supervisor-replied-en");

    // The audit: the checkpoint, then a full audit.
    browser.open(&format!("{}/supervisor/audit", app.base));
    assert!(browser.text_of("#checkpoint").contains("verified"));
    browser.click("#full-audit");
    assert!(browser.text_of("#full").contains("Full audit"));
    browser.screenshot("supervisor-audit-en");
}
