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

/// The code points `normalize` removes: Unicode's `White_Space` property, listed as DESIGN.md §4
/// fixes it, so that a newer Unicode version in the standard library cannot change an
/// `id_hash`. U+200B (zero width space) and U+FEFF (byte order mark) are not white space.
const WHITE_SPACE: &[char] = &[
    '\u{0009}', '\u{000A}', '\u{000B}', '\u{000C}', '\u{000D}', '\u{0020}', '\u{0085}', '\u{00A0}',
    '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}',
    '\u{2007}', '\u{2008}', '\u{2009}', '\u{200A}', '\u{2028}', '\u{2029}', '\u{202F}', '\u{205F}',
    '\u{3000}',
];

/// The normal form of a registry identifier: Unicode NFC, every `WHITE_SPACE` code point
/// removed (which also trims), ASCII letters upper-cased. Non-ASCII letters keep their case,
/// as the rule says.
pub fn normalize_asset_id(asset_id: &str) -> String {
    asset_id
        .nfc()
        .filter(|c| !WHITE_SPACE.contains(c))
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
    fn normalization_removes_exactly_the_listed_white_space() {
        // The list is Unicode's White_Space property today; the standard library agrees.
        let removed: Vec<char> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(removed, WHITE_SPACE);
        for c in WHITE_SPACE {
            assert_eq!(
                normalize_asset_id(&format!("a{c}b")),
                "AB",
                "U+{:04X}",
                *c as u32
            );
        }
        // Zero width space and the byte order mark are kept: they are not white space.
        for c in ['\u{200B}', '\u{FEFF}'] {
            assert_eq!(normalize_asset_id(&format!("a{c}b")), format!("A{c}B"));
        }
    }

    #[test]
    fn to_field_separates_tags() {
        assert_ne!(to_field(ASSET_ID_TAG, b"X"), to_field(OFFICIAL_TAG, b"X"));
        // The 0x00 separator keeps (tag, bytes) splits apart.
        assert_ne!(to_field("ab", b"c"), to_field("a", b"bc"));
    }
}
