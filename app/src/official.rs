//! The official's pages: unlock the wallet for the session, edit a declaration file, file it
//! for a period, answer challenges, read the history. Each calls the client library
//! (`probity_client::official`, `probity_client::declaration_edit`) as the command line does.
//!
//! Every page but the unlock form needs the session unlocked: a declaration's figures are the
//! official's secrets, and a locked session shows none and writes nothing. The passphrase
//! travels once, in the unlock form's POST body; it is kept in this process's memory as a
//! `Passphrase` (wiped when dropped) until the session is locked or idles out, and is never
//! put in a page, an address or a log. Figures that would explain a wealth growth are shown
//! here only: nothing about them is sent.

mod challenges;
mod editor;
mod filing;
mod job;

pub(crate) use filing::Filing;

use std::{path::PathBuf, sync::Arc, time::Instant};

use axum::{
    extract::{Extension, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use maud::{html, Markup};
use probity_client::{
    declaration_edit::declaration_files,
    official::{History, Passphrase, Wallet, WALLET_FILE},
    Official, OfficialError,
};
use probity_web::Lang;
use serde::Deserialize;

use crate::{
    text::{fill, T},
    whistleblower::{call, page},
    AppState, Unlocked,
};

const HOME: &str = "/official";
const UNLOCK: &str = "/official/unlock";
const HISTORY: &str = "/official/history";

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(HOME, get(home))
        .route(UNLOCK, post(unlock))
        .route(HISTORY, get(history))
        .merge(editor::routes())
        .merge(filing::routes())
        .merge(challenges::routes())
}

/// The official's part of the home page.
pub(crate) fn home_section(lang: Lang, unlocked: bool) -> Markup {
    html! {
        section.role #official {
            h2 { (T::OfficialRole.get(lang)) }
            @if unlocked { (actions(lang)) } @else {
                p { (T::OfUnlockFirst.get(lang)) }
                ul.actions { li { a href=(HOME) { (T::OfUnlock.get(lang)) } } }
            }
        }
    }
}

fn actions(lang: Lang) -> Markup {
    html! {
        ul.actions {
            li { a href=(editor::LIST) { (T::OfDeclarations.get(lang)) } }
            li { a href=(filing::FILE) { (T::OfFile.get(lang)) } }
            li { a href=(challenges::CHALLENGES) { (T::OfChallenges.get(lang)) } }
            li { a href=(HISTORY) { (T::OfHistory.get(lang)) } }
        }
    }
}

/// The passphrase of the session, if it is unlocked for the official.
pub(crate) fn unlocked(app: &AppState) -> Option<Passphrase> {
    let live = app.live.lock().unwrap_or_else(|e| e.into_inner());
    match live.as_ref()?.session.unlocked()? {
        Unlocked::Official(passphrase) => Some(passphrase.clone()),
    }
}

/// What a page that needs the wallet answers while the session is locked: the unlock form,
/// and nothing of the declarations (403: nothing was done).
pub(crate) fn locked(lang: Lang) -> Response {
    let page = unlock_page(lang, None);
    (StatusCode::FORBIDDEN, page).into_response()
}

fn unlock_page(lang: Lang, error: Option<Markup>) -> Html<String> {
    let main = html! {
        h1 { (T::OfficialRole.get(lang)) }
        p.intro { (T::OfUnlockIntro.get(lang)) }
        @if let Some(error) = error { (error) }
        form.app method="post" action=(UNLOCK) {
            label { (T::OfPassphrase.get(lang))
                input #passphrase type="password" name="passphrase" required
                    autocomplete="current-password";
            }
            button type="submit" { (T::OfUnlock.get(lang)) }
        }
    };
    page(lang, Some(HOME), T::OfficialRole, main)
}

async fn home(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    if unlocked(&app).is_none() {
        return unlock_page(lang, None).into_response();
    }
    let main = html! {
        h1 { (T::OfficialRole.get(lang)) }
        p.ok #unlocked { (T::OfUnlocked.get(lang)) }
        (actions(lang))
    };
    page(lang, Some(HOME), T::OfficialRole, main).into_response()
}

/// The unlock form. Its one field moves into a [`Passphrase`] (wiped when dropped).
#[derive(Default, Deserialize)]
pub(crate) struct UnlockFields {
    #[serde(default)]
    passphrase: String,
}

/// `POST /official/unlock`: the wallet is opened with the passphrase (so that a wrong one is
/// refused now, not at filing), and the passphrase kept for the session.
async fn unlock(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<UnlockFields>,
) -> Response {
    let passphrase = Passphrase::new(fields.passphrase);
    let wallet = app.data_dir.join(WALLET_FILE);
    let pass = passphrase.clone();
    let opened = call(
        lang,
        |_: &OfficialError| false,
        move || {
            Wallet::open(&wallet, &pass)
                .map(drop)
                .map_err(OfficialError::from)
        },
    )
    .await;
    if let Err(error) = opened {
        return (StatusCode::FORBIDDEN, unlock_page(lang, Some(error))).into_response();
    }
    if let Some(live) = app.live.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        live.session
            .unlock(Unlocked::Official(passphrase), Instant::now());
    }
    Redirect::to(HOME).into_response()
}

/// The official of this data folder.
pub(crate) fn official(app: &AppState) -> Result<Official, OfficialError> {
    Official::open(&app.client, &app.data_dir)
}

/// The declaration file `name` of the data folder: a plain name the folder lists.
pub(crate) fn declaration_path(app: &AppState, name: &str) -> Option<PathBuf> {
    declaration_files(&app.data_dir)
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == name))
}

/// The names of the declaration files of the data folder.
pub(crate) fn declaration_names(app: &AppState) -> Vec<String> {
    declaration_files(&app.data_dir)
        .iter()
        .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
        .collect()
}

/// An amount in fen, as yuan with separators, in words of `lang`.
pub(crate) fn yuan(lang: Lang, fen: i128) -> String {
    fill(lang, T::OfYuan, &[&probity_core::format_minor_units(fen)])
}

async fn history(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    let app2 = Arc::clone(&app);
    let found = call(lang, OfficialError::is_untrusted, move || {
        official(&app2)?.history()
    })
    .await;
    let main = html! {
        h1 { (T::OfHistory.get(lang)) }
        @match found {
            Ok(history) => (history_markup(lang, &history)),
            Err(error) => (error),
        }
    };
    page(lang, Some(HISTORY), T::OfHistory, main).into_response()
}

fn history_markup(lang: Lang, history: &History) -> Markup {
    let record = &history.record;
    html! {
        p { (record.official.name) " — " (record.official.position) " (" (record.official.official) ")" }
        h2 { (T::OfFilings.get(lang)) }
        @if record.filings.is_empty() { p.empty { (T::OfNoFilings.get(lang)) } } @else {
            table #filings {
                tr { th { (T::OfPeriod.get(lang)) } th { (T::OfEntry.get(lang)) } th { (T::OfWhen.get(lang)) } th { (T::OfCapacity.get(lang)) } }
                @for f in &record.filings {
                    tr { td { (f.period) } td { (f.entry) } td { (probity_core::format_utc(f.time / 1000)) } td { (f.capacity) } }
                }
            }
        }
        h2 { (T::OfProofs.get(lang)) }
        @if record.proofs.is_empty() { p.empty { (T::OfNoProofs.get(lang)) } } @else {
            table #proofs {
                tr { th { (T::OfStatement.get(lang)) } th { (T::OfPeriod.get(lang)) } th { (T::OfEntry.get(lang)) } }
                @for p in &record.proofs {
                    tr {
                        td { (p.statement) }
                        td { (p.periods.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                        td { (p.entry) }
                    }
                }
            }
        }
        h2 { (T::OfReceipts.get(lang)) }
        @if history.receipts.is_empty() { p.empty { (T::OfNoReceipts.get(lang)) } } @else {
            ul #receipts {
                @for r in &history.receipts {
                    @match &r.checked {
                        Ok(kind) => li.ok { (fill(lang, T::OfOnLog, &[&r.entry.to_string()])) " (" (kind) ")" },
                        Err(why) => li.bad { (fill(lang, T::OfReceiptBad, &[&r.entry.to_string(), why])) },
                    }
                }
            }
        }
    }
}
