//! The dashboard: every official the service lists, with how their latest filing stands,
//! re-verified on this computer against the log rather than taken from the service.
//!
//! What is re-verified, and when: for each official, `Supervisor::check_official` reads the
//! whole log under its latest signed checkpoint (verified with the pinned log key and
//! consistent with the last one this machine accepted), rebuilds its root from the entries,
//! and re-verifies every filing and proof of the official with the verifying keys the log
//! published; the standing shown (verified, late, missing, wealth growth not shown) is read
//! off that check ([`OfficialCheck::standing`](probity_client::supervisor::OfficialCheck)).
//! A verdict is kept for the session with the checkpoint size it was made at. Opening the
//! dashboard checks again the officials whose verdict is older than the log's latest
//! checkpoint, at most [`CHECKS_PER_VISIT`] of them (each check reads the whole log); the
//! others wait for their button, or the button that checks them all. Locking the session
//! drops the verdicts.

use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::{Extension, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use maud::{html, Markup};
use probity_client::{api::OfficialInfo, supervisor::Standing, NoProgress, SupervisorError};
use probity_core::OfficialId;
use probity_web::Lang;
use serde::Deserialize;

use super::{now_ms, page, record_path, supervisor, when};
use crate::{
    text::{fill, T},
    whistleblower::{call, officials},
    AppState,
};

pub(super) const DASHBOARD: &str = "/supervisor";
const VERIFY: &str = "/supervisor/verify";

/// How many officials one visit of the dashboard checks again at most.
pub(super) const CHECKS_PER_VISIT: usize = 8;

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(DASHBOARD, get(dashboard))
        .route(VERIFY, post(verify))
}

/// An official's standing, checked at a checkpoint of `size` entries.
#[derive(Clone, Debug)]
pub(crate) struct Verdict {
    pub(super) size: u64,
    pub(super) standing: Standing,
}

/// The verdicts of the session, by official. They hold no withheld detail (no asset, no
/// value): only what the dashboard shows.
pub(crate) type Verdicts = HashMap<OfficialId, Verdict>;

/// Keeps `verdict` for the session.
pub(super) fn keep(app: &AppState, official: &OfficialId, verdict: Verdict) {
    if let Some(live) = app.live.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        live.verdicts.insert(official.clone(), verdict);
    }
}

fn kept(app: &AppState) -> Verdicts {
    app.live
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|live| live.verdicts.clone())
        .unwrap_or_default()
}

/// A row of the dashboard: a verdict, why there is none, or none yet.
enum Row {
    Checked(Verdict),
    Failed(Markup),
    NotYet,
}

/// Checks `official` against the log now; the verdict is kept for the session.
fn check(app: &AppState, official: &OfficialId) -> Result<Verdict, SupervisorError> {
    let check = supervisor(app)?.check_official(official, None, &NoProgress)?;
    let verdict = Verdict {
        size: check.checkpoint.size(),
        standing: check.standing(now_ms()),
    };
    keep(app, official, verdict.clone());
    Ok(verdict)
}

/// The rows: kept verdicts as fresh as the log's checkpoint, and fresh checks of up to
/// `budget` others.
fn rows(app: &AppState, lang: Lang, list: &[OfficialInfo], mut budget: usize) -> Vec<Row> {
    let kept = kept(app);
    // The log's size now, read under the pinned key (cheap: one checkpoint, and a
    // consistency proof from the last one seen).
    let size = supervisor(app).and_then(|s| {
        let conn = s.connection();
        Ok(conn.latest_checkpoint(&conn.log_key()?.key)?.size())
    });
    list.iter()
        .map(|o| match (kept.get(&o.official), &size) {
            (Some(v), Ok(size)) if v.size >= *size => Row::Checked(v.clone()),
            _ if budget == 0 => Row::NotYet,
            _ => {
                budget -= 1;
                match check(app, &o.official) {
                    Ok(v) => Row::Checked(v),
                    Err(e) => Row::Failed(crate::page::failure(lang, &e, e.is_untrusted())),
                }
            }
        })
        .collect()
}

async fn dashboard(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    let main = match officials(&app, lang).await {
        Err(error) => error,
        Ok(list) => {
            let (app2, list2) = (Arc::clone(&app), Arc::clone(&list));
            let rows = call(
                lang,
                |_: &SupervisorError| false,
                move || Ok(rows(&app2, lang, &list2, CHECKS_PER_VISIT)),
            )
            .await;
            match rows {
                Ok(rows) => table(lang, &list, &rows),
                Err(error) => error,
            }
        }
    };
    let main = html! {
        h1 { (T::SuDashboard.get(lang)) }
        p.intro { (fill(lang, T::SuDashboardIntro, &[&CHECKS_PER_VISIT.to_string()])) }
        (main)
    };
    page(lang, Some(DASHBOARD), T::SuDashboard, main).into_response()
}

fn table(lang: Lang, list: &[OfficialInfo], rows: &[Row]) -> Markup {
    if list.is_empty() {
        return html! { p.empty { (T::TipNoOfficials.get(lang)) } };
    }
    html! {
        table #officials {
            tr {
                th { (T::SuOfficial.get(lang)) } th { (T::SuLatest.get(lang)) }
                th { (T::SuState.get(lang)) } th { (T::SuCheckedAt.get(lang)) } th {}
            }
            @for (o, row) in list.iter().zip(rows) {
                tr id=(format!("official-{}", o.official)) {
                    td { a href=(record_path(&o.official)) { (o.name) } br; span.muted { (o.official) " · " (o.position) } }
                    (row_cells(lang, row))
                    td {
                        form.inline method="post" action=(VERIFY) {
                            input type="hidden" name="official" value=(o.official.as_str());
                            button type="submit" { (T::SuVerify.get(lang)) }
                        }
                    }
                }
            }
        }
        form.app method="post" action=(VERIFY) {
            input type="hidden" name="all" value="1";
            p.note { (T::SuVerifyAllTakes.get(lang)) }
            button #verify-all type="submit" { (T::SuVerifyAll.get(lang)) }
        }
    }
}

fn row_cells(lang: Lang, row: &Row) -> Markup {
    match row {
        Row::NotYet => {
            html! { td {} td { span.badge.muted { (T::SuNotChecked.get(lang)) } } td {} }
        }
        Row::Failed(error) => html! { td {} td.state { (error) } td {} },
        Row::Checked(v) => html! {
            td { @if let Some(l) = &v.standing.latest {
                (l.period) br; span.muted { (fill(lang, T::SuEntryAt, &[&l.entry.to_string(), &when(l.time)])) }
            } }
            td.state { (badges(lang, &v.standing)) }
            td { (v.size) }
        },
    }
}

/// The standing as badges: the verdict of the latest filing, and each thing wrong.
pub(super) fn badges(lang: Lang, s: &Standing) -> Markup {
    let periods = |ps: &[probity_core::Period]| {
        ps.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        @if !s.verified { span.badge.bad { (T::SuNotVerified.get(lang)) } " " }
        @match &s.latest {
            None => { span.badge.muted { (T::SuNothingFiled.get(lang)) } " " }
            Some(l) => {
                @if s.verified && l.valid { span.badge.ok { (T::SuVerified.get(lang)) } " " }
                @if !l.valid { span.badge.bad { (T::SuNoBandProof.get(lang)) } " " }
                @if l.late == Some(true) { span.badge.warn { (T::SuLate.get(lang)) } " " }
                @if l.growth_shown == Some(false) { span.badge.bad { (T::SuGrowthNotShown.get(lang)) } " " }
            }
        }
        @if !s.missing.is_empty() {
            span.badge.bad { (fill(lang, T::SuMissing, &[&periods(&s.missing)])) }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct VerifyFields {
    #[serde(default)]
    official: String,
    #[serde(default)]
    all: String,
}

/// `POST /supervisor/verify`: checks one official again now, or every one (a long POST:
/// the whole log is read once per official); then the dashboard.
async fn verify(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<VerifyFields>,
) -> Response {
    let list = match officials(&app, lang).await {
        Ok(list) => list,
        Err(error) => return page(lang, None, T::SuDashboard, error).into_response(),
    };
    let wanted: Vec<OfficialId> = list
        .iter()
        .map(|o| o.official.clone())
        .filter(|o| !fields.all.is_empty() || o.as_str() == fields.official)
        .collect();
    let app2 = Arc::clone(&app);
    let _ = call(
        lang,
        |_: &SupervisorError| false,
        move || {
            // A failure shows on the dashboard, where the official is checked again.
            wanted.iter().for_each(|o| drop(check(&app2, o)));
            Ok(())
        },
    )
    .await;
    Redirect::to(DASHBOARD).into_response()
}
