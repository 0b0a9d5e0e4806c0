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

use probity_core::{Capacity, ParamsManifest, StatementKind};
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

/// Where the verifying keys come from.
enum KeysFrom {
    /// Nowhere: proofs are checked for form only (by the witness or auditor itself).
    Nowhere,
    /// A params folder, which must hold the manifest the log published.
    Params(Params),
    /// The log's own `ParamsPublished` entries, each replacing the keys of the one before.
    Log,
}

/// Re-verifies each `ProofAccepted` entry with the verifying keys the log published.
///
/// Without keys it counts proofs checked for form only (by the witness itself). With a
/// params folder, a `ParamsPublished` entry whose manifest differs from its manifest refuses
/// the log, so a proof is never judged against keys other than the published ones. With the
/// keys from the log, each proof is judged against the latest `ParamsPublished` before it. A withheld proof with a
/// disclosure is rebuilt from it, and a disclosure that does not open the public digest
/// refuses the entry: whoever served it shows supervisors details other than the ones the log
/// committed to.
pub struct ProofRecheck {
    keys_from: KeysFrom,
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
        Self::with_keys(
            params.map_or(KeysFrom::Nowhere, KeysFrom::Params),
            disclosures,
        )
    }

    /// A check with the verifying keys of the log's own `ParamsPublished` entries, for an
    /// audit of the whole log from its first entry.
    pub fn with_keys_from_log(disclosures: Vec<api::DisclosureView>) -> Self {
        Self::with_keys(KeysFrom::Log, disclosures)
    }

    fn with_keys(keys_from: KeysFrom, disclosures: Vec<api::DisclosureView>) -> Self {
        Self {
            keys_from,
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
            with_params: !matches!(self.keys_from, KeysFrom::Nowhere),
            reverified: self.reverified.get(),
            from_disclosure: self.from_disclosure.get(),
            withheld_form_checked: self.withheld.get(),
            form_checked_only: self.form_only.get(),
        }
    }

    /// The key to verify a `statement` proof at `capacity` with.
    fn key(
        &self,
        statement: StatementKind,
        capacity: Capacity,
    ) -> Result<StatementVerifyingKey, String> {
        if let Some(k) = self.keys.borrow().get(&(statement, capacity)) {
            return Ok(k.clone());
        }
        let KeysFrom::Params(params) = &self.keys_from else {
            return Err(format!(
                "no ParamsPublished entry before it publishes a {statement} key at capacity {capacity}"
            ));
        };
        let entry = params
            .entry(statement, capacity)
            .map_err(|e| e.to_string())?;
        let key = StatementVerifyingKey::from_manifest_entry(entry).map_err(|e| e.to_string())?;
        self.keys
            .borrow_mut()
            .insert((statement, capacity), key.clone());
        Ok(key)
    }

    /// Takes the keys of a `ParamsPublished` entry (keys from the log), or holds the params
    /// folder to it.
    fn published(&self, manifest: &ParamsManifest) -> Result<(), String> {
        match &self.keys_from {
            KeysFrom::Nowhere => Ok(()),
            KeysFrom::Params(params) if manifest == params.manifest() => Ok(()),
            KeysFrom::Params(params) => Err(format!(
                "the params manifest it publishes differs from {} given with --params: pass --params the folder of the params this log published",
                params.dir().join(MANIFEST_FILE).display()
            )),
            KeysFrom::Log => {
                let mut keys = HashMap::new();
                for k in &manifest.keys {
                    let key = StatementVerifyingKey::from_manifest_entry(k)
                        .map_err(|e| format!("its {} key is not a verifying key ({e})", k.statement))?;
                    keys.insert((k.statement, k.capacity), key);
                }
                *self.keys.borrow_mut() = keys;
                Ok(())
            }
        }
    }

    fn count(counter: &Cell<u64>) {
        counter.set(counter.get() + 1);
    }
}

impl ProofCheck for ProofRecheck {
    fn observe(&self, _index: u64, entry: &Entry) -> Result<(), String> {
        match &entry.body {
            EntryBody::ParamsPublished(published) => self.published(&published.manifest),
            _ => Ok(()),
        }
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
        let envelope = match (&self.keys_from, envelope) {
            (KeysFrom::Nowhere, _) => {
                Self::count(&self.form_only);
                return Ok(());
            }
            (_, None) => {
                Self::count(&self.withheld);
                return Ok(());
            }
            (_, Some(envelope)) => envelope,
        };
        let key = self.key(proof.statement, proof.capacity)?;
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
