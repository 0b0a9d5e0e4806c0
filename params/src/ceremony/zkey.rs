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

use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{
    short_weierstrass::{Affine, Projective, SWCurveConfig},
    AdditiveGroup, AffineRepr, CurveGroup, VariableBaseMSM,
};
use ark_ff::{BigInteger, PrimeField};
use blake2::{Blake2b512, Digest};
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
/// term, each adding an odd multiple of its point (1, 3, 5 or 7 times, made once) at the
/// non-zero digits of its coefficient's width-4 NAF. A coefficient is written by the shorter
/// of `c` and `−c`, the sign kept with the digits: the constraints' coefficients are mostly
/// small numbers or their negatives (1, −1, powers of two), and a sum of such terms needs only
/// as many doublings as its longest coefficient has bits.
fn interleaved<'a, P: SWCurveConfig<ScalarField = Fr>>(
    terms: impl Iterator<Item = (&'a Affine<P>, &'a Fr)>,
) -> Projective<P> {
    const WINDOW: usize = 4;
    let terms: Vec<(Vec<i64>, [Projective<P>; 4])> = terms
        .map(|(point, c)| {
            let (plus, minus) = (c.into_bigint(), (-*c).into_bigint());
            let (digits, sign) = if minus.num_bits() < plus.num_bits() {
                (minus.find_wnaf(WINDOW), -1)
            } else {
                (plus.find_wnaf(WINDOW), 1)
            };
            let digits = digits
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
        .collect();
    let longest = terms.iter().map(|(d, _)| d.len()).max().unwrap_or(0);
    let mut sum = Projective::<P>::default();
    for bit in (0..longest).rev() {
        sum.double_in_place();
        for (digits, odd_multiples) in &terms {
            match digits.get(bit).copied().unwrap_or(0) {
                0 => {}
                d if d > 0 => sum += odd_multiples[(d / 2) as usize],
                d => sum -= odd_multiples[(-d / 2) as usize],
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

/// The initial zkey of `shape` over the phase-1 points of `ptau`.
pub(crate) fn initial(
    shape: &ConstraintSystemShape,
    ptau: &Ptau,
) -> Result<InitialZkey, CeremonyError> {
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
    let tau_g2 = ptau.g2(PtauSection::LagrangeTauG2, lagrange.clone())?;
    let alpha_tau = ptau.g1(PtauSection::LagrangeAlphaTauG1, lagrange.clone())?;
    let beta_tau = ptau.g1(PtauSection::LagrangeBetaTauG1, lagrange)?;
    let h: Vec<G1Affine> = ptau
        .g1(PtauSection::LagrangeTauG1, ptau.lagrange(2 * size))?
        .into_iter()
        .skip(1)
        .step_by(2)
        .collect();

    let terms = WireTerms::of(shape);
    let a = combine(&terms.a, &tau_g1);
    let b1 = combine(&terms.b, &tau_g1);
    let b2 = combine(&terms.b, &tau_g2);
    let ic_c = add_g1(
        &combine(&terms.a, &beta_tau),
        &combine(&terms.b, &alpha_tau),
        &combine(&terms.c, &tau_g1),
    );
    let (ic, c) = ic_c.split_at(public + 1);

    let circuit_hash = {
        let mut hasher = Blake2b512::new();
        let mut u = Vec::new();
        for p in [alpha, beta1] {
            g1_uncompressed(&p, &mut u);
        }
        g2_uncompressed(&beta2, &mut u);
        g2_uncompressed(&g2, &mut u);
        g1_uncompressed(&g1, &mut u);
        g2_uncompressed(&g2, &mut u);
        hasher.update(&u);
        hash_g1_list(&mut hasher, ic);
        hash_h(&mut hasher, ptau, size)?;
        hash_g1_list(&mut hasher, c);
        hash_g1_list(&mut hasher, &a);
        hash_g1_list(&mut hasher, &b1);
        hasher.update((b2.len() as u32).to_be_bytes());
        for p in &b2 {
            let mut u = Vec::new();
            g2_uncompressed(p, &mut u);
            hasher.update(&u);
        }
        let mut out = [0; 64];
        out.copy_from_slice(&hasher.finalize());
        out
    };

    let mut header = Vec::new();
    header.extend_from_slice(&32u32.to_le_bytes());
    modulus_le::<Fq>(&mut header);
    header.extend_from_slice(&32u32.to_le_bytes());
    modulus_le::<Fr>(&mut header);
    for n in [wires, public, size] {
        header.extend_from_slice(&(n as u32).to_le_bytes());
    }
    g1_lem(&alpha, &mut header);
    g1_lem(&beta1, &mut header);
    g2_lem(&beta2, &mut header);
    g2_lem(&g2, &mut header); // γ
    g1_lem(&g1, &mut header); // δ in G1
    g2_lem(&g2, &mut header); // δ in G2

    let mut file = Writer::new(b"zkey", 1);
    file.section(1, &1u32.to_le_bytes());
    file.section(2, &header);
    file.section(4, &coefficients(shape));
    file.section(3, &g1_section(ic));
    file.section(9, &g1_section(&h));
    file.section(8, &g1_section(c));
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

fn g1_section(points: &[G1Affine]) -> Vec<u8> {
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
}
