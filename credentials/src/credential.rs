//! The credential a client holds after issuance.

use core::fmt;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use zeroize::Zeroizing;

use crate::attributes::{CredentialAttributes, Epoch, Scope};
use crate::encoding::{read_scope, write_scope, Reader, Writer};
use crate::errors::DecodeError;

/// An anonymous credential: the MAC `(P, Q)` on attributes `(k, expiry, scope)`, with
/// `Q = (x0 + x1·k + x2·expiry + x3·scope)·P`.
///
/// `k` is the holder's secret: the issuer never saw it, and it derives every tip tag. The
/// credential is reusable: each presentation re-randomizes it. Encoding (secret, keep it on
/// the holder's device): `version || k || expiry (u64) || scope_len (u8) || scope || P || Q`.
///
/// `Debug` shows the revealed attributes only.
#[derive(Clone)]
pub struct Credential {
    pub(crate) k: Scalar,
    pub(crate) attributes: CredentialAttributes,
    pub(crate) p: RistrettoPoint,
    pub(crate) q: RistrettoPoint,
}

impl Credential {
    /// The last epoch in which the credential is valid.
    pub fn expiry(&self) -> Epoch {
        self.attributes.expiry
    }

    /// The jurisdiction the holder may report on.
    pub fn scope(&self) -> &Scope {
        &self.attributes.scope
    }

    /// The revealed attributes: expiry and scope.
    pub fn attributes(&self) -> &CredentialAttributes {
        &self.attributes
    }

    /// The versioned encoding. It contains the secret `k`.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::new(32 * 3 + 8 + 1 + Scope::MAX_LEN);
        w.scalar(&self.k).u64(self.attributes.expiry.0);
        write_scope(&mut w, &self.attributes.scope);
        w.point(&self.p.compress()).point(&self.q.compress());
        Zeroizing::new(w.finish())
    }

    /// Decodes a credential, rejecting non-canonical values, identity points and trailing
    /// bytes. The MAC itself can only be checked by the issuer, at presentation.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes)?;
        let k = r.scalar()?;
        let expiry = Epoch(r.u64()?);
        let scope = read_scope(&mut r)?;
        let (_, p) = r.point()?;
        let (_, q) = r.point()?;
        r.finish()?;
        Ok(Credential {
            k,
            attributes: CredentialAttributes { expiry, scope },
            p,
            q,
        })
    }
}

impl Drop for Credential {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.k.zeroize();
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("expiry", &self.attributes.expiry)
            .field("scope", &self.attributes.scope)
            .finish_non_exhaustive()
    }
}
