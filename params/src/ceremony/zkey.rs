//! snarkjs's Groth16 proving-key file (`.zkey`) and the initial one of a phase-2 ceremony,
//! made exactly as `snarkjs groth16 setup` makes it, byte for byte, so that `snarkjs zkey
//! verify` (which remakes it and compares) accepts the ceremony built on it.
//!
//! Sections, in the order they are written: 1 the protocol (1, Groth16); 2 the header (field
//! sizes and moduli, wire count, public count, domain size; α·G1, β·G1, β·G2, γ·G2, δ·G1,
//! δ·G2); 4 the coefficients of A and B; 3 IC; 9 H; 8 C (snarkjs's "L"); 5 A; 6 B in G1;
//! 7 B in G2; 10 the ceremony: the circuit hash and the contributions.
//!
//! In the initial key γ = δ = 1, so IC and C are not yet divided by them; each contribution
//! multiplies δ by its secret and divides C and H by it.

use ark_bn254::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{
    pairing::Pairing,
    short_weierstrass::{Affine, Projective, SWCurveConfig},
    AdditiveGroup, AffineRepr, CurveGroup, VariableBaseMSM,
};
use ark_ff::{BigInteger, PrimeField, Zero};
use blake2::{Blake2b512, Digest};
use rand::RngCore;
use rayon::prelude::*;

use super::{
    binfile::Writer,
    encoding::{fr_zkey_coefficient, g1_lem, g1_uncompressed, g2_lem, g2_uncompressed, modulus_le},
    ptau::{Ptau, PtauSection},
    r1cs::ConstraintSystemShape,
    CeremonyError,
};

/// The hash snarkjs names a circuit by: BLAKE2b-512 over the initial key's points.
pub type CircuitHash = [u8; 64];

/// Of a wire: (the index of the Lagrange point, its coefficient), for each term.
type Terms = Vec<Vec<(usize, Fr)>>;

/// Each wire's terms in A, B and C. A's terms over τ make its A point; B's over τ in G1 and
/// G2 its B points; and A's over β·τ, B's over α·τ and C's over τ, summed, its IC point (a
/// public wire) or C point (any other).
struct WireTerms {
    a: Terms,
    b: Terms,
    c: Terms,
}

impl WireTerms {
    fn of(shape: &ConstraintSystemShape) -> Self {
        let wires = shape.num_wires();
        let empty = || vec![Vec::new(); wires];
        let mut t = WireTerms {
            a: empty(),
            b: empty(),
            c: empty(),
        };
        for (matrix, terms_of) in shape.matrices.iter().zip([&mut t.a, &mut t.b, &mut t.c]) {
            for (row, terms) in matrix.iter().enumerate() {
                for (coefficient, wire) in terms {
                    terms_of[*wire].push((row, *coefficient));
                }
            }
        }
        // Past the last constraint, one more row per public wire s (the constant one
        // included) with s alone in A: it keeps the public inputs' polynomials independent,
        // as Groth16's QAP needs.
        let n = shape.num_constraints();
        for s in 0..shape.num_instance {
            t.a[s].push((n + s, Fr::from(1u64)));
        }
        t
    }
}

/// Σ coefficient · bases[index] for each wire, in affine form.
///
/// Most wires have a few terms, each wire's sum is [`interleaved`] and the wires are spread
/// over the cores. A wire with many terms (the constant one's, say) is an MSM, itself on every
/// core, after the others: an MSM inside the parallel loop would nest rayon's joins without
/// bound.
fn combine<P: SWCurveConfig<ScalarField = Fr>>(
    terms: &Terms,
    bases: &[Affine<P>],
) -> Vec<Affine<P>> {
    const FEW_TERMS: usize = 512;
    let mut sums: Vec<Projective<P>> = terms
        .par_iter()
        .map(|wire| match wire.len() {
            0..=FEW_TERMS => interleaved(wire.iter().map(|(i, c)| (&bases[*i], c))),
            _ => Projective::<P>::default(),
        })
        .collect();
    for (sum, wire) in sums.iter_mut().zip(terms) {
        if wire.len() > FEW_TERMS {
            let points: Vec<Affine<P>> = wire.iter().map(|(i, _)| bases[*i]).collect();
            let scalars: Vec<Fr> = wire.iter().map(|(_, c)| *c).collect();
            *sum = Projective::<P>::msm_unchecked(&points, &scalars);
        }
    }
    Projective::<P>::normalize_batch(&sums)
}

/// Σ c·P over a few terms, by Straus's interleaving: one chain of doublings shared by every
/// term, each adding an odd multiple of its point (1, 3, 5 or 7 times, made once, in affine
/// form) at the non-zero digits of its coefficient's width-4 NAF. A coefficient is written by
/// the shorter of `c` and `−c`, the sign kept with the digits: the constraints' coefficients
/// are mostly small numbers or their negatives (1, −1, powers of two), and a sum of such terms
/// needs only as many doublings as its longest coefficient has bits.
fn interleaved<'a, P: SWCurveConfig<ScalarField = Fr>>(
    terms: impl Iterator<Item = (&'a Affine<P>, &'a Fr)>,
) -> Projective<P> {
    const WINDOW: usize = 4;
    let (digits, multiples): (Vec<Vec<i64>>, Vec<[Projective<P>; 4]>) = terms
        .map(|(point, c)| {
            let (plus, minus) = (c.into_bigint(), (-*c).into_bigint());
            let (digits, sign) = if minus.num_bits() < plus.num_bits() {
                (minus.find_wnaf(WINDOW), -1)
            } else {
                (plus.find_wnaf(WINDOW), 1)
            };
            let digits: Vec<i64> = digits
                .expect("a window of 4 is in find_wnaf's range")
                .into_iter()
                .map(|d| d * sign)
                .collect();
            let one = point.into_group();
            let two = one.double();
            let three = one + two;
            let five = three + two;
            (digits, [one, three, five, five + two])
        })
        .unzip();
    // In affine form (one inversion for the whole wire), each addition below is a mixed one,
    // about a third cheaper than adding two projective points.
    let multiples = Projective::<P>::normalize_batch(multiples.as_flattened());
    let terms: Vec<(Vec<i64>, &[Affine<P>])> =
        digits.into_iter().zip(multiples.chunks_exact(4)).collect();
    let longest = terms.iter().map(|(d, _)| d.len()).max().unwrap_or(0);
    let mut sum = Projective::<P>::default();
    for bit in (0..longest).rev() {
        sum.double_in_place();
        for (digits, odd_multiples) in &terms {
            match digits.get(bit).copied().unwrap_or(0) {
                0 => {}
                d if d > 0 => sum += &odd_multiples[(d / 2) as usize],
                d => sum -= &odd_multiples[(-d / 2) as usize],
            }
        }
    }
    sum
}

/// The sum of two sets of per-wire points.
fn add_g1(a: &[G1Affine], b: &[G1Affine], c: &[G1Affine]) -> Vec<G1Affine> {
    let sums: Vec<G1Projective> = a
        .iter()
        .zip(b)
        .zip(c)
        .map(|((a, b), c)| G1Projective::from(*a) + b + c)
        .collect();
    G1Projective::normalize_batch(&sums)
}

/// The smallest power of two above `constraints + public` (snarkjs's rule, and arkworks':
/// the domain must hold every constraint and one extra per public wire, the one included).
pub(crate) fn domain_power(shape: &ConstraintSystemShape) -> u32 {
    let n = shape.num_constraints() + shape.num_public();
    usize::BITS - n.leading_zeros()
}

/// How many H differences snarkjs hashes for a domain of `size`: `size − 1`, read in chunks
/// of 2^14 that are each 2^14 long once there are more than one, so `size` beyond 2^14.
fn hashed_h_points(size: usize) -> usize {
    const CHUNK: usize = 1 << 14;
    let n = size - 1;
    n.div_ceil(CHUNK) * n.min(CHUNK)
}

/// An initial zkey and its circuit hash.
pub struct InitialZkey {
    /// The `.zkey` file.
    pub bytes: Vec<u8>,
    /// The circuit hash (in the file too), which every contribution's transcript starts from.
    pub circuit_hash: CircuitHash,
}

/// What every key of a circuit must hold, made from the circuit and the phase-1 file: each
/// section of its initial key but A and B, and the circuit hash over all of them but A and B.
///
/// A and B are most of an initial key's cost (a product per term of the circuit, in G1 and
/// G2), so a check of a key does not remake them: it tests the key's own A and B against the
/// circuit's terms by a random linear combination ([`CircuitReference::holds_a_and_b`]), and
/// hashes them as found. IC, C and H are made as the initial key makes them: the circuit
/// hash covers C, which no later key holds undivided.
pub struct CircuitReference {
    /// The header's sizes: field sizes and moduli, wires, public inputs, domain size.
    pub(crate) sizes: Vec<u8>,
    pub(crate) alpha: G1Affine,
    pub(crate) beta1: G1Affine,
    pub(crate) beta2: G2Affine,
    /// Section 4, as written.
    pub(crate) coefficients: Vec<u8>,
    pub(crate) ic: Vec<G1Affine>,
    /// C (snarkjs's L) before any contribution.
    pub(crate) c: Vec<G1Affine>,
    /// H before any contribution.
    pub(crate) h: Vec<G1Affine>,
    /// The Lagrange points τ·G1 of the domain.
    tau_g1: Vec<G1Affine>,
    terms: WireTerms,
    /// The circuit hash over everything before A: the header's points, IC, H and C.
    hashed_before_a: Blake2b512,
}

impl std::fmt::Debug for CircuitReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitReference")
            .field("wires", &self.terms.a.len())
            .field("domain", &self.tau_g1.len())
            .finish_non_exhaustive()
    }
}

impl CircuitReference {
    /// The reference of `shape` over the phase-1 points of `ptau`.
    pub(crate) fn of(shape: &ConstraintSystemShape, ptau: &Ptau) -> Result<Self, CeremonyError> {
        let power = domain_power(shape);
        // H needs the Lagrange points of the domain twice the size.
        if power + 1 > ptau.power() {
            return Err(CeremonyError::PtauTooSmall {
                needed: power + 1,
                power: ptau.power(),
            });
        }
        let size = 1usize << power;
        let (wires, public) = (shape.num_wires(), shape.num_public());

        let alpha = ptau.g1(PtauSection::AlphaTauG1, 0..1)?[0];
        let beta1 = ptau.g1(PtauSection::BetaTauG1, 0..1)?[0];
        let beta2 = ptau.g2(PtauSection::BetaG2, 0..1)?[0];
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());

        let lagrange = ptau.lagrange(size);
        let tau_g1 = ptau.g1(PtauSection::LagrangeTauG1, lagrange.clone())?;
        let alpha_tau = ptau.g1(PtauSection::LagrangeAlphaTauG1, lagrange.clone())?;
        let beta_tau = ptau.g1(PtauSection::LagrangeBetaTauG1, lagrange)?;
        let h: Vec<G1Affine> = ptau
            .g1(PtauSection::LagrangeTauG1, ptau.lagrange(2 * size))?
            .into_iter()
            .skip(1)
            .step_by(2)
            .collect();

        let terms = WireTerms::of(shape);
        let mut c = add_g1(
            &combine(&terms.a, &beta_tau),
            &combine(&terms.b, &alpha_tau),
            &combine(&terms.c, &tau_g1),
        );
        let ic: Vec<G1Affine> = c.drain(..public + 1).collect();

        let mut hashed_before_a = Blake2b512::new();
        let mut u = Vec::new();
        for p in [alpha, beta1] {
            g1_uncompressed(&p, &mut u);
        }
        g2_uncompressed(&beta2, &mut u);
        g2_uncompressed(&g2, &mut u);
        g1_uncompressed(&g1, &mut u);
        g2_uncompressed(&g2, &mut u);
        hashed_before_a.update(&u);
        hash_g1_list(&mut hashed_before_a, &ic);
        hash_h(&mut hashed_before_a, ptau, size)?;
        hash_g1_list(&mut hashed_before_a, &c);

        let mut sizes = Vec::new();
        sizes.extend_from_slice(&32u32.to_le_bytes());
        modulus_le::<Fq>(&mut sizes);
        sizes.extend_from_slice(&32u32.to_le_bytes());
        modulus_le::<Fr>(&mut sizes);
        for n in [wires, public, size] {
            sizes.extend_from_slice(&(n as u32).to_le_bytes());
        }
        Ok(CircuitReference {
            sizes,
            alpha,
            beta1,
            beta2,
            coefficients: coefficients(shape),
            ic,
            c,
            h,
            tau_g1,
            terms,
            hashed_before_a,
        })
    }

    /// The circuit's A points and B points in G1 and G2, made as the initial key makes them:
    /// each wire's terms over the Lagrange points τ·G1 (and τ·G2, read from `ptau`).
    #[allow(clippy::type_complexity)]
    pub(crate) fn make_a_and_b(
        &self,
        ptau: &Ptau,
    ) -> Result<(Vec<G1Affine>, Vec<G1Affine>, Vec<G2Affine>), CeremonyError> {
        let tau_g2 = ptau.g2(PtauSection::LagrangeTauG2, ptau.lagrange(self.tau_g1.len()))?;
        Ok((
            combine(&self.terms.a, &self.tau_g1),
            combine(&self.terms.b, &self.tau_g1),
            combine(&self.terms.b, &tau_g2),
        ))
    }

    /// The circuit hash of a key of this circuit whose A and B points are these.
    pub(crate) fn circuit_hash(
        &self,
        a: &[G1Affine],
        b1: &[G1Affine],
        b2: &[G2Affine],
    ) -> CircuitHash {
        let mut hasher = self.hashed_before_a.clone();
        hash_g1_list(&mut hasher, a);
        hash_g1_list(&mut hasher, b1);
        hasher.update((b2.len() as u32).to_be_bytes());
        let mut u = Vec::with_capacity(b2.len() * 128);
        for p in b2 {
            g2_uncompressed(p, &mut u);
        }
        hasher.update(&u);
        hasher.finalize().into()
    }

    /// Whether `a`, `b1` and `b2` are this circuit's A and B points (each wire's terms over
    /// the Lagrange points τ·G1, and B's over τ·G2), tested on a random combination of the
    /// wires with weights ρ only this check knows:
    /// - `Σ ρ_w·A_w = Σ_r s_r·L_r(τ)·G1` with `s_r = Σ_w ρ_w·a_{r,w}`, and the same for B in G1;
    /// - `e(Σ ρ_w·B1_w, G2) = e(G1, Σ ρ_w·B2_w)`: B in G2 has B in G1's exponents.
    ///
    /// A key that differs anywhere passes with probability at most 2^-64 per equation (the
    /// weights are 64-bit), the groups being of prime order and every point checked to be in
    /// them when read.
    pub(crate) fn holds_a_and_b(&self, a: &[G1Affine], b1: &[G1Affine], b2: &[G2Affine]) -> bool {
        let wires = self.terms.a.len();
        if a.len() != wires || b1.len() != wires || b2.len() != wires {
            return false;
        }
        let mut rng = rand::rngs::OsRng;
        let rho: Vec<Fr> = (0..wires).map(|_| Fr::from(rng.next_u64())).collect();
        let along_rows = |terms: &Terms| {
            let mut s = vec![Fr::from(0u64); self.tau_g1.len()];
            for (weight, wire) in rho.iter().zip(terms) {
                for (row, coefficient) in wire {
                    s[*row] += *weight * coefficient;
                }
            }
            G1Projective::msm_unchecked(&self.tau_g1, &s)
        };
        let b1_sum = G1Projective::msm_unchecked(b1, &rho);
        G1Projective::msm_unchecked(a, &rho) == along_rows(&self.terms.a)
            && b1_sum == along_rows(&self.terms.b)
            && Bn254::multi_pairing(
                [b1_sum.into_affine(), -G1Affine::generator()],
                [
                    G2Affine::generator(),
                    G2Projective::msm_unchecked(b2, &rho).into_affine(),
                ],
            )
            .is_zero()
    }
}

/// The initial zkey of `shape` over the phase-1 points of `ptau`.
pub(crate) fn initial(
    shape: &ConstraintSystemShape,
    ptau: &Ptau,
) -> Result<InitialZkey, CeremonyError> {
    let reference = CircuitReference::of(shape, ptau)?;
    let (a, b1, b2) = reference.make_a_and_b(ptau)?;
    let circuit_hash = reference.circuit_hash(&a, &b1, &b2);

    let g2 = G2Affine::generator();
    let mut header = reference.sizes.clone();
    g1_lem(&reference.alpha, &mut header);
    g1_lem(&reference.beta1, &mut header);
    g2_lem(&reference.beta2, &mut header);
    g2_lem(&g2, &mut header); // γ
    g1_lem(&G1Affine::generator(), &mut header); // δ in G1
    g2_lem(&g2, &mut header); // δ in G2

    let mut file = Writer::new(b"zkey", 1);
    file.section(1, &1u32.to_le_bytes());
    file.section(2, &header);
    file.section(4, &reference.coefficients);
    file.section(3, &g1_section(&reference.ic));
    file.section(9, &g1_section(&reference.h));
    file.section(8, &g1_section(&reference.c));
    file.section(5, &g1_section(&a));
    file.section(6, &g1_section(&b1));
    let mut b2_bytes = Vec::with_capacity(b2.len() * 128);
    for p in &b2 {
        g2_lem(p, &mut b2_bytes);
    }
    file.section(7, &b2_bytes);
    let mut ceremony = circuit_hash.to_vec();
    ceremony.extend_from_slice(&0u32.to_le_bytes());
    file.section(10, &ceremony);
    Ok(InitialZkey {
        bytes: file.finish(),
        circuit_hash,
    })
}

pub(crate) fn g1_section(points: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 64);
    for p in points {
        g1_lem(p, &mut out);
    }
    out
}

/// The length (big-endian `u32`) then each point, uncompressed.
fn hash_g1_list(hasher: &mut Blake2b512, points: &[G1Affine]) {
    hasher.update((points.len() as u32).to_be_bytes());
    let mut u = Vec::with_capacity(points.len() * 64);
    for p in points {
        g1_uncompressed(p, &mut u);
    }
    hasher.update(&u);
}

/// H's part of the circuit hash: `size − 1` as a big-endian `u32`, then τ^(i+size) − τ^i
/// (monomial basis) for as many i as snarkjs reads.
fn hash_h(hasher: &mut Blake2b512, ptau: &Ptau, size: usize) -> Result<(), CeremonyError> {
    let count = hashed_h_points(size);
    hasher.update(((size - 1) as u32).to_be_bytes());
    let low = ptau.g1(PtauSection::TauG1, 0..count)?;
    let high = ptau.g1(PtauSection::TauG1, size..size + count)?;
    let differences: Vec<G1Projective> = high
        .iter()
        .zip(&low)
        .map(|(h, l)| G1Projective::from(*h) - l)
        .collect();
    let mut u = Vec::with_capacity(count * 64);
    for p in G1Projective::normalize_batch(&differences) {
        g1_uncompressed(&p, &mut u);
    }
    hasher.update(&u);
    Ok(())
}

/// Section 4: every term of A and B as (matrix, constraint, wire, coefficient·R²), A's then
/// B's for each constraint, then the extra constraint of each public wire.
fn coefficients(shape: &ConstraintSystemShape) -> Vec<u8> {
    let [a, b, _] = &shape.matrices;
    let mut count = 0u32;
    let mut body = Vec::new();
    let mut term = |matrix: u32, row: usize, wire: usize, c: &Fr, body: &mut Vec<u8>| {
        body.extend_from_slice(&matrix.to_le_bytes());
        body.extend_from_slice(&(row as u32).to_le_bytes());
        body.extend_from_slice(&(wire as u32).to_le_bytes());
        fr_zkey_coefficient(c, body);
        count += 1;
    };
    for row in 0..shape.num_constraints() {
        for (c, wire) in &a[row] {
            term(0, row, *wire, c, &mut body);
        }
        for (c, wire) in &b[row] {
            term(1, row, *wire, c, &mut body);
        }
    }
    for s in 0..shape.num_instance {
        term(
            0,
            shape.num_constraints() + s,
            s,
            &Fr::from(1u64),
            &mut body,
        );
    }
    let mut out = count.to_le_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snarkjs_hashes_one_more_h_point_past_one_chunk() {
        assert_eq!(hashed_h_points(1 << 11), (1 << 11) - 1);
        assert_eq!(hashed_h_points(1 << 14), (1 << 14) - 1);
        assert_eq!(hashed_h_points(1 << 15), 1 << 15);
        assert_eq!(hashed_h_points(1 << 16), 1 << 16);
    }

    /// The interleaved sums are the plain ones, for coefficients small, large, negative, zero,
    /// and points at infinity, in both groups.
    #[test]
    fn interleaved_sums_are_plain_sums() {
        use ark_bn254::{G2Affine, G2Projective};
        use ark_ff::UniformRand;
        let mut rng = rand::thread_rng();
        let coefficients = |rng: &mut rand::rngs::ThreadRng| {
            vec![
                Fr::from(0u64),
                Fr::from(1u64),
                -Fr::from(1u64),
                Fr::from(1u64 << 40),
                -Fr::from(7u64),
                Fr::rand(rng),
                Fr::rand(rng),
            ]
        };
        for _ in 0..4 {
            let c = coefficients(&mut rng);
            let mut g1: Vec<G1Affine> = (0..c.len()).map(|_| G1Affine::rand(&mut rng)).collect();
            g1[3] = G1Affine::zero();
            let plain: G1Projective = g1.iter().zip(&c).map(|(p, c)| *p * c).sum();
            assert_eq!(interleaved(g1.iter().zip(&c)), plain);
            let g2: Vec<G2Affine> = (0..c.len()).map(|_| G2Affine::rand(&mut rng)).collect();
            let plain: G2Projective = g2.iter().zip(&c).map(|(p, c)| *p * c).sum();
            assert_eq!(interleaved(g2.iter().zip(&c)), plain);
        }
        assert_eq!(
            interleaved::<ark_bn254::g1::Config>(std::iter::empty()),
            G1Projective::default()
        );
    }

    /// The random-combination check of A and B accepts the circuit's own points and refuses
    /// any change: a point moved, two wires' points swapped, B in G2 out of step with B in G1.
    #[test]
    fn a_and_b_are_checked_against_the_circuit() {
        use probity_core::{Capacity, StatementKind};
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/ceremony/pot12.ptau");
        let ptau = Ptau::open(&fixture).expect("the fixture");
        let shape = ConstraintSystemShape::of(StatementKind::AssetIncluded, Capacity::C16)
            .expect("the circuit");
        let reference = CircuitReference::of(&shape, &ptau).expect("its reference");
        let (a, b1, b2) = reference.make_a_and_b(&ptau).expect("A and B");
        assert!(reference.holds_a_and_b(&a, &b1, &b2));

        let mut moved = a.clone();
        moved[7] = (moved[7] + G1Affine::generator()).into_affine();
        assert!(
            !reference.holds_a_and_b(&moved, &b1, &b2),
            "an A point moved"
        );
        let mut swapped = b1.clone();
        let (i, j) = (1..swapped.len())
            .find_map(|i| (swapped[i] != swapped[0]).then_some((0, i)))
            .expect("two different B points");
        swapped.swap(i, j);
        assert!(
            !reference.holds_a_and_b(&a, &swapped, &b2),
            "B points swapped"
        );
        let mut off_step = b2.clone();
        off_step[j] = (off_step[j] + G2Affine::generator()).into_affine();
        assert!(
            !reference.holds_a_and_b(&a, &b1, &off_step),
            "B in G2 alone changed"
        );
        assert!(!reference.holds_a_and_b(&a[1..], &b1, &b2), "a wire short");
    }
}
