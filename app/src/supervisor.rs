//! The supervisor's pages: the dashboard of officials (each one's latest filing re-verified
//! here against the log), an official's record, the alerts by rule, challenges, the tips
//! inbox, and the audit of the log. Each calls `probity_client::Supervisor` (and
//! `probity_client::Auditor`) as the command line does.
//!
//! Nothing is unlocked for these pages: the supervisor's key (`supervisor.key`) and the
//! supervisors' tip key (`supervisor-tip.key`) are plain key files of mode 0600 in the data
//! folder, with no passphrase, and the library reads them as the command line does, at each
//! use. What the pages show of a tip (its text, its attachments) is opened again for each
//! request and kept in no cache; what the session keeps (the dashboard's verdicts) holds no
//! withheld detail and is dropped when the session locks.

mod alerts;
mod audit;
mod challenges;
mod dashboard;
mod record;
mod tips;

use std::{path::Path, sync::Arc};

use axum::{response::Html, Router};
use maud::{html, Markup};
use probity_client::{supervisor::TIP_KEY_FILE, Supervisor, SupervisorError};
use probity_core::OfficialId;
use probity_web::Lang;

use crate::{
    page::{self, Frame},
    text::{fill, T},
    AppState,
};

pub(crate) use dashboard::Verdicts;

/// The supervisor's sections, in the navigation of their pages and on the home page.
const NAV: &[(&str, T)] = &[
    (dashboard::DASHBOARD, T::SuDashboard),
    (alerts::ALERTS, T::SuAlerts),
    (challenges::CHALLENGES, T::OfChallenges),
    (tips::TIPS, T::SuTips),
    (audit::AUDIT, T::SuAudit),
];

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .merge(dashboard::routes())
        .merge(record::routes())
        .merge(alerts::routes())
        .merge(challenges::routes())
        .merge(tips::routes())
        .merge(audit::routes())
}

/// The supervisor of this data folder, signing with its key.
fn supervisor(app: &AppState) -> Result<Supervisor, SupervisorError> {
    Supervisor::open(&app.client, &app.data_dir)
}

/// The address of an official's record.
fn record_path(official: &OfficialId) -> String {
    format!("{}?id={official}", record::RECORD)
}

/// Now, in ms since the Unix epoch.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A time in ms since the Unix epoch, as the pages write it.
fn when(ms: u64) -> String {
    probity_core::format_utc(ms / 1000)
}

/// A supervisor's page: the frame with the supervisor's sections in the navigation.
pub(crate) fn page(lang: Lang, switch: Option<&str>, title: T, main: Markup) -> Html<String> {
    let frame = Frame {
        lang,
        switch,
        session: true,
        nav: NAV,
        refresh: false,
    };
    Html(page::layout(frame, title.get(lang), main))
}

/// The supervisor's part of the home page: the sections, and whether the tip key is here.
pub(crate) fn home_section(lang: Lang, data_dir: &Path) -> Markup {
    let tip_key = data_dir.join(TIP_KEY_FILE);
    html! {
        section.role #supervisor {
            h2 { (T::SupervisorRole.get(lang)) }
            p { (T::SuNoUnlock.get(lang)) }
            @if tip_key.exists() {
                p.ok #tip-key { (fill(lang, T::SuTipKeyHere, &[&tip_key.display().to_string()])) }
            } @else {
                p.warning #tip-key { (fill(lang, T::SuNoTipKey, &[&tip_key.display().to_string()])) }
            }
            (actions(lang))
        }
    }
}

fn actions(lang: Lang) -> Markup {
    html! {
        ul.actions { @for (path, name) in NAV { li { a href=(path) { (name.get(lang)) } } } }
    }
}
