//! Generators, issuer keys and public parameters (see the notes in `docs/notes/cmz.md`).
//!
//! The MAC uses two generators of the Ristretto group: `G`, the standard basepoint, and `H`,
//! hashed from a domain label, so nobody knows `log_G(H)`.
//!
//! Issuer secret key: `(x0, x0~, x1, x2, x3)`, one `x_i` per attribute
//! (`k`, `expiry`, `scope`). Public parameters:
//!
//! ```text
//! X0 = x0·G + x0~·H      (a hiding commitment to x0)
//! Xi = xi·H              (i = 1, 2, 3)
//! ```

use core::fmt;
use std::sync::OnceLock;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoBasepointTable, RistrettoPoint};
#[cfg(feature = "issuer")]
use curve25519_dalek::scalar::Scalar;
#[cfg(feature = "issuer")]
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256, Sha512};

use crate::attributes::ExpirySchedule;
use crate::encoding::{length_prefixed, Reader, Writer};
use crate::errors::DecodeError;
use crate::transcript::labels;

/// `G`: the Ristretto basepoint.
pub(crate) fn generator_g() -> RistrettoPoint {
    RISTRETTO_BASEPOINT_POINT
}

/// `H = RistrettoPoint::hash_from_bytes::<Sha512>("probity/credentials/generator-H/v1")`.
pub(crate) fn generator_h() -> &'static RistrettoPoint {
    static H: OnceLock<RistrettoPoint> = OnceLock::new();
    H.get_or_init(|| RistrettoPoint::hash_from_bytes::<Sha512>(labels::GENERATOR_H))
}

/// A precomputed table for fixed-base multiplication by `H`.
pub(crate) fn generator_h_table() -> &'static RistrettoBasepointTable {
    static TABLE: OnceLock<RistrettoBasepointTable> = OnceLock::new();
    TABLE.get_or_init(|| RistrettoBasepointTable::create(generator_h()))
}

/// The issuer's public parameters `(X0, X1, X2, X3)`.
///
/// Encoding: `version (1) || X0 || X1 || X2 || X3` (129 bytes); every point canonical and not
/// the identity.
///
/// # Caution
/// A client must take these parameters from a pinned source, the ledger, and never from
/// the service it is enrolling with: the issuer's proof at issuance shows only that the
/// credential was made under *these* parameters, so an issuer that handed each person its
/// own parameters could recognise them at every tip. Compare [`fingerprint`] with the
/// value the ledger publishes before calling [`crate::issuance::request`].
///
/// [`fingerprint`]: IssuerPublicParams::fingerprint
#[derive(Clone, PartialEq, Eq)]
pub struct IssuerPublicParams {
    pub(crate) x: [RistrettoPoint; 4],
    pub(crate) compressed: [CompressedRistretto; 4],
}

impl IssuerPublicParams {
    /// Length of the encoding in bytes.
    pub const ENCODED_LEN: usize = 1 + 4 * 32;

    fn from_points(x: [RistrettoPoint; 4]) -> Self {
        let compressed = x.map(|p| p.compress());
        IssuerPublicParams { x, compressed }
    }

    /// The versioned encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Self::ENCODED_LEN);
        for c in &self.compressed {
            w.point(c);
        }
        w.finish()
    }

    /// Decodes parameters, rejecting invalid and identity points and trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes)?;
        let x = [r.point()?.1, r.point()?.1, r.point()?.1, r.point()?.1];
        r.finish()?;
        Ok(Self::from_points(x))
    }

    /// `SHA-256(to_bytes())`: what the ledger publishes, so that every client can check it
    /// holds the same parameters as everyone else (`sha256sum` of the encoding gives it too).
    pub fn fingerprint(&self) -> IssuerParamsFingerprint {
        IssuerParamsFingerprint(Sha256::digest(self.to_bytes()).into())
    }

    /// The fingerprint of these parameters together with their [`ExpirySchedule`]:
    /// `SHA-256(lp("probity/credentials/issuer-fingerprint/v1") || to_bytes() ||
    /// schedule.to_bytes())`.
    ///
    /// What a client shows its user to compare out of band. The schedule decides every
    /// credential's expiry, which each presentation reveals, so an issuer that gave one person
    /// its own schedule (another epoch length) could mark them as surely as with its own
    /// key: with the schedule in the fingerprint, that person sees another fingerprint than
    /// everyone else.
    pub fn fingerprint_with(&self, schedule: &ExpirySchedule) -> IssuerParamsFingerprint {
        let mut h = Sha256::new();
        let mut label = Vec::new();
        length_prefixed(&mut label, labels::ISSUER_FINGERPRINT);
        h.update(label);
        h.update(self.to_bytes());
        h.update(schedule.to_bytes());
        IssuerParamsFingerprint(h.finalize().into())
    }
}

/// The SHA-256 of an [`IssuerPublicParams`] encoding. `Display` writes lowercase hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IssuerParamsFingerprint(pub [u8; 32]);

impl fmt::Display for IssuerParamsFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for IssuerPublicParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerPublicParams")
            .field("X0", &hex_prefix(self.compressed[0].as_bytes()))
            .finish_non_exhaustive()
    }
}

/// The first bytes of a public value, for `Debug` output.
pub(crate) fn hex_prefix(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        + "…"
}

/// The issuer's MAC key `(x0, x0~, x1, x2, x3)`.
///
/// Encoding: `version (1) || x0 || x0~ || x1 || x2 || x3` (161 bytes), each scalar canonical.
/// Zeroized on drop; `Debug` prints nothing of it.
#[cfg(feature = "issuer")]
#[derive(Clone)]
pub struct IssuerSecretKey {
    pub(crate) x0: Scalar,
    pub(crate) x0_tilde: Scalar,
    /// `x1, x2, x3`: the keys of attributes `k`, `expiry`, `scope`.
    pub(crate) x: [Scalar; 3],
}

#[cfg(feature = "issuer")]
impl IssuerSecretKey {
    /// Length of the encoding in bytes.
    pub const ENCODED_LEN: usize = 1 + 5 * 32;

    /// Generates a fresh key.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        IssuerSecretKey {
            x0: Scalar::random(rng),
            x0_tilde: Scalar::random(rng),
            x: [
                Scalar::random(rng),
                Scalar::random(rng),
                Scalar::random(rng),
            ],
        }
    }

    /// The public parameters of this key.
    pub fn public_params(&self) -> IssuerPublicParams {
        let h = generator_h_table();
        let x0 = RistrettoPoint::mul_base(&self.x0) + h * &self.x0_tilde;
        IssuerPublicParams::from_points([x0, h * &self.x[0], h * &self.x[1], h * &self.x[2]])
    }

    /// The versioned encoding. Keep it secret.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut w = Writer::new(Self::ENCODED_LEN);
        w.scalar(&self.x0).scalar(&self.x0_tilde);
        for x in &self.x {
            w.scalar(x);
        }
        zeroize::Zeroizing::new(w.finish())
    }

    /// Decodes a key, rejecting non-canonical scalars and trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes)?;
        let key = IssuerSecretKey {
            x0: r.scalar()?,
            x0_tilde: r.scalar()?,
            x: [r.scalar()?, r.scalar()?, r.scalar()?],
        };
        r.finish()?;
        Ok(key)
    }
}

#[cfg(feature = "issuer")]
impl Drop for IssuerSecretKey {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.x0.zeroize();
        self.x0_tilde.zeroize();
        self.x.zeroize();
    }
}

#[cfg(feature = "issuer")]
impl fmt::Debug for IssuerSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerSecretKey").finish_non_exhaustive()
    }
}

/// The issuer: its MAC key and the matching public parameters.
///
/// Holds the secret key, so it both issues credentials
/// ([`Issuer::handle_issuance`]) and verifies presentations
/// ([`Issuer::verify_presentation`]): the credentials are keyed-verification credentials.
#[cfg(feature = "issuer")]
pub struct Issuer {
    pub(crate) sk: IssuerSecretKey,
    pub(crate) params: IssuerPublicParams,
}

#[cfg(feature = "issuer")]
impl Issuer {
    /// An issuer with a fresh key.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self::from_secret_key(IssuerSecretKey::generate(rng))
    }

    /// An issuer from a stored key.
    pub fn from_secret_key(sk: IssuerSecretKey) -> Self {
        let params = sk.public_params();
        Issuer { sk, params }
    }

    /// The public parameters clients use.
    pub fn public_params(&self) -> &IssuerPublicParams {
        &self.params
    }

    /// The secret key, for storage.
    pub fn secret_key(&self) -> &IssuerSecretKey {
        &self.sk
    }
}

#[cfg(feature = "issuer")]
impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// The compressed `G`, for transcripts and proofs.
pub(crate) fn generator_g_compressed() -> CompressedRistretto {
    generator_g().compress()
}
