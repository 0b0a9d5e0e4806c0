//! Presenting a credential to send a tip (CMZ14 §4.1 `Show`, with a rate-limit tag).
//!
//! A one-message protocol: the client sends a [`Presentation`] with its sealed tip; the
//! issuer answers with acceptance (the service then hands out a [`crate::Receipt`]). There
//! is no client state to carry, so there is no `State` type here.
//!
//! **Show.** From a credential `(k, m2 = expiry, m3 = scope, P, Q)` the client picks
//! `t, z, zQ` uniform and computes
//!
//! ```text
//! P'  = t·P,  Q' = t·Q                      (re-randomized MAC: unlinkable to (P, Q))
//! Ck  = k·P' + z·H                          (commitment to the hidden attribute k)
//! CQ  = Q' + zQ·H                           (commitment to the MAC value)
//! H_T = RistrettoPoint::hash_from_bytes::<Sha512>(
//!           lp("probity/tip-tag/v1") || lp(subject) || lp(epoch as u64 big-endian))
//! T   = k·H_T                               (the tag: same k, subject, epoch ⇒ same T)
//! ```
//!
//! and sends `(m2, m3, P', Ck, CQ, T, π)` with
//!
//! ```text
//! π = PK{ (k, z, −zQ) : Ck = k·P' + z·H ∧ V = z·X1 + (−zQ)·H ∧ T = k·H_T }
//! ```
//!
//! where the issuer computes `V` itself, with its key:
//!
//! ```text
//! V = (x0 + x2·m2 + x3·m3)·P' + x1·Ck − CQ
//! ```
//!
//! For an honest client `V = z·x1·H − zQ·H = z·X1 − zQ·H`. A forged MAC leaves an extra
//! term `(x0 + Σ xi·mi)·P' − Q'` that the client cannot express over `X1` and `H`.
//!
//! The issuer also checks `P' ≠ 1` (decoding refuses the identity everywhere), that the
//! revealed scope is the one expected for the subject, and `epoch <= expiry` on the revealed
//! expiry. The transcript absorbs the issuer parameters, subject, epoch, expiry, scope, the
//! SHA-256 of the sealed tip and every point, so the proof is bound to one tip about one
//! official in one epoch.

use core::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use sha2::Sha512;

use crate::attributes::{Epoch, Scope, TipContext};
use crate::credential::Credential;
use crate::encoding::{read_proof, read_scope, write_proof, write_scope, Reader, Writer};
use crate::errors::{DecodeError, PresentError};
use crate::params::{generator_h, generator_h_table, IssuerPublicParams};
use crate::seal::SealedTipDigest;
use crate::transcript::{labels, new_transcript, TranscriptProtocol};

#[allow(unreachable_pub, missing_docs, clippy::all)]
mod proofs {
    define_proof! {
        tip_proof,
        crate::transcript::labels::PROOF_TIP_PRESENTATION,
        (k, z, minus_zq),
        (P, Ck, V, T, HT),
        (H, X1)
        :
        Ck = (k * P + z * H),
        V = (z * X1 + minus_zq * H),
        T = (k * HT)
    }
}

const TIP_RESPONSES: usize = 3;

/// The rate-limit tag `k·H_T(subject, epoch)`: one per reporter, official and epoch.
///
/// The service accepts one tip per tag and counts distinct tags per official: a
/// Sybil-resistant count of independent reporters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TipTag(pub [u8; 32]);

impl fmt::Debug for TipTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TipTag({})", crate::params::hex_prefix(&self.0))
    }
}

/// A credential shown for one tip.
///
/// Encoding: `version || expiry (u64) || scope_len (u8) || scope || P' || Ck || CQ || T ||
/// proof (4·32)`.
#[derive(Clone)]
pub struct Presentation {
    expiry: Epoch,
    scope: Scope,
    p: CompressedRistretto,
    ck: CompressedRistretto,
    cq: CompressedRistretto,
    tag: CompressedRistretto,
    #[cfg_attr(not(feature = "issuer"), allow(dead_code))]
    points: [RistrettoPoint; 3],
    proof: lox_zkp::CompactProof,
}

/// `H_T`: the tag base for a subject and epoch.
pub(crate) fn tag_base(context: &TipContext) -> RistrettoPoint {
    RistrettoPoint::hash_from_bytes::<Sha512>(&context.hash_input(labels::TIP_TAG))
}

#[allow(clippy::too_many_arguments)]
fn transcript(
    params: &IssuerPublicParams,
    context: &TipContext,
    expiry: Epoch,
    scope: &Scope,
    sealed: &SealedTipDigest,
    p: &CompressedRistretto,
    ck: &CompressedRistretto,
    cq: &CompressedRistretto,
    tag: &CompressedRistretto,
) -> merlin::Transcript {
    let mut t = new_transcript(labels::TIP_PRESENTATION);
    t.append_params(params);
    t.append_tip_context(context);
    t.append_epoch(b"expiry", expiry);
    t.append_scope(scope);
    t.append_message(b"sealed-tip-sha256", &sealed.0);
    t.append_point(b"P", p);
    t.append_point(b"Ck", ck);
    t.append_point(b"CQ", cq);
    t.append_point(b"T", tag);
    t
}

/// Makes a presentation of `credential` for a tip (client side).
///
/// `sealed` is the digest of the sealed tip it will accompany. Refuses an expired
/// credential (`expiry < epoch`): the verifier would refuse it anyway.
pub fn present(
    credential: &Credential,
    params: &IssuerPublicParams,
    context: &TipContext,
    sealed: &SealedTipDigest,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Presentation, PresentError> {
    if credential.expiry < context.epoch {
        return Err(PresentError::Expired);
    }
    Ok(present_unchecked(credential, params, context, sealed, rng))
}

/// [`present`] without the expiry check, so tests can show the verifier refuses it too.
fn present_unchecked(
    credential: &Credential,
    params: &IssuerPublicParams,
    context: &TipContext,
    sealed: &SealedTipDigest,
    rng: &mut (impl RngCore + CryptoRng),
) -> Presentation {
    let t = nonzero_scalar(rng);
    let z = Scalar::random(rng);
    let zq = Scalar::random(rng);
    let k = &credential.k;

    let p = t * credential.p;
    let q = t * credential.q;
    let h = generator_h_table();
    let ck = k * p + h * &z;
    let cq = q + h * &zq;
    let minus_zq = -zq;
    let v = z * params.x[1] + h * &minus_zq;
    let ht = tag_base(context);
    let tag = k * ht;

    let compressed = [p.compress(), ck.compress(), cq.compress(), tag.compress()];
    let mut transcript = transcript(
        params,
        context,
        credential.expiry,
        &credential.scope,
        sealed,
        &compressed[0],
        &compressed[1],
        &compressed[2],
        &compressed[3],
    );
    let (proof, _) = proofs::tip_proof::prove_compact(
        &mut transcript,
        proofs::tip_proof::ProveAssignments {
            k,
            z: &z,
            minus_zq: &minus_zq,
            P: &p,
            Ck: &ck,
            V: &v,
            T: &tag,
            HT: &ht,
            H: generator_h(),
            X1: &params.x[1],
        },
    );
    Presentation {
        expiry: credential.expiry,
        scope: credential.scope.clone(),
        p: compressed[0],
        ck: compressed[1],
        cq: compressed[2],
        tag: compressed[3],
        points: [p, ck, cq],
        proof,
    }
}

fn nonzero_scalar(rng: &mut (impl RngCore + CryptoRng)) -> Scalar {
    loop {
        let s = Scalar::random(rng);
        if s != Scalar::ZERO {
            return s;
        }
    }
}

impl Presentation {
    /// The revealed expiry.
    pub fn expiry(&self) -> Epoch {
        self.expiry
    }

    /// The revealed scope.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The rate-limit tag. Only meaningful once [`Issuer::verify_presentation`] accepted
    /// the presentation, which returns it too.
    ///
    /// [`Issuer::verify_presentation`]: crate::Issuer::verify_presentation
    pub fn tag(&self) -> TipTag {
        TipTag(self.tag.0)
    }

    /// The versioned encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(8 + 1 + Scope::MAX_LEN + 4 * 32 + (1 + TIP_RESPONSES) * 32);
        w.u64(self.expiry.0);
        write_scope(&mut w, &self.scope);
        w.point(&self.p)
            .point(&self.ck)
            .point(&self.cq)
            .point(&self.tag);
        write_proof(&mut w, &self.proof);
        w.finish()
    }

    /// Decodes a presentation, rejecting invalid or identity points (including `P'` and the
    /// tag), non-canonical scalars and trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes)?;
        let expiry = Epoch(r.u64()?);
        let scope = read_scope(&mut r)?;
        let (p, p_pt) = r.point()?;
        let (ck, ck_pt) = r.point()?;
        let (cq, cq_pt) = r.point()?;
        let (tag, _) = r.point()?;
        let proof = read_proof(&mut r, TIP_RESPONSES)?;
        r.finish()?;
        Ok(Presentation {
            expiry,
            scope,
            p,
            ck,
            cq,
            tag,
            points: [p_pt, ck_pt, cq_pt],
            proof,
        })
    }
}

impl fmt::Debug for Presentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presentation")
            .field("expiry", &self.expiry)
            .field("scope", &self.scope)
            .field("tag", &self.tag())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "issuer")]
mod issuer_side {
    use super::*;
    use crate::errors::VerificationFailure;
    use crate::params::Issuer;
    use curve25519_dalek::traits::MultiscalarMul;

    impl Issuer {
        /// Verifies a presentation for a tip (issuer side) and returns its rate-limit tag.
        ///
        /// `scope` is the jurisdiction of `context.subject`: the presentation must reveal
        /// exactly it. `sealed` is the digest of the sealed tip that came with it.
        /// Refuses, with the opaque [`VerificationFailure`], an expired credential
        /// (`expiry < epoch`), another scope, a MAC not made with this issuer's key, a tag
        /// not made with the credential's `k`, and a presentation made for another subject,
        /// epoch or sealed tip.
        ///
        /// # Caution
        /// The caller checks that `context.epoch` is the current epoch, and keeps the set
        /// of tags seen per epoch: one tip per tag.
        pub fn verify_presentation(
            &self,
            presentation: &Presentation,
            context: &TipContext,
            scope: &Scope,
            sealed: &SealedTipDigest,
        ) -> Result<TipTag, VerificationFailure> {
            if presentation.expiry < context.epoch || presentation.scope != *scope {
                return Err(VerificationFailure);
            }
            let sk = &self.sk;
            let params = &self.params;
            let [p, ck, cq] = presentation.points;
            let a = sk.x0 + sk.x[1] * presentation.expiry.to_scalar() + sk.x[2] * scope.to_scalar();
            // Constant time: the coefficients are the issuer's secret key.
            let v = RistrettoPoint::multiscalar_mul([a, sk.x[0], -Scalar::ONE], [p, ck, cq]);
            let ht = tag_base(context);
            let mut transcript = transcript(
                params,
                context,
                presentation.expiry,
                &presentation.scope,
                sealed,
                &presentation.p,
                &presentation.ck,
                &presentation.cq,
                &presentation.tag,
            );
            proofs::tip_proof::verify_compact(
                &presentation.proof,
                &mut transcript,
                proofs::tip_proof::VerifyAssignments {
                    P: &presentation.p,
                    Ck: &presentation.ck,
                    V: &v.compress(),
                    T: &presentation.tag,
                    HT: &ht.compress(),
                    H: &generator_h().compress(),
                    X1: &params.compressed[1],
                },
            )
            .map_err(|_| VerificationFailure)?;
            Ok(presentation.tag())
        }
    }
}

#[cfg(all(test, feature = "issuer"))]
mod tests {
    use super::*;
    use crate::{issuance, EnrollmentCodes, EnrollmentStore, Issuer, Subject, VerificationFailure};
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// A client that skips its own expiry check still gets refused by the issuer, with a
    /// proof that is otherwise valid for that epoch.
    #[test]
    fn verifier_refuses_expired_credential_with_valid_proof() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let issuer = Issuer::generate(&mut rng);
        let codes = EnrollmentCodes::new();
        let code = codes.issue_code(&mut rng).expect("issue code");
        let scope = Scope::new("CN-BJ").expect("scope");
        let (request, state) = issuance::request(issuer.public_params(), code, &mut rng);
        let response = issuer
            .handle_issuance(&request, &codes, Epoch(10), &scope, &mut rng)
            .expect("issuance");
        let credential = state.handle_response(response).expect("credential");
        let digest = SealedTipDigest([7; 32]);
        let subject = Subject::new("GOV-0001").expect("subject");

        let in_time = TipContext::new(subject.clone(), Epoch(10));
        let ok = present_unchecked(
            &credential,
            issuer.public_params(),
            &in_time,
            &digest,
            &mut rng,
        );
        issuer
            .verify_presentation(&ok, &in_time, &scope, &digest)
            .expect("valid in its last epoch");

        let late = TipContext::new(subject, Epoch(11));
        let expired = present_unchecked(
            &credential,
            issuer.public_params(),
            &late,
            &digest,
            &mut rng,
        );
        assert_eq!(
            issuer.verify_presentation(&expired, &late, &scope, &digest),
            Err(VerificationFailure),
            "expiry 10 < epoch 11"
        );
    }
}
