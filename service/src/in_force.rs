//! The settings in force for a period: the service's config, as the supervision policy in
//! force for that period (`PolicyPublished`, on the ledger) changes them. The config is the
//! policy before any is published; a published one may set the bands, the `wealth_growth`
//! tolerance, the filing deadline, which rules are on, and their thresholds, each from its
//! `applies_from` on. Filing checks and period rules read them from here, never from the
//! config directly, so a policy change takes effect where the ledger says it does.

use std::collections::BTreeSet;

use probity_core::Period;
use probity_ledger::PolicyPublished;

use crate::{
    api::{policy_for, Band},
    config::Config,
    rules,
    state::State,
};

/// Settings a policy may set, by name (as `/v1/info` lists them with their rules).
pub(crate) const POLICY_SETTINGS: [&str; 3] = [
    "band_jump_bands",
    "late_filings_threshold",
    "late_filings_window",
];

/// What holds for one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InForce {
    /// The policy version it comes from; 0: the config alone.
    pub(crate) policy_version: u32,
    /// The public net-worth bands, lowest first.
    pub(crate) bands: Vec<Band>,
    /// Growth allowed beyond income in `wealth_growth`, in minor units.
    pub(crate) wealth_growth_tolerance: u64,
    /// `band_jump` fires at a rise of this many bands or more.
    pub(crate) band_jump_bands: usize,
    /// `many_late_filings` fires at this many late periods …
    pub(crate) late_filings_threshold: usize,
    /// … among the last this many with a deadline.
    pub(crate) late_filings_window: usize,
    /// Rules switched off.
    off: BTreeSet<String>,
}

impl InForce {
    /// What holds for `period`: `config`, as the policy in force for it changes it.
    pub(crate) fn for_period(state: &State, config: &Config, period: Period) -> InForce {
        let base = InForce::of_config(config);
        match policy_for(&state.policies, period) {
            Some(policy) => base.with(policy),
            None => base,
        }
    }

    /// What holds before any policy: the config's settings, every rule on.
    fn of_config(config: &Config) -> InForce {
        InForce {
            policy_version: 0,
            bands: config.net_worth_bands.clone(),
            wealth_growth_tolerance: config.wealth_growth_tolerance,
            band_jump_bands: config.band_jump_bands,
            late_filings_threshold: config.late_filings_threshold,
            late_filings_window: config.late_filings_window,
            off: BTreeSet::new(),
        }
    }

    /// These settings as `policy` changes them.
    fn with(mut self, policy: &PolicyPublished) -> InForce {
        self.policy_version = policy.policy_version;
        if let Some(bands) = &policy.net_worth_bands {
            self.bands = bands.iter().map(|&b| b.into()).collect();
        }
        if let Some(t) = policy.wealth_growth_tolerance {
            self.wealth_growth_tolerance = t.0;
        }
        let setting = |name: &str, default: usize| {
            policy
                .rule_settings
                .get(name)
                .map_or(default, |&v| usize::try_from(v).unwrap_or(usize::MAX))
        };
        self.band_jump_bands = setting("band_jump_bands", self.band_jump_bands);
        self.late_filings_threshold =
            setting("late_filings_threshold", self.late_filings_threshold);
        self.late_filings_window = setting("late_filings_window", self.late_filings_window);
        self.off = policy
            .rules_off
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect();
        self
    }

    /// Whether `rule` is on.
    pub(crate) fn is_on(&self, rule: &str) -> bool {
        !self.off.contains(rule)
    }
}

/// Checks what only the service knows of a policy: the rules it switches off are rules of
/// this service that concern a period, the settings it sets are ones a policy may set, and
/// with the config's values for those it leaves out they make sense (the same checks the
/// config gets).
pub(crate) fn check_policy(policy: &PolicyPublished, config: &Config) -> Result<(), String> {
    for rule in &policy.rules_off {
        let name = rule.as_str();
        if name == rules::MANY_REPORTERS {
            return Err(format!(
                "`{name}` counts reporters per tip epoch, not per period, so a policy cannot switch it off: it is set in the service's config"
            ));
        }
        if !rules::ALL.iter().any(|r| r.name == name) {
            return Err(format!(
                "there is no rule `{name}`: /v1/info lists the rules"
            ));
        }
    }
    if let Some(name) = policy
        .rule_settings
        .keys()
        .find(|k| !POLICY_SETTINGS.contains(&k.as_str()))
    {
        return Err(format!(
            "`{name}` is not a setting a policy can set: those are {}",
            POLICY_SETTINGS.join(", ")
        ));
    }
    let settings = InForce::of_config(config).with(policy);
    if settings.band_jump_bands == 0
        || settings.late_filings_threshold == 0
        || settings.late_filings_threshold > settings.late_filings_window
    {
        return Err("band_jump_bands and late_filings_threshold must be positive, and late_filings_threshold at most late_filings_window".into());
    }
    Ok(())
}
