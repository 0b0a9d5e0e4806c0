//! The whistleblowers' enrollment codes, on sled: code hash → the scope the code buys and
//! the issuance request that spent it. The registrar's route makes codes; the enrollment
//! route spends each once, durably, before it answers.

use probity_credentials::{issuance, EnrollmentCodeHash, EnrollmentStore, Redemption};
use serde::{Deserialize, Serialize};

/// The enrollment codes on sled: code hash → `{scope, spent}`.
pub(crate) struct SledCodes<'a> {
    pub(crate) tree: &'a sled::Tree,
    /// Its `flush` is the durability barrier a spent code needs before it is acknowledged.
    pub(crate) db: &'a probity_ledger::DurableDb,
}

/// What is stored for a code.
#[derive(Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeRecord {
    pub(crate) scope: String,
    /// The request digest that spent it, hex.
    pub(crate) spent: Option<String>,
}

fn store_err(e: impl std::fmt::Display) -> probity_credentials::StoreError {
    probity_credentials::StoreError::new(e.to_string())
}

impl SledCodes<'_> {
    pub(crate) fn record(
        &self,
        code: &EnrollmentCodeHash,
    ) -> Result<Option<(sled::IVec, CodeRecord)>, probity_credentials::StoreError> {
        self.tree
            .get(code.0)
            .map_err(store_err)?
            .map(|v| {
                let r = serde_json::from_slice(&v).map_err(store_err)?;
                Ok((v, r))
            })
            .transpose()
    }

    pub(crate) fn insert_scoped(
        &self,
        code: &EnrollmentCodeHash,
        scope: &str,
    ) -> Result<(), probity_credentials::StoreError> {
        let record = serde_json::to_vec(&CodeRecord {
            scope: scope.to_owned(),
            spent: None,
        })
        .map_err(store_err)?;
        self.tree
            .compare_and_swap(code.0, None as Option<&[u8]>, Some(record))
            .map_err(store_err)?
            .map_err(|_| store_err("enrollment code already recorded"))
    }
}

impl EnrollmentStore for SledCodes<'_> {
    fn insert(&self, code: &EnrollmentCodeHash) -> Result<(), probity_credentials::StoreError> {
        self.insert_scoped(code, "unscoped")
    }

    fn redeem(
        &self,
        code: &EnrollmentCodeHash,
        request: &issuance::RequestDigest,
    ) -> Result<Redemption, probity_credentials::StoreError> {
        loop {
            let Some((old, record)) = self.record(code)? else {
                return Ok(Redemption::Unknown);
            };
            let digest = hex::encode(request.0);
            match &record.spent {
                Some(d) if *d == digest => return Ok(Redemption::Repeated),
                Some(_) => return Ok(Redemption::AlreadyUsed),
                None => {}
            }
            let new = serde_json::to_vec(&CodeRecord {
                spent: Some(digest),
                ..record
            })
            .map_err(store_err)?;
            if self
                .tree
                .compare_and_swap(code.0, Some(old), Some(new))
                .map_err(store_err)?
                .is_ok()
            {
                self.db.flush().map_err(store_err)?;
                return Ok(Redemption::Redeemed);
            }
        }
    }
}
