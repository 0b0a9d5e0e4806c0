//! Canonical encodings into the field (DESIGN.md §4): `to_field`, asset-id normalization,
//! `id_hash` and `official_tag`.

use ark_ff::PrimeField;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::Fr;

/// Domain tag of `id_hash`.
pub const ASSET_ID_TAG: &str = "probity/asset-id/v1";
/// Domain tag of `official_tag`.
pub const OFFICIAL_TAG: &str = "probity/official/v1";

/// `to_field(tag, bytes)`: the first 31 bytes of `SHA-256(tag || 0x00 || bytes)`, big-endian.
///
/// 31 bytes are below the BN254 modulus, so the map never reduces and is injective on digests.
pub fn to_field(tag: &str, bytes: &[u8]) -> Fr {
    let digest = Sha256::new()
        .chain_update(tag.as_bytes())
        .chain_update([0u8])
        .chain_update(bytes)
        .finalize();
    Fr::from_be_bytes_mod_order(&digest[..31])
}

/// The normal form of a registry identifier: Unicode NFC, all white space removed (which
/// also trims), ASCII letters upper-cased. Non-ASCII letters keep their case, as the rule says.
pub fn normalize_asset_id(asset_id: &str) -> String {
    asset_id
        .nfc()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_removes_space_and_upper_cases_ascii_only() {
        assert_eq!(normalize_asset_id(" 6222 0202\t0001 "), "622202020001");
        assert_eq!(normalize_asset_id("loan-2020-88"), "LOAN-2020-88");
        // Ä is not ASCII: kept as is (after NFC composition of A + combining diaeresis).
        assert_eq!(normalize_asset_id("a\u{0308}b"), "\u{00E4}B");
        assert_eq!(normalize_asset_id("   "), "");
    }

    #[test]
    fn to_field_separates_tags() {
        assert_ne!(to_field(ASSET_ID_TAG, b"X"), to_field(OFFICIAL_TAG, b"X"));
        // The 0x00 separator keeps (tag, bytes) splits apart.
        assert_ne!(to_field("ab", b"c"), to_field("a", b"bc"));
    }
}
