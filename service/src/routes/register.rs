//! The public register's pages (`probity-web`), read-only and public data only: the same
//! state the public JSON routes read (`/v1/officials`, `/v1/officials/{id}`), and the public
//! inputs and times of logged entries. No authorization, no write, no private data: a
//! challenge's details, an alert's details and every tip stay out.
//!
//! | page | shows |
//! |---|---|
//! | `/` | the officials, searched (`q`), filtered (`jurisdiction`, `position`) and paged (`page`) |
//! | `/officials/{id}` | one official's filings, proved statements, challenges and alert counts, with a QR code of the page |
//! | `/about` | what the register shows and what it cannot, the keys in use, how to check it |
//! | `/static/register.css` | the stylesheet |
//!
//! The language is `?lang=` (`zh-CN`, `en`), else the `Accept-Language` header. A query
//! string is read leniently (`probity_web::Query`): no parameter can make a page fail.
//! Every page carries a strict `Content-Security-Policy`, `nosniff` and no referrer.

use axum::{
    extract::{rejection::PathRejection, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use probity_core::{parse_field_decimal, OfficialId, PublicInputs};
use probity_ledger::EntryBody;
use probity_web::{
    pages::{self, Context},
    AboutPage, AlertCount, ChallengeOutcome, ChallengeSummary, OfficialPage, OfficialRow, Query,
    Selection, Standing, Statement,
};

use super::AppState;
use crate::{api::OfficialRecord, shared::Shared, state::MANY_REPORTERS};

/// `/`: the officials list.
pub(super) async fn officials_page(
    State(s): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let query = Query::parse(uri.query());
    let ctx = Context::new(&query, accept_language(&headers));
    let directory = s.directory();
    let selection = Selection::select(directory.officials.values(), &query);
    let now = s.now().as_millis();
    let rows: Vec<OfficialRow<'_>> = {
        let state = s.state();
        let judged = state
            .deadlines
            .last_key_value()
            .map(|(p, d)| (*p, d.as_millis()));
        selection
            .officials
            .iter()
            .map(|official| {
                let id = &official.official;
                let standing = judged.map(|(period, deadline)| {
                    let first = state
                        .filings
                        .get(id)
                        .and_then(|fs| fs.iter().find(|f| f.period == period))
                        .map(|f| f.time.as_millis());
                    (period, Standing::judge(deadline, first, now))
                });
                OfficialRow {
                    official,
                    latest_filed: state.latest_period(id),
                    standing,
                }
            })
            .collect()
    };
    page(
        StatusCode::OK,
        pages::officials(&ctx, &query, &selection, &rows),
    )
}

/// `/officials/{id}`: one official; a page that says so, with 404, for an id nobody has.
pub(super) async fn official_page(
    State(s): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let query = Query::parse(uri.query());
    let ctx = Context::new(&query, accept_language(&headers));
    let raw = id.map(|Path(id)| id).unwrap_or_default();
    let found = OfficialId::new(&raw)
        .ok()
        .and_then(|id| official_view(&s, &id));
    let Some(view) = found else {
        return page(StatusCode::NOT_FOUND, pages::official_not_found(&ctx, &raw));
    };
    let url = format!(
        "{}{}",
        base_url(&s, &headers),
        pages::official_path(view.record.official.official.as_str())
    );
    let html = pages::official(
        &ctx,
        &OfficialPage {
            record: &view.record,
            statements: view.statements,
            challenges: view.challenges,
            alerts: view.alerts,
            url,
        },
    );
    page(StatusCode::OK, html)
}

/// `/about`.
pub(super) async fn about_page(
    State(s): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let query = Query::parse(uri.query());
    let ctx = Context::new(&query, accept_language(&headers));
    let log_key = s.log.verifier().ed25519_vkey();
    let base_url = base_url(&s, &headers);
    let html = pages::about(
        &ctx,
        &AboutPage {
            setup: &s.manifest.setup,
            origin: s.log.origin(),
            log_key: &log_key,
            base_url: &base_url,
        },
    );
    page(StatusCode::OK, html)
}

/// `/static/register.css`.
pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        probity_web::STYLESHEET,
    )
        .into_response()
}

/// A page with its headers: HTML, the CSP, no sniffing, no referrer, and a cache keyed on
/// the language header it was chosen by.
fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(probity_web::CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-language"));
    response
}

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// The register's address for links that leave the page (the QR code, the commands):
/// `public_url` if configured, else `http://` and the request's `Host` (when it is a plain
/// host name or address with a port), else the listening address.
fn base_url(s: &Shared, headers: &HeaderMap) -> String {
    if let Some(url) = &s.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    match host {
        Some(host) => format!("http://{host}"),
        None => format!("http://{}", s.config.listen),
    }
}

/// What an official's page shows, read from the state and the log.
struct OfficialView {
    record: OfficialRecord,
    statements: Vec<probity_web::ProvedStatement>,
    challenges: Vec<ChallengeSummary>,
    alerts: Vec<AlertCount>,
}

/// Reads an official's public record as `GET /v1/officials/{id}` does, with what the page
/// adds: each proof's statement from its entry's public inputs, the challenges (period,
/// times, outcome), and their alerts counted by rule.
///
/// Alerts of `many_reporters` are left out: the log does not say whom an alert is about
/// (its details are a salted digest), and for the other rules that is plain from public
/// entries (a late or amended filing, a filing without a growth proof, an expired
/// challenge, a missed deadline). That distinct whistleblowers reported an official is
/// not, and showing it would tell the official that tips arrived, and when.
fn official_view(s: &Shared, id: &OfficialId) -> Option<OfficialView> {
    // Copy what the page needs under the state's lock, then read the log without it.
    let (record, challenges, alerts) = {
        let state = s.state();
        let info = state.officials().get(id).cloned()?;
        let record = OfficialRecord {
            official: info,
            filings: state.filing_infos(id),
            proofs: state.proofs.get(id).cloned().unwrap_or_default(),
        };
        let mut challenges: Vec<_> = state
            .challenges
            .values()
            .filter(|c| c.official == *id)
            .map(|c| {
                let outcome = if c.answer.is_some() {
                    ChallengeOutcome::Answered
                } else if c.expired {
                    ChallengeOutcome::Expired
                } else {
                    ChallengeOutcome::Open
                };
                (c.entry, c.period, c.deadline.as_millis(), outcome)
            })
            .collect();
        challenges.sort_by_key(|c| c.0);
        let mut alerts: Vec<AlertCount> = Vec::new();
        for a in state
            .alerts
            .iter()
            .filter(|a| a.detail.official == *id && a.rule != MANY_REPORTERS)
        {
            match alerts.iter_mut().find(|c| c.rule == a.rule) {
                Some(c) => c.count += 1,
                None => alerts.push(AlertCount {
                    rule: a.rule.clone(),
                    count: 1,
                }),
            }
        }
        alerts.sort_by(|a, b| a.rule.cmp(&b.rule));
        (record, challenges, alerts)
    };
    let statements = record
        .proofs
        .iter()
        .map(|p| probity_web::ProvedStatement {
            statement: Statement::of(p, public_inputs(s, p.entry).as_ref()),
            entry: p.entry,
        })
        .collect();
    let challenges = challenges
        .into_iter()
        .map(|(entry, period, deadline_ms, outcome)| ChallengeSummary {
            period,
            issued_ms: s.log.entry(entry).map_or(0, |e| e.time.as_millis()),
            deadline_ms,
            outcome,
            entry,
        })
        .collect();
    Some(OfficialView {
        record,
        statements,
        challenges,
        alerts,
    })
}

/// The public inputs of the `ProofAccepted` entry at `index`, if none is withheld and all
/// read.
fn public_inputs(s: &Shared, index: u64) -> Option<PublicInputs> {
    let entry = s.log.entry(index).ok()?;
    let EntryBody::ProofAccepted(p) = entry.body else {
        return None;
    };
    let inputs = p
        .public_inputs
        .iter()
        .map(|x| x.as_deref().map(parse_field_decimal)?.ok())
        .collect::<Option<Vec<_>>>()?;
    PublicInputs::from_public_inputs(p.statement, &inputs).ok()
}
