//! # probity-app
//!
//! The local app (`probity app`): a web UI that a party's own `probity` serves on loopback,
//! over the client library, for the roles whose keys are in the data folder. Officials,
//! supervisors and whistleblowers are not terminal users, but their secrets (an official's
//! declaration and blindings, a supervisor's keys, a whistleblower's credential) must never
//! leave their machine, so the service cannot serve their pages: this process does, with the
//! same library calls as the command line. Today: the whistleblower's pages (enroll, write a
//! tip, a tip's status), the official's (unlock the wallet, edit a declaration, file it,
//! answer challenges, the history), the supervisor's (the officials re-verified against the
//! log, an official's record, alerts, challenges, the tips inbox, the audit) and the home
//! page.
//!
//! Its trust boundary: a loopback server that holds a party's secrets for one browser
//! session. What guards it ([`guard`]): a one-time token in the printed address, exchanged
//! for an `HttpOnly`, `SameSite=Strict` session cookie; the `Host` of every request checked
//! against the bound address (DNS rebinding); the `Origin` of every write (CSRF); a strict
//! `Content-Security-Policy` and `Cache-Control: no-store` on every response. A secret
//! unlocked for the session is kept in this process's memory only, until the user locks the
//! session or it idles out ([`session`]).
//!
//! # What it must never do
//!
//! - Listen on anything but a loopback address ([`bind`] refuses).
//! - Put a secret in a URL (receipt codes and enrollment codes travel in POST bodies; the
//!   one-time token is the only secret an address holds, and it works once), in a log or an
//!   error page, or let a page be cached.
//! - Load anything from outside (no CDN, font or script: the pages have no script at all), or
//!   let another site's page frame it or post to it.
//! - Hold a role's logic: that is the client library's. Link the service or a database.
#![deny(rustdoc::broken_intra_doc_links)]

mod guard;
mod official;
mod page;
mod session;
mod supervisor;
mod text;
mod whistleblower;

use std::{
    future::Future,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::{Extension, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use probity_client::{api::OfficialInfo, Client};
use probity_web::Lang;

use crate::{
    page::{Frame, Roles},
    session::{Secret, Session},
    text::T,
};

/// Where the app serves its own additions to the shared stylesheet.
const APP_STYLESHEET_PATH: &str = "/static/app.css";
const APP_STYLESHEET: &str = include_str!("../static/app.css");

/// What the app serves.
#[derive(Clone, Debug)]
pub struct Config {
    /// The data folder: the roles' keys, the whistleblower's folder, the log's pinned key.
    pub data_dir: PathBuf,
    /// The service's base URL.
    pub server: String,
    /// How long a session may idle before what it unlocked is dropped.
    pub idle_timeout: Duration,
}

/// Why the app cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The address is not a loopback one.
    #[error("{0} is not a loopback address: the app holds your secrets, so it listens only on this machine (127.0.0.1:PORT, [::1]:PORT)")]
    NotLoopback(SocketAddr),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// The app's state: the configuration, the guard's allowed hosts and origins, the one-time
/// token, and the one session.
pub(crate) struct AppState {
    data_dir: PathBuf,
    server: String,
    client: Client,
    idle_timeout: Duration,
    /// `Host` values that name this app: `127.0.0.1:PORT`, `localhost:PORT`, and the bound
    /// address if it is another loopback one.
    hosts: Vec<String>,
    /// `http://` and each of `hosts`.
    origins: Vec<String>,
    /// The token of the printed address, until it is used.
    token: Mutex<Option<Secret>>,
    /// The session, once the token is exchanged: one per run.
    live: Mutex<Option<Live>>,
}

/// What the session holds.
pub(crate) struct Live {
    session: Session<Unlocked>,
    /// The list of officials, fetched once per session: a tip's subject is chosen from it,
    /// so that no request names the official but the sealed tip.
    officials: Option<Arc<Vec<OfficialInfo>>>,
    /// The supervisor's dashboard verdicts, by official (dropped when the session locks).
    verdicts: supervisor::Verdicts,
    /// The official's filing under way or last done (dropped when the session locks, unless
    /// it still runs).
    filing: Option<official::Filing>,
    /// Set by `POST /lock`, for the next page to say so once.
    just_locked: bool,
}

/// What a session can hold unlocked. The whistleblower's pages need nothing (the credential
/// file is read as is, mode 0600, like the command line reads it), nor do the supervisor's:
/// the supervisor key and the tip key are key files of mode 0600 with no passphrase, read at
/// each use as the command line reads them.
pub(crate) enum Unlocked {
    /// The official's wallet passphrase: the wallet is opened with it for each filing or
    /// answer. It is wiped from memory when the session locks (it is dropped then).
    Official(probity_client::official::Passphrase),
}

/// A bound app, ready to serve.
pub struct Bound {
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    address: String,
}

/// Binds `addr` (which must be a loopback address; port 0 picks a free one) for `config`.
pub async fn bind(addr: SocketAddr, config: Config) -> Result<Bound, AppError> {
    if !addr.ip().is_loopback() {
        return Err(AppError::NotLoopback(addr));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| AppError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| AppError::Bind { addr, source })?;
    let port = bound.port();
    let mut hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if !hosts.contains(&bound.to_string()) {
        hosts.push(bound.to_string());
    }
    let origins = hosts.iter().map(|h| format!("http://{h}")).collect();
    let state = AppState {
        client: Client::new(&config.server),
        data_dir: config.data_dir,
        server: config.server,
        idle_timeout: config.idle_timeout,
        hosts,
        origins,
        token: Mutex::new(Some(Secret::random())),
        live: Mutex::new(None),
    };
    Ok(Bound {
        listener,
        state: Arc::new(state),
        address: format!("http://{bound}"),
    })
}

impl Bound {
    /// The address to open, with the one-time token: `http://127.0.0.1:PORT/?token=…`. It is
    /// the one secret an address of the app holds; it works once.
    pub fn url(&self) -> String {
        let token = self.state.token.lock().unwrap_or_else(|e| e.into_inner());
        let token = token.as_ref().map(Secret::reveal).unwrap_or_default();
        format!("{}/?token={token}", self.address)
    }

    /// Serves until `shutdown` completes.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/lock", post(lock))
        .route(
            probity_web::STYLESHEET_PATH,
            get(|| css(probity_web::STYLESHEET)),
        )
        .route(APP_STYLESHEET_PATH, get(|| css(APP_STYLESHEET)))
        .merge(whistleblower::routes())
        .merge(official::routes())
        .merge(supervisor::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard::guard,
        ))
        .layer(axum::middleware::map_response(guard::security_headers))
        .with_state(state)
}

async fn css(text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], text).into_response()
}

async fn home(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Html<String> {
    let roles = Roles::of(&app.data_dir);
    let locked = app
        .live
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_mut()
        .is_some_and(|live| std::mem::take(&mut live.just_locked));
    let unlocked = official::unlocked(&app).is_some();
    Html(page::home(
        lang,
        roles,
        &app.data_dir,
        &app.server,
        (locked, unlocked),
    ))
}

/// `POST /lock`: drops what the session unlocked.
async fn lock(State(app): State<Arc<AppState>>) -> Redirect {
    if let Some(live) = app.live.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        live.session.lock();
        live.verdicts.clear();
        // A job that runs is kept, so that a second one cannot start beside it after the
        // next unlock; its page needs the session unlocked.
        live.filing.take_if(|f| f.is_over());
        live.just_locked = true;
    }
    Redirect::to("/")
}

async fn not_found(Extension(lang): Extension<Lang>) -> (StatusCode, Html<String>) {
    let main = maud::html! {
        h1 { (T::NotFoundTitle.get(lang)) }
        p { (T::NotFound.get(lang)) " " a href="/" { (T::NavHome.get(lang)) } }
    };
    let frame = Frame {
        lang,
        switch: None,
        session: true,
        nav: &[],
        refresh: false,
    };
    (
        StatusCode::NOT_FOUND,
        Html(page::layout(frame, T::NotFoundTitle.get(lang), main)),
    )
}
