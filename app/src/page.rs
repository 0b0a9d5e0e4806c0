//! The frame of every page, the home page, and the pages that refuse a request. Every value
//! is escaped by `maud` as it is written; no page has a script or an inline style.

use std::path::Path;

use maud::{html, Markup, DOCTYPE};
use probity_client::KeyRole;
use probity_web::Lang;

use crate::{
    text::{fill, T},
    APP_STYLESHEET_PATH,
};

/// What the frame of a page shows.
#[derive(Clone, Copy)]
pub(crate) struct Frame<'a> {
    pub(crate) lang: Lang,
    /// The page to switch the language on (a GET path), or none where switching would lose
    /// what the page shows (the receipt code, shown once).
    pub(crate) switch: Option<&'a str>,
    /// Whether the request has a session: then the navigation and the lock button show.
    pub(crate) session: bool,
    /// The links of the role whose page this is (the supervisor's sections), after Home.
    pub(crate) nav: &'a [(&'a str, T)],
    /// Whether the page reloads itself each second (a filing's steps while it runs): a
    /// `<meta http-equiv="refresh">`, which needs no script.
    pub(crate) refresh: bool,
}

/// The page around `main`.
pub(crate) fn layout(frame: Frame<'_>, title: &str, main: Markup) -> String {
    let lang = frame.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if frame.refresh { meta http-equiv="refresh" content="1"; }
                title { (title) " · " (T::AppName.get(lang)) }
                link rel="stylesheet" href=(probity_web::STYLESHEET_PATH);
                link rel="stylesheet" href=(APP_STYLESHEET_PATH);
            }
            body {
                header.site {
                    div.brand {
                        a.name href="/" { (T::AppName.get(lang)) }
                        span.tagline { (T::AppTagline.get(lang)) }
                    }
                    nav {
                        @if frame.session {
                            a href="/" { (T::NavHome.get(lang)) }
                            @for (path, name) in frame.nav { a href=(path) { (name.get(lang)) } }
                        }
                        (switch(lang, frame.switch))
                        @if frame.session {
                            form.lock method="post" action="/lock" {
                                button type="submit" { (T::Lock.get(lang)) }
                            }
                        }
                    }
                }
                main { (main) }
                footer.site { p { (T::Footer.get(lang)) } }
            }
        }
    }
    .into_string()
}

/// The language switch: links to `path` with `lang=` added to its query, which the app
/// remembers in a cookie.
fn switch(lang: Lang, path: Option<&str>) -> Markup {
    let join = |path: &str| if path.contains('?') { '&' } else { '?' };
    html! {
        span.switch aria-label=(T::LanguageSwitch.get(lang)) {
            @for other in Lang::ALL {
                @match (other == lang, path) {
                    (false, Some(path)) => {
                        a lang=(other.tag()) hreflang=(other.tag())
                            href=(format!("{path}{}lang={}", join(path), other.tag())) { (other.autonym()) }
                    }
                    _ => { strong lang=(other.tag()) { (other.autonym()) } }
                }
            }
        }
    }
}

/// A page that refuses a request: a title and what to do.
pub(crate) fn refusal(lang: Lang, title: T, body: T) -> String {
    let main = html! {
        h1 { (title.get(lang)) }
        p.warning { (body.get(lang)) }
    };
    let frame = Frame {
        lang,
        switch: None,
        session: false,
        nav: &[],
        refresh: false,
    };
    layout(frame, title.get(lang), main)
}

/// An error of the library, in plain words: its message and the chain of causes. The
/// library's errors never hold a secret (its contract), and say what to do.
pub(crate) fn failure(lang: Lang, error: &dyn std::error::Error, untrusted: bool) -> Markup {
    let mut words = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        words.push_str(": ");
        words.push_str(&cause.to_string());
        source = cause.source();
    }
    html! {
        div.failure role="alert" {
            @if untrusted { p.bad { strong { (T::Untrusted.get(lang)) } } }
            p { strong { (T::Failed.get(lang)) } " " (words) }
        }
    }
}

/// The roles whose keys are in the data folder.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Roles {
    pub(crate) official: bool,
    pub(crate) supervisor: bool,
    /// The whistleblower's folder exists, or no other role is here: a reporter's data folder
    /// starts empty, and enrolling is how the role begins. A supervisor's or an official's
    /// app does not offer to report.
    pub(crate) whistleblower: bool,
    /// A credential is here.
    pub(crate) enrolled: bool,
}

impl Roles {
    pub(crate) fn of(data_dir: &Path) -> Roles {
        let official = data_dir.join(KeyRole::Official.file()).exists();
        let supervisor = data_dir.join(KeyRole::Supervisor.file()).exists();
        let folder = data_dir.join(probity_client::whistleblower::WHISTLEBLOWER_DIR);
        Roles {
            official,
            supervisor,
            whistleblower: folder.exists() || !(official || supervisor),
            enrolled: folder
                .join(probity_client::whistleblower::CREDENTIAL_FILE)
                .exists(),
        }
    }
}

/// `/`: the roles here, and the whistleblower's safety notes.
pub(crate) fn home(
    lang: Lang,
    roles: Roles,
    data_dir: &Path,
    server: &str,
    (locked, unlocked): (bool, bool),
) -> String {
    let folder = data_dir.display().to_string();
    let main = html! {
        h1 { (T::HomeTitle.get(lang)) }
        p.intro { (fill(lang, T::HomeIntro, &[&folder, server])) }
        @if locked { p.note #locked { (T::LockedNotice.get(lang)) } }
        @if roles.whistleblower { (crate::whistleblower::home_section(lang, roles.enrolled)) }
        @if roles.official { (crate::official::home_section(lang, unlocked)) }
        @if roles.supervisor { (crate::supervisor::home_section(lang, data_dir)) }
    };
    let frame = Frame {
        lang,
        switch: Some("/"),
        session: true,
        nav: &[],
        refresh: false,
    };
    layout(frame, T::HomeTitle.get(lang), main)
}
