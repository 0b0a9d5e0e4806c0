//! Filing a declaration for its period: first what will be filed (the service's policy, the
//! proofs, the public band, and whether wealth growth is explained, with the figure that
//! would be needed, shown only here); then the filing itself, and its receipts, each checked
//! against the pinned log key. Filing runs off the request (see [`super::job`]): the form's
//! POST starts it and is answered at once with its page, which shows each step as it happens
//! and, once it is over, the receipts.

use std::{path::PathBuf, sync::Arc};

use axum::{
    extract::{Extension, Query, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use maud::{html, Markup};
use probity_client::{
    official::{
        AlreadyFiled, DeclarationFile, Filed, FilingPlan, GrowthOutcome, Notice, ParamsSource,
        Planned, Wallet, WALLET_FILE,
    },
    OfficialError, Progress,
};
use probity_web::Lang;
use serde::Deserialize;

use super::{
    declaration_names, declaration_path,
    job::{steps_markup, Job},
    locked, official, unlocked, yuan,
};
use crate::{
    page::{layout, Frame},
    text::{fill, T},
    whistleblower::{call, page},
    AppState,
};

pub(super) const FILE: &str = "/official/file";
const PLAN: &str = "/official/file/plan";
const PROGRESS: &str = "/official/file/progress";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(FILE, get(file_form).post(file))
        .route(PLAN, post(plan))
        .route(PROGRESS, get(progress))
}

/// The session's filing: its job (working out the plan, or filing), and the form that
/// started it (offered again if it fails). The plan holds the declaration: it stays in this
/// process's memory, like the passphrase, until the next job or the lock.
#[derive(Clone)]
pub(crate) struct Filing {
    job: Arc<Job<Result<Outcome, Markup>>>,
    fields: FileFields,
}

impl Filing {
    /// Whether its job is over.
    pub(crate) fn is_over(&self) -> bool {
        self.job.is_over()
    }
}

/// What a job of the filing page ends with.
pub(crate) enum Outcome {
    /// What would be filed.
    Plan(Planned),
    /// What filing did.
    Done(Done),
}

/// The filing form's fields (also its query, to preselect a file). Names of files in the
/// data folder, nothing of what they hold.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct FileFields {
    #[serde(default)]
    file: String,
    #[serde(default)]
    prev: String,
    #[serde(default)]
    amend: String,
}

impl FileFields {
    fn amend(&self) -> bool {
        !self.amend.is_empty()
    }
}

async fn file_form(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Query(fields): Query<FileFields>,
) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    form_page(&app, lang, &fields, None)
}

fn form_page(app: &AppState, lang: Lang, fields: &FileFields, error: Option<Markup>) -> Response {
    let names = declaration_names(app);
    let main = html! {
        h1 { (T::OfFile.get(lang)) }
        p.intro { (T::OfFileIntro.get(lang)) }
        @if let Some(error) = error { (error) }
        form.app method="post" action=(PLAN) {
            label { (T::OfDeclaration.get(lang))
                select #file name="file" required {
                    @for n in &names { option value=(n) selected[*n == fields.file] { (n) } }
                }
            }
            label { (T::OfPrev.get(lang))
                select #prev name="prev" {
                    option value="" { (T::OfNoPrev.get(lang)) }
                    @for n in &names { option value=(n) selected[*n == fields.prev] { (n) } }
                }
            }
            label.check { input #amend type="checkbox" name="amend" value="1" checked[fields.amend()]; " " (T::OfAmend.get(lang)) }
            button #plan type="submit" { (T::OfSeePlan.get(lang)) }
        }
    };
    page(lang, Some(FILE), T::OfFile, main).into_response()
}

/// The declaration and the previous one's path, as the form names them.
fn files(
    app: &AppState,
    fields: &FileFields,
) -> Result<(DeclarationFile, Option<PathBuf>), OfficialError> {
    let missing = |name: &str| OfficialError::ReadDeclaration {
        path: app.data_dir.join(name),
        source: std::io::ErrorKind::NotFound.into(),
    };
    let path = declaration_path(app, &fields.file).ok_or_else(|| missing(&fields.file))?;
    let decl = DeclarationFile::read(&path)?;
    let prev = match fields.prev.as_str() {
        "" => None,
        name => Some(declaration_path(app, name).ok_or_else(|| missing(name))?),
    };
    Ok((decl, prev))
}

/// Plans the filing the form describes (downloading the proving keys it needs, reported to
/// `progress`).
fn plan_for(
    app: &AppState,
    fields: &FileFields,
    progress: &dyn Progress,
) -> Result<Planned, OfficialError> {
    let (decl, prev) = files(app, fields)?;
    official(app)?.plan_filing(
        &decl,
        prev.as_deref(),
        fields.amend(),
        false,
        &ParamsSource::Service,
        progress,
    )
}

/// `POST /official/file/plan`: works out what will be filed (downloading the proving keys
/// it needs) on the filing's page, which then shows the plan and the button that files it.
async fn plan(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<FileFields>,
) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    run(&app, lang, fields, |app, fields, progress| {
        Ok(Outcome::Plan(plan_for(app, fields, progress)?))
    })
}

fn plan_markup(lang: Lang, plan: &FilingPlan, fields: &FileFields) -> Markup {
    // wealth_growth is proved only if it holds: a growth not explained leaves it out.
    let unexplained = plan.growth_check().and_then(|c| c.shortfall()).is_some();
    let statements: Vec<String> = plan
        .statements
        .iter()
        .filter(|s| !(unexplained && **s == probity_core::StatementKind::WealthGrowth))
        .map(ToString::to_string)
        .collect();
    html! {
        section #plan {
            p { (fill(lang, T::OfPlanFor, &[plan.official.as_str(), &plan.period.to_string(), &plan.capacity.to_string()])) }
            p { (T::OfPlanProofs.get(lang)) " " strong #statements { (statements.join(", ")) } }
            @match plan.band {
                Some(band) => p { (fill(lang, T::OfPlanBand, &[&yuan(lang, band.lo.into()), &yuan(lang, band.hi.into())])) },
                None => p.bad { (OfficialError::NoBand.to_string()) },
            }
            @if plan.amend { p.warning { (T::OfPlanAmend.get(lang)) } }
            @if let Some(check) = plan.growth_check() {
                @match check.shortfall() {
                    None => p.ok #growth { (fill(lang, T::OfGrowthHolds, &[&check.from.to_string()])) },
                    Some(short) => div.failure #growth role="alert" {
                        p { strong { (fill(lang, T::OfGrowthUnexplained, &[
                            &check.from.to_string(),
                            &yuan(lang, check.growth),
                            &yuan(lang, i128::try_from(check.income).unwrap_or(i128::MAX)),
                            &yuan(lang, check.tolerance.into()),
                            &yuan(lang, i128::try_from(short).unwrap_or(i128::MAX)),
                        ])) } }
                        p { (T::OfGrowthLocal.get(lang)) }
                    },
                }
            }
            (notices(lang, &plan.notices))
        }
        form.app method="post" action=(FILE) {
            input type="hidden" name="file" value=(fields.file);
            input type="hidden" name="prev" value=(fields.prev);
            @if fields.amend() { input type="hidden" name="amend" value="1"; }
            p.note { (T::OfTakesSeconds.get(lang)) }
            button #file-now type="submit" { (T::OfFileNow.get(lang)) }
        }
    }
}

fn notices(lang: Lang, notices: &[Notice]) -> Markup {
    html! {
        @for n in notices {
            @match n {
                Notice::LogKeyPinned(p) => p.note { (fill(lang, T::OfPinned, &[&p.origin, &p.path.display().to_string()])) },
                Notice::PrevIgnored { .. } => p.note { (T::OfPrevIgnored.get(lang)) },
                Notice::WealthGrowthDoesNotHold { from, to } => p.warning { (fill(lang, T::OfGrowthNotFiled, &[&from.to_string(), &to.to_string()])) },
                Notice::RequirementNotMet { name, category, lo, hi } => p.warning { (fill(lang, T::OfRequirementNotMet, &[name, &category.to_string(), &probity_core::format_minor_units(i128::from(*lo)), &probity_core::format_minor_units(i128::from(*hi))])) },
            }
        }
    }
}

/// What filing did.
pub(crate) enum Done {
    Filed(Filed),
    Already(AlreadyFiled),
}

/// The session's filing, if one was started.
fn current(app: &AppState) -> Option<Filing> {
    let live = app.live.lock().unwrap_or_else(|e| e.into_inner());
    live.as_ref()?.filing.clone()
}

/// A new filing for `fields`, kept in the session; `None` while another one runs (checked and
/// set under one lock, so that two posts of the form cannot start two filings).
fn start(app: &AppState, fields: &FileFields) -> Option<Filing> {
    let mut live = app.live.lock().unwrap_or_else(|e| e.into_inner());
    let live = live.as_mut()?;
    if live.filing.as_ref().is_some_and(|f| !f.job.is_over()) {
        return None;
    }
    let filing = Filing {
        job: Job::new(),
        fields: fields.clone(),
    };
    live.filing = Some(filing.clone());
    Some(filing)
}

/// `POST /official/file`: files on the filing's page. The job plans again (nothing is
/// trusted from the previous page), opens the wallet with the session's passphrase, files,
/// and checks the receipts.
async fn file(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<FileFields>,
) -> Response {
    let Some(passphrase) = unlocked(&app) else {
        return locked(lang);
    };
    run(&app, lang, fields, move |app, fields, progress| {
        let planned = plan_for(app, fields, progress)?;
        let official = official(app)?;
        let open_wallet = || Wallet::open(&app.data_dir.join(WALLET_FILE), &passphrase);
        Ok(Outcome::Done(match planned {
            Planned::FiledBefore(before) => {
                Done::Already(official.refile(&before, &open_wallet()?)?)
            }
            Planned::File(mut plan) => {
                // The provers load while the wallet opens; its refusal is said first.
                let (wallet, loaded) = plan.load_provers_beside(open_wallet);
                let mut wallet = wallet?;
                loaded?;
                Done::Filed(official.file(*plan, &mut wallet, progress)?)
            }
        }))
    })
}

/// Starts `work` off the request, reporting to a new job of the session, and sends the
/// browser to the filing's page. While a job runs, posting a form again only shows it.
fn run<W>(app: &Arc<AppState>, lang: Lang, fields: FileFields, work: W) -> Response
where
    W: FnOnce(&AppState, &FileFields, &dyn Progress) -> Result<Outcome, OfficialError>
        + Send
        + 'static,
{
    let Some(filing) = start(app, &fields) else {
        return Redirect::to(PROGRESS).into_response();
    };
    let (app, job) = (Arc::clone(app), filing.job);
    tokio::spawn(async move {
        let watched = Arc::clone(&job);
        let outcome = call(lang, OfficialError::is_untrusted, move || {
            work(&app, &fields, &*watched)
        })
        .await;
        job.end(outcome);
    });
    Redirect::to(PROGRESS).into_response()
}

/// `GET /official/file/progress`: the session's job, step by step, reloading itself each
/// second while it runs; once it is over, the plan, or the receipts, or what went wrong
/// (with the form).
async fn progress(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    let Some(filing) = current(&app) else {
        return Redirect::to(FILE).into_response();
    };
    filing.job.show(|steps, outcome| {
        let steps = html! {
            h2 { (T::OfSteps.get(lang)) }
            (steps_markup(lang, steps, outcome.is_some()))
        };
        let (title, shown) = match outcome {
            None => {
                let main = html! {
                    h1 { (T::OfFile.get(lang)) }
                    p.note #running { (T::OfJobRuns.get(lang)) }
                    (steps)
                };
                return running_page(lang, main).into_response();
            }
            Some(Err(error)) => {
                let error = html! { (error) (steps) };
                return form_page(&app, lang, &filing.fields, Some(error));
            }
            Some(Ok(Outcome::Plan(Planned::FiledBefore(before)))) => (T::OfFile, html! {
                p.warning #filed-before { (fill(lang, T::OfFiledBefore, &[&before.filed.period.to_string(), &before.filed.entry.to_string()])) }
            }),
            Some(Ok(Outcome::Plan(Planned::File(plan)))) => {
                (T::OfFile, html! { (plan_markup(lang, plan, &filing.fields)) (steps) })
            }
            Some(Ok(Outcome::Done(done))) => (T::OfFiledTitle, done_markup(lang, done, steps)),
        };
        let main = html! { h1 { (title.get(lang)) } (shown) };
        page(lang, Some(PROGRESS), title, main).into_response()
    })
}

fn done_markup(lang: Lang, done: &Done, steps: Markup) -> Markup {
    html! {
        @match done {
            Done::Already(a) => p.ok #filed { (fill(lang, T::OfAlreadyFiled, &[&a.period.to_string(), &a.entry.to_string()])) },
            Done::Filed(filed) => { (filed_markup(lang, filed)) (steps) },
        }
        ul.actions { li { a href=(super::HISTORY) { (T::OfHistory.get(lang)) } } }
    }
}

/// The page of a filing that runs: it reloads itself each second.
fn running_page(lang: Lang, main: Markup) -> Html<String> {
    let frame = Frame {
        lang,
        switch: Some(PROGRESS),
        session: true,
        nav: &[],
        refresh: true,
    };
    Html(layout(frame, T::OfFile.get(lang), main))
}

fn filed_markup(lang: Lang, filed: &Filed) -> Markup {
    let proofs: Vec<String> = filed.proofs.iter().map(ToString::to_string).collect();
    let growth = match filed.wealth_growth {
        GrowthOutcome::Proved { from } => fill(lang, T::OfGrowthProved, &[&from.to_string()]),
        GrowthOutcome::DoesNotHold { from } => fill(
            lang,
            T::OfGrowthNotFiled,
            &[&from.to_string(), &filed.period.to_string()],
        ),
        GrowthOutcome::Skipped | GrowthOutcome::NotNeeded => {
            T::OfGrowthNotNeeded.get(lang).to_owned()
        }
    };
    html! {
        p.ok #filed { (fill(lang, T::OfFiledLine, &[filed.official.as_str(), &filed.period.to_string()])) }
        p { (T::OfPlanProofs.get(lang)) " " strong { (proofs.join(", ")) } }
        p { (fill(lang, T::OfPlanBand, &[&yuan(lang, filed.band.lo.into()), &yuan(lang, filed.band.hi.into())])) }
        p { (growth) }
        @if !filed.alerts.is_empty() { p.warning { (T::OfAlerts.get(lang)) " " (filed.alerts.join(", ")) } }
        (notices(lang, &filed.notices))
        h2 { (T::OfReceipts.get(lang)) }
        ul #receipts {
            @for entry in &filed.logged.entries { li.ok { (fill(lang, T::OfOnLog, &[&entry.to_string()])) } }
        }
    }
}
