//! Fixed-length byte strings that travel as lower-case hex in entries.
//!
//! Lower case is the only accepted spelling: an entry is refused unless its bytes are exactly
//! its canonical form, and the canonical form of these types is lower-case hex.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! hex_bytes {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $len;

            /// Parses lower-case hex of exactly [`Self::LEN`] bytes.
            pub fn from_hex(s: &str) -> Result<Self, String> {
                let lower = s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                let bytes = if lower { hex::decode(s).ok() } else { None };
                match bytes.and_then(|b| <[u8; $len]>::try_from(b).ok()) {
                    Some(b) => Ok(Self(b)),
                    None => Err(format!(
                        "expected {} bytes as lower-case hex ({} characters)",
                        $len,
                        2 * $len
                    )),
                }
            }

            /// Lower-case hex.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::from_hex(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_bytes!(
    /// A SHA-256 digest.
    Sha256Digest,
    32
);
hex_bytes!(
    /// A salted SHA-256 of an investigative detail that stays off the public ledger
    /// (see [`Disclosure`](crate::Disclosure)).
    DetailDigest,
    32
);
hex_bytes!(
    /// The identifier of a challenge: 16 random bytes.
    ChallengeId,
    16
);
hex_bytes!(
    /// A whistleblower's rate-limit tag for one subject and epoch (a compressed Ristretto point).
    RateLimitTag,
    32
);
hex_bytes!(
    /// An Ed25519 signature.
    Ed25519Signature,
    64
);
hex_bytes!(
    /// A whistleblower credential issuer's public parameters (version byte and four
    /// compressed Ristretto points).
    IssuerParamsBytes,
    129
);
hex_bytes!(
    /// The supervisors' X25519 tip key (HPKE).
    TipKeyBytes,
    32
);
hex_bytes!(
    /// A Groth16 proof over BN254 in arkworks compressed form.
    ProofBytes,
    128
);

/// An Ed25519 public key, as lower-case hex of its 32-byte encoding.
///
/// Only encodings that decompress to a curve point are accepted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Parses lower-case hex of a valid Ed25519 public key.
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let bytes = Sha256Digest::from_hex(s).map_err(|_| {
            "expected an Ed25519 public key as 64 lower-case hex characters".to_owned()
        })?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes.0)
            .map(PublicKey)
            .map_err(|_| "the bytes are not an Ed25519 public key".to_owned())
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_and_exact_length() {
        let d = Sha256Digest([0xab; 32]);
        assert_eq!(Sha256Digest::from_hex(&d.to_hex()), Ok(d));
        assert!(Sha256Digest::from_hex(&d.to_hex().to_uppercase()).is_err());
        assert!(Sha256Digest::from_hex(&d.to_hex()[2..]).is_err());
        assert!(Sha256Digest::from_hex(&format!("{}00", d.to_hex())).is_err());
        assert!(ChallengeId::from_hex("zz").is_err());
    }
}
