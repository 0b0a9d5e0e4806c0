//! The audit of the log (`probity_client::Auditor`): its latest checkpoint, verified with
//! the pinned log key and proved consistent with the last one this machine accepted, each
//! time the page is opened; and, on request, a full audit: every entry and tile read and
//! recomputed, every proof re-verified with the verifying keys the log published (and the
//! withheld ones with the supervisors' disclosures). Without a script the full audit is one
//! long POST: the page says so, and shows the counts when it is done.

use std::sync::Arc;

use axum::{
    extract::{Extension, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use maud::{html, Markup};
use probity_client::{
    witness::RecheckCounts, AuditReport, Auditor, AuditorError, Connection, SupervisorError,
};
use probity_web::Lang;

use super::{page, supervisor, when};
use crate::{
    text::{fill, T},
    whistleblower::call,
    AppState,
};

pub(super) const AUDIT: &str = "/supervisor/audit";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new().route(AUDIT, get(checkpoint).post(full))
}

/// The auditor of the service's log, with this data folder's pinned key and checkpoint.
fn auditor(app: &AppState) -> Auditor {
    match supervisor(app) {
        Ok(s) => Auditor::new(s.connection().clone()),
        // Anyone can audit: without the supervisor key, an unsigned connection.
        Err(_) => Auditor::new(Connection::new(app.client.clone(), &app.data_dir)),
    }
}

/// Why a full audit failed: the disclosures could not be read, or the log did not audit.
#[derive(Debug, thiserror::Error)]
enum FullAuditError {
    #[error(transparent)]
    Disclosures(#[from] SupervisorError),
    #[error(transparent)]
    Audit(#[from] AuditorError),
}

impl FullAuditError {
    fn is_untrusted(&self) -> bool {
        match self {
            Self::Disclosures(e) => e.is_untrusted(),
            Self::Audit(e) => e.is_untrusted(),
        }
    }
}

/// `GET /supervisor/audit`: the checkpoint, checked against the pinned key and the last
/// one seen.
async fn checkpoint(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
) -> Response {
    let app2 = Arc::clone(&app);
    let report = call(lang, AuditorError::is_untrusted, move || {
        auditor(&app2).audit(false)
    })
    .await;
    let shown = match report {
        Ok(report) => report_markup(lang, &report, None),
        Err(error) => error,
    };
    audit_page(lang, shown)
}

/// `POST /supervisor/audit`: the full audit, proofs re-verified too (the withheld ones with
/// the disclosures supervisors read; without a supervisor key, checked for form only).
async fn full(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    let app2 = Arc::clone(&app);
    let report = call(lang, FullAuditError::is_untrusted, move || {
        let disclosures = match supervisor(&app2) {
            Ok(s) => s.disclosures()?,
            Err(_) => Vec::new(),
        };
        Ok::<_, FullAuditError>(auditor(&app2).audit_proofs(disclosures)?)
    })
    .await;
    let shown = match report {
        Ok((report, counts)) => report_markup(lang, &report, Some(&counts)),
        Err(error) => error,
    };
    audit_page(lang, shown)
}

fn audit_page(lang: Lang, shown: Markup) -> Response {
    let main = html! {
        h1 { (T::SuAudit.get(lang)) }
        p.intro { (T::SuAuditIntro.get(lang)) }
        (shown)
        form.app method="post" action=(AUDIT) {
            p.note { (T::SuFullAuditTakes.get(lang)) }
            button #full-audit type="submit" { (T::SuFullAudit.get(lang)) }
        }
    };
    page(lang, Some(AUDIT), T::SuAudit, main).into_response()
}

fn report_markup(lang: Lang, report: &AuditReport, counts: Option<&RecheckCounts>) -> Markup {
    let cp = &report.checkpoint;
    let consistent = match report.previous_size {
        0 => T::SuFirstCheckpoint.get(lang).to_owned(),
        old => fill(lang, T::SuConsistent, &[&old.to_string()]),
    };
    html! {
        section #checkpoint {
            p.check-status.ok { (fill(lang, T::SuCheckpoint, &[&cp.size().to_string(), &when(cp.time() * 1000)])) }
            p { (consistent) }
            p { (T::SuRoot.get(lang)) " " code.wrap { (cp.root().to_string()) } }
            p.muted { (T::SuOrigin.get(lang)) " " code { (cp.origin()) } }
        }
        @if let (Some(kinds), Some(counts)) = (&report.counts, counts) {
            section #full {
                p.check-status.ok { (T::SuFullAuditDone.get(lang)) }
                p { (fill(lang, T::SuRechecked, &[&counts.reverified.to_string(), &counts.from_disclosure.to_string(), &counts.withheld_form_checked.to_string()])) }
                table.totals {
                    @for (kind, n) in kinds { tr { th { code { (kind) } } td.amount { (n) } } }
                }
            }
        }
    }
}
