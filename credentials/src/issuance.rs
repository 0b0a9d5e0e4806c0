//! Blind issuance (CMZ14 §4.2): the client gets a MAC on its secret `k` without showing
//! `k` to the issuer.
//!
//! ```text
//! CLIENT                                         ISSUER
//! request(params, code)  ── Request ──▶          handle_issuance(request, codes, expiry, scope)
//!        State                                          │  checks the request proof,
//!          │                                            │  redeems the code once
//! State::handle_response ◀── Response ──                ▼
//!        ▼
//!   Credential
//! ```
//!
//! The math, with `G`, `H` and `(x0, x0~, x1, x2, x3)` as in [the notes](crate::notes):
//!
//! **Request.** The client picks `k`, an ElGamal key `d` and `e`, all uniform, and sends
//!
//! ```text
//! D = d·G,   E1 = e·G,   E2 = k·G + e·D           (an encryption of k·G under D)
//! π_req = PK{ (d, e, k) : D = d·G ∧ E1 = e·G ∧ E2 = k·G + e·D }
//! ```
//!
//! **Response.** With `m2 = expiry`, `m3 = scope` chosen by the issuer, it picks `b`, `s`
//! uniform and sends
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
//! **Finish.** The client checks `π_iss` and decrypts
//! `Q = EQ2 − d·EQ1 = (x0 + x1·k + x2·m2 + x3·m3)·P`. The proof shows that `(P, Q)` is a MAC
//! under the published key, so the issuer cannot tag a credential with a key of its own.

use core::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use rand_core::{CryptoRng, RngCore};

use crate::attributes::{Epoch, Scope};
use crate::credential::Credential;
use crate::encoding::{read_proof, read_scope, write_proof, write_scope, Reader, Writer};
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

/// The client's first message: an enrollment code and an encryption of `k·G`, with a
/// proof of knowledge of the plaintext and the decryption key.
///
/// Encoding: `version || code (20) || D || E1 || E2 || proof (4·32)`.
#[derive(Clone)]
pub struct Request {
    pub(crate) code: EnrollmentCode,
    pub(crate) d: CompressedRistretto,
    pub(crate) e1: CompressedRistretto,
    pub(crate) e2: CompressedRistretto,
    #[cfg_attr(not(feature = "issuer"), allow(dead_code))]
    pub(crate) points: [RistrettoPoint; 3],
    pub(crate) proof: lox_zkp::CompactProof,
}

/// The client's secret between [`request`] and [`State::handle_response`]: `k` and the
/// ElGamal key `d`. Consumed by `handle_response`; zeroized on drop.
pub struct State {
    params: IssuerPublicParams,
    k: Scalar,
    d_secret: Scalar,
    request_points: [CompressedRistretto; 3],
}

/// The issuer's answer: the attributes it set, `P`, the encrypted `Q` and its proof.
///
/// Encoding:
/// `version || expiry (u64) || scope_len (u8) || scope || P || EQ1 || EQ2 || T1 || proof (9·32)`.
#[derive(Clone)]
pub struct Response {
    pub(crate) expiry: Epoch,
    pub(crate) scope: Scope,
    pub(crate) p: CompressedRistretto,
    pub(crate) eq1: CompressedRistretto,
    pub(crate) eq2: CompressedRistretto,
    pub(crate) t1: CompressedRistretto,
    pub(crate) points: [RistrettoPoint; 4],
    pub(crate) proof: lox_zkp::CompactProof,
}

/// Starts issuance: picks `k` and makes the blinded request (client side).
pub fn request(
    params: &IssuerPublicParams,
    code: EnrollmentCode,
    rng: &mut (impl RngCore + CryptoRng),
) -> (Request, State) {
    let k = Scalar::random(rng);
    let d_secret = Scalar::random(rng);
    let e = Scalar::random(rng);

    let d = RistrettoPoint::mul_base(&d_secret);
    let e1 = RistrettoPoint::mul_base(&e);
    let e2 = RistrettoPoint::mul_base(&k) + e * d;
    let compressed = [d.compress(), e1.compress(), e2.compress()];

    let mut transcript = request_transcript(params, &code, &compressed);
    let (proof, _) = proofs::request_proof::prove_compact(
        &mut transcript,
        proofs::request_proof::ProveAssignments {
            d: &d_secret,
            e: &e,
            k: &k,
            D: &d,
            E1: &e1,
            E2: &e2,
            G: &generator_g(),
        },
    );

    let request = Request {
        code,
        d: compressed[0],
        e1: compressed[1],
        e2: compressed[2],
        points: [d, e1, e2],
        proof,
    };
    let state = State {
        params: params.clone(),
        k,
        d_secret,
        request_points: compressed,
    };
    (request, state)
}

fn request_transcript(
    params: &IssuerPublicParams,
    code: &EnrollmentCode,
    points: &[CompressedRistretto; 3],
) -> merlin::Transcript {
    let mut t = new_transcript(labels::ISSUANCE_REQUEST);
    t.append_params(params);
    t.append_message(b"enrollment-code-hash", &code.storage_hash().0);
    t.append_point(b"D", &points[0]);
    t.append_point(b"E1", &points[1]);
    t.append_point(b"E2", &points[2]);
    t
}

#[allow(clippy::too_many_arguments)]
fn response_transcript(
    params: &IssuerPublicParams,
    request_points: &[CompressedRistretto; 3],
    expiry: Epoch,
    scope: &Scope,
    p: &CompressedRistretto,
    eq1: &CompressedRistretto,
    eq2: &CompressedRistretto,
    t1: &CompressedRistretto,
) -> merlin::Transcript {
    let mut t = new_transcript(labels::ISSUANCE_RESPONSE);
    t.append_params(params);
    t.append_point(b"D", &request_points[0]);
    t.append_point(b"E1", &request_points[1]);
    t.append_point(b"E2", &request_points[2]);
    t.append_epoch(b"expiry", expiry);
    t.append_scope(scope);
    t.append_point(b"P", p);
    t.append_point(b"EQ1", eq1);
    t.append_point(b"EQ2", eq2);
    t.append_point(b"T1", t1);
    t
}

impl State {
    /// Checks the issuer's proof and decrypts the MAC (client side).
    ///
    /// Fails with the opaque [`VerificationFailure`] if the proof does not verify against
    /// the parameters the request was made for.
    pub fn handle_response(self, response: Response) -> Result<Credential, VerificationFailure> {
        let params = &self.params;
        let [p, eq1, eq2, _t1] = response.points;
        let m2p = (response.expiry.to_scalar() * p).compress();
        let m3p = (response.scope.to_scalar() * p).compress();
        let mut transcript = response_transcript(
            params,
            &self.request_points,
            response.expiry,
            &response.scope,
            &response.p,
            &response.eq1,
            &response.eq2,
            &response.t1,
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
            expiry: response.expiry,
            scope: response.scope,
            p,
            q,
        })
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
        /// Checks the request's proof, then redeems its enrollment code in `codes`, then
        /// issues a MAC on the hidden `k` with the given `expiry` and `scope`.
        ///
        /// # Caution
        /// The code is redeemed before the response exists: if the response is lost, the
        /// code is spent, and the registrar must hand out a new one. This is the safe way
        /// round: a code can never buy two credentials.
        ///
        /// Set `expiry` and `scope` coarsely (one expiry for everyone enrolled in a quarter,
        /// one scope per jurisdiction): they are revealed at every presentation.
        pub fn handle_issuance(
            &self,
            request: &Request,
            codes: &impl EnrollmentStore,
            expiry: Epoch,
            scope: &Scope,
            rng: &mut (impl RngCore + CryptoRng),
        ) -> Result<Response, IssueError> {
            let params = &self.params;
            let request_points = [request.d, request.e1, request.e2];
            let [d, e1, e2] = request.points;

            let mut transcript = request_transcript(params, &request.code, &request_points);
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

            match codes.redeem(&request.code.storage_hash())? {
                Redemption::Redeemed => {}
                Redemption::AlreadyUsed => return Err(IssueError::EnrollmentCodeUsed),
                Redemption::Unknown => return Err(IssueError::UnknownEnrollmentCode),
            }

            let sk = &self.sk;
            let [x1, x2, x3] = sk.x;
            let m2 = expiry.to_scalar();
            let m3 = scope.to_scalar();
            let b = Scalar::random(rng);
            let s = Scalar::random(rng);
            let t1 = b * x1;

            let p = RistrettoPoint::mul_base(&b);
            let t1_point = generator_h_table() * &t1;
            let m2p = m2 * p;
            let m3p = m3 * p;
            let eq1 = RistrettoPoint::mul_base(&s) + t1 * e1;
            let eq2 = s * d + t1 * e2 + (sk.x0 + x2 * m2 + x3 * m3) * p;

            let compressed = [
                p.compress(),
                eq1.compress(),
                eq2.compress(),
                t1_point.compress(),
            ];
            let mut transcript = response_transcript(
                params,
                &request_points,
                expiry,
                scope,
                &compressed[0],
                &compressed[1],
                &compressed[2],
                &compressed[3],
            );
            let (proof, _) = proofs::response_proof::prove_compact(
                &mut transcript,
                proofs::response_proof::ProveAssignments {
                    b: &b,
                    s: &s,
                    x0: &sk.x0,
                    x0_tilde: &sk.x0_tilde,
                    x1: &x1,
                    x2: &x2,
                    x3: &x3,
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

            Ok(Response {
                expiry,
                scope: scope.clone(),
                p: compressed[0],
                eq1: compressed[1],
                eq2: compressed[2],
                t1: compressed[3],
                points: [p, eq1, eq2, t1_point],
                proof,
            })
        }
    }
}

impl Request {
    /// Length of the encoding in bytes.
    pub const ENCODED_LEN: usize = 1 + EnrollmentCode::LEN + 3 * 32 + (1 + REQUEST_RESPONSES) * 32;

    /// The enrollment code this request redeems.
    pub fn enrollment_code(&self) -> &EnrollmentCode {
        &self.code
    }

    /// The versioned encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Self::ENCODED_LEN);
        w.raw(&self.code.0)
            .point(&self.d)
            .point(&self.e1)
            .point(&self.e2);
        write_proof(&mut w, &self.proof);
        w.finish()
    }

    /// Decodes a request, rejecting invalid or identity points, non-canonical scalars and
    /// trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes)?;
        let code = EnrollmentCode(r.array()?);
        let (d, d_pt) = r.point()?;
        let (e1, e1_pt) = r.point()?;
        let (e2, e2_pt) = r.point()?;
        let proof = read_proof(&mut r, REQUEST_RESPONSES)?;
        r.finish()?;
        Ok(Request {
            code,
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
        self.expiry
    }

    /// The scope the issuer set.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The versioned encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(8 + 1 + Scope::MAX_LEN + 4 * 32 + (1 + RESPONSE_RESPONSES) * 32);
        w.u64(self.expiry.0);
        write_scope(&mut w, &self.scope);
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
            expiry,
            scope,
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
        f.debug_struct("issuance::Request").finish_non_exhaustive()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("issuance::State").finish_non_exhaustive()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("issuance::Response")
            .field("expiry", &self.expiry)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, feature = "issuer"))]
mod tests {
    use super::*;
    use crate::{EnrollmentCodes, EnrollmentStore, Issuer};
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// The decrypted MAC satisfies `Q = (x0 + x1·k + x2·m2 + x3·m3)·P` under the issuer's
    /// key: the blind computation matches the clear one.
    #[test]
    fn blind_mac_equals_clear_mac() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let issuer = Issuer::generate(&mut rng);
        let codes = EnrollmentCodes::new();
        let code = codes.issue_code(&mut rng).expect("code");
        let scope = Scope::new("CN-BJ").expect("scope");
        let (request, state) = request(issuer.public_params(), code, &mut rng);
        let response = issuer
            .handle_issuance(&request, &codes, Epoch(9), &scope, &mut rng)
            .expect("issuance");
        let cred = state.handle_response(response).expect("credential");
        let sk = issuer.secret_key();
        let mac =
            sk.x0 + sk.x[0] * cred.k + sk.x[1] * Epoch(9).to_scalar() + sk.x[2] * scope.to_scalar();
        assert_eq!(cred.q, mac * cred.p);
        assert!(!cred.p.is_identity());
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
    }
}
