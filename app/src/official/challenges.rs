//! The challenges addressed to the official, with their due dates, and for each whether the
//! declaration file of its period in the data folder can answer it, and if not why (said
//! here, never sent). One is answered with a click, or all that can be.

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    extract::{Extension, State},
    response::{IntoResponse, Response},
    routing::{get, post},
    Form, Router,
};
use maud::{html, Markup};
use probity_client::{
    declaration_edit::declaration_files,
    official::{
        Challenge, ChallengeAnswered, ChallengeId, DeclarationFile, ParamsSource, Verdict, Wallet,
        WALLET_FILE,
    },
    NoProgress, Official, OfficialError,
};
use probity_core::Period;
use probity_web::Lang;
use serde::Deserialize;

use super::{locked, official, unlocked, yuan};
use crate::{
    text::{fill, T},
    whistleblower::{call, page},
    AppState,
};

pub(super) const CHALLENGES: &str = "/official/challenges";
const ANSWER: &str = "/official/challenges/answer";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(CHALLENGES, get(list))
        .route(ANSWER, post(answer))
}

/// A challenge and the declaration file of its period, if the folder has one.
struct Row {
    challenge: Challenge,
    file: Option<DeclarationFile>,
}

impl Row {
    fn answerable(&self) -> bool {
        self.challenge.asked.status == "open"
            && matches!(
                self.challenge.verdict,
                Some(Verdict::Declared {
                    meets_min_value: true,
                    ..
                })
            )
    }
}

/// The declaration files of the data folder that parse, by the period they declare (the
/// first by name for each period).
fn files_by_period(app: &AppState) -> BTreeMap<Period, DeclarationFile> {
    let mut by_period = BTreeMap::new();
    for path in declaration_files(&app.data_dir) {
        if let Ok(file) = DeclarationFile::read(&path) {
            by_period.entry(file.declaration.period()).or_insert(file);
        }
    }
    by_period
}

/// Every challenge, each judged against the file of its period.
fn rows(app: &AppState, official: &Official) -> Result<Vec<Row>, OfficialError> {
    let files = files_by_period(app);
    let listed = official.challenges(None)?;
    let mut judged: BTreeMap<Period, Vec<Challenge>> = BTreeMap::new();
    for period in listed.iter().map(|c| c.asked.period) {
        if let (Some(file), false) = (files.get(&period), judged.contains_key(&period)) {
            judged.insert(period, official.challenges(Some(&file.declaration))?);
        }
    }
    Ok(listed
        .into_iter()
        .map(|c| {
            let period = c.asked.period;
            let challenge = judged
                .get(&period)
                .and_then(|all| all.iter().find(|j| j.asked.challenge == c.asked.challenge))
                .cloned()
                .unwrap_or(c);
            Row {
                challenge,
                file: files.get(&period).cloned(),
            }
        })
        .collect())
}

async fn list(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    if unlocked(&app).is_none() {
        return locked(lang);
    }
    list_page(&app, lang, None).await
}

async fn list_page(app: &Arc<AppState>, lang: Lang, answered: Option<Markup>) -> Response {
    let app2 = Arc::clone(app);
    let rows = call(lang, OfficialError::is_untrusted, move || {
        rows(&app2, &official(&app2)?)
    })
    .await;
    let main = html! {
        h1 { (T::OfChallenges.get(lang)) }
        @if let Some(answered) = answered { (answered) }
        @match rows {
            Err(error) => (error),
            Ok(rows) if rows.is_empty() => p.empty { (T::OfNoChallenges.get(lang)) },
            Ok(rows) => {
                ol #challenges { @for row in &rows { (row_markup(lang, row)) } }
                @if rows.iter().any(Row::answerable) {
                    form.app method="post" action=(ANSWER) {
                        input type="hidden" name="all" value="1";
                        p.note { (T::OfTakesSeconds.get(lang)) }
                        button #answer-all type="submit" { (T::OfAnswerAll.get(lang)) }
                    }
                }
            }
        }
    };
    page(lang, Some(CHALLENGES), T::OfChallenges, main).into_response()
}

fn row_markup(lang: Lang, row: &Row) -> Markup {
    let asked = &row.challenge.asked;
    let due = probity_core::format_utc(asked.deadline / 1000);
    let file = row.file.as_ref().map(|f| {
        f.path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    });
    let verdict = match (row.challenge.verdict, &file) {
        (_, None) => fill(lang, T::OfNoFileForPeriod, &[&asked.period.to_string()]),
        (Some(Verdict::NotDeclared), Some(f)) => fill(lang, T::OfNotDeclared, &[f]),
        (
            Some(Verdict::Declared {
                item,
                meets_min_value: false,
                ..
            }),
            Some(f),
        ) => fill(lang, T::OfBelowLeast, &[&item.to_string(), f]),
        (Some(Verdict::Declared { item, category, .. }), Some(f)) => fill(
            lang,
            T::OfCanAnswer,
            &[&item.to_string(), &category.to_string(), f],
        ),
        (None, Some(_)) => String::new(),
    };
    let id = asked.challenge.to_string();
    html! {
        li.challenge id=(format!("challenge-{id}")) {
            p {
                strong { (fill(lang, T::OfChallengeLine, &[&asked.period.to_string(), &yuan(lang, asked.min_value.into())])) }
                " " span.muted { (fill(lang, T::OfDue, &[&due])) " · " (asked.status) " · " code { (id) } }
            }
            @if asked.status == "open" {
                p class=(if row.answerable() { "ok" } else { "bad" }) { (verdict) }
                @if row.answerable() {
                    form.inline method="post" action=(ANSWER) {
                        input type="hidden" name="challenge" value=(id);
                        button type="submit" { (T::OfAnswer.get(lang)) }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AnswerFields {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    all: String,
}

/// A challenge answered, or why not.
type Answered = (ChallengeId, Result<ChallengeAnswered, OfficialError>);

/// Answers the challenges `ids` (each with the file of its period), one wallet opening for
/// all; each one's outcome. (One, as the app asks: [`answer_all`] answers many.)
fn answer_each(
    app: &AppState,
    ids: &[ChallengeId],
    passphrase: &probity_client::official::Passphrase,
) -> Result<Vec<Answered>, OfficialError> {
    let official = official(app)?;
    let wallet = Wallet::open(&app.data_dir.join(WALLET_FILE), passphrase)?;
    let rows = rows(app, &official)?;
    Ok(ids
        .iter()
        .map(|&id| {
            let row = rows.iter().find(|r| r.challenge.asked.challenge == id);
            let answered = match row.and_then(|r| r.file.as_ref()) {
                None => Err(OfficialError::NoSuchChallenge(id)),
                Some(file) => official
                    .plan_answer(id, file, &ParamsSource::Service, &NoProgress)
                    .and_then(|plan| official.answer(plan, &wallet, &NoProgress)),
            };
            (id, answered)
        })
        .collect())
}

/// Answers every challenge that the declaration files of the data folder can answer: per
/// period, one plan and one loaded key for all its challenges ([`Official::answer_all`]),
/// one wallet opening for every period. A period whose answers cannot be made (its file is
/// not the one filed, say) is reported against its first challenge, and the other periods
/// go on.
fn answer_all(
    app: &AppState,
    passphrase: &probity_client::official::Passphrase,
) -> Result<Vec<Answered>, OfficialError> {
    let official = official(app)?;
    let wallet = Wallet::open(&app.data_dir.join(WALLET_FILE), passphrase)?;
    let rows = rows(app, &official)?;
    let mut by_period: BTreeMap<Period, (ChallengeId, &DeclarationFile)> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.answerable()) {
        if let Some(file) = &row.file {
            by_period
                .entry(row.challenge.asked.period)
                .or_insert((row.challenge.asked.challenge, file));
        }
    }
    let mut done = Vec::new();
    for (first, file) in by_period.into_values() {
        let answered = official
            .plan_all_answers(file, &ParamsSource::Service, &NoProgress)
            .and_then(|plan| official.answer_all(plan, &wallet, &NoProgress));
        match answered {
            Ok(all) => {
                done.extend(all.answered.into_iter().map(|a| (a.challenge, Ok(a))));
                done.extend(
                    all.refused
                        .into_iter()
                        .map(|(c, why)| (c.challenge, Err(why))),
                );
            }
            Err(why) if why.is_untrusted() => return Err(why),
            Err(why) => done.push((first, Err(why))),
        }
    }
    Ok(done)
}

/// `POST /official/challenges/answer`: one challenge, or all that can be answered.
async fn answer(
    State(app): State<Arc<AppState>>,
    Extension(lang): Extension<Lang>,
    Form(fields): Form<AnswerFields>,
) -> Response {
    let Some(passphrase) = unlocked(&app) else {
        return locked(lang);
    };
    let app2 = Arc::clone(&app);
    let outcome = call(lang, OfficialError::is_untrusted, move || {
        if fields.all.is_empty() {
            let ids: Vec<ChallengeId> = ChallengeId::from_hex(fields.challenge.trim())
                .into_iter()
                .collect();
            answer_each(&app2, &ids, &passphrase)
        } else {
            answer_all(&app2, &passphrase)
        }
    })
    .await;
    let shown = match outcome {
        Err(error) => error,
        Ok(done) => html! {
            ul #answered {
                @for (id, result) in &done {
                    @match result {
                        Ok(a) => li.ok { (fill(lang, T::OfAnswered, &[&id.to_string(), &entries(&a.logged.entries)])) },
                        Err(e) => li { (crate::page::failure(lang, e, e.is_untrusted())) },
                    }
                }
            }
        },
    };
    list_page(&app, lang, Some(shown)).await
}

fn entries(entries: &[u64]) -> String {
    entries
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
