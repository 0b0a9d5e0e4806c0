//! The witness's role: follow a log one step and cosign its checkpoint, or refuse it.
//!
//! The ledger's [`Witness`](probity_ledger::Witness) holds the protocol: consistency with the
//! last accepted checkpoint, the form of every new entry, the cosignature, the state file.
//! What it leaves to its caller is the re-verification of proofs, which needs the verifier:
//! [`ProofRecheck`] brings it, with the params the log published and, for a supervisor who
//! has them, the disclosures of withheld details.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
};

use probity_core::{Capacity, StatementKind};
use probity_ledger::{
    Disclosure, Entry, EntryBody, ProofAccepted, ProofCheck, WithheldProof, WitnessError,
};
use probity_params::{Params, MANIFEST_FILE};
use probity_verifier::{verify_envelope, StatementVerifyingKey};

use crate::api;

/// Whether the witness refused the log (a split view, an entry that does not check out), as
/// opposed to failing to run (the log unreachable, the state file unusable, a stale offer).
pub fn is_refusal(e: &WitnessError) -> bool {
    match e {
        WitnessError::Stale { .. } | WitnessError::State { .. } => false,
        WitnessError::Source(t) => !t.is_unreachable(),
        _ => true,
    }
}

/// How the proofs of one update were checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecheckCounts {
    /// Whether proofs were re-verified at all (params were given).
    pub with_params: bool,
    /// Proofs re-verified with a published verifying key.
    pub reverified: u64,
    /// Of those, the ones rebuilt from their disclosure.
    pub from_disclosure: u64,
    /// `asset_included` proofs whose details are withheld and were not disclosed: their form
    /// was checked, not the proof.
    pub withheld_form_checked: u64,
    /// Proofs checked for form only, because no params were given.
    pub form_checked_only: u64,
}

/// Re-verifies each `ProofAccepted` entry with the params the log published.
///
/// Without params it counts proofs checked for form only (by the witness itself). With
/// params, a `ParamsPublished` entry whose manifest differs from theirs refuses the log, so a
/// proof is never judged against keys other than the published ones. A withheld proof with a
/// disclosure is rebuilt from it, and a disclosure that does not open the public digest
/// refuses the entry: whoever served it shows supervisors details other than the ones the log
/// committed to.
pub struct ProofRecheck {
    params: Option<Params>,
    disclosures: HashMap<u64, api::DisclosureView>,
    keys: RefCell<HashMap<(StatementKind, Capacity), StatementVerifyingKey>>,
    reverified: Cell<u64>,
    from_disclosure: Cell<u64>,
    withheld: Cell<u64>,
    form_only: Cell<u64>,
}

impl ProofRecheck {
    /// A check with `params` (none: form only) and the `disclosures` a supervisor holds.
    pub fn new(params: Option<Params>, disclosures: Vec<api::DisclosureView>) -> Self {
        Self {
            params,
            disclosures: disclosures.into_iter().map(|d| (d.entry, d)).collect(),
            keys: RefCell::new(HashMap::new()),
            reverified: Cell::new(0),
            from_disclosure: Cell::new(0),
            withheld: Cell::new(0),
            form_only: Cell::new(0),
        }
    }

    /// What it counted so far.
    pub fn counts(&self) -> RecheckCounts {
        RecheckCounts {
            with_params: self.params.is_some(),
            reverified: self.reverified.get(),
            from_disclosure: self.from_disclosure.get(),
            withheld_form_checked: self.withheld.get(),
            form_checked_only: self.form_only.get(),
        }
    }

    fn key(
        &self,
        params: &Params,
        statement: StatementKind,
        capacity: Capacity,
    ) -> Result<StatementVerifyingKey, String> {
        if let Some(k) = self.keys.borrow().get(&(statement, capacity)) {
            return Ok(k.clone());
        }
        let entry = params
            .entry(statement, capacity)
            .map_err(|e| e.to_string())?;
        let key = StatementVerifyingKey::from_manifest_entry(entry).map_err(|e| e.to_string())?;
        self.keys
            .borrow_mut()
            .insert((statement, capacity), key.clone());
        Ok(key)
    }

    fn count(counter: &Cell<u64>) {
        counter.set(counter.get() + 1);
    }
}

impl ProofCheck for ProofRecheck {
    fn observe(&self, _index: u64, entry: &Entry) -> Result<(), String> {
        if let (Some(params), EntryBody::ParamsPublished(published)) = (&self.params, &entry.body) {
            if published.manifest != *params.manifest() {
                return Err(format!(
                    "the params manifest it publishes differs from {} given with --params: pass --params the folder of the params this log published",
                    params.dir().join(MANIFEST_FILE).display()
                ));
            }
        }
        Ok(())
    }

    fn check(&self, index: u64, proof: &ProofAccepted) -> Result<(), String> {
        let disclosure = match (proof.withheld, self.disclosures.get(&index)) {
            (Some(_), Some(view)) => Some(withheld_proof(view)?),
            _ => None,
        };
        let envelope = match (proof.withheld, &disclosure) {
            (Some(_), None) => None,
            _ => Some(
                proof
                    .to_envelope(disclosure.as_ref())
                    .map_err(|e| e.to_string())?,
            ),
        };
        let (Some(params), Some(envelope)) = (&self.params, envelope) else {
            Self::count(match self.params {
                Some(_) => &self.withheld,
                None => &self.form_only,
            });
            return Ok(());
        };
        let key = self.key(params, proof.statement, proof.capacity)?;
        verify_envelope(&key, &envelope).map_err(|e| {
            format!(
                "its {} proof about {} does not verify with the published verifying key ({e})",
                proof.statement, proof.official
            )
        })?;
        Self::count(&self.reverified);
        if disclosure.is_some() {
            Self::count(&self.from_disclosure);
        }
        Ok(())
    }
}

/// A disclosure as the service serves it, decoded as what an `asset_included` proof withholds.
fn withheld_proof(view: &api::DisclosureView) -> Result<Disclosure<WithheldProof>, String> {
    serde_json::from_value(serde_json::json!({ "salt": view.salt, "detail": view.detail })).map_err(
        |e| format!("the disclosure given for it is not the disclosure of a withheld proof ({e})"),
    )
}
