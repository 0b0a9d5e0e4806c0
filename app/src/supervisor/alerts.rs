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
use probity_client::{api::AlertView, SupervisorError};
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
        _ => return None,
    })
}

async fn alerts(State(app): State<Arc<AppState>>, Extension(lang): Extension<Lang>) -> Response {
    let app2 = Arc::clone(&app);
    let found = call(lang, SupervisorError::is_untrusted, move || {
        supervisor(&app2)?.alerts()
    })
    .await;
    let shown = match found {
        Err(error) => error,
        Ok(all) if all.is_empty() => html! { p.empty { (T::SuNoAlerts.get(lang)) } },
        Ok(all) => by_rule(lang, all),
    };
    let main = html! {
        h1 { (T::SuAlerts.get(lang)) }
        p.intro { (T::SuAlertsIntro.get(lang)) }
        (shown)
    };
    page(lang, Some(ALERTS), T::SuAlerts, main).into_response()
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
                    }
                }
            }
        }
    }
}
