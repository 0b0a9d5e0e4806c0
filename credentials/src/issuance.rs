//! Blind issuance (CMZ14 §4.2): the client gets a MAC on its secret `k` without showing
//! `k` to the issuer.
//!
//! ```text
//! CLIENT                                          ISSUER
//! request(params, code, expected)  ── Request ──▶ handle_issuance(request, codes, attributes)
//!        State                                           │  checks the request proof and
//!          │                                             │  the expected attributes,
//!          │                                             │  redeems the code once
//! State::handle_response  ◀── Response ──                ▼
//!        ▼
//!   Credential
//! ```
//!
//! The math, with `G`, `H` and `(x0, x0~, x1, x2, x3)` as in [the notes](crate::notes):
//!
//! **Request.** The client picks `k`, an ElGamal key `d` and `e`, all uniform, and sends the
//! attributes it expects, `m2 = expiry` and `m3 = scope`, with
//!
//! ```text
//! D = d·G,   E1 = e·G,   E2 = k·G + e·D           (an encryption of k·G under D)
//! π_req = PK{ (d, e, k) : D = d·G ∧ E1 = e·G ∧ E2 = k·G + e·D }
//! ```
//!
//! **Response.** The issuer refuses a request that expects other attributes than the ones
//! it issues now. Otherwise it picks `b`, `s` uniform and sends `(m2, m3)` with
//!
//! ```text
//! P   = b·G
//! T1  = b·X1 = t1·H                 with t1 = b·x1
//! EQ1 = s·G + t1·E1
//! EQ2 = s·D + t1·E2 + x0·P + x2·(m2·P) + x3·(m3·P)
//! π_iss = PK{ (b, s, x0, x0~, x1, x2, x3, t1) :
//!             X0 = x0·G + x0~·H ∧ X1 = x1·H ∧ X2 = x2·H ∧ X3 = x3·H ∧
//!             P = b·G ∧ T1 = b·X1 ∧ T1 = t1·H ∧
//!             EQ1 = s·G + t1·E1 ∧ EQ2 = s·D + t1·E2 + x0·P + x2·(m2·P) + x3·(m3·P) }
//! ```
//!
//! **Finish.** The client refuses a response whose `(m2, m3)` are not the ones it
//! expected, checks `π_iss` with its *own* `(m2, m3)` and decrypts
//! `Q = EQ2 − d·EQ1 = (x0 + x1·k + x2·m2 + x3·m3)·P`.
//!
//! # Why the client names the attributes
//! Everything the issuer puts into a credential that a presentation shows could mark the
//! person: `π_iss` ties `(P, Q)` to the published key, and the expected attributes tie it to
//! values everyone enrolled in the same period and jurisdiction shares. So the client does
//! not take them from the issuer:
//!
//! - `expiry` comes from a published schedule (for example, the last epoch of the quarter
//!   of enrollment, the same for everyone enrolled that quarter);
//! - `scope` comes from the public list of jurisdictions;
//! - the [`IssuerPublicParams`] come from a pinned source, the ledger: compare
//!   [`IssuerPublicParams::fingerprint`] with the published one.
//!
//! # Retries
//! A code is redeemed together with the [`RequestDigest`] of the request that spent it. If
//! the response is lost, the client sends the *same* request bytes again and gets a fresh
//! response for the same hidden `k` and attributes (a second MAC on the same message, so no
//! second tag); any other request with that code is refused. Keep the request bytes and
//! the [`State`] until [`State::handle_response`] succeeds.

use core::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::attributes::{CredentialAttributes, Epoch, Scope};
use crate::credential::Credential;
use crate::encoding::{
    length_prefixed, read_proof, read_scope, write_proof, write_scope, Reader, Writer,
};
use crate::enrollment::EnrollmentCode;
use crate::errors::{DecodeError, VerificationFailure};
use crate::params::{generator_g, generator_g_compressed, generator_h, IssuerPublicParams};
use crate::transcript::{labels, new_transcript, TranscriptProtocol};

#[allow(unreachable_pub, missing_docs, clippy::all)]
mod proofs {
    define_proof! {
        request_proof,
        crate::transcript::labels::PROOF_ISSUANCE_REQUEST,
        (d, e, k),
        (D, E1, E2),
        (G)
        :
        D = (d * G),
        E1 = (e * G),
        E2 = (k * G + e * D)
    }

    define_proof! {
        response_proof,
        crate::transcript::labels::PROOF_ISSUANCE_RESPONSE,
        (b, s, x0, x0_tilde, x1, x2, x3, t1),
        (P, EQ1, EQ2, T1, D, E1, E2, M2P, M3P),
        (G, H, X0, X1, X2, X3)
        :
        X0 = (x0 * G + x0_tilde * H),
        X1 = (x1 * H),
        X2 = (x2 * H),
        X3 = (x3 * H),
        P = (b * G),
        T1 = (b * X1),
        T1 = (t1 * H),
        EQ1 = (s * G + t1 * E1),
        EQ2 = (s * D + t1 * E2 + x0 * P + x2 * M2P + x3 * M3P)
    }
}

const REQUEST_RESPONSES: usize = 3;
const RESPONSE_RESPONSES: usize = 8;

/// The client's first message: an enrollment code, the attributes the client expects, and
/// an encryption of `k·G`, with a proof of knowledge of the plaintext and the decryption
/// key.
///
/// Encoding:
/// `version || code (20) || expiry (u64) || scope_len (u8) || scope || D || E1 || E2 ||
/// proof (4·32)`.
#[derive(Clone)]
pub struct Request {
    pub(crate) code: EnrollmentCode,
    pub(crate) attributes: CredentialAttributes,
    pub(crate) d: CompressedRistretto,
    pub(crate) e1: CompressedRistretto,
    pub(crate) e2: CompressedRistretto,
    #[cfg_attr(not(feature = "issuer"), allow(dead_code))]
    pub(crate) points: [RistrettoPoint; 3],
    pub(crate) proof: lox_zkp::CompactProof,
}

/// What an enrollment store keeps with a redeemed code:
/// `SHA-256(lp("probity/credentials/issuance-request-digest/v1") || lp(expiry as u64
/// big-endian) || lp(scope) || D || E1 || E2)`.
///
/// `D, E1, E2` fix the hidden `k`, and the attributes fix what the MAC is on, so two
/// requests with one digest ask for a MAC on the same message. The proof is left out: it
/// is randomized, and a retry resends the same bytes anyway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestDigest(pub [u8; 32]);

/// The client's secret between [`request`] and [`State::handle_response`]: `k`, the
/// ElGamal key `d`, and the attributes it expects. Consumed by `handle_response`; the
/// secrets are zeroized on drop.
pub struct State {
    params: IssuerPublicParams,
    expected: CredentialAttributes,
    pub(crate) k: Scalar,
    pub(crate) d_secret: Scalar,
    request_points: [CompressedRistretto; 3],
}

/// The issuer's answer: the attributes it set, `P`, the encrypted `Q` and its proof.
///
/// Encoding:
/// `version || expiry (u64) || scope_len (u8) || scope || P || EQ1 || EQ2 || T1 || proof (9·32)`.
#[derive(Clone)]
pub struct Response {
    pub(crate) attributes: CredentialAttributes,
    pub(crate) p: CompressedRistretto,
    pub(crate) eq1: CompressedRistretto,
    pub(crate) eq2: CompressedRistretto,
    pub(crate) t1: CompressedRistretto,
    pub(crate) points: [RistrettoPoint; 4],
    pub(crate) proof: lox_zkp::CompactProof,
}

/// Starts issuance: picks `k` and makes the blinded request (client side).
///
/// `expected` is what the credential must carry: the expiry from the published schedule
/// and the scope from the public list (see [the module docs](self)). `params` must come
/// from a pinned source (check [`IssuerPublicParams::fingerprint`]).
/// [`State::handle_response`] refuses a response with any other attributes or key.
pub fn request(
    params: &IssuerPublicParams,
    code: EnrollmentCode,
    expected: CredentialAttributes,
    rng: &mut (impl RngCore + CryptoRng),
) -> (Request, State) {
    let mut state = State {
        params: params.clone(),
        expected,
        k: Scalar::random(rng),
        d_secret: Scalar::random(rng),
        request_points: [CompressedRistretto::default(); 3],
    };
    let e = Zeroizing::new(Scalar::random(rng));

    let d = RistrettoPoint::mul_base(&state.d_secret);
    let e1 = RistrettoPoint::mul_base(&e);
    let e2 = RistrettoPoint::mul_base(&state.k) + *e * d;
    let compressed = [d.compress(), e1.compress(), e2.compress()];
    state.request_points = compressed;

    let mut transcript = request_transcript(params, &code, &state.expected, &compressed);
    let (proof, _) = proofs::request_proof::prove_compact(
        &mut transcript,
        proofs::request_proof::ProveAssignments {
            d: &state.d_secret,
            e: &e,
            k: &state.k,
            D: &d,
            E1: &e1,
            E2: &e2,
            G: &generator_g(),
        },
    );

    let request = Request {
        code,
        attributes: state.expected.clone(),
        d: compressed[0],
        e1: compressed[1],
        e2: compressed[2],
        points: [d, e1, e2],
        proof,
    };
    (request, state)
}

fn request_transcript(
    params: &IssuerPublicParams,
    code: &EnrollmentCode,
    attributes: &CredentialAttributes,
    points: &[CompressedRistretto; 3],
) -> merlin::Transcript {
    let mut t = new_transcript(labels::ISSUANCE_REQUEST);
    t.append_params(params);
    t.append_message(b"enrollment-code-hash", &code.storage_hash().0);
    t.append_attributes(attributes);
    t.append_point(b"D", &points[0]);
    t.append_point(b"E1", &points[1]);
    t.append_point(b"E2", &points[2]);
    t
}

fn response_transcript(
    params: &IssuerPublicParams,
    request_points: &[CompressedRistretto; 3],
    attributes: &CredentialAttributes,
    response_points: [&CompressedRistretto; 4],
) -> merlin::Transcript {
    let [p, eq1, eq2, t1] = response_points;
    let mut t = new_transcript(labels::ISSUANCE_RESPONSE);
    t.append_params(params);
    t.append_point(b"D", &request_points[0]);
    t.append_point(b"E1", &request_points[1]);
    t.append_point(b"E2", &request_points[2]);
    t.append_attributes(attributes);
    t.append_point(b"P", p);
    t.append_point(b"EQ1", eq1);
    t.append_point(b"EQ2", eq2);
    t.append_point(b"T1", t1);
    t
}

impl State {
    /// Checks the issuer's answer and decrypts the MAC (client side).
    ///
    /// Fails with the opaque [`VerificationFailure`] if the response carries other
    /// attributes than the expected ones, or if its proof does not verify against the
    /// parameters and the expected attributes the request was made for.
    pub fn handle_response(self, response: Response) -> Result<Credential, VerificationFailure> {
        // The attributes are the client's, never the issuer's: a response with others is
        // refused outright, and the proof below is checked against the expected values,
        // so the MAC is on them whatever the response says.
        if response.attributes != self.expected {
            return Err(VerificationFailure);
        }
        let params = &self.params;
        let [p, eq1, eq2, _t1] = response.points;
        let m2p = (self.expected.expiry.to_scalar() * p).compress();
        let m3p = (self.expected.scope.to_scalar() * p).compress();
        let mut transcript = response_transcript(
            params,
            &self.request_points,
            &self.expected,
            [&response.p, &response.eq1, &response.eq2, &response.t1],
        );
        proofs::response_proof::verify_compact(
            &response.proof,
            &mut transcript,
            proofs::response_proof::VerifyAssignments {
                P: &response.p,
                EQ1: &response.eq1,
                EQ2: &response.eq2,
                T1: &response.t1,
                D: &self.request_points[0],
                E1: &self.request_points[1],
                E2: &self.request_points[2],
                M2P: &m2p,
                M3P: &m3p,
                G: &generator_g_compressed(),
                H: &generator_h().compress(),
                X0: &params.compressed[0],
                X1: &params.compressed[1],
                X2: &params.compressed[2],
                X3: &params.compressed[3],
            },
        )
        .map_err(|_| VerificationFailure)?;

        let q = eq2 - self.d_secret * eq1;
        if q.is_identity() {
            return Err(VerificationFailure);
        }
        Ok(Credential {
            k: self.k,
            attributes: self.expected.clone(),
            p,
            q,
        })
    }

    /// The attributes this issuance expects.
    pub fn expected_attributes(&self) -> &CredentialAttributes {
        &self.expected
    }
}

impl Drop for State {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.k.zeroize();
        self.d_secret.zeroize();
    }
}

#[cfg(feature = "issuer")]
mod issuer_side {
    use super::*;
    use crate::enrollment::{EnrollmentStore, Redemption};
    use crate::errors::IssueError;
    use crate::params::{generator_h_table, Issuer};

    impl Issuer {
        /// Answers an issuance request (issuer side).
        ///
        /// Refuses a request that expects other `attributes` than the given ones (the
        /// client's schedule and list disagree with the issuer's), then checks the request's
        /// proof, then redeems its enrollment code in `codes`, then issues a MAC on the
        /// hidden `k` with `attributes`.
        ///
        /// The code is redeemed together with the request's [`RequestDigest`] before the
        /// response exists. If the response is lost, the identical request is answered
        /// again (a fresh MAC on the same `k` and attributes); a code can never buy a MAC
        /// on a second `k`.
        ///
        /// # Caution
        /// Set `attributes` coarsely and publicly (one expiry for everyone enrolled in a
        /// quarter, one scope per jurisdiction): they are revealed at every presentation,
        /// and clients refuse any other values than the published ones.
        pub fn handle_issuance(
            &self,
            request: &Request,
            codes: &impl EnrollmentStore,
            attributes: &CredentialAttributes,
            rng: &mut (impl RngCore + CryptoRng),
        ) -> Result<Response, IssueError> {
            if request.attributes != *attributes {
                return Err(IssueError::UnexpectedAttributes);
            }
            let request_points = [request.d, request.e1, request.e2];
            let mut transcript = request_transcript(
                &self.params,
                &request.code,
                &request.attributes,
                &request_points,
            );
            proofs::request_proof::verify_compact(
                &request.proof,
                &mut transcript,
                proofs::request_proof::VerifyAssignments {
                    D: &request.d,
                    E1: &request.e1,
                    E2: &request.e2,
                    G: &generator_g_compressed(),
                },
            )
            .map_err(|_| VerificationFailure)?;

            match codes.redeem(&request.code.storage_hash(), &request.digest())? {
                Redemption::Redeemed | Redemption::Repeated => {}
                Redemption::AlreadyUsed => return Err(IssueError::EnrollmentCodeUsed),
                Redemption::Unknown => return Err(IssueError::UnknownEnrollmentCode),
            }
            Ok(self.respond(request, attributes, rng))
        }

        /// The MAC and `π_iss` for a request whose proof and code were checked.
        pub(super) fn respond(
            &self,
            request: &Request,
            attributes: &CredentialAttributes,
            rng: &mut (impl RngCore + CryptoRng),
        ) -> Response {
            let params = &self.params;
            let sk = &self.sk;
            let request_points = [request.d, request.e1, request.e2];
            let [d, e1, e2] = request.points;
            let [x1, x2, x3] = &sk.x;
            let m2 = attributes.expiry.to_scalar();
            let m3 = attributes.scope.to_scalar();
            let b = Zeroizing::new(Scalar::random(rng));
            let s = Zeroizing::new(Scalar::random(rng));
            let t1 = Zeroizing::new(*b * x1);
            // x0 + x2·m2 + x3·m3: the MAC key folded with the revealed attributes.
            let mac_base = Zeroizing::new(sk.x0 + x2 * m2 + x3 * m3);

            let p = RistrettoPoint::mul_base(&b);
            let t1_point = generator_h_table() * &*t1;
            let m2p = m2 * p;
            let m3p = m3 * p;
            let eq1 = RistrettoPoint::mul_base(&s) + *t1 * e1;
            let eq2 = *s * d + *t1 * e2 + *mac_base * p;

            let compressed = [
                p.compress(),
                eq1.compress(),
                eq2.compress(),
                t1_point.compress(),
            ];
            let mut transcript = response_transcript(
                params,
                &request_points,
                attributes,
                [
                    &compressed[0],
                    &compressed[1],
                    &compressed[2],
                    &compressed[3],
                ],
            );
            let (proof, _) = proofs::response_proof::prove_compact(
                &mut transcript,
                proofs::response_proof::ProveAssignments {
                    b: &b,
                    s: &s,
                    x0: &sk.x0,
                    x0_tilde: &sk.x0_tilde,
                    x1,
                    x2,
                    x3,
                    t1: &t1,
                    P: &p,
                    EQ1: &eq1,
                    EQ2: &eq2,
                    T1: &t1_point,
                    D: &d,
                    E1: &e1,
                    E2: &e2,
                    M2P: &m2p,
                    M3P: &m3p,
                    G: &generator_g(),
                    H: generator_h(),
                    X0: &params.x[0],
                    X1: &params.x[1],
                    X2: &params.x[2],
                    X3: &params.x[3],
                },
            );

            Response {
                attributes: attributes.clone(),
                p: compressed[0],
                eq1: compressed[1],
                eq2: compressed[2],
                t1: compressed[3],
                points: [p, eq1, eq2, t1_point],
                proof,
            }
        }
    }
}

impl Request {
    /// Length of the longest encoding in bytes.
    pub const MAX_ENCODED_LEN: usize =
        1 + EnrollmentCode::LEN + 8 + 1 + Scope::MAX_LEN + 3 * 32 + (1 + REQUEST_RESPONSES) * 32;

    /// The enrollment code this request redeems.
    pub fn enrollment_code(&self) -> &EnrollmentCode {
        &self.code
    }

    /// The attributes the client expects.
    pub fn attributes(&self) -> &CredentialAttributes {
        &self.attributes
    }

    /// The digest an enrollment store keeps with the redeemed code.
    pub fn digest(&self) -> RequestDigest {
        let mut input = Vec::with_capacity(128 + Scope::MAX_LEN);
        length_prefixed(&mut input, labels::ISSUANCE_REQUEST_DIGEST);
        length_prefixed(&mut input, &self.attributes.expiry.0.to_be_bytes());
        length_prefixed(&mut input, self.attributes.scope.as_str().as_bytes());
        for point in [&self.d, &self.e1, &self.e2] {
            input.extend_from_slice(point.as_bytes());
        }
        RequestDigest(Sha256::digest(&input).into())
    }

    /// The versioned encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Self::MAX_ENCODED_LEN);
        w.raw(&self.code.0).u64(self.attributes.expiry.0);
        write_scope(&mut w, &self.attributes.scope);
        w.point(&self.d).point(&self.e1).point(&self.e2);
        write_proof(&mut w, &self.proof);
        w.finish()
    }

    /// Decodes a request, rejecting invalid or identity points, non-canonical scalars,
    /// invalid scopes and trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes)?;
        let code = EnrollmentCode(r.array()?);
        let expiry = Epoch(r.u64()?);
        let scope = read_scope(&mut r)?;
        let (d, d_pt) = r.point()?;
        let (e1, e1_pt) = r.point()?;
        let (e2, e2_pt) = r.point()?;
        let proof = read_proof(&mut r, REQUEST_RESPONSES)?;
        r.finish()?;
        Ok(Request {
            code,
            attributes: CredentialAttributes { expiry, scope },
            d,
            e1,
            e2,
            points: [d_pt, e1_pt, e2_pt],
            proof,
        })
    }
}

impl Response {
    /// The expiry the issuer set.
    pub fn expiry(&self) -> Epoch {
        self.attributes.expiry
    }

    /// The scope the issuer set.
    pub fn scope(&self) -> &Scope {
        &self.attributes.scope
    }

    /// The versioned encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(8 + 1 + Scope::MAX_LEN + 4 * 32 + (1 + RESPONSE_RESPONSES) * 32);
        w.u64(self.attributes.expiry.0);
        write_scope(&mut w, &self.attributes.scope);
        w.point(&self.p)
            .point(&self.eq1)
            .point(&self.eq2)
            .point(&self.t1);
        write_proof(&mut w, &self.proof);
        w.finish()
    }

    /// Decodes a response, rejecting invalid or identity points, non-canonical scalars and
    /// trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes)?;
        let expiry = Epoch(r.u64()?);
        let scope = read_scope(&mut r)?;
        let (p, p_pt) = r.point()?;
        let (eq1, eq1_pt) = r.point()?;
        let (eq2, eq2_pt) = r.point()?;
        let (t1, t1_pt) = r.point()?;
        let proof = read_proof(&mut r, RESPONSE_RESPONSES)?;
        r.finish()?;
        Ok(Response {
            attributes: CredentialAttributes { expiry, scope },
            p,
            eq1,
            eq2,
            t1,
            points: [p_pt, eq1_pt, eq2_pt, t1_pt],
            proof,
        })
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("issuance::Request")
            .field("attributes", &self.attributes)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("issuance::State")
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("issuance::Response")
            .field("attributes", &self.attributes)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, feature = "issuer"))]
mod tests {
    use super::*;
    use crate::{EnrollmentCodes, EnrollmentStore, Issuer, IssuerSecretKey};
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn attributes(expiry: u64, scope: &str) -> CredentialAttributes {
        CredentialAttributes::new(Epoch(expiry), Scope::new(scope).expect("scope"))
    }

    /// The decrypted MAC satisfies `Q = (x0 + x1·k + x2·m2 + x3·m3)·P` under the issuer's
    /// key: the blind computation matches the clear one.
    #[test]
    fn blind_mac_equals_clear_mac() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let issuer = Issuer::generate(&mut rng);
        let codes = EnrollmentCodes::new();
        let code = codes.issue_code(&mut rng).expect("code");
        let attrs = attributes(9, "CN-BJ");
        let (request, state) =
            super::request(issuer.public_params(), code, attrs.clone(), &mut rng);
        let response = issuer
            .handle_issuance(&request, &codes, &attrs, &mut rng)
            .expect("issuance");
        let cred = state.handle_response(response).expect("credential");
        let sk = issuer.secret_key();
        let mac = sk.x0
            + sk.x[0] * cred.k
            + sk.x[1] * Epoch(9).to_scalar()
            + sk.x[2] * attrs.scope.to_scalar();
        assert_eq!(cred.q, mac * cred.p);
        assert!(!cred.p.is_identity());
        assert_eq!(cred.attributes, attrs);
    }

    /// The public parameters are what the notes say they are.
    #[test]
    fn public_params_match_secret_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let issuer = Issuer::generate(&mut rng);
        let sk = issuer.secret_key();
        let h = *generator_h();
        let x = &issuer.public_params().x;
        assert_eq!(x[0], sk.x0 * generator_g() + sk.x0_tilde * h);
        assert_eq!(x[1], sk.x[0] * h);
        assert_eq!(x[2], sk.x[1] * h);
        assert_eq!(x[3], sk.x[2] * h);
        let stored = crate::IssuerSecretKey::from_bytes(&sk.to_bytes()).expect("round trip");
        assert_eq!(stored.public_params(), *issuer.public_params());
        assert_eq!(
            issuer.public_params().fingerprint().0,
            <[u8; 32]>::from(Sha256::digest(issuer.public_params().to_bytes()))
        );
    }

    /// An issuer that holds the published parameters but answers with another key, in any
    /// single component, is caught by the client: its `π_iss` proves a false statement.
    /// Changing `x0` alone is the tagging attack (a per-person `x0` shows up in every
    /// presentation's MAC check). `x0`, `x2`, `x3` are each caught by their own clause
    /// (`X0 = x0·G + x0~·H`, `X2 = x2·H`, `X3 = x3·H`): dropping one makes this test fail.
    /// `x1` is caught twice, by `X1 = x1·H` and by `T1 = b·X1 ∧ T1 = t1·H`.
    #[test]
    fn client_refuses_a_rogue_issuer_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let honest = Issuer::generate(&mut rng);
        let attrs = attributes(20, "CN-BJ");
        type SetComponent = fn(&mut IssuerSecretKey, Scalar);
        let rogue_keys: [(&str, SetComponent); 5] = [
            ("x0", |sk, v| sk.x0 = v),
            ("x0~", |sk, v| sk.x0_tilde = v),
            ("x1", |sk, v| sk.x[0] = v),
            ("x2", |sk, v| sk.x[1] = v),
            ("x3", |sk, v| sk.x[2] = v),
        ];
        // Control: the same steps with the honest key succeed.
        let run = |sk: IssuerSecretKey, rng: &mut ChaCha20Rng| {
            let issuer = Issuer {
                sk,
                params: honest.public_params().clone(),
            };
            let codes = EnrollmentCodes::new();
            let code = codes.issue_code(rng).expect("code");
            let (request, state) = super::request(honest.public_params(), code, attrs.clone(), rng);
            let response = issuer
                .handle_issuance(&request, &codes, &attrs, rng)
                .expect("the request is valid for the published parameters");
            state.handle_response(response)
        };
        run(honest.secret_key().clone(), &mut rng).expect("honest key");
        for (name, set) in rogue_keys {
            let mut sk = honest.secret_key().clone();
            set(&mut sk, Scalar::random(&mut rng));
            assert_eq!(
                run(sk, &mut rng).map(|_| ()),
                Err(VerificationFailure),
                "rogue {name} accepted"
            );
        }
    }

    /// The client refuses a credential on attributes it did not ask for, whether the
    /// response says so openly or claims the expected ones over a MAC on others.
    #[test]
    fn client_refuses_other_attributes() {
        let mut rng = ChaCha20Rng::seed_from_u64(14);
        let issuer = Issuer::generate(&mut rng);
        let params = issuer.public_params();
        let expected = attributes(20, "CN-BJ");
        for other in [attributes(21, "CN-BJ"), attributes(20, "CN-SH")] {
            // A dishonest issuer skips its own attribute check (`respond` is what follows
            // it) and MACs `other`, with a valid proof for `other`.
            let code = EnrollmentCode::generate(&mut rng);
            let (request, state) = super::request(params, code, expected.clone(), &mut rng);
            let response = issuer.respond(&request, &other, &mut rng);
            assert_eq!(response.attributes, other);
            assert_eq!(
                state.handle_response(response).map(|_| ()),
                Err(VerificationFailure),
                "openly other attributes"
            );

            let code = EnrollmentCode::generate(&mut rng);
            let (request, state) = super::request(params, code, expected.clone(), &mut rng);
            let mut response = issuer.respond(&request, &other, &mut rng);
            response.attributes = expected.clone();
            assert_eq!(
                state.handle_response(response).map(|_| ()),
                Err(VerificationFailure),
                "a MAC on other attributes, labelled as the expected ones"
            );
        }
        // Control: `respond` with the expected attributes is accepted.
        let code = EnrollmentCode::generate(&mut rng);
        let (request, state) = super::request(params, code, expected.clone(), &mut rng);
        let response = issuer.respond(&request, &expected, &mut rng);
        state
            .handle_response(response)
            .expect("expected attributes");
    }

    /// An honest issuer refuses, before spending the code, a request that expects other
    /// attributes than the ones it issues.
    #[test]
    fn issuer_refuses_a_request_for_other_attributes() {
        let mut rng = ChaCha20Rng::seed_from_u64(15);
        let issuer = Issuer::generate(&mut rng);
        let codes = EnrollmentCodes::new();
        let code = codes.issue_code(&mut rng).expect("code");
        let current = attributes(20, "CN-BJ");
        let (stale, _) = super::request(
            issuer.public_params(),
            code.clone(),
            attributes(16, "CN-BJ"),
            &mut rng,
        );
        assert!(matches!(
            issuer.handle_issuance(&stale, &codes, &current, &mut rng),
            Err(crate::IssueError::UnexpectedAttributes)
        ));
        let (fresh, state) =
            super::request(issuer.public_params(), code, current.clone(), &mut rng);
        let response = issuer
            .handle_issuance(&fresh, &codes, &current, &mut rng)
            .expect("the code was not spent");
        state.handle_response(response).expect("credential");
    }
}
