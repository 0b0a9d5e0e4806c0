//! Challenges: the form that issues one (an official, an asset's registry id, the least value
//! in yuan, a due date), and every challenge with its outcome (open, answered, expired).
//!
//! The asset's registry id travels only in the form's POST body: it is hashed here by the
//! library, and neither the service nor the log sees it; no address of the app holds it.

use std::sync::Arc;

use axum::{
    extract::{Extension, Query, State},
    response::{IntoResponse, Response},
    routing::get,
    Form, Router,
};
use maud::{html, Markup};
use probity_client::{
    api::{ChallengeView, OfficialInfo},
    declaration_edit::parse_yuan,
    supervisor::{Challenge, ChallengeIssued, OfficialCheck},
    SupervisorError,
};
use probity_core::{OfficialId, Period};
use probity_web::Lang;
use serde::Deserialize;

use super::{page, record_path, supervisor, when};
use crate::{
    official::yuan,
    text::{fill, T},
    whistleblower::{call, officials},
    AppState,
};

pub(super) const CHALLENGES: &str = "/supervisor/challenges";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new().route(CHALLENGES, get(list).post(issue))
}

/// The form's fields (the query preselects the official only). No `Debug`: the asset id is
/// a supervisor-only detail, as secret as the official's own, and must reach no log.
#[derive(Clone, Default, Deserialize)]
pub(crate) struct ChallengeFields {
    #[serde(default)]
    official: String,
    #[serde(default)]
    asset_id: String,
    #[serde(default)]
    min_value: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    period: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Preselect {
    #[serde(default)]
    official: String,
}

async fn list(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Query(pre): Query<Preselect>,
) -> Response {
    let fields = ChallengeFields {
        official: pre.official,
        ..ChallengeFields::default()
    };
    list_page(&app, lang, &fields, None).await
}

async fn list_page(
    app: &Arc<AppState>,
    lang: Lang,
    fields: &ChallengeFields,
    outcome: Option<Markup>,
) -> Response {
    let officials = officials(app, lang).await;
    let app2 = Arc::clone(app);
    let listed = call(lang, SupervisorError::is_untrusted, move || {
        supervisor(&app2)?.challenges()
    })
    .await;
    let main = html! {
        h1 { (T::OfChallenges.get(lang)) }
        p.intro { (T::SuChallengeIntro.get(lang)) }
        @if let Some(outcome) = outcome { (outcome) }
        @match &officials {
            Ok(list) => (form(lang, list, fields)),
            Err(error) => (error),
        }
        h2 { (T::SuAllChallenges.get(lang)) }
        @match &listed {
            Ok(all) => (challenge_rows(lang, all, None)),
            Err(error) => (error),
        }
    };
    page(lang, Some(CHALLENGES), T::OfChallenges, main).into_response()
}

fn form(lang: Lang, officials: &[OfficialInfo], fields: &ChallengeFields) -> Markup {
    html! {
        form.app #challenge method="post" action=(CHALLENGES) {
            label { (T::TipSubject.get(lang))
                select #official name="official" required {
                    option value="" { (T::TipChoose.get(lang)) }
                    @for o in officials {
                        @let id = o.official.as_str();
                        option value=(id) selected[id == fields.official] { (o.name) " (" (id) ")" }
                    }
                }
            }
            label { (T::SuAssetId.get(lang))
                input #asset-id type="text" name="asset_id" value=(fields.asset_id) required autocomplete="off" spellcheck="false";
            }
            label { (T::SuMinValue.get(lang))
                input #min-value type="text" name="min_value" value=(fields.min_value) required inputmode="decimal" autocomplete="off";
            }
            label { (T::SuDue.get(lang))
                input #due type="date" name="due" value=(fields.due) required;
            }
            label { (T::SuPeriodOptional.get(lang))
                input #period type="text" name="period" value=(fields.period) inputmode="numeric" autocomplete="off";
            }
            button type="submit" { (T::SuIssue.get(lang)) }
        }
    }
}

/// The challenge the form describes, or what is wrong with it (nothing is sent then).
fn parse(lang: Lang, f: &ChallengeFields) -> Result<Challenge, String> {
    let official = OfficialId::new(f.official.trim())?;
    let min_value = parse_yuan(&f.min_value).ok_or_else(|| T::SuBadValue.get(lang).to_owned())?;
    let days = probity_core::parse_date(f.due.trim()).ok_or_else(|| T::SuBadDue.get(lang))?;
    // The end of the due day, UTC, as the command line reads a date.
    let deadline = days
        .checked_add(1)
        .and_then(|d| d.checked_mul(86_400_000))
        .and_then(|ms| u64::try_from(ms - 1).ok())
        .ok_or_else(|| T::SuBadDue.get(lang).to_owned())?;
    let period = match f.period.trim() {
        "" => None,
        p => Some(
            p.parse::<u32>()
                .ok()
                .and_then(|p| Period::new(p).ok())
                .ok_or_else(|| T::OfBadPeriod.get(lang).to_owned())?,
        ),
    };
    Challenge::new(official, &f.asset_id, min_value, deadline, period).map_err(|e| e.to_string())
}

/// `POST /supervisor/challenges`: issues the challenge; the list, with what came of it.
async fn issue(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<ChallengeFields>,
) -> Response {
    let asked = match parse(lang, &fields) {
        Ok(asked) => asked,
        Err(why) => {
            let error = html! { div.failure role="alert" { p { strong { (T::Failed.get(lang)) } " " (why) } } };
            return list_page(&app, lang, &fields, Some(error)).await;
        }
    };
    let app2 = Arc::clone(&app);
    let (official, least) = (asked.official.clone(), asked.min_value);
    let issued = call(lang, SupervisorError::is_untrusted, move || {
        supervisor(&app2)?.challenge(&asked)
    })
    .await;
    match issued {
        Ok(issued) => {
            let done = issued_markup(lang, &issued, &official, least);
            list_page(&app, lang, &ChallengeFields::default(), Some(done)).await
        }
        Err(error) => list_page(&app, lang, &fields, Some(error)).await,
    }
}

fn issued_markup(
    lang: Lang,
    issued: &ChallengeIssued,
    official: &OfficialId,
    least: u64,
) -> Markup {
    let entries: Vec<String> = issued.entries.iter().map(ToString::to_string).collect();
    html! {
        p.ok #issued { (fill(lang, T::SuIssued, &[
            &issued.challenge.to_string(),
            &entries.join(", "),
            official.as_str(),
            &issued.period.to_string(),
            &yuan(lang, least.into()),
        ])) }
    }
}

/// A table of challenges with their outcome; with an official's `check`, whether each
/// answer was re-verified against what the challenge asked.
pub(super) fn challenge_rows(
    lang: Lang,
    all: &[ChallengeView],
    check: Option<&OfficialCheck>,
) -> Markup {
    if all.is_empty() {
        return html! { p.empty { (T::SuNoChallenges.get(lang)) } };
    }
    html! {
        table #challenges {
            tr {
                th { (T::SuChallenge.get(lang)) } th { (T::SuOfficial.get(lang)) } th { (T::OfPeriod.get(lang)) }
                th { (T::SuLeast.get(lang)) } th { (T::SuDueColumn.get(lang)) } th { (T::SuState.get(lang)) }
            }
            @for c in all {
                tr id=(format!("challenge-{}", c.challenge)) {
                    td { code { (c.challenge.to_string()) } br; span.muted { (fill(lang, T::SuEntry, &[&c.entry.to_string()])) } }
                    td { a href=(record_path(&c.official)) { (c.official) } }
                    td { (c.period) }
                    td { (yuan(lang, c.min_value.into())) }
                    td { (when(c.deadline)) }
                    td { (outcome(lang, c, check)) }
                }
            }
        }
    }
}

fn outcome(lang: Lang, c: &ChallengeView, check: Option<&OfficialCheck>) -> Markup {
    let rechecked = check.and_then(|k| k.challenges.iter().find(|x| x.challenge == c.challenge));
    html! {
        @match c.status.as_str() {
            "answered" => span.badge.ok { (T::SuAnswered.get(lang)) },
            "expired" => span.badge.bad { (T::SuExpired.get(lang)) },
            "open" => span.badge.warn { (T::StatusOpen.get(lang)) },
            other => span.badge.muted { (other) },
        }
        @if let Some(answer) = c.answer { " " span.muted { (fill(lang, T::SuEntry, &[&answer.to_string()])) } }
        @if let Some(x) = rechecked {
            br;
            @match &x.problem {
                None => span.ok { (T::SuAnswerRechecked.get(lang)) },
                Some(why) => span.bad { (why.to_string()) },
            }
        }
    }
}
