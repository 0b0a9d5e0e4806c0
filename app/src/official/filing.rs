//! Filing a declaration for its period: first what will be filed (the service's policy, the
//! proofs, the public band, and whether wealth growth is explained, with the figure that
//! would be needed, shown only here); then the filing itself, and its receipts, each checked
//! against the pinned log key. Without a script a long POST simply waits: the page says so.

use std::{path::PathBuf, sync::Arc};

use axum::{
    extract::{Extension, Query, State},
    response::{IntoResponse, Response},
    routing::{get, post},
    Form, Router,
};
use maud::{html, Markup};
use probity_client::{
    official::{
        AlreadyFiled, DeclarationFile, Filed, FilingPlan, GrowthOutcome, Notice, ParamsSource,
        Planned, Wallet, WALLET_FILE,
    },
    NoProgress, OfficialError,
};
use probity_web::Lang;
use serde::Deserialize;

use super::{declaration_names, declaration_path, locked, official, unlocked, yuan};
use crate::{
    text::{fill, T},
    whistleblower::{call, page},
    AppState,
};

pub(super) const FILE: &str = "/official/file";
const PLAN: &str = "/official/file/plan";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(FILE, get(file_form).post(file))
        .route(PLAN, post(plan))
}

/// The filing form's fields (also its query, to preselect a file).
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

/// Plans the filing the form describes (downloading the proving keys it needs).
fn plan_for(app: &AppState, fields: &FileFields) -> Result<Planned, OfficialError> {
    let (decl, prev) = files(app, fields)?;
    official(app)?.plan_filing(
        &decl,
        prev.as_deref(),
        fields.amend(),
        false,
        &ParamsSource::Service,
        &NoProgress,
    )
}

/// `POST /official/file/plan`: what will be filed, and the button that files it.
async fn plan(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<FileFields>,
) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    let (app2, f) = (Arc::clone(&app), fields.clone());
    let planned = call(lang, OfficialError::is_untrusted, move || {
        plan_for(&app2, &f)
    })
    .await;
    let shown = match planned {
        Err(error) => return form_page(&app, lang, &fields, Some(error)),
        Ok(Planned::FiledBefore(before)) => html! {
            p.warning #filed-before { (fill(lang, T::OfFiledBefore, &[&before.filed.period.to_string(), &before.filed.entry.to_string()])) }
        },
        Ok(Planned::File(plan)) => plan_markup(lang, &plan, &fields),
    };
    let main = html! { h1 { (T::OfFile.get(lang)) } (shown) };
    page(lang, None, T::OfFile, main).into_response()
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
            }
        }
    }
}

/// What filing did.
enum Done {
    Filed(Filed),
    Already(AlreadyFiled),
}

/// `POST /official/file`: plans again (nothing is trusted from the previous page), opens
/// the wallet with the session's passphrase, files, and shows the checked receipts.
async fn file(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<FileFields>,
) -> Response {
    let Some(passphrase) = unlocked(&app) else {
        return locked(lang);
    };
    let (app2, f) = (Arc::clone(&app), fields.clone());
    let done = call(lang, OfficialError::is_untrusted, move || {
        let planned = plan_for(&app2, &f)?;
        let mut wallet = Wallet::open(&app2.data_dir.join(WALLET_FILE), &passphrase)?;
        let official = official(&app2)?;
        match planned {
            Planned::FiledBefore(before) => Ok(Done::Already(official.refile(&before, &wallet)?)),
            Planned::File(plan) => Ok(Done::Filed(official.file(
                *plan,
                &mut wallet,
                &NoProgress,
            )?)),
        }
    })
    .await;
    let shown = match done {
        Err(error) => return form_page(&app, lang, &fields, Some(error)),
        Ok(Done::Already(a)) => html! {
            p.ok #filed { (fill(lang, T::OfAlreadyFiled, &[&a.period.to_string(), &a.entry.to_string()])) }
        },
        Ok(Done::Filed(filed)) => filed_markup(lang, &filed),
    };
    let main = html! {
        h1 { (T::OfFiledTitle.get(lang)) }
        (shown)
        ul.actions { li { a href=(super::HISTORY) { (T::OfHistory.get(lang)) } } }
    };
    page(lang, Some(super::HISTORY), T::OfFiledTitle, main).into_response()
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
