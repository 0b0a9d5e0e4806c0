//! The alerts the service's rules raised, by rule, each with its details and a link to the
//! record of the official it is about (where it is re-verified against the log).

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    extract::{Extension, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use maud::{html, Markup};
use probity_client::{
    api::{AlertView, RiskView},
    SupervisorError,
};
use probity_web::Lang;

use super::{page, record_path, supervisor, when};
use crate::{text::T, whistleblower::call, AppState};

pub(super) const ALERTS: &str = "/supervisor/alerts";

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new().route(ALERTS, get(alerts))
}

/// What a rule means, for the rules the service has; `None` for one this app does not know.
fn rule_words(rule: &str) -> Option<T> {
    Some(match rule {
        "declaration_overdue" => T::SuRuleOverdue,
        "filed_after_deadline" => T::SuRuleLate,
        "wealth_growth_missing" => T::SuRuleGrowth,
        "challenge_expired" => T::SuRuleExpired,
        "many_reporters" => T::SuRuleReporters,
        "declaration_amended" => T::SuRuleAmended,
        "band_jump" => T::SuRuleBandJump,
        "amended_after_challenge" => T::SuRuleAmendedAfter,
        "registry_unanswered" => T::SuRuleRegistry,
        "many_late_filings" => T::SuRuleManyLate,
        "repeat_unexplained_growth" => T::SuRuleRepeatGrowth,
        "required_proof_missing" => T::SuRuleRequired,
        _ => return None,
    })
}

async fn alerts(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    let app2 = Arc::clone(&app);
    let found = call(lang, SupervisorError::is_untrusted, move || {
        let supervisor = supervisor(&app2)?;
        Ok((supervisor.risk()?, supervisor.alerts()?))
    })
    .await;
    let shown = match found {
        Err(error) => error,
        Ok((_, all)) if all.is_empty() => html! { p.empty { (T::SuNoAlerts.get(lang)) } },
        Ok((risk, all)) => html! { (risk_view(lang, &risk)) (by_rule(lang, all)) },
    };
    let main = html! {
        h1 { (T::SuAlerts.get(lang)) }
        p.intro { (T::SuAlertsIntro.get(lang)) }
        (shown)
    };
    page(lang, Some(ALERTS), T::SuAlerts, main).into_response()
}

/// The risk view: per official, the total weight of their open alerts and every alert
/// behind it, heaviest first.
fn risk_view(lang: Lang, risk: &[RiskView]) -> Markup {
    html! {
        section #risk {
            h2 { (T::SuRisk.get(lang)) }
            p.muted { (T::SuRiskIntro.get(lang)) }
            table.risk {
                tr { th { (T::SuWeight.get(lang)) } th { (T::SuOfficial.get(lang)) } th { (T::SuReasons.get(lang)) } }
                @for v in risk {
                    tr.official-risk {
                        td.weight { strong { (v.weight) } }
                        td {
                            a href=(record_path(&v.official)) { (v.official) }
                            br; span.muted { (v.name) ", " (v.position) " (" (v.jurisdiction) ")" }
                        }
                        td {
                            ul.reasons {
                                @for a in &v.alerts {
                                    li {
                                        "+" (a.weight) " " code { (a.rule) }
                                        @if let Some(p) = a.detail.period { " " (p) }
                                        @if let Some(r) = &a.detail.registry { " · " (T::SuRegister.get(lang)) " " code { (r.as_str()) } }
                                        ": " (a.detail.message)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn by_rule(lang: Lang, all: Vec<AlertView>) -> Markup {
    let mut rules: BTreeMap<String, Vec<AlertView>> = BTreeMap::new();
    for alert in all {
        rules.entry(alert.rule.clone()).or_default().push(alert);
    }
    html! {
        ul #rules { @for (rule, list) in &rules { li { a href=(format!("#rule-{rule}")) { code { (rule) } } " (" (list.len()) ")" } } }
        @for (rule, list) in &rules {
            section.rule id=(format!("rule-{rule}")) {
                h2 { code { (rule) } }
                @if let Some(words) = rule_words(rule) { p.muted { (words.get(lang)) } }
                (alert_rows(lang, list, true))
            }
        }
    }
}

/// A table of alerts; with `official`, a column linking to each one's official.
pub(super) fn alert_rows(lang: Lang, list: &[AlertView], official: bool) -> Markup {
    if list.is_empty() {
        return html! { p.empty { (T::SuNoAlerts.get(lang)) } };
    }
    html! {
        table.alerts {
            tr {
                th { (T::OfEntry.get(lang)) } th { (T::OfWhen.get(lang)) }
                @if official { th { (T::SuOfficial.get(lang)) } } @else { th { (T::SuRule.get(lang)) } }
                th { (T::OfPeriod.get(lang)) } th { (T::SuDetails.get(lang)) }
            }
            @for a in list {
                tr.alert {
                    td { (a.entry) } td { (when(a.time)) }
                    @if official {
                        td { a href=(record_path(&a.detail.official)) { (a.detail.official) } }
                    } @else { td { code { (a.rule) } } }
                    td { @if let Some(p) = a.detail.period { (p) } }
                    td {
                        (a.detail.message)
                        @if let Some(c) = &a.detail.challenge { br; span.muted { (T::SuChallenge.get(lang)) " " code { (c.to_string()) } } }
                        @if let Some(r) = &a.detail.registry { br; span.muted { (T::SuRegister.get(lang)) " " code { (r.as_str()) } } }
                    }
                }
            }
        }
    }
}
