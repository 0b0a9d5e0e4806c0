//! An official's record, re-verified on this computer each time it is opened: every filing
//! and proof of theirs checked against the log (`Supervisor::check_official`), the answered
//! challenges held against what they asked, then the challenges and alerts about them as
//! the service lists them.

use std::sync::Arc;

use axum::{
    extract::{Extension, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use maud::{html, Markup};
use probity_client::{
    api::{AlertView, ChallengeView},
    supervisor::{OfficialCheck, ProofCheck},
    NoProgress, SupervisorError,
};
use probity_core::OfficialId;
use probity_web::Lang;
use serde::Deserialize;

use super::{
    alerts::alert_rows, challenges::challenge_rows, dashboard, now_ms, page, supervisor, when,
};
use crate::{
    text::{fill, T},
    whistleblower::call,
    AppState,
};

pub(super) const RECORD: &str = "/supervisor/official";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new().route(RECORD, get(record))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RecordQuery {
    #[serde(default)]
    id: String,
}

/// What the record page shows.
struct Record {
    check: OfficialCheck,
    challenges: Vec<ChallengeView>,
    alerts: Vec<AlertView>,
}

fn read(app: &AppState, official: &OfficialId) -> Result<Record, SupervisorError> {
    let supervisor = supervisor(app)?;
    let check = supervisor.check_official(official, None, &NoProgress)?;
    let verdict = dashboard::Verdict {
        size: check.checkpoint.size(),
        standing: check.standing(now_ms()),
    };
    dashboard::keep(app, official, verdict);
    let mine = |o: &OfficialId| o == official;
    Ok(Record {
        challenges: supervisor
            .challenges()?
            .into_iter()
            .filter(|c| mine(&c.official))
            .collect(),
        alerts: supervisor
            .alerts()?
            .into_iter()
            .filter(|a| mine(&a.detail.official))
            .collect(),
        check,
    })
}

async fn record(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Query(query): Query<RecordQuery>,
) -> Response {
    let Ok(official) = OfficialId::new(query.id.trim()) else {
        return (
            StatusCode::NOT_FOUND,
            page(lang, None, T::SuRecordTitle, html! { h1 { (T::SuRecordTitle.get(lang)) } p.bad { (T::SuNoSuchOfficial.get(lang)) } }),
        )
            .into_response();
    };
    let (app2, id) = (Arc::clone(&app), official.clone());
    let found = call(lang, SupervisorError::is_untrusted, move || {
        read(&app2, &id)
    })
    .await;
    let main = match found {
        Ok(record) => record_markup(lang, &record),
        Err(error) => html! { h1 { (official) } (error) },
    };
    let here = super::record_path(&official);
    page(lang, Some(&here), T::SuRecordTitle, main).into_response()
}

fn record_markup(lang: Lang, record: &Record) -> Markup {
    let check = &record.check;
    let o = &check.record.official;
    let size = check.checkpoint.size().to_string();
    html! {
        h1 { (o.name) }
        p { (fill(lang, T::SuRegistered, &[&o.position, &o.jurisdiction, o.official.as_str(), &o.entry.to_string()])) }
        @if check.verified() {
            p.check-status.ok #verdict { (fill(lang, T::SuRecordVerified, &[&size])) }
        } @else {
            p.check-status.bad #verdict { (fill(lang, T::SuRecordNotVerified, &[&check.failures.len().to_string(), &size])) }
        }
        p #standing { (super::dashboard::badges(lang, &check.standing(now_ms()))) }
        ul.actions { li { a href=(format!("{}?official={}", super::challenges::CHALLENGES, o.official)) { (T::SuChallengeThis.get(lang)) } } }
        @if !check.failures.is_empty() {
            h2 { (T::SuProblems.get(lang)) }
            ul #failures { @for f in &check.failures { li.bad { (f) } } }
        }
        h2 { (T::OfFilings.get(lang)) }
        (filings(lang, check))
        h2 { (T::OfChallenges.get(lang)) }
        (challenge_rows(lang, &record.challenges, Some(check)))
        h2 { (T::SuAlerts.get(lang)) }
        (alert_rows(lang, &record.alerts, false))
        @if !check.warnings.is_empty() {
            h2 { (T::SuNotes.get(lang)) }
            ul #warnings { @for w in &check.warnings { li { (w) } } }
        }
    }
}

fn filings(lang: Lang, check: &OfficialCheck) -> Markup {
    if check.filings.is_empty() {
        return html! { p.empty { (T::OfNoFilings.get(lang)) } };
    }
    let others: Vec<&ProofCheck> = check.other_proofs().collect();
    html! {
        table #filings {
            tr {
                th { (T::OfPeriod.get(lang)) } th { (T::OfEntry.get(lang)) } th { (T::OfWhen.get(lang)) }
                th { (T::OfCapacity.get(lang)) } th { (T::SuState.get(lang)) }
            }
            @for x in &check.filings {
                tr {
                    td { (x.period) } td { (x.entry) } td { (when(x.time)) } td { (x.capacity) }
                    td {
                        @if x.valid() { span.badge.ok { (T::SuSignatureOk.get(lang)) } } @else { span.badge.bad { (T::SuRejected.get(lang)) } }
                        " "
                        @if x.superseded { span.badge.muted { (T::SuSuperseded.get(lang)) } " " }
                        @if x.late == Some(true) { span.badge.warn { (T::SuLate.get(lang)) } }
                    }
                }
                @for p in x.proofs.iter().filter_map(|e| check.proof(*e)) { (proof_row(lang, p)) }
            }
        }
        @if !others.is_empty() {
            h3 { (T::SuOtherProofs.get(lang)) }
            table #other-proofs { @for p in others { (proof_row(lang, p)) } }
        }
    }
}

fn proof_row(lang: Lang, p: &ProofCheck) -> Markup {
    let periods: Vec<String> = p.periods.iter().map(ToString::to_string).collect();
    html! {
        tr.proof {
            td {} td { (p.entry) }
            td colspan="2" { (p.statement) " (" (periods.join("→")) ")" @if let Some(w) = &p.in_words { br; span.muted { (w) } } }
            td {
                @if p.valid() { span.badge.ok { (T::SuProofValid.get(lang)) } }
                @else { span.badge.bad { (T::SuProofFailed.get(lang)) } " " (p.problems.join("; ")) }
            }
        }
    }
}
