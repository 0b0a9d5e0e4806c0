//! `probity app` in a real browser (Debian's Chromium, headless, JavaScript off), against a
//! real `probity serve`: a whistleblower opens the printed address, enrolls with the
//! registrar's code, writes a tip about an official with an attachment, reads the receipt
//! code off the page, and after the supervisor's reply reads it with that code; in both
//! languages. A second browser cannot reuse the address, and without it sees only the page
//! that says what to open.
//!
//! Screenshots go to `target/tmp/app-screenshots/`.
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

    // The supervisor reads the tip and replies (the client library).
    let tips = world.tips();
    assert_eq!(tips.len(), 1);
    assert!(tips[0].1.contains("villa in Hangzhou"));
    world.reply(
        tips[0].0,
        "谢谢。我们正在核实此事。Thank you; we are looking into it.",
    );

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
