//! `probity app` over plain HTTP, against a real `probity serve`: each rule of its security
//! (the one-time token, the session cookie, the `Host` and `Origin` checks, the headers of
//! every response) refuses what it must with no side effect, and the whistleblower's pages
//! enroll, send a tip and read its reply.
#![allow(missing_docs)]

mod common;

use common::{
    app::{App, World},
    server::probity,
};

/// The session cookie the printed address's token is exchanged for.
fn exchange(app: &App) -> String {
    let reply = app.request("GET", &app.token_path()).send();
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/"));
    let cookie = reply.header("set-cookie").expect("a cookie").to_owned();
    assert!(cookie.starts_with("probity_app="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let pair = cookie.split(';').next().expect("a pair").to_owned();
    assert_eq!(pair.len(), "probity_app=".len() + 64, "a 32-byte id, hex");
    pair
}

fn assert_security_headers(reply: &common::app::Reply) {
    assert_eq!(
        reply.header("content-security-policy"),
        Some("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    );
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("referrer-policy"), Some("same-origin"));
}

#[test]
fn the_app_refuses_what_its_rules_refuse_with_no_side_effect() {
    let world = World::start();
    let data = tempfile::tempdir().expect("tempdir");
    let app = App::start(data.path(), &world.server.url);
    assert!(app.url.starts_with("http://127.0.0.1:"), "{}", app.url);
    let token = app.token_path()["/?token=".len()..].to_owned();
    assert_eq!(token.len(), 64, "32 random bytes, hex");

    // Without the token or a session: refused, and told what to open.
    let reply = app.request("GET", "/").send();
    assert_eq!(reply.status, 401);
    assert!(reply.body.contains("Open the address probity app printed"));
    assert_security_headers(&reply);
    assert_eq!(app.request("GET", "/whistleblower/tip").send().status, 401);
    // The stylesheets hold nothing of the session: the refusal pages use them.
    assert_eq!(app.request("GET", "/static/app.css").send().status, 200);

    // A wrong token, and the right one under a foreign Host (DNS rebinding): refused, and
    // the right token is not spent.
    assert_eq!(app.request("GET", "/?token=00").send().status, 403);
    let wrong = format!("/?token={}", "0".repeat(64));
    assert_eq!(app.request("GET", &wrong).send().status, 403);
    let rebound = app
        .request("GET", &app.token_path())
        .header("Host", &format!("evil.example:{}", app.port))
        .send();
    assert_eq!(rebound.status, 421);
    assert!(rebound.header("set-cookie").is_none());
    assert_security_headers(&rebound);

    // The right token, once: a session cookie, and the token leaves the address bar.
    let cookie = exchange(&app);
    let again = app.request("GET", &app.token_path()).send();
    assert_eq!(again.status, 403, "the token works once");
    assert!(again.body.contains("Restart probity app for a new address"));
    assert!(again.header("set-cookie").is_none());
    // The browser that has the session may open the address again.
    let reopened = app.request("GET", &app.token_path()).cookie(&cookie).send();
    assert_eq!(reopened.status, 303);

    // With the session: the home page, with every header; `localhost` names the app too.
    let home = app.request("GET", "/").cookie(&cookie).send();
    assert_eq!(home.status, 200);
    assert_security_headers(&home);
    assert!(home.body.contains("Enroll"), "{}", home.body);
    let by_name = app
        .request("GET", "/")
        .header("Host", &format!("localhost:{}", app.port))
        .cookie(&cookie)
        .send();
    assert_eq!(by_name.status, 200);
    for host in [
        format!("evil.example:{}", app.port),
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{}", app.port + 1),
    ] {
        let reply = app
            .request("GET", "/")
            .header("Host", &host)
            .cookie(&cookie)
            .send();
        assert_eq!(reply.status, 421, "{host}");
    }
    let forged = app.request("GET", "/").cookie("probity_app=0000").send();
    assert_eq!(forged.status, 401);

    // Writes from elsewhere: refused before anything is done, so no credential is made.
    let code = world.enrollment_code();
    let enroll = || {
        app.request("POST", "/whistleblower/enroll")
            .cookie(&cookie)
            .form(&[("code", &code), ("scope", "")])
    };
    let credential = data.path().join("whistleblower/credential");
    for (what, request) in [
        (
            "foreign Origin",
            enroll().header("Origin", "http://evil.example"),
        ),
        ("Origin null", enroll().header("Origin", "null")),
        ("no Origin", enroll().without("Origin")),
        (
            "cross-site fetch",
            enroll().header("Sec-Fetch-Site", "cross-site"),
        ),
        (
            "foreign Host",
            enroll().header("Host", &format!("evil.example:{}", app.port)),
        ),
        ("no session", enroll().without("Cookie")),
    ] {
        let reply = request.send();
        assert!(
            [401, 403, 421].contains(&reply.status),
            "{what}: {}",
            reply.status
        );
        assert!(!credential.exists(), "{what}: nothing may happen");
    }
    let refused = enroll().header("Origin", "http://evil.example").send();
    assert_eq!(refused.status, 403);
    assert_security_headers(&refused);

    // From the app's own page: enrolled.
    let enrolled = enroll().header("Sec-Fetch-Site", "same-origin").send();
    assert_eq!(enrolled.status, 200, "{}", enrolled.body);
    assert!(
        enrolled
            .body
            .contains("You may report on officials of CN-ZJ-HZ"),
        "{}",
        enrolled.body
    );
    assert!(credential.exists());

    // A tip posted from elsewhere is not sent; from the app's page it is.
    let tip = |origin: &str| {
        app.request("POST", "/whistleblower/tip")
            .cookie(&cookie)
            .header("Origin", origin)
            .multipart(
                &[
                    ("subject", "GOV-0001"),
                    ("text", "A flat in Ningbo, undeclared."),
                ],
                &[("attachment", "deed.pdf", b"%PDF-1.4 a deed")],
            )
    };
    assert_eq!(tip("http://evil.example").send().status, 403);
    assert!(world.tips().is_empty(), "no tip was sent");
    let sent = tip(&app.base).send();
    assert_eq!(sent.status, 200);
    let receipt = between(&sent.body, "id=\"receipt-code\">", "<")
        .expect(&sent.body)
        .to_owned();
    assert!(sent.body.contains("Write this code down"));
    let tips = world.tips();
    assert_eq!(tips.len(), 1);
    assert_eq!(tips[0].1, "A flat in Ningbo, undeclared.");

    // The status, by receipt code in a POST body; the supervisor's reply shows, escaped.
    world.reply(
        tips[0].0,
        "Thank you <b>reporter</b>; we are looking into it.",
    );
    let status = app
        .request("POST", "/whistleblower/status")
        .cookie(&cookie)
        .form(&[("receipt", &receipt)])
        .send();
    assert_eq!(status.status, 200);
    assert!(
        status
            .body
            .contains("Thank you &lt;b&gt;reporter&lt;/b&gt;; we are looking into it."),
        "{}",
        status.body
    );
    let foreign = app
        .request("POST", "/whistleblower/status")
        .cookie(&cookie)
        .header("Origin", &format!("http://localhost:{}", app.port + 1))
        .form(&[("receipt", &receipt)])
        .send();
    assert_eq!(foreign.status, 403);

    // Lock: the session stays, what it unlocked is dropped, and the page says so once.
    let locked = app.request("POST", "/lock").cookie(&cookie).send();
    assert_eq!(locked.status, 303);
    let home = app.request("GET", "/").cookie(&cookie).send();
    assert!(home.body.contains("id=\"locked\""), "{}", home.body);
    let home = app.request("GET", "/").cookie(&cookie).send();
    assert!(!home.body.contains("id=\"locked\""));
}

#[test]
fn the_whistleblowers_forms_keep_what_was_typed_and_say_what_went_wrong() {
    let world = World::start();
    let data = tempfile::tempdir().expect("tempdir");
    let app = App::start(data.path(), &world.server.url);
    let cookie = exchange(&app);

    // A wrong code: the library's words, and the form keeps the code.
    let reply = app
        .request("POST", "/whistleblower/enroll")
        .cookie(&cookie)
        .form(&[("code", "not-a-code"), ("scope", "")])
        .send();
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains("that is not an enrollment code"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("value=\"not-a-code\""));

    // Not enrolled: the tip page says to enroll first.
    let tip = app
        .request("GET", "/whistleblower/tip")
        .cookie(&cookie)
        .send();
    assert!(tip.body.contains("Enroll first"), "{}", tip.body);

    let code = world.enrollment_code();
    let enrolled = app
        .request("POST", "/whistleblower/enroll")
        .cookie(&cookie)
        .form(&[("code", &code)])
        .send();
    assert!(enrolled.body.contains("CN-ZJ-HZ"), "{}", enrolled.body);

    // An empty tip fails in the library's words; the chosen official stays chosen.
    let empty = app
        .request("POST", "/whistleblower/tip")
        .cookie(&cookie)
        .multipart(&[("subject", "GOV-0001"), ("text", "")], &[])
        .send();
    assert!(
        empty.body.contains("the tip cannot be sent"),
        "{}",
        empty.body
    );
    assert!(
        empty.body.contains("value=\"GOV-0001\" selected"),
        "{}",
        empty.body
    );

    // Too large: refused before anything is sealed, with the text given back.
    let big = vec![b'x'; 5 << 20];
    let reply = app
        .request("POST", "/whistleblower/tip")
        .cookie(&cookie)
        .multipart(
            &[("subject", "GOV-0001"), ("text", "keep me")],
            &[("attachment", "big.bin", &big)],
        )
        .send();
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains("The tip is too large"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains(">keep me</textarea>"), "{}", reply.body);
    assert!(world.tips().is_empty());

    // A receipt code that is not one.
    let status = app
        .request("POST", "/whistleblower/status")
        .cookie(&cookie)
        .form(&[("receipt", "nope")])
        .send();
    assert!(
        status.body.contains("that is not a receipt code"),
        "{}",
        status.body
    );
    assert!(status.body.contains("value=\"nope\""));
}

#[test]
fn the_app_listens_only_on_loopback() {
    let out = probity()
        .args(["app", "--no-browser", "--listen", "0.0.0.0:0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a loopback address"), "{err}");
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// The editor's form for `items` (as the library reads them), a new item if given, and the
/// button pressed.
fn editor_form(
    items: &[probity_client::declaration_edit::ItemFields],
    new: Option<&probity_client::declaration_edit::ItemFields>,
    action: &str,
) -> Vec<(String, String)> {
    let mut form = vec![("items".to_owned(), items.len().to_string())];
    let mut push = |key: &str, item: &probity_client::declaration_edit::ItemFields| {
        for (field, value) in [
            ("category", &item.category),
            ("asset_id", &item.asset_id),
            ("value", &item.value_yuan),
            ("owner", &item.owner),
            ("note", &item.note),
        ] {
            form.push((format!("{field}.{key}"), value.clone()));
        }
    };
    for (i, item) in items.iter().enumerate() {
        push(&(i + 1).to_string(), item);
    }
    if let Some(new) = new {
        push("new", new);
    }
    form.push(("action".to_owned(), action.to_owned()));
    form
}

#[test]
fn the_officials_pages_need_the_passphrase_and_never_show_it() {
    use common::party::PASSPHRASE;
    use probity_client::declaration_edit::{DeclarationDraft, ItemFields};

    let data = tempfile::tempdir().expect("tempdir");
    let world = World::start_with_official(data.path());
    let decl = data.path().join("2025.toml");
    let original = include_str!("../examples/gov-0001-2025.toml");
    std::fs::write(&decl, original).expect("write");
    let app = App::start(data.path(), &world.server.url);
    let cookie = exchange(&app);
    let mut replies = Vec::new();
    let mut send = |request: common::app::Request| {
        let reply = request.cookie(&cookie).send();
        let seen = (
            reply.status,
            reply.body.clone(),
            reply.header("location").map(str::to_owned),
        );
        replies.push(reply);
        seen
    };
    let post = |path: &str, form: &[(String, String)]| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        app.request("POST", path).form(&form)
    };
    let items = DeclarationDraft::open(&decl).expect("opens").items();
    let mut edited = items.clone();
    edited[0].value_yuan = "1".to_owned();
    let edit = editor_form(&edited, None, "save");
    let edit_path = "/official/declaration?file=2025.toml";

    // Locked: the home page offers to unlock; every official page and write is refused
    // with the unlock form, and shows no figure.
    let (status, body, _) = send(app.request("GET", "/"));
    assert_eq!(status, 200);
    assert!(body.contains("Unlock your wallet"), "{body}");
    for path in [
        "/official/declarations",
        edit_path,
        "/official/file",
        "/official/file/progress",
        "/official/challenges",
        "/official/history",
    ] {
        let (status, body, _) = send(app.request("GET", path));
        assert_eq!(status, 403, "{path}");
        assert!(
            body.contains("name=\"passphrase\"") && !body.contains("3,200,000"),
            "{path}: {body}"
        );
    }
    let (status, _, _) = send(post(edit_path, &edit));
    assert_eq!(status, 403);
    let file_form = [("file".to_owned(), "2025.toml".to_owned())];
    assert_eq!(send(post("/official/file", &file_form)).0, 403);
    let locked_import = app
        .request("POST", "/official/declarations/import")
        .multipart(&[], &[("file", "x.toml", original.as_bytes())]);
    assert_eq!(send(locked_import).0, 403);
    assert!(
        !data.path().join("x.toml").exists(),
        "nothing imported while locked"
    );
    assert_eq!(
        send(post(
            "/official/challenges/answer",
            &[("all".to_owned(), "1".to_owned())]
        ))
        .0,
        403
    );
    assert_eq!(
        std::fs::read_to_string(&decl).expect("read"),
        original,
        "nothing written"
    );

    // A wrong passphrase is refused; the right one unlocks, sent in the body only.
    let wrong = [(
        "passphrase".to_owned(),
        "not the passphrase at all".to_owned(),
    )];
    let (status, body, _) = send(post("/official/unlock", &wrong));
    assert_eq!(status, 403);
    assert!(
        body.contains("passphrase") && !body.contains("not the passphrase at all"),
        "{body}"
    );
    let right = [("passphrase".to_owned(), PASSPHRASE.to_owned())];
    let (status, _, location) = send(post("/official/unlock", &right));
    assert_eq!((status, location.as_deref()), (303, Some("/official")));

    // No filing started yet: its page sends to the form.
    let (status, _, location) = send(app.request("GET", "/official/file/progress"));
    assert_eq!((status, location.as_deref()), (303, Some("/official/file")));

    // Unlocked: the list and the editor, with the totals in yuan.
    let (status, body, _) = send(app.request("GET", "/official/declarations"));
    assert_eq!(status, 200);
    assert!(body.contains("2025.toml"), "{body}");
    let (status, body, _) = send(app.request("GET", edit_path));
    assert_eq!(status, 200);
    assert!(
        body.contains("3,200,000.00") && body.contains("id=\"net-worth\""),
        "{body}"
    );

    // Import: a declaration from elsewhere is checked, then written under its own name (its
    // last component), owner-only; never over a file, and never when it does not check.
    let good = include_bytes!("../examples/gov-0001-2026.toml");
    let import = |name: &str, bytes: &[u8]| {
        app.request("POST", "/official/declarations/import")
            .multipart(&[], &[("file", name, bytes)])
    };
    let (status, _, location) = send(import("../../accountant.toml", good));
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/official/declaration?file=accountant.toml"))
    );
    let imported = data.path().join("accountant.toml");
    assert_eq!(std::fs::read(&imported).expect("imported"), good);
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&imported)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "a declaration is the official's only");
    }
    for (name, bytes, message) in [
        ("accountant.toml", &b"# another"[..], "already"),
        (
            "broken.toml",
            &b"official = \"GOV-0001\"\nperiod = \"soon\"\n"[..],
            "not a valid declaration",
        ),
        ("binary.toml", &[0xff, 0xfe, 0x00][..], "not UTF-8 text"),
    ] {
        let (status, body, _) = send(import(name, bytes));
        assert_eq!(status, 200, "{name}");
        assert!(body.contains(message), "{name}: {body}");
    }
    assert_eq!(
        std::fs::read(&imported).expect("kept"),
        good,
        "never replaced"
    );
    assert!(!data.path().join("broken.toml").exists());
    assert!(!data.path().join("binary.toml").exists());

    // Bad edits: each gives its message and leaves the file as it was.
    let mut bad_value = items.clone();
    bad_value[1].value_yuan = "12.345".to_owned();
    let same_id = ItemFields {
        owner: "spouse".to_owned(),
        ..items[0].clone()
    };
    let yacht = ItemFields {
        category: "yacht".to_owned(),
        value_yuan: "1".to_owned(),
        ..ItemFields::default()
    };
    for (form, message) in [
        (
            editor_form(&bad_value, None, "save"),
            "item 2: the value is not an amount in yuan",
        ),
        (
            editor_form(&items, Some(&same_id), "save"),
            "items 1 and 12 have the same asset id",
        ),
        (
            editor_form(&items, Some(&yacht), "save"),
            "item 12: unknown category `yacht`",
        ),
    ] {
        let (status, body, _) = send(post(edit_path, &form));
        assert_eq!(status, 200);
        assert!(
            body.contains("Not saved; the file is unchanged") && body.contains(message),
            "{message}: {body}"
        );
        assert_eq!(
            std::fs::read_to_string(&decl).expect("read"),
            original,
            "{message}"
        );
    }
    // A good edit is saved, comments kept.
    let (_, body, _) = send(post(edit_path, &edit));
    assert!(body.contains("id=\"saved\""), "{body}");
    let saved = std::fs::read_to_string(&decl).expect("read");
    assert!(
        saved.contains("value = 100            # 3,200,000 yuan"),
        "{saved}"
    );
    assert!(saved.contains("# --- Liabilities"), "{saved}");

    // Locking drops the passphrase: the pages are refused again.
    let (status, _, location) = send(app.request("POST", "/lock"));
    assert_eq!((status, location.as_deref()), (303, Some("/")));
    assert_eq!(send(app.request("GET", "/official/declarations")).0, 403);
    assert_eq!(send(post(edit_path, &edit)).0, 403);

    // No response, header or address held the passphrase.
    for reply in &replies {
        assert!(!reply.body.contains(PASSPHRASE));
        for (name, value) in &reply.headers {
            assert!(
                !value.contains(PASSPHRASE) && !value.contains("correct"),
                "{name}: {value}"
            );
        }
    }
}

/// What a tip's `x.html` attachment holds: a page whose script would mark the app's origin.
const X_HTML: &[u8] = b"<html><head><title>x</title></head><body><script>document.title='PWNED';localStorage.setItem('pwned','1');</script>x</body></html>";

#[test]
fn the_supervisors_pages_reverify_challenge_and_never_render_an_attachment() {
    let official = tempfile::tempdir().expect("tempdir");
    let world = World::start_with_official(official.path());
    world.official(official.path(), &["file", "examples/gov-0001-2025.toml"]);
    world.give_tip_key();
    let entry = world.send_tip(
        "GOV-0001",
        "The <b>villa</b> in Hangzhou is not declared.",
        &[("x.html", "text/html", X_HTML)],
    );
    let data = world.supervisor.path();
    let app = App::start(data, &world.server.url);
    let cookie = exchange(&app);
    let get = |path: &str| app.request("GET", path).cookie(&cookie).send();
    let post = |path: &str, form: &[(&str, &str)]| {
        app.request("POST", path).cookie(&cookie).form(form).send()
    };

    // The home page: the supervisor's section, nothing to unlock, the tip key found.
    let home = get("/");
    assert!(home.body.contains("id=\"supervisor\""), "{}", home.body);
    assert!(home.body.contains("Nothing to unlock"), "{}", home.body);
    assert!(home.body.contains("The tip key is here"), "{}", home.body);
    assert!(
        !home.body.contains("Enroll"),
        "a supervisor's app does not offer to report"
    );

    // The dashboard: GOV-0001's 2025 filing, re-verified here.
    let dashboard = get("/supervisor");
    assert_eq!(dashboard.status, 200);
    assert!(
        dashboard.body.contains("id=\"official-GOV-0001\"")
            && dashboard
                .body
                .contains("<span class=\"badge ok\">verified</span>"),
        "{}",
        dashboard.body
    );

    // The tips inbox: the text escaped, the attachment listed as text, never inline.
    let tips = get("/supervisor/tips");
    assert_eq!(tips.status, 200);
    assert!(
        tips.body
            .contains("The &lt;b&gt;villa&lt;/b&gt; in Hangzhou is not declared."),
        "{}",
        tips.body
    );
    assert!(tips.body.contains("x.html") && tips.body.contains("text/html"));
    assert!(!tips.body.contains("<script") && !tips.body.contains("PWNED"));
    let link = format!("/supervisor/tips/{entry}/attachments/1");
    assert!(tips.body.contains(&link), "{}", tips.body);

    // The attachment: a sandboxed download of the bytes sent, as they were sent.
    let file = get(&link);
    assert_eq!(file.status, 200);
    assert_eq!(
        file.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        file.header("content-disposition"),
        Some("attachment; filename=\"x.html\"; filename*=UTF-8''x.html")
    );
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    let policy = file.header("content-security-policy").expect("a policy");
    assert!(
        policy.ends_with("; sandbox") && policy.contains("default-src 'none'"),
        "{policy}"
    );
    assert_eq!(file.header("cache-control"), Some("no-store"));
    assert_eq!(file.body.as_bytes(), X_HTML);
    assert_eq!(
        get(&format!("/supervisor/tips/{entry}/attachments/2")).status,
        404
    );
    assert_eq!(get("/supervisor/tips/999/attachments/1").status, 404);
    // Saved to the data folder on request only.
    let saved_path = data.join(format!("tip-attachments/tip-{entry}/x.html"));
    assert!(!saved_path.exists());
    let saved = post("/supervisor/tips/save", &[("tip", &entry.to_string())]);
    assert!(saved.body.contains("1 file(s) saved"), "{}", saved.body);
    assert_eq!(std::fs::read(&saved_path).expect("saved"), X_HTML);

    // A challenge from elsewhere is refused; from the app's page it is issued, the asset id
    // in the POST body only.
    let asset = "浙(2018)杭州市不动产权第0123456号";
    let form = [
        ("official", "GOV-0001"),
        ("asset_id", asset),
        ("min_value", "3,000,000"),
        ("due", "2099-12-31"),
        ("period", "2025"),
    ];
    let foreign = app
        .request("POST", "/supervisor/challenges")
        .cookie(&cookie)
        .header("Origin", "http://evil.example")
        .form(&form)
        .send();
    assert_eq!(foreign.status, 403);
    assert!(get("/supervisor/challenges")
        .body
        .contains("No challenge yet."));
    let mut bad = form;
    bad[2].1 = "1.234";
    let bad = post("/supervisor/challenges", &bad);
    assert!(bad.body.contains("not an amount in yuan"), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"1.234\""),
        "the form keeps what was typed"
    );
    let issued = post("/supervisor/challenges", &form);
    assert_eq!(issued.status, 200);
    assert!(issued.body.contains("id=\"issued\""), "{}", issued.body);
    assert!(
        issued.body.contains("3,000,000.00 yuan or more"),
        "{}",
        issued.body
    );
    assert!(issued.body.contains(">open<"), "{}", issued.body);
    assert!(issued.header("location").is_none());
    let record = get("/supervisor/official?id=GOV-0001");
    assert_eq!(record.status, 200);
    assert!(
        record.body.contains("id=\"verdict\"") && record.body.contains("VERIFIED"),
        "{}",
        record.body
    );
    assert!(record.body.contains("id=\"challenges\""), "{}", record.body);
    assert!(
        record
            .body
            .contains("href=\"/supervisor/official?id=GOV-0001&amp;lang=zh-CN\""),
        "the language switch keeps the official"
    );
    assert_eq!(get("/supervisor/official?id=not%20an%20id").status, 404);

    // Reply and close.
    let replied = post(
        "/supervisor/tips/reply",
        &[
            ("tip", &entry.to_string()),
            ("message", "Thank you."),
            ("close", "1"),
        ],
    );
    assert!(replied.body.contains("and closed it"), "{}", replied.body);
    assert!(
        !replied.body.contains("name=\"message\""),
        "a closed tip takes no reply"
    );

    // Alerts and the audit.
    assert!(get("/supervisor/alerts").body.contains("No alerts."));
    let audit = get("/supervisor/audit");
    assert!(
        audit.body.contains("with the pinned log key: verified"),
        "{}",
        audit.body
    );
    assert!(
        audit.body.contains("Consistent with the checkpoint"),
        "{}",
        audit.body
    );
    let full = post("/supervisor/audit", &[]);
    assert!(
        full.body.contains("Full audit: every entry"),
        "{}",
        full.body
    );
}
