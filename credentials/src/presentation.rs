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
//! The issuer also checks `P' ≠ 1` and `T ≠ 1` itself (decoding refuses the identity too,
//! but a `Presentation` is checked where it is used: with `P' = 1` anyone proves the
//! statement without a credential, by `Ck = z·H`, `CQ = −w·H`), that the revealed scope is
//! the one expected for the subject, and `epoch <= expiry` on the revealed expiry. The
//! transcript absorbs the issuer parameters, subject, epoch, expiry, scope, the SHA-256 of
//! the sealed tip and every point, so the proof is bound to one tip about one official in
//! one epoch.

use core::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::attributes::{CredentialAttributes, Epoch, Scope, TipContext};
use crate::credential::Credential;
use crate::encoding::{read_proof, read_scope, write_proof, write_scope, Reader, Writer};
use crate::errors::{DecodeError, PresentError};
use crate::params::{generator_h, generator_h_table, IssuerPublicParams};
use crate::seal::{SealedTip, SealedTipDigest};
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
    attributes: CredentialAttributes,
    p: CompressedRistretto,
    ck: CompressedRistretto,
    cq: CompressedRistretto,
    tag: CompressedRistretto,
    /// `P', Ck, CQ, T` decompressed.
    #[cfg_attr(not(feature = "issuer"), allow(dead_code))]
    points: [RistrettoPoint; 4],
    proof: lox_zkp::CompactProof,
}

/// `H_T`: the tag base for a subject and epoch.
pub(crate) fn tag_base(context: &TipContext) -> RistrettoPoint {
    RistrettoPoint::hash_from_bytes::<Sha512>(&context.hash_input(labels::TIP_TAG))
}

fn transcript(
    params: &IssuerPublicParams,
    context: &TipContext,
    attributes: &CredentialAttributes,
    sealed: &SealedTipDigest,
    [p, ck, cq, tag]: [&CompressedRistretto; 4],
) -> merlin::Transcript {
    let mut t = new_transcript(labels::TIP_PRESENTATION);
    t.append_params(params);
    t.append_tip_context(context);
    t.append_attributes(attributes);
    t.append_message(b"sealed-tip-sha256", &sealed.0);
    t.append_point(b"P", p);
    t.append_point(b"Ck", ck);
    t.append_point(b"CQ", cq);
    t.append_point(b"T", tag);
    t
}

/// Makes a presentation of `credential` for a tip (client side).
///
/// `sealed` is the sealed tip it will accompany: the presentation is bound to its SHA-256.
/// Refuses an expired credential (`expiry < epoch`): the verifier would refuse it anyway.
pub fn present(
    credential: &Credential,
    params: &IssuerPublicParams,
    context: &TipContext,
    sealed: &SealedTip,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Presentation, PresentError> {
    if credential.attributes.expiry < context.epoch {
        return Err(PresentError::Expired);
    }
    Ok(present_unchecked(
        credential,
        params,
        context,
        &sealed.digest(),
        rng,
    ))
}

/// [`present`] without the expiry check, so tests can show the verifier refuses it too.
fn present_unchecked(
    credential: &Credential,
    params: &IssuerPublicParams,
    context: &TipContext,
    sealed: &SealedTipDigest,
    rng: &mut (impl RngCore + CryptoRng),
) -> Presentation {
    let t = Zeroizing::new(nonzero_scalar(rng));
    let z = Zeroizing::new(Scalar::random(rng));
    let minus_zq = Zeroizing::new(-Scalar::random(rng));
    let k = &credential.k;

    let p = *t * credential.p;
    let q = *t * credential.q;
    let h = generator_h_table();
    let ck = k * p + h * &*z;
    let cq = q - h * &*minus_zq;
    let v = *z * params.x[1] + h * &*minus_zq;
    let ht = tag_base(context);
    let tag = k * ht;

    let compressed = [p.compress(), ck.compress(), cq.compress(), tag.compress()];
    let mut transcript = transcript(
        params,
        context,
        &credential.attributes,
        sealed,
        [
            &compressed[0],
            &compressed[1],
            &compressed[2],
            &compressed[3],
        ],
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
        attributes: credential.attributes.clone(),
        p: compressed[0],
        ck: compressed[1],
        cq: compressed[2],
        tag: compressed[3],
        points: [p, ck, cq, tag],
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
        self.attributes.expiry
    }

    /// The revealed scope.
    pub fn scope(&self) -> &Scope {
        &self.attributes.scope
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
        w.u64(self.attributes.expiry.0);
        write_scope(&mut w, &self.attributes.scope);
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
        let (tag, tag_pt) = r.point()?;
        let proof = read_proof(&mut r, TIP_RESPONSES)?;
        r.finish()?;
        Ok(Presentation {
            attributes: CredentialAttributes { expiry, scope },
            p,
            ck,
            cq,
            tag,
            points: [p_pt, ck_pt, cq_pt, tag_pt],
            proof,
        })
    }
}

impl fmt::Debug for Presentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presentation")
            .field("attributes", &self.attributes)
            .field("tag", &self.tag())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "issuer")]
mod issuer_side {
    use super::*;
    use crate::errors::VerificationFailure;
    use crate::params::Issuer;
    use curve25519_dalek::traits::{IsIdentity, MultiscalarMul};

    impl Issuer {
        /// Verifies a presentation for a tip (issuer side) and returns its rate-limit tag.
        ///
        /// `scope` is the jurisdiction of `context.subject`: the presentation must reveal
        /// exactly it. `sealed` is the sealed tip that came with it.
        /// Refuses, with the opaque [`VerificationFailure`], an expired credential
        /// (`expiry < epoch`), another scope, `P' = 1` or `T = 1`, a MAC not made with this
        /// issuer's key, a tag not made with the credential's `k`, and a presentation made
        /// for another subject, epoch or sealed tip.
        ///
        /// # Caution
        /// The caller checks that `context.epoch` is the current epoch and that
        /// `context.subject` is a registered official, and keeps the set of tags seen per
        /// epoch: one tip per tag.
        pub fn verify_presentation(
            &self,
            presentation: &Presentation,
            context: &TipContext,
            scope: &Scope,
            sealed: &SealedTip,
        ) -> Result<TipTag, VerificationFailure> {
            let attributes = &presentation.attributes;
            if attributes.expiry < context.epoch || attributes.scope != *scope {
                return Err(VerificationFailure);
            }
            let [p, _, _, tag] = presentation.points;
            // P' = 1 satisfies the MAC clause for any k (see the module docs), and T = 1
            // is the tag of k = 0: refused here whatever the decoder did.
            if p.is_identity() || tag.is_identity() {
                return Err(VerificationFailure);
            }
            self.verify_tip_statement(presentation, context, &sealed.digest())?;
            Ok(presentation.tag())
        }

        /// The tip statement alone: the Schnorr proof of `Ck = k·P' + z·H`,
        /// `V = z·X1 − zQ·H` and `T = k·H_T` against this issuer's key, with no check of the
        /// revealed attributes or of identity points (that is `verify_presentation`'s job).
        pub(crate) fn verify_tip_statement(
            &self,
            presentation: &Presentation,
            context: &TipContext,
            sealed_digest: &SealedTipDigest,
        ) -> Result<(), VerificationFailure> {
            let attributes = &presentation.attributes;
            let [p, ck, cq, _] = presentation.points;
            let sk = &self.sk;
            let params = &self.params;
            // V = (x0 + x2·m2 + x3·m3)·P' + x1·Ck − CQ. Constant time: the coefficients are
            // the issuer's secret key; they are wiped after use.
            let coefficients = Zeroizing::new([
                sk.x0
                    + sk.x[1] * attributes.expiry.to_scalar()
                    + sk.x[2] * attributes.scope.to_scalar(),
                sk.x[0],
                -Scalar::ONE,
            ]);
            let v = RistrettoPoint::multiscalar_mul(coefficients.iter(), [p, ck, cq]);
            let mut transcript = transcript(
                params,
                context,
                attributes,
                sealed_digest,
                [
                    &presentation.p,
                    &presentation.ck,
                    &presentation.cq,
                    &presentation.tag,
                ],
            );
            proofs::tip_proof::verify_compact(
                &presentation.proof,
                &mut transcript,
                proofs::tip_proof::VerifyAssignments {
                    P: &presentation.p,
                    Ck: &presentation.ck,
                    V: &v.compress(),
                    T: &presentation.tag,
                    HT: &tag_base(context).compress(),
                    H: &generator_h().compress(),
                    X1: &params.compressed[1],
                },
            )
            .map_err(|_| VerificationFailure)
        }
    }
}

#[cfg(all(test, feature = "issuer"))]
mod tests {
    use super::*;
    use crate::{
        issuance, seal, EnrollmentCodes, EnrollmentStore, Issuer, Subject, TipBody, TipSecretKey,
        VerificationFailure,
    };
    use curve25519_dalek::traits::{Identity, IsIdentity};
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    struct Setup {
        rng: ChaCha20Rng,
        issuer: Issuer,
        credential: Credential,
        scope: Scope,
        context: TipContext,
        sealed: SealedTip,
    }

    fn setup(seed: u64, expiry: u64) -> Setup {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let issuer = Issuer::generate(&mut rng);
        let codes = EnrollmentCodes::new();
        let code = codes.issue_code(&mut rng).expect("issue code");
        let scope = Scope::new("CN-BJ").expect("scope");
        let attributes = CredentialAttributes::new(Epoch(expiry), scope.clone());
        let (request, state) =
            issuance::request(issuer.public_params(), code, attributes.clone(), &mut rng);
        let response = issuer
            .handle_issuance(&request, &codes, &attributes, &mut rng)
            .expect("issuance");
        let credential = state.handle_response(response).expect("credential");
        let context = TipContext::new(Subject::new("GOV-0001").expect("subject"), Epoch(5));
        let supervisors = TipSecretKey::generate(&mut rng);
        let body = TipBody::new("x", vec![]).expect("body");
        let sealed = seal(&supervisors.public_key(), &context, &body, &mut rng).expect("seal");
        Setup {
            rng,
            issuer,
            credential,
            scope,
            context,
            sealed,
        }
    }

    /// Witness and statement points of the tip proof, as a test chooses them.
    struct Raw {
        k: Scalar,
        z: Scalar,
        minus_zq: Scalar,
        p: RistrettoPoint,
        ck: RistrettoPoint,
        cq: RistrettoPoint,
        tag: RistrettoPoint,
    }

    /// Runs lox-zkp's generated `prove_compact` directly on whatever `raw` says, true or
    /// false, with the presentation transcript, and wraps the result as a presentation.
    fn prove_raw(s: &Setup, raw: &Raw) -> Presentation {
        let params = s.issuer.public_params();
        let h = generator_h();
        let v = raw.z * params.x[1] + raw.minus_zq * h;
        let ht = tag_base(&s.context);
        let compressed = [
            raw.p.compress(),
            raw.ck.compress(),
            raw.cq.compress(),
            raw.tag.compress(),
        ];
        let attributes = s.credential.attributes.clone();
        let mut transcript = transcript(
            params,
            &s.context,
            &attributes,
            &s.sealed.digest(),
            [
                &compressed[0],
                &compressed[1],
                &compressed[2],
                &compressed[3],
            ],
        );
        let (proof, _) = proofs::tip_proof::prove_compact(
            &mut transcript,
            proofs::tip_proof::ProveAssignments {
                k: &raw.k,
                z: &raw.z,
                minus_zq: &raw.minus_zq,
                P: &raw.p,
                Ck: &raw.ck,
                V: &v,
                T: &raw.tag,
                HT: &ht,
                H: h,
                X1: &params.x[1],
            },
        );
        Presentation {
            attributes,
            p: compressed[0],
            ck: compressed[1],
            cq: compressed[2],
            tag: compressed[3],
            points: [raw.p, raw.ck, raw.cq, raw.tag],
            proof,
        }
    }

    /// Honest re-randomization of the setup's credential, with the tag made with
    /// `tag_key` (the credential's `k` for an honest tag).
    fn honest_raw(s: &mut Setup, tag_key: Scalar) -> Raw {
        let t = nonzero_scalar(&mut s.rng);
        let z = Scalar::random(&mut s.rng);
        let zq = Scalar::random(&mut s.rng);
        let k = s.credential.k;
        let h = generator_h();
        let p = t * s.credential.p;
        Raw {
            k,
            z,
            minus_zq: -zq,
            p,
            ck: k * p + z * h,
            cq: t * s.credential.q + zq * h,
            tag: tag_key * tag_base(&s.context),
        }
    }

    fn verify(s: &Setup, p: &Presentation) -> Result<TipTag, VerificationFailure> {
        s.issuer
            .verify_presentation(p, &s.context, &s.scope, &s.sealed)
    }

    /// Soundness of the tag: a proof of the false statement `T = k'·H_T` with `k' ≠ k`,
    /// everything else honest, is refused. This fails if the clause `T = (k * HT)` is
    /// dropped from the statement.
    #[test]
    fn tag_must_use_the_credential_key() {
        let mut s = setup(21, 20);
        let k = s.credential.k;
        let honest = honest_raw(&mut s, k);
        verify(&s, &prove_raw(&s, &honest)).expect("control: the honest statement verifies");

        let other_k = Scalar::random(&mut s.rng);
        let false_statement = honest_raw(&mut s, other_k);
        assert_eq!(
            verify(&s, &prove_raw(&s, &false_statement)),
            Err(VerificationFailure),
            "a tag made with another k"
        );
    }

    /// The forgery `P' = 1, Ck = z·H, CQ = −w·H` proves the statement for any `k` without a
    /// credential. lox-zkp accepts it (identity instance points are allowed), so
    /// `verify_presentation` must refuse it itself, even when the decoder is bypassed.
    #[test]
    fn identity_p_forgery_is_refused() {
        let mut s = setup(22, 20);
        let h = generator_h();
        let (k, z, w) = (
            Scalar::random(&mut s.rng),
            Scalar::random(&mut s.rng),
            Scalar::random(&mut s.rng),
        );
        let forged = Raw {
            k,
            z,
            minus_zq: w,
            p: RistrettoPoint::identity(),
            ck: z * h,
            cq: -(w * h),
            tag: k * tag_base(&s.context),
        };
        let presentation = prove_raw(&s, &forged);

        // The statement alone does not catch it: V = x1·z·H + w·H = z·X1 + w·H.
        s.issuer
            .verify_tip_statement(&presentation, &s.context, &s.sealed.digest())
            .expect("the forgery satisfies the bare statement");

        assert_eq!(verify(&s, &presentation), Err(VerificationFailure));
        assert_eq!(
            Presentation::from_bytes(&presentation.to_bytes()).expect_err("decoder"),
            DecodeError::IdentityPoint
        );
    }

    /// A credential on `k = 0` (a client may pick any `k`) tags every tip `T = 1`; the
    /// verifier refuses it, though its MAC and proof are valid.
    #[test]
    fn identity_tag_is_refused() {
        let mut s = setup(23, 20);
        let sk = &s.issuer.sk;
        let b = Scalar::random(&mut s.rng);
        let p = RistrettoPoint::mul_base(&b);
        let attributes = s.credential.attributes.clone();
        let mac_base = sk.x0
            + sk.x[1] * attributes.expiry.to_scalar()
            + sk.x[2] * attributes.scope.to_scalar();
        let mac_on = |k: Scalar| Credential {
            k,
            attributes: attributes.clone(),
            p,
            q: (mac_base + sk.x[0] * k) * p,
        };
        let some_k = mac_on(Scalar::random(&mut s.rng));
        let zero_k = mac_on(Scalar::ZERO);

        let control = present(
            &some_k,
            s.issuer.public_params(),
            &s.context,
            &s.sealed,
            &mut s.rng,
        )
        .expect("present");
        verify(&s, &control).expect("control: a MAC made the same way verifies");

        let zero = present(
            &zero_k,
            s.issuer.public_params(),
            &s.context,
            &s.sealed,
            &mut s.rng,
        )
        .expect("present");
        assert!(zero.points[3].is_identity());
        assert_eq!(verify(&s, &zero), Err(VerificationFailure));
    }

    /// A client that skips its own expiry check still gets refused by the issuer, with a
    /// proof that is otherwise valid for that epoch.
    #[test]
    fn verifier_refuses_expired_credential_with_valid_proof() {
        let mut s = setup(7, 10);
        let params = s.issuer.public_params().clone();
        let digest = s.sealed.digest();
        let subject = s.context.subject.clone();

        s.context = TipContext::new(subject.clone(), Epoch(10));
        let ok = present_unchecked(&s.credential, &params, &s.context, &digest, &mut s.rng);
        verify(&s, &ok).expect("valid in its last epoch");

        s.context = TipContext::new(subject, Epoch(11));
        let expired = present_unchecked(&s.credential, &params, &s.context, &digest, &mut s.rng);
        assert_eq!(
            verify(&s, &expired),
            Err(VerificationFailure),
            "expiry 10 < epoch 11"
        );
    }
}
