//! One-time enrollment codes: one code buys exactly one credential.
//!
//! The registrar hands a code to a person whose identity was checked out of band. The code
//! is the only thing that ties issuance to a person, and the issuer learns it, never `k`.
//! The issuer side keeps only code hashes, in an [`EnrollmentStore`].

use core::fmt;

use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;

use crate::code::{self, CODE_BYTES};
use crate::errors::DecodeError;
#[cfg(feature = "issuer")]
use crate::errors::StoreError;
#[cfg(feature = "issuer")]
use crate::issuance::RequestDigest;
use crate::transcript::labels;

/// An enrollment code: 160 random bits in grouped Crockford base32, as [`crate::Receipt`].
///
/// A bearer secret until redeemed: `Debug` hides it, `Display` writes it (for printing).
#[derive(Clone)]
pub struct EnrollmentCode(pub(crate) [u8; CODE_BYTES]);

impl EnrollmentCode {
    /// Length of the encoding inside an issuance request, in bytes.
    pub(crate) const LEN: usize = CODE_BYTES;

    /// A fresh random code. Registrars normally use [`EnrollmentStore::issue_code`], which
    /// also records it.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = [0u8; CODE_BYTES];
        rng.fill_bytes(&mut bytes);
        EnrollmentCode(bytes)
    }

    /// Parses a code as a person typed it (see [`crate::Receipt::parse`]).
    pub fn parse(text: &str) -> Result<Self, DecodeError> {
        code::decode(text)
            .map(EnrollmentCode)
            .ok_or(DecodeError::Text)
    }

    /// `SHA-256(lp("probity/enrollment-code/v1") || 20 code bytes)`: what stores keep.
    pub fn storage_hash(&self) -> EnrollmentCodeHash {
        EnrollmentCodeHash(code::storage_hash(labels::ENROLLMENT_CODE_HASH, &self.0))
    }
}

impl PartialEq for EnrollmentCode {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for EnrollmentCode {}

impl fmt::Display for EnrollmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&code::encode(&self.0))
    }
}

impl fmt::Debug for EnrollmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrollmentCode").finish_non_exhaustive()
    }
}

/// The stored form of an [`EnrollmentCode`]: a SHA-256 digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnrollmentCodeHash(pub [u8; 32]);

/// What [`EnrollmentStore::redeem`] found.
#[cfg(feature = "issuer")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redemption {
    /// The code was unused and is now spent on this request: issue.
    Redeemed,
    /// The code was spent on this same request before (its response was lost): issue
    /// again. The new MAC is on the same hidden `k` and attributes, so it is no second
    /// credential.
    Repeated,
    /// The code was spent on another request: refuse.
    AlreadyUsed,
    /// No such code was issued: refuse.
    Unknown,
}

/// The issuer's record of enrollment codes, by hash, each with the [`RequestDigest`] that
/// spent it.
///
/// # Invariants
/// - [`redeem`](EnrollmentStore::redeem) is atomic: of any number of concurrent calls for
///   one code, exactly one returns [`Redemption::Redeemed`], and its request digest is the
///   one stored. Later calls return [`Redemption::Repeated`] for that digest and
///   [`Redemption::AlreadyUsed`] for any other.
/// - The stored digest never changes, and a spent code never becomes unused again.
/// - A backend that persists must make the redemption durable before it returns (the
///   service backs this with sled).
///
/// [`conformance::check`] is the suite every backend must pass.
#[cfg(feature = "issuer")]
pub trait EnrollmentStore {
    /// Records a new, unused code. Fails if the hash is already known.
    fn insert(&self, code: &EnrollmentCodeHash) -> Result<(), StoreError>;

    /// Spends a code on `request`, if it is known and unused; says whether it was spent on
    /// the same request before.
    fn redeem(
        &self,
        code: &EnrollmentCodeHash,
        request: &RequestDigest,
    ) -> Result<Redemption, StoreError>;

    /// Generates a code and records it: what the registrar hands out.
    fn issue_code(&self, rng: &mut (impl RngCore + CryptoRng)) -> Result<EnrollmentCode, StoreError>
    where
        Self: Sized,
    {
        let code = EnrollmentCode::generate(rng);
        self.insert(&code.storage_hash())?;
        Ok(code)
    }
}

/// An in-memory [`EnrollmentStore`], for tests and single-process use.
#[cfg(feature = "issuer")]
#[derive(Default)]
pub struct EnrollmentCodes {
    /// code hash → the request that spent it, if any.
    codes: std::sync::Mutex<CodeMap>,
}

#[cfg(feature = "issuer")]
type CodeMap = std::collections::HashMap<EnrollmentCodeHash, Option<RequestDigest>>;

#[cfg(feature = "issuer")]
impl EnrollmentCodes {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, CodeMap>, StoreError> {
        self.codes
            .lock()
            .map_err(|_| StoreError::new("enrollment code store lock poisoned"))
    }
}

#[cfg(feature = "issuer")]
impl fmt::Debug for EnrollmentCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.codes.lock().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("EnrollmentCodes")
            .field("len", &len)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "issuer")]
impl EnrollmentStore for EnrollmentCodes {
    fn insert(&self, code: &EnrollmentCodeHash) -> Result<(), StoreError> {
        let mut codes = self.lock()?;
        if codes.contains_key(code) {
            return Err(StoreError::new("enrollment code already recorded"));
        }
        codes.insert(*code, None);
        Ok(())
    }

    fn redeem(
        &self,
        code: &EnrollmentCodeHash,
        request: &RequestDigest,
    ) -> Result<Redemption, StoreError> {
        let mut codes = self.lock()?;
        Ok(match codes.get_mut(code) {
            None => Redemption::Unknown,
            Some(spent @ None) => {
                *spent = Some(*request);
                Redemption::Redeemed
            }
            Some(Some(spent_on)) if spent_on == request => Redemption::Repeated,
            Some(Some(_)) => Redemption::AlreadyUsed,
        })
    }
}

/// The conformance suite of [`EnrollmentStore`] backends.
#[cfg(feature = "issuer")]
pub mod conformance {
    use super::*;

    fn digest(rng: &mut (impl RngCore + CryptoRng)) -> RequestDigest {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        RequestDigest(bytes)
    }

    /// Runs every check against an empty store.
    ///
    /// # Panics
    /// On the first behaviour that breaks the trait's contract.
    pub fn check<S: EnrollmentStore + Sync>(store: &S, rng: &mut (impl RngCore + CryptoRng)) {
        let code = store.issue_code(rng).expect("issuing a code");
        let raced = store.issue_code(rng).expect("issuing a second code");
        let retried = store.issue_code(rng).expect("issuing a third code");
        let never_issued = EnrollmentCode::generate(rng);
        let (first, second) = (digest(rng), digest(rng));

        assert!(
            store.insert(&code.storage_hash()).is_err(),
            "a recorded code must not be recorded again (it would become unused)"
        );
        assert_eq!(
            store
                .redeem(&never_issued.storage_hash(), &first)
                .expect("redeem"),
            Redemption::Unknown
        );
        assert_eq!(
            store.redeem(&code.storage_hash(), &first).expect("redeem"),
            Redemption::Redeemed
        );
        assert_eq!(
            store.redeem(&code.storage_hash(), &first).expect("redeem"),
            Redemption::Repeated,
            "the same request may fetch its response again"
        );
        assert_eq!(
            store.redeem(&code.storage_hash(), &second).expect("redeem"),
            Redemption::AlreadyUsed,
            "another request must not spend a spent code"
        );
        assert_eq!(
            store.redeem(&code.storage_hash(), &first).expect("redeem"),
            Redemption::Repeated,
            "a refused request must not replace the stored digest"
        );
        assert!(
            store.insert(&code.storage_hash()).is_err(),
            "a used code must not be reset to unused"
        );
        assert_eq!(
            store.redeem(&code.storage_hash(), &second).expect("redeem"),
            Redemption::AlreadyUsed,
            "a refused insert must not reset the code"
        );

        // Concurrent redemptions of one code by different requests: exactly one wins, and
        // its digest is the one kept.
        let digests: Vec<RequestDigest> = (0..4).map(|_| digest(rng)).collect();
        let results: Vec<(RequestDigest, Redemption)> = std::thread::scope(|s| {
            let handles: Vec<_> = digests
                .iter()
                .map(|d| {
                    s.spawn(|| {
                        let r = store.redeem(&raced.storage_hash(), d).expect("redeem");
                        (*d, r)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("redeem thread"))
                .collect()
        });
        let winners: Vec<_> = results
            .iter()
            .filter(|(_, r)| *r == Redemption::Redeemed)
            .collect();
        assert_eq!(
            winners.len(),
            1,
            "exactly one concurrent redemption succeeds"
        );
        assert!(
            results
                .iter()
                .all(|(_, r)| matches!(r, Redemption::Redeemed | Redemption::AlreadyUsed)),
            "the losers are refused"
        );
        let winner = winners[0].0;
        for d in &digests {
            let want = if *d == winner {
                Redemption::Repeated
            } else {
                Redemption::AlreadyUsed
            };
            assert_eq!(
                store.redeem(&raced.storage_hash(), d).expect("redeem"),
                want
            );
        }

        // Concurrent retries of one request: one spends the code, the others repeat.
        let same = digest(rng);
        let results: Vec<Redemption> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        store
                            .redeem(&retried.storage_hash(), &same)
                            .expect("redeem")
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("redeem thread"))
                .collect()
        });
        assert_eq!(
            results
                .iter()
                .filter(|r| **r == Redemption::Redeemed)
                .count(),
            1,
            "exactly one concurrent retry spends the code"
        );
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Redemption::Redeemed | Redemption::Repeated)),
            "the others repeat it"
        );
    }
}
