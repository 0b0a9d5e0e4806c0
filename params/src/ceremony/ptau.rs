//! snarkjs's powers-of-tau file (`.ptau`), prepared for phase 2: the phase-1 output a
//! ceremony starts from.
//!
//! Sections used here: 1 the header (the base field's size and modulus, the power `p`);
//! 2 τ^i·G1 for i < 2^(p+1) − 1; 3 τ^i·G2 for i < 2^p (written by the test file only);
//! 4 α·τ^i·G1, 5 β·τ^i·G1 and 6 β·G2, of which the first points are α and β; 12 to 15 the
//! same in the Lagrange basis of every domain 2^k, k ≤ p, one after the other (2^k points at
//! offset 2^k − 1): τ·G1, τ·G2, α·τ·G1, β·τ·G1. Sections 12 to 15 are what `snarkjs
//! powersoftau prepare phase2` adds.
//!
//! The file can be large (about 2^p KiB), so only the points needed are read, each checked.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
    ops::Range,
    path::{Path, PathBuf},
    sync::Mutex,
};

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ff::PrimeField;

use super::{
    binfile::Sections,
    encoding::{g1_from_lem, g2_from_lem, G1_BYTES, G2_BYTES},
    CeremonyError,
};

/// The sections of a prepared `.ptau` file.
#[derive(Clone, Copy)]
pub(crate) enum PtauSection {
    TauG1 = 2,
    /// Read by no key: written by the test file, and read by its test.
    #[cfg(any(test, feature = "test-dependencies"))]
    TauG2 = 3,
    AlphaTauG1 = 4,
    BetaTauG1 = 5,
    BetaG2 = 6,
    LagrangeTauG1 = 12,
    LagrangeTauG2 = 13,
    LagrangeAlphaTauG1 = 14,
    LagrangeBetaTauG1 = 15,
}

/// A prepared powers-of-tau file, open for reading.
pub struct Ptau {
    path: PathBuf,
    file: Mutex<File>,
    sections: Sections,
    power: u32,
}

impl std::fmt::Debug for Ptau {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ptau")
            .field("path", &self.path)
            .field("power", &self.power)
            .finish_non_exhaustive()
    }
}

impl Ptau {
    /// Opens `path`: a BN254 `.ptau` file prepared for phase 2.
    pub fn open(path: &Path) -> Result<Self, CeremonyError> {
        let io = |source| CeremonyError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let sections = Sections::read(&mut file, b"ptau", 1)?;
        let header = sections.find(1)?;
        let mut bytes = vec![0; usize::try_from(header.end - header.start).unwrap_or(0)];
        file.seek(SeekFrom::Start(header.start)).map_err(io)?;
        file.read_exact(&mut bytes).map_err(io)?;
        // n8 (32), the base field's modulus, the power, the ceremony's power.
        if bytes.len() != 4 + 32 + 4 + 4 || bytes[..4] != 32u32.to_le_bytes() {
            return Err(CeremonyError::Format(
                "the .ptau header is not that of a BN254 file".into(),
            ));
        }
        let mut modulus = Vec::new();
        super::encoding::modulus_le::<Fq>(&mut modulus);
        if bytes[4..36] != modulus[..] {
            return Err(CeremonyError::Format(
                "the .ptau file is for another curve than BN254".into(),
            ));
        }
        let power = u32::from_le_bytes([bytes[36], bytes[37], bytes[38], bytes[39]]);
        if power == 0 || power >= Fq::MODULUS_BIT_SIZE {
            return Err(CeremonyError::Format(format!(
                "the .ptau file's power {power} is out of range"
            )));
        }
        if !(12..=15).all(|s| sections.has(s)) {
            return Err(CeremonyError::NotPrepared(path.to_owned()));
        }
        Ok(Ptau {
            path: path.to_owned(),
            file: Mutex::new(file),
            sections,
            power,
        })
    }

    /// The power p: the file holds the powers of τ up to 2^p (and twice that in G1).
    pub fn power(&self) -> u32 {
        self.power
    }

    /// The bytes of points `points` of `section` (each `size` bytes), within the section.
    fn raw(
        &self,
        section: PtauSection,
        points: Range<usize>,
        size: usize,
    ) -> Result<Vec<u8>, CeremonyError> {
        let range = self.sections.find(section as u32)?;
        let start = range.start + (points.start * size) as u64;
        let len = (points.end - points.start) * size;
        if start + len as u64 > range.end {
            return Err(CeremonyError::Format(format!(
                "section {} of the .ptau file is shorter than its power says",
                section as u32
            )));
        }
        let mut bytes = vec![0; len];
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let io = |source| CeremonyError::Io {
            action: "read",
            path: self.path.clone(),
            source,
        };
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        file.read_exact(&mut bytes).map_err(io)?;
        Ok(bytes)
    }

    /// Points `points` of a G1 section, checked.
    pub(crate) fn g1(
        &self,
        section: PtauSection,
        points: Range<usize>,
    ) -> Result<Vec<G1Affine>, CeremonyError> {
        self.raw(section, points, G1_BYTES)?
            .chunks_exact(G1_BYTES)
            .map(g1_from_lem)
            .collect()
    }

    /// Points `points` of a G2 section, checked.
    pub(crate) fn g2(
        &self,
        section: PtauSection,
        points: Range<usize>,
    ) -> Result<Vec<G2Affine>, CeremonyError> {
        self.raw(section, points, G2_BYTES)?
            .chunks_exact(G2_BYTES)
            .map(g2_from_lem)
            .collect()
    }

    /// The Lagrange-basis points of the domain of size `size` (a power of two up to 2^p).
    pub(crate) fn lagrange(&self, size: usize) -> Range<usize> {
        size - 1..2 * size - 1
    }
}

/// A prepared powers-of-tau file of `power`, with τ, α and β drawn from `seed`: what tests and
/// benches start a ceremony from when the circuit needs a bigger file than the shipped
/// fixture. Whoever runs this could keep τ, so keys built on it are no better than dev keys;
/// no command writes one.
///
/// Every section `snarkjs powersoftau prepare phase2` leaves is written (1 to 7, 12 to 15),
/// with no contributions in section 7. The Lagrange sections come straight from τ:
/// `L_i(τ)` over arkworks' radix-2 domains, whose generators are the ones snarkjs uses (a
/// test holds this against the fixture snarkjs made).
///
/// Not generic over the RNG, so that it is compiled here, optimised, and not in each caller.
#[cfg(feature = "test-dependencies")]
pub fn insecure_ptau_for_tests(power: u32, seed: u64) -> Vec<u8> {
    use ark_bn254::{Fr, G1Projective, G2Projective};
    use ark_ec::scalar_mul::ScalarMul;
    use ark_ec::PrimeGroup;
    use ark_ff::{Field, UniformRand};
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;

    use super::{
        binfile::Writer,
        encoding::{g1_lem, g2_lem, modulus_le},
    };

    assert!((1..=24).contains(&power), "a test ptau of power 1 to 24");
    let rng = &mut rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let (tau, alpha, beta) = (Fr::rand(rng), Fr::rand(rng), Fr::rand(rng));
    let size = 1usize << power;
    let powers: Vec<Fr> = std::iter::successors(Some(Fr::ONE), |p| Some(*p * tau))
        .take(2 * size - 1)
        .collect();
    let times = |c: Fr, scalars: &[Fr]| scalars.iter().map(|s| c * s).collect::<Vec<_>>();
    let lagrange: Vec<Fr> = (0..=power)
        .flat_map(|k| {
            Radix2EvaluationDomain::<Fr>::new(1 << k)
                .expect("a radix-2 domain of BN254's scalar field")
                .evaluate_all_lagrange_coefficients(tau)
        })
        .collect();
    let g1_section = |scalars: &[Fr]| {
        let mut out = Vec::with_capacity(scalars.len() * super::encoding::G1_BYTES);
        for p in G1Projective::generator().batch_mul(scalars) {
            g1_lem(&p, &mut out);
        }
        out
    };
    let g2_section = |scalars: &[Fr]| {
        let mut out = Vec::with_capacity(scalars.len() * super::encoding::G2_BYTES);
        for p in G2Projective::generator().batch_mul(scalars) {
            g2_lem(&p, &mut out);
        }
        out
    };

    let mut header = 32u32.to_le_bytes().to_vec();
    modulus_le::<ark_bn254::Fq>(&mut header);
    header.extend_from_slice(&power.to_le_bytes());
    header.extend_from_slice(&power.to_le_bytes());
    let mut file = Writer::new(b"ptau", 1);
    file.section(1, &header);
    file.section(PtauSection::TauG1 as u32, &g1_section(&powers));
    file.section(PtauSection::TauG2 as u32, &g2_section(&powers[..size]));
    file.section(
        PtauSection::AlphaTauG1 as u32,
        &g1_section(&times(alpha, &powers[..size])),
    );
    file.section(
        PtauSection::BetaTauG1 as u32,
        &g1_section(&times(beta, &powers[..size])),
    );
    file.section(PtauSection::BetaG2 as u32, &g2_section(&[beta]));
    file.section(7, &0u32.to_le_bytes());
    file.section(PtauSection::LagrangeTauG1 as u32, &g1_section(&lagrange));
    file.section(PtauSection::LagrangeTauG2 as u32, &g2_section(&lagrange));
    file.section(
        PtauSection::LagrangeAlphaTauG1 as u32,
        &g1_section(&times(alpha, &lagrange)),
    );
    file.section(
        PtauSection::LagrangeBetaTauG1 as u32,
        &g1_section(&times(beta, &lagrange)),
    );
    file.finish()
}

#[cfg(test)]
mod tests {
    use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
    use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
    use ark_ff::Field;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

    use super::*;

    /// The Lagrange points of the domain of `size` are the inverse transform of the first
    /// `size` powers of τ: `L_i(τ) = (1/n)·Σ_j ω^(−ij)·τ^j`. Holds for snarkjs's files only if
    /// its domain generator ω is arkworks'.
    fn assert_lagrange_is_the_inverse_transform(ptau: &Ptau, size: usize) {
        let domain = Radix2EvaluationDomain::<Fr>::new(size).expect("a domain");
        let powers = ptau.g1(PtauSection::TauG1, 0..size).expect("powers");
        let lagrange = ptau
            .g1(PtauSection::LagrangeTauG1, ptau.lagrange(size))
            .expect("Lagrange points");
        for (i, point) in lagrange.iter().enumerate() {
            let coefficients: Vec<Fr> = (0..size)
                .map(|j| domain.group_gen_inv().pow([(i * j) as u64]) * domain.size_inv())
                .collect();
            let expected = G1Projective::msm(&powers, &coefficients).expect("same lengths");
            assert_eq!(
                expected.into_affine(),
                *point,
                "L_{i} of the domain of {size}"
            );
        }
    }

    #[test]
    fn the_fixture_made_by_snarkjs_uses_arkworks_domains() {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ceremony/pot12.ptau");
        let ptau = Ptau::open(&fixture).expect("the fixture");
        assert_eq!(ptau.power(), 12);
        for size in [1, 2, 8, 32] {
            assert_lagrange_is_the_inverse_transform(&ptau, size);
        }
    }

    #[cfg(feature = "test-dependencies")]
    #[test]
    fn a_test_ptau_is_a_consistent_prepared_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pot5.ptau");
        std::fs::write(&path, insecure_ptau_for_tests(5, 5)).expect("write");
        let ptau = Ptau::open(&path).expect("it opens");
        assert_eq!(ptau.power(), 5);
        for size in [1, 4, 32] {
            assert_lagrange_is_the_inverse_transform(&ptau, size);
        }
        // The same τ in G1 and G2, and the same α and β in every section.
        let tau_g1 = ptau.g1(PtauSection::TauG1, 0..63).expect("τ·G1");
        let tau_g2 = ptau
            .g2(PtauSection::LagrangeTauG2, ptau.lagrange(32))
            .expect("τ·G2");
        let beta_g2 = ptau.g2(PtauSection::BetaG2, 0..1).expect("β·G2")[0];
        let beta_g1 = ptau.g1(PtauSection::BetaTauG1, 0..2).expect("β·τ·G1");
        let alpha_l = ptau
            .g1(PtauSection::LagrangeAlphaTauG1, ptau.lagrange(32))
            .expect("α·L");
        let alpha = ptau.g1(PtauSection::AlphaTauG1, 0..1).expect("α")[0];
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        let lagrange_g1 = ptau
            .g1(PtauSection::LagrangeTauG1, ptau.lagrange(32))
            .expect("L·G1");
        assert_eq!(tau_g1[0], g1);
        for i in [0, 7, 31] {
            assert_eq!(
                Bn254::pairing(lagrange_g1[i], g2),
                Bn254::pairing(g1, tau_g2[i]),
                "L_{i} in G1 and G2"
            );
            assert_eq!(
                Bn254::pairing(alpha_l[i], g2),
                Bn254::pairing(alpha, tau_g2[i]),
                "α·L_{i}"
            );
        }
        assert_eq!(
            Bn254::pairing(beta_g1[1], g2),
            Bn254::pairing(tau_g1[1], beta_g2),
            "β·τ"
        );
        // Consecutive powers: τ^(i+1)·G1 against τ^i·G1 and τ·G2, up to the last one.
        let tau_in_g2 = ptau.g2(PtauSection::TauG2, 0..2).expect("τ·G2");
        assert_eq!(tau_in_g2[0], g2);
        for i in [0, 30, 61] {
            assert_eq!(
                Bn254::pairing(tau_g1[i + 1], g2),
                Bn254::pairing(tau_g1[i], tau_in_g2[1]),
                "τ^{}",
                i + 1
            );
        }
    }
}
