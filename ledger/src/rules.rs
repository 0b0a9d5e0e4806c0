//! The rules an entry must follow given the entries before it, shared by the auditor
//! ([`crate::audit::verify_log`]) and the [`Witness`](crate::Witness):
//!
//! - an official files a declaration only after being registered, and the filing carries a
//!   valid signature by the key registered for that official;
//! - a `ProofAccepted` names only commitments its official filed earlier in the log, for the
//!   proof's periods and at the proof's capacity (DESIGN.md §5: a proof only counts together
//!   with the filing of the commitment it names).
//!
//! These rules depend on history, so a checker must see every entry of the log from index 0,
//! in order: [`EntryRules::check`] records what each entry establishes (registered keys,
//! filed commitments) once it passes.

use std::collections::{HashMap, HashSet};

use probity_core::{Capacity, Commitment, OfficialId, Period};

use crate::{
    bytes::PublicKey,
    entry::{Entry, EntryBody},
};

/// Checks entries, in log order from index 0, against the rules that depend on the entries
/// before them.
#[derive(Clone, Debug, Default)]
pub struct EntryRules {
    /// The key each official registered (the latest registration counts).
    keys: HashMap<OfficialId, PublicKey>,
    /// Every (official, period, capacity, commitment) filed so far: a proof must name one.
    filed: HashSet<(OfficialId, Period, Capacity, Commitment)>,
}

impl EntryRules {
    /// A checker that has seen no entries (the start of a log).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the entry at `index` against the entries seen so far, and records it if it
    /// passes. An `Err` says why the entry breaks a rule; the checker is then unchanged.
    /// Entries must come in log order, every one from index 0, each exactly once.
    pub fn check(&mut self, index: u64, entry: &Entry) -> Result<(), String> {
        let _ = index; // the rules depend on the order of entries, not on their positions
        match &entry.body {
            EntryBody::OfficialRegistered(r) => {
                self.keys.insert(r.official.clone(), r.public_key);
            }
            EntryBody::DeclarationFiled(d) => {
                let key = self.keys.get(&d.official).ok_or_else(|| {
                    format!("official `{}` filed before being registered", d.official)
                })?;
                d.verify_signature(key).map_err(|e| e.to_string())?;
                self.filed
                    .insert((d.official.clone(), d.period, d.capacity, d.commitment));
            }
            EntryBody::ProofAccepted(p) => {
                for (period, commitment) in p.named_commitments().map_err(|e| e.to_string())? {
                    if !self
                        .filed
                        .contains(&(p.official.clone(), period, p.capacity, commitment))
                    {
                        return Err(format!(
                            "a {} proof names commitment {commitment} for `{}` {period} at capacity {}, which that official did not file before this entry: the proof proves nothing about a filed declaration",
                            p.statement, p.official, p.capacity
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
