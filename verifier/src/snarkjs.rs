//! Export in snarkjs's JSON formats (DESIGN.md §6), so that `snarkjs groth16 verify` and
//! verifiers generated from snarkjs keys accept our proofs unchanged.

use std::{fs, io, path::Path};

use ark_bn254::{Fq, Fq12, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use probity_core::PublicInputs;
use serde::Serialize;

use crate::{error::ExportError, key::StatementVerifyingKey, proof::Proof};

/// File name snarkjs uses for the proof.
pub const PROOF_JSON: &str = "proof.json";
/// File name snarkjs uses for the verifying key.
pub const VERIFICATION_KEY_JSON: &str = "verification_key.json";
/// File name snarkjs uses for the public inputs.
pub const PUBLIC_JSON: &str = "public.json";

/// A proof with its verifying key and public inputs in snarkjs's three JSON files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnarkjsFiles {
    /// `proof.json`.
    pub proof_json: String,
    /// `verification_key.json`.
    pub verification_key_json: String,
    /// `public.json`.
    pub public_json: String,
}

impl SnarkjsFiles {
    /// Writes [`PROOF_JSON`], [`VERIFICATION_KEY_JSON`] and [`PUBLIC_JSON`] into `dir`
    /// (which must exist), replacing files of those names.
    pub fn write_to_dir(&self, dir: &Path) -> io::Result<()> {
        fs::write(dir.join(PROOF_JSON), &self.proof_json)?;
        fs::write(dir.join(VERIFICATION_KEY_JSON), &self.verification_key_json)?;
        fs::write(dir.join(PUBLIC_JSON), &self.public_json)
    }
}

/// Exports a proof, its verifying key and its public inputs as snarkjs's `proof.json`,
/// `verification_key.json` and `public.json`.
///
/// Does not verify the proof: exporting a bad proof gives files that snarkjs rejects.
///
/// # The layout (snarkjs 0.7, ffjavascript 0.3)
/// - Numbers are decimal strings of the canonical integers (never Montgomery form).
/// - A G1 point is `[x, y, "1"]`: ffjavascript's `G1.toObject` of an affine point, projective
///   coordinates with `z = 1`. The point at infinity is `["0", "1", "0"]`.
/// - A G2 point is `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`, each `Fq2` element written
///   `[c0, c1]` (real part first, the `u`-coefficient second, where `Fq2 = Fq[u]/(u² + 1)`,
///   the same tower as arkworks'). The point at infinity is `[["0","0"], ["1","0"], ["0","0"]]`.
/// - `vk_alphabeta_12` is `e(alpha, beta)` in `Fq12 = Fq6[w]/(w² − v)`,
///   `Fq6 = Fq2[v]/(v³ − (9 + u))`, written `[[a.c0, a.c1, a.c2], [b.c0, b.c1, b.c2]]` for
///   `a + b·w`, each an `Fq2` pair as above. snarkjs's `groth16 verify` does not read it (it
///   recomputes the pairing); snarkjs's own `zkey export verificationkey` writes it, and so do
///   we, so that tools that do read it find the value snarkjs would have written. arkworks'
///   reduced pairing and ffjavascript's give the same element here (the tests recompute it
///   with ffjavascript).
/// - `public.json` is the array of public inputs, in the key's order.
///
/// Files are written as snarkjs writes them: JSON with a one-space indent.
pub fn export_snarkjs(
    vk: &StatementVerifyingKey,
    inputs: &PublicInputs,
    proof: &Proof,
) -> Result<SnarkjsFiles, ExportError> {
    if inputs.kind() != vk.statement() {
        return Err(ExportError::StatementMismatch {
            key: vk.statement(),
            inputs: inputs.kind(),
        });
    }
    let key = vk.verifying_key();
    let proof_json = ProofJson {
        pi_a: g1(&proof.0.a),
        pi_b: g2(&proof.0.b),
        pi_c: g1(&proof.0.c),
        protocol: PROTOCOL,
        curve: CURVE,
    };
    let vk_json = VerificationKeyJson {
        protocol: PROTOCOL,
        curve: CURVE,
        n_public: key.gamma_abc_g1.len() - 1,
        vk_alpha_1: g1(&key.alpha_g1),
        vk_beta_2: g2(&key.beta_g2),
        vk_gamma_2: g2(&key.gamma_g2),
        vk_delta_2: g2(&key.delta_g2),
        vk_alphabeta_12: fq12(&vk.prepared.alpha_g1_beta_g2),
        ic: key.gamma_abc_g1.iter().map(g1).collect(),
    };
    let public: Vec<String> = inputs
        .to_public_inputs()
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(SnarkjsFiles {
        proof_json: to_json(&proof_json),
        verification_key_json: to_json(&vk_json),
        public_json: to_json(&public),
    })
}

const PROTOCOL: &str = "groth16";
/// snarkjs's name for BN254.
const CURVE: &str = "bn128";

type G1Json = [String; 3];
type Fq2Json = [String; 2];
type G2Json = [Fq2Json; 3];
type Fq12Json = [[Fq2Json; 3]; 2];

/// Field order is snarkjs's key order.
#[derive(Serialize)]
struct ProofJson {
    pi_a: G1Json,
    pi_b: G2Json,
    pi_c: G1Json,
    protocol: &'static str,
    curve: &'static str,
}

/// Field order is the key order of snarkjs's `zkey export verificationkey`.
#[derive(Serialize)]
struct VerificationKeyJson {
    protocol: &'static str,
    curve: &'static str,
    #[serde(rename = "nPublic")]
    n_public: usize,
    vk_alpha_1: G1Json,
    vk_beta_2: G2Json,
    vk_gamma_2: G2Json,
    vk_delta_2: G2Json,
    vk_alphabeta_12: Fq12Json,
    #[serde(rename = "IC")]
    ic: Vec<G1Json>,
}

/// `Fq`'s `Display` prints the canonical integer in decimal.
fn fq(x: &Fq) -> String {
    x.to_string()
}

fn fq2(x: &Fq2) -> Fq2Json {
    [fq(&x.c0), fq(&x.c1)]
}

fn g1(p: &G1Affine) -> G1Json {
    match p.xy() {
        Some((x, y)) => [fq(&x), fq(&y), "1".into()],
        None => ["0".into(), "1".into(), "0".into()],
    }
}

fn g2(p: &G2Affine) -> G2Json {
    match p.xy() {
        Some((x, y)) => [fq2(&x), fq2(&y), ["1".into(), "0".into()]],
        None => [
            ["0".into(), "0".into()],
            ["1".into(), "0".into()],
            ["0".into(), "0".into()],
        ],
    }
}

fn fq12(x: &Fq12) -> Fq12Json {
    let fq6 = |y: &ark_bn254::Fq6| [fq2(&y.c0), fq2(&y.c1), fq2(&y.c2)];
    [fq6(&x.c0), fq6(&x.c1)]
}

/// JSON with a one-space indent, as snarkjs writes its files.
fn to_json<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value
        .serialize(&mut serializer)
        .expect("these JSON values are strings, numbers and arrays");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
