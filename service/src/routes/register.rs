//! The public register's pages (`probity-web`), read-only and public data only: the same
//! state the public JSON routes read (`/v1/officials`, `/v1/officials/{id}`), and the public
//! inputs and times of logged entries. No authorization, no write, no private data: a
//! challenge's details, an alert's details and every tip stay out.
//!
//! | page | shows |
//! |---|---|
//! | `/` | the officials, searched (`q`), filtered (`jurisdiction`, `position`) and paged (`page`) |
//! | `/officials/{id}` | one official's filings, proved statements, challenges and alert counts, with a QR code of the page; each entry it names with its proof, checked in the browser |
//! | `/about` | what the register shows and what it cannot, the keys in use, how to check it |
//! | `/stats` | the register in figures, as charts: filings per period, officials per net-worth band, proofs per statement, challenges by outcome, the log's size over time |
//! | `/log` | the latest checkpoint: size, time, root, the signed note as served, the log key |
//! | `/log/entries` | the entries, 50 a page from `start`: index, type, time, and each one's canonical JSON and audit path, checked in the browser |
//! | `/log/entries/{index}` | one entry's canonical JSON and its inclusion proof in the latest checkpoint |
//! | `/log/consistency` | a consistency proof from the size `from` to the latest checkpoint's |
//! | `/static/register.css` | the stylesheet |
//! | `/static/verify.js` | the log pages' in-browser checks (WebCrypto), the only script |
//!
//! The language is `?lang=` (`zh-CN`, `en`), else the `Accept-Language` header. A query
//! string is read leniently (`probity_web::Query`): no parameter can make a page fail.
//! Every page carries a strict `Content-Security-Policy`, `nosniff` and no referrer.
//!
//! A log that cannot be read gets a 503 page in the visitor's language, with no detail.
//! The witnesses the configuration names (`witness_keys`) are shown on every checkpoint,
//! and their cosignatures checked in the browser.
//!
//! The log's pages read the log as `/v1/log/*` does, under the latest checkpoint: they show
//! the same bytes (the signed note, the canonical entries, the proofs' hashes), which the
//! script checks in the browser.

use std::collections::BTreeMap;

use axum::{
    extract::{rejection::PathRejection, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use probity_core::{OfficialId, PublicInputs};
use probity_ledger::{leaf_hash, CheckpointVerifier, Entry, EntryBody, SignedCheckpoint};
use probity_web::{
    log::{
        self as log_pages, CheckpointView, ConsistencyView, EntryProof, EntryRow, EntryView,
        ListedEntry,
    },
    pages::{self, Context},
    AboutPage, AlertCount, ChallengeOutcome, ChallengeSummary, OfficialLog, OfficialPage,
    OfficialRow, Query, Selection, Standing, Statement,
};

use super::AppState;
use crate::{
    api::OfficialRecord,
    shared::Shared,
    state::{proof_public_inputs, MANY_REPORTERS},
};

mod stats;
pub(super) use stats::stats_page;

/// `/`: the officials list.
pub(super) async fn officials_page(
    State(s): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (query, ctx) = visit(&s, &uri, &headers);
    let directory = s.directory();
    let selection = Selection::select(directory.officials.values(), &query);
    let now = s.now().as_millis();
    let rows: Vec<OfficialRow<'_>> = {
        let state = s.state();
        let judged = state
            .deadlines_until(s.now())
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
    let (_, ctx) = visit(&s, &uri, &headers);
    let raw = id.map(|Path(id)| id).unwrap_or_default();
    let found = OfficialId::new(&raw)
        .ok()
        .and_then(|id| official_view(&s, &id));
    let Some(view) = found else {
        return page(StatusCode::NOT_FOUND, pages::official_not_found(&ctx, &raw));
    };
    let path = pages::official_path(view.record.official.official.as_str());
    let url = format!("{}{path}", base_url(&s, &headers));
    let latest = match Latest::read(&s) {
        Ok(latest) => latest,
        Err(Unavailable) => return unavailable(&ctx, &path),
    };
    let proofs = match &latest {
        Some(latest) => match official_proofs(&s, &view, latest.checkpoint.size()) {
            Ok(proofs) => proofs,
            Err(Unavailable) => return unavailable(&ctx, &path),
        },
        None => BTreeMap::new(),
    };
    let html = pages::official(
        &ctx,
        &OfficialPage {
            record: &view.record,
            statements: view.statements,
            challenges: view.challenges,
            alerts: view.alerts,
            url,
            log: latest.as_ref().map(|latest| OfficialLog {
                checkpoint: latest.view(),
                proofs: &proofs,
            }),
        },
    );
    page(StatusCode::OK, html)
}

/// The proof of each entry an official's page names that the checkpoint of `size` entries
/// covers (an entry logged since is shown without one).
fn official_proofs(
    s: &Shared,
    view: &OfficialView,
    size: u64,
) -> Result<BTreeMap<u64, EntryProof>, Unavailable> {
    let record = &view.record;
    let named = std::iter::once(record.official.entry)
        .chain(record.filings.iter().map(|f| f.entry))
        .chain(view.statements.iter().map(|p| p.entry))
        .chain(view.challenges.iter().map(|c| c.entry));
    let mut proofs = BTreeMap::new();
    for index in named.filter(|i| *i < size) {
        if let std::collections::btree_map::Entry::Vacant(slot) = proofs.entry(index) {
            slot.insert(entry_proof(s, index, size)?);
        }
    }
    Ok(proofs)
}

/// An entry's canonical JSON and its audit path in the tree of `size` entries.
fn entry_proof(s: &Shared, index: u64, size: u64) -> Result<EntryProof, Unavailable> {
    let bytes = s.log.entry_bytes(index).map_err(|_| Unavailable)?;
    with_path(s, index, size, bytes)
}

fn with_path(s: &Shared, index: u64, size: u64, bytes: Vec<u8>) -> Result<EntryProof, Unavailable> {
    let proof = s
        .log
        .inclusion_proof(index, size)
        .map_err(|_| Unavailable)?;
    let json = String::from_utf8(bytes).map_err(|_| Unavailable)?;
    Ok(EntryProof {
        json,
        path: proof.path.iter().map(|h| h.0).collect(),
    })
}

/// `/about`.
pub(super) async fn about_page(
    State(s): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (_, ctx) = visit(&s, &uri, &headers);
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

/// `/static/verify.js`.
pub(super) async fn verify_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        probity_web::VERIFY_SCRIPT,
    )
        .into_response()
}

/// The latest checkpoint, what every log page shows and its script checks.
struct Latest {
    note: String,
    checkpoint: SignedCheckpoint,
    log_key: String,
    witness_keys: Vec<String>,
}

impl Latest {
    fn read(s: &Shared) -> Result<Option<Latest>, Unavailable> {
        let checkpoint = s.log.latest_checkpoint().map_err(|_| Unavailable)?;
        Ok(checkpoint.map(|checkpoint| Latest {
            note: String::from_utf8_lossy(checkpoint.to_bytes()).into_owned(),
            checkpoint,
            log_key: s.log.verifier().ed25519_vkey(),
            witness_keys: witness_keys(s),
        }))
    }

    /// The latest checkpoint, for a page that needs one.
    fn read_nonempty(s: &Shared) -> Result<Latest, NoCheckpoint> {
        match Self::read(s) {
            Ok(Some(latest)) => Ok(latest),
            Ok(None) => Err(NoCheckpoint::Empty),
            Err(Unavailable) => Err(NoCheckpoint::Unavailable),
        }
    }

    fn view(&self) -> CheckpointView<'_> {
        CheckpointView {
            note: &self.note,
            origin: self.checkpoint.origin(),
            size: self.checkpoint.size(),
            time: self.checkpoint.time(),
            root: self.checkpoint.root().0,
            log_key: &self.log_key,
            witness_keys: &self.witness_keys,
        }
    }
}

/// The configured witnesses' `cosignature/v1` verifier keys (the configuration is checked at
/// start, so none is left out but a key that does not parse).
fn witness_keys(s: &Shared) -> Vec<String> {
    s.config
        .witness_keys
        .iter()
        .filter_map(|k| CheckpointVerifier::from_vkey(k).ok())
        .map(|v| v.cosignature_vkey())
        .collect()
}

/// Why a page that needs a checkpoint has none.
enum NoCheckpoint {
    /// The log has no checkpoint yet: the page says so, as `/log` does.
    Empty,
    /// The log could not be read.
    Unavailable,
}

impl NoCheckpoint {
    fn respond(self, ctx: &Context, path: &str) -> Response {
        match self {
            Self::Empty => page(StatusCode::OK, log_pages::checkpoint(ctx, None)),
            Self::Unavailable => unavailable(ctx, path),
        }
    }
}

/// The log could not be read.
struct Unavailable;

/// The 503 page, in the visitor's language and with no detail; `path` is the page asked
/// for, for the language switch. A minute is suggested before trying again.
fn unavailable(ctx: &Context, path: &str) -> Response {
    let mut response = page(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::unavailable(ctx, path, &[]),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

fn row(index: u64, bytes: &[u8]) -> Option<EntryRow> {
    let entry = Entry::from_canonical_json(bytes).ok()?;
    Some(EntryRow {
        index,
        kind: entry.body.type_name(),
        time_ms: entry.time.as_millis(),
    })
}

/// `/log`.
pub(super) async fn log_page(State(s): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let (_, ctx) = visit(&s, &uri, &headers);
    let latest = match Latest::read(&s) {
        Ok(latest) => latest,
        Err(Unavailable) => return unavailable(&ctx, "/log"),
    };
    let view = latest.as_ref().map(Latest::view);
    page(StatusCode::OK, log_pages::checkpoint(&ctx, view.as_ref()))
}

/// `/log/entries?start=N`: a start beyond the log shows an empty page that says how many
/// entries there are.
pub(super) async fn entries_page(
    State(s): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (query, ctx) = visit(&s, &uri, &headers);
    let latest = match Latest::read_nonempty(&s) {
        Ok(latest) => latest,
        Err(none) => return none.respond(&ctx, "/log/entries"),
    };
    let size = latest.checkpoint.size();
    let start = query.start.unwrap_or(0);
    let Ok(rows) = listed_entries(&s, start, size) else {
        return unavailable(&ctx, "/log/entries");
    };
    page(
        StatusCode::OK,
        log_pages::entries(&ctx, &latest.view(), start, &rows),
    )
}

/// Up to a page of entries from `start`, each with its proof in the tree of `size` entries
/// (an entry that does not decode is left out, as `row` does).
fn listed_entries(s: &Shared, start: u64, size: u64) -> Result<Vec<ListedEntry>, Unavailable> {
    let end = start.saturating_add(log_pages::ENTRIES_PER_PAGE).min(size);
    if start >= end {
        return Ok(Vec::new());
    }
    let entries = s.log.entries_bytes(start, end).map_err(|_| Unavailable)?;
    let mut rows = Vec::with_capacity(entries.len());
    for (bytes, index) in entries.into_iter().zip(start..) {
        let Some(row) = row(index, &bytes) else {
            continue;
        };
        let proof = with_path(s, index, size, bytes)?;
        rows.push(ListedEntry { row, proof });
    }
    Ok(rows)
}

/// `/log/entries/{index}`: 404 with a page that says so for an index the latest checkpoint
/// does not cover.
pub(super) async fn entry_page(
    State(s): State<AppState>,
    index: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (_, ctx) = visit(&s, &uri, &headers);
    let raw = index.map(|Path(index)| index).unwrap_or_default();
    let latest = match Latest::read(&s) {
        Ok(latest) => latest,
        Err(Unavailable) => return unavailable(&ctx, "/log/entries"),
    };
    let size = latest.as_ref().map_or(0, |l| l.checkpoint.size());
    let found = raw
        .parse::<u64>()
        .ok()
        .filter(|i| *i < size)
        .zip(latest.as_ref());
    let Some((index, latest)) = found else {
        return page(
            StatusCode::NOT_FOUND,
            log_pages::entry_not_found(&ctx, &raw, size),
        );
    };
    let (Ok(bytes), Ok(proof)) = (s.log.entry_bytes(index), s.log.inclusion_proof(index, size))
    else {
        return unavailable(&ctx, &log_pages::entry_path(index));
    };
    let (Ok(json), Some(row)) = (std::str::from_utf8(&bytes), row(index, &bytes)) else {
        return unavailable(&ctx, &log_pages::entry_path(index));
    };
    let path: Vec<[u8; 32]> = proof.path.iter().map(|h| h.0).collect();
    let view = EntryView {
        row,
        json,
        leaf: leaf_hash(&bytes).0,
        path: &path,
    };
    page(
        StatusCode::OK,
        log_pages::entry(&ctx, &latest.view(), &view),
    )
}

/// `/log/consistency?from=SIZE`: a size that is not a whole number from 1 to the
/// checkpoint's is said so on the page, with 400.
pub(super) async fn consistency_page(
    State(s): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (query, ctx) = visit(&s, &uri, &headers);
    let latest = match Latest::read_nonempty(&s) {
        Ok(latest) => latest,
        Err(none) => return none.respond(&ctx, "/log/consistency"),
    };
    let size = latest.checkpoint.size();
    let (status, view) = match &query.from {
        None => (StatusCode::OK, ConsistencyView::Ask),
        Some(text) => match text.parse::<u64>().ok().filter(|f| (1..=size).contains(f)) {
            None => (
                StatusCode::BAD_REQUEST,
                ConsistencyView::BadSize(text.clone()),
            ),
            Some(from) => {
                let (Ok(old_root), Ok(proof)) =
                    (s.log.root(from), s.log.consistency_proof(from, size))
                else {
                    return unavailable(&ctx, "/log/consistency");
                };
                let view = ConsistencyView::Proof {
                    from,
                    old_root: old_root.0,
                    path: proof.path.iter().map(|h| h.0).collect(),
                };
                (StatusCode::OK, view)
            }
        },
    };
    page(status, log_pages::consistency(&ctx, &latest.view(), &view))
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

/// A visit's query string, read leniently, and the page's context: the language, from the
/// query or the `Accept-Language` header, and the keys the service runs on (dev keys put a
/// warning on every page).
fn visit(s: &Shared, uri: &Uri, headers: &HeaderMap) -> (Query, Context) {
    let query = Query::parse(uri.query());
    let ctx = Context::new(&query, accept_language(headers), s.keys);
    (query, ctx)
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
    proof_public_inputs(&p)
}
