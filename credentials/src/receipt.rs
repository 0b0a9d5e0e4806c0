//! Tip receipts: the whistleblower's handle for status and replies.

use core::fmt;

use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;

use crate::code::{self, CODE_BYTES};
use crate::errors::DecodeError;
use crate::transcript::labels;

/// A receipt code: 160 random bits, written `XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX` in
/// Crockford base32 so a person can copy it by hand.
///
/// It is a bearer secret: whoever holds it can follow the tip. The service stores only
/// [`Receipt::storage_hash`], so a leaked database does not hand out receipts. `Debug`
/// hides it; `Display` writes it (to show it to its owner once).
#[derive(Clone)]
pub struct Receipt(pub(crate) [u8; CODE_BYTES]);

impl Receipt {
    /// A fresh random receipt.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = [0u8; CODE_BYTES];
        rng.fill_bytes(&mut bytes);
        Receipt(bytes)
    }

    /// Parses a receipt as a person typed it: case-insensitive, hyphens and spaces ignored,
    /// `O` read as `0` and `I`/`L` as `1`.
    pub fn parse(text: &str) -> Result<Self, DecodeError> {
        code::decode(text).map(Receipt).ok_or(DecodeError::Text)
    }

    /// The hash the service stores: `SHA-256(lp("probity/receipt/v1") || 20 code bytes)`.
    pub fn storage_hash(&self) -> ReceiptHash {
        ReceiptHash(code::storage_hash(labels::RECEIPT_HASH, &self.0))
    }
}

impl PartialEq for Receipt {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for Receipt {}

impl fmt::Display for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&code::encode(&self.0))
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt").finish_non_exhaustive()
    }
}

/// The stored form of a [`Receipt`]: a SHA-256 digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceiptHash(pub [u8; 32]);
