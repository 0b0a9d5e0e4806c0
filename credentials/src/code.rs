//! Human-writable codes: 160 random bits written as 32 Crockford base32 symbols in eight
//! groups of four, `ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789`.
//!
//! Crockford's alphabet leaves out `I`, `L`, `O` and `U`; parsing is case-insensitive, reads
//! `O` as `0` and `I`/`L` as `1`, and ignores hyphens and spaces, so a code copied by hand
//! from paper still parses. 160 bits divide into 32 symbols exactly: every string of 32
//! symbols is a valid code, and there are no padding bits to check.

use sha2::{Digest, Sha256};

use crate::encoding::length_prefixed;

/// Bytes of randomness in a code (160 bits).
pub(crate) const CODE_BYTES: usize = 20;
const SYMBOLS: usize = CODE_BYTES * 8 / 5;
const GROUP: usize = 4;
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub(crate) fn encode(bytes: &[u8; CODE_BYTES]) -> String {
    let mut out = String::with_capacity(SYMBOLS + SYMBOLS / GROUP);
    let mut acc: u64 = 0;
    let mut bits = 0;
    let mut written = 0;
    for &b in bytes {
        acc = (acc << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            if written > 0 && written % GROUP == 0 {
                out.push('-');
            }
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
            written += 1;
        }
    }
    debug_assert_eq!(bits, 0, "160 bits are 32 whole symbols");
    out
}

fn symbol_value(c: char) -> Option<u64> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .map(|v| v as u64)
}

pub(crate) fn decode(text: &str) -> Option<[u8; CODE_BYTES]> {
    let mut out = [0u8; CODE_BYTES];
    let mut acc: u64 = 0;
    let mut bits = 0;
    let mut n_symbols = 0;
    let mut n_bytes = 0;
    for c in text.trim().chars() {
        if c == '-' || c == ' ' {
            continue;
        }
        let v = symbol_value(c)?;
        n_symbols += 1;
        if n_symbols > SYMBOLS {
            return None;
        }
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out[n_bytes] = (acc >> bits) as u8;
            n_bytes += 1;
        }
    }
    (n_symbols == SYMBOLS).then_some(out)
}

/// `SHA-256(lp(label) || code bytes)`.
pub(crate) fn storage_hash(label: &[u8], bytes: &[u8; CODE_BYTES]) -> [u8; 32] {
    let mut input = Vec::with_capacity(8 + label.len() + CODE_BYTES);
    length_prefixed(&mut input, label);
    input.extend_from_slice(bytes);
    Sha256::digest(&input).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_forgiving_parse() {
        let bytes: [u8; CODE_BYTES] = core::array::from_fn(|i| (i * 37 + 11) as u8);
        let text = encode(&bytes);
        assert_eq!(text.len(), 39);
        assert_eq!(text.matches('-').count(), 7);
        assert_eq!(decode(&text), Some(bytes));
        let sloppy = text
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(decode(&sloppy), Some(bytes));
        assert_eq!(decode(&text[..text.len() - 1]), None, "too short");
        assert_eq!(decode(&(text.clone() + "0")), None, "too long");
        assert_eq!(
            decode(&text.replacen(|c: char| c.is_ascii_alphanumeric(), "U", 1)),
            None
        );
        assert_eq!(
            encode(&[0xff; CODE_BYTES]),
            "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
        );
        assert_eq!(
            encode(&[0; CODE_BYTES]),
            "0000-0000-0000-0000-0000-0000-0000-0000"
        );
    }
}
