//! Multi-scalar multiplication, `Σ kᵢ·Pᵢ`, for the prover's five MSMs.
//!
//! Pippenger's bucket method, as arkworks' own, with one difference: a bucket is a point in
//! affine coordinates, and additions into buckets are batched so that one field inversion
//! (Montgomery's trick) serves a whole batch. An affine addition is then about 6 field
//! multiplications instead of about 10 for a mixed addition into an extended-Jacobian bucket,
//! and adding points into buckets is nearly all of an MSM's work.
//!
//! The scalars are a witness's values, so everything the MSM derives from them (magnitudes,
//! signs, digits, which terms are nonzero, buckets and batches) is zeroed when it is done, as
//! the prover's assignment is (best effort: registers and the stack are not).
//!
//! Correctness is the plain definition; the tests hold this function equal to arkworks'
//! `VariableBaseMSM` on random and edge inputs (scalars 0, 1 and p − 1, bases at infinity,
//! repeated and opposite bases, many points in one bucket).
//!
//! # How a sum is formed
//! - **Signed scalars.** A scalar above (p − 1)/2 is replaced by p − k with the base negated,
//!   so −1 costs what 1 costs and every magnitude has at most 253 bits.
//! - **Signed digits.** Each magnitude is cut into windows of `c` bits, with digits in
//!   [−2^(c−1), 2^(c−1)] (a digit of 2^(c−1) or more becomes negative and carries one into
//!   the next window, except in the top window, which has room: see [`MsmPlan::new`]). A
//!   digit of magnitude d adds ±P to bucket d − 1, so a window needs 2^(c−1) buckets.
//! - **Windows side by side.** Each window is summed on its own (in parallel), then the
//!   window sums are combined high to low with `c` doublings between them.
//! - **What cannot be batched.** An addition whose operands share an x-coordinate (a doubling,
//!   or a point and its negation), and a second addition into a bucket already in the batch,
//!   go into a spill bucket in extended-Jacobian coordinates instead (arkworks' `Bucket`),
//!   which handles every case. So no input is wrong, and an addition that cannot be batched
//!   costs what each of arkworks' bucket additions costs.
//! - **Bucket sums** run in extended-Jacobian coordinates too: about 5 % faster than
//!   projective at 30,000 points.

use ark_ec::{
    short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig},
    AdditiveGroup, AffineRepr,
};
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;
use zeroize::Zeroize;

/// The most additions that share one inversion. Larger batches amortize the inversion (about
/// 5 µs) better, but meet more buckets that are already in the batch.
const MAX_BATCH: usize = 256;

/// The batch size for `buckets` buckets: half of them, at most [`MAX_BATCH`]. Smaller
/// batches meet fewer buckets already in the batch but pay more inversions: at 2,048 points
/// in G1 (window 9, 256 buckets) a batch of 32 took 13.1 ms and one of 128 took 10.6 ms
/// (sizes measured at 2,048 to 130,000 points, G1 and G2).
fn batch_size(buckets: usize) -> usize {
    (buckets / 2).clamp(1, MAX_BATCH)
}

/// `Σ scalars[i]·bases[i]` over the first `min(len)` pairs. Zero scalars and bases at
/// infinity add nothing and cost nothing.
pub(crate) fn msm<P: SWCurveConfig>(
    bases: &[Affine<P>],
    scalars: &[P::ScalarField],
) -> Projective<P> {
    let plan = MsmPlan::new(bases, scalars);
    plan.sum(bases)
}

/// The window size for `terms` nonzero terms. Summing the buckets costs about 2^c additions a
/// window and adding the points about `terms` a window, over ⌈254/c⌉ windows. log₂(terms) − 2
/// measured best from 2,000 to 30,000 points in G1 and G2; above 12, G2's buckets outgrow the
/// cache and the gain in G1 is small (measured at 130,000 points).
fn window_bits(terms: usize) -> usize {
    (terms.max(1).ilog2() as usize)
        .saturating_sub(2)
        .clamp(3, 12)
}

/// A term that contributes: its base, and whether that base is negated. (Which terms
/// contribute is itself secret: for a bit-decomposed amount, it is the bits.)
struct Term {
    base: u32,
    negated: bool,
}

impl Zeroize for Term {
    fn zeroize(&mut self) {
        self.base.zeroize();
        self.negated.zeroize();
    }
}

/// The scalars, signed and cut into windows: everything an MSM needs besides the bases.
struct MsmPlan {
    terms: Vec<Term>,
    /// Window-major: the digits of window `w` are `digits[w·terms.len()..][..terms.len()]`.
    digits: Vec<i32>,
    window_bits: usize,
}

impl MsmPlan {
    fn new<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[P::ScalarField]) -> Self {
        let half = P::ScalarField::MODULUS_MINUS_ONE_DIV_TWO;
        // Filled in place, never grown: a grown vector would leave unzeroed copies behind.
        let len = bases.len().min(scalars.len());
        let mut terms = Vec::with_capacity(len);
        let mut magnitudes = Vec::with_capacity(len);
        for (i, (base, scalar)) in bases.iter().zip(scalars).enumerate() {
            if base.is_zero() || scalar.is_zero() {
                continue;
            }
            let k = scalar.into_bigint();
            let negated = k > half;
            let base = u32::try_from(i).expect("an MSM has fewer than 2^32 terms");
            terms.push(Term { base, negated });
            magnitudes.push(if negated { (-*scalar).into_bigint() } else { k });
        }
        let c = window_bits(terms.len());
        // With W windows of c bits and magnitudes below 2^bits, the top window's digit is at
        // most 2^(bits − (W−1)c) (its bits plus a carry), which is at most 2^(c−1), a bucket
        // that exists, when bits + 1 ≤ W·c. So the top window never carries further.
        let bits = magnitudes
            .iter()
            .map(|k| k.num_bits() as usize)
            .max()
            .unwrap_or(0);
        let windows = (bits + 1).div_ceil(c);
        let n = terms.len();
        let mut digits = vec![0i32; windows * n];
        for (t, k) in magnitudes.iter().enumerate() {
            let mut carry = 0u64;
            for w in 0..windows {
                let raw = window_of(k.as_ref(), w * c, c) + carry;
                let digit = if w + 1 < windows && raw >= 1 << (c - 1) {
                    carry = 1;
                    raw as i64 - (1i64 << c)
                } else {
                    carry = 0;
                    raw as i64
                };
                // |digit| ≤ 2^(c−1) ≤ 2^11.
                digits[w * n + t] = digit as i32;
            }
        }
        magnitudes.zeroize();
        Self {
            terms,
            digits,
            window_bits: c,
        }
    }

    fn sum<P: SWCurveConfig>(&self, bases: &[Affine<P>]) -> Projective<P> {
        let n = self.terms.len();
        if n == 0 {
            return Projective::zero();
        }
        let window_sums: Vec<Projective<P>> = self
            .digits
            .par_chunks(n)
            .map(|digits| self.window_sum(bases, digits))
            .collect();
        let mut total = Projective::zero();
        for sum in window_sums.iter().rev() {
            for _ in 0..self.window_bits {
                total.double_in_place();
            }
            total += sum;
        }
        total
    }

    /// `Σ digitᵢ·(±Pᵢ)` for one window's digits.
    fn window_sum<P: SWCurveConfig>(&self, bases: &[Affine<P>], digits: &[i32]) -> Projective<P> {
        let count = 1usize << (self.window_bits - 1);
        let mut buckets = vec![Affine::<P>::identity(); count];
        let mut spill = vec![Bucket::<P>::default(); count];
        let mut batch = Batch::new(count);
        for (term, &digit) in self.terms.iter().zip(digits) {
            if digit == 0 {
                continue;
            }
            let base = &bases[term.base as usize];
            let point = if term.negated ^ (digit < 0) {
                -*base
            } else {
                *base
            };
            let b = digit.unsigned_abs() as usize - 1;
            if batch.holds(b) || buckets[b].x == point.x {
                // A second addition into a batched bucket would use its old value; equal
                // x-coordinates are a doubling or a cancellation, which the affine formula
                // cannot do. The spill bucket's extended-Jacobian addition handles both.
                spill[b] += &point;
            } else if buckets[b].is_zero() {
                buckets[b] = point;
            } else {
                batch.push(b, point, &buckets[b]);
                if batch.is_full() {
                    batch.apply(&mut buckets);
                }
            }
        }
        batch.apply(&mut buckets);
        // Σ (b+1)·bucket[b], as running sums from the top bucket down.
        let mut running = Bucket::<P>::default();
        let mut sum = Bucket::<P>::default();
        for (bucket, spilled) in buckets.iter().zip(&spill).rev() {
            running += bucket;
            running += spilled;
            sum += &running;
        }
        buckets.zeroize();
        spill.zeroize();
        running.zeroize();
        sum.into()
    }
}

impl Drop for MsmPlan {
    fn drop(&mut self) {
        self.digits.zeroize();
        self.terms.zeroize();
    }
}

/// Bits `offset..offset + count` of a little-endian magnitude (count < 64).
fn window_of(limbs: &[u64], offset: usize, count: usize) -> u64 {
    let (limb, shift) = (offset / 64, offset % 64);
    let Some(&low) = limbs.get(limb) else {
        return 0;
    };
    let mut bits = low >> shift;
    if shift + count > 64 {
        if let Some(&high) = limbs.get(limb + 1) {
            bits |= high << (64 - shift);
        }
    }
    bits & ((1u64 << count) - 1)
}

/// Affine additions into distinct buckets, waiting for one shared inversion.
///
/// Invariant: every bucket in the batch is finite, appears once, and has an x-coordinate
/// different from its point's, so each `dx` is nonzero and the affine formula applies.
struct Batch<P: SWCurveConfig> {
    /// The bucket of each addition.
    targets: Vec<usize>,
    /// The point of each addition.
    points: Vec<Affine<P>>,
    /// `point.x − bucket.x` of each addition; its inverse after [`Batch::apply`]'s first step.
    dx: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
    in_batch: Vec<bool>,
    size: usize,
}

impl<P: SWCurveConfig> Batch<P> {
    fn new(buckets: usize) -> Self {
        let size = batch_size(buckets);
        Self {
            targets: Vec::with_capacity(size),
            points: Vec::with_capacity(size),
            dx: Vec::with_capacity(size),
            prefix: Vec::with_capacity(size),
            in_batch: vec![false; buckets],
            size,
        }
    }

    fn holds(&self, bucket: usize) -> bool {
        self.in_batch[bucket]
    }

    fn is_full(&self) -> bool {
        self.points.len() == self.size
    }

    fn push(&mut self, bucket: usize, point: Affine<P>, current: &Affine<P>) {
        self.in_batch[bucket] = true;
        self.dx.push(point.x - current.x);
        self.targets.push(bucket);
        self.points.push(point);
    }

    /// Adds every waiting point into its bucket: λ = (y₂ − y₁)/(x₂ − x₁),
    /// x₃ = λ² − x₁ − x₂, y₃ = λ(x₁ − x₃) − y₁.
    fn apply(&mut self, buckets: &mut [Affine<P>]) {
        if self.points.is_empty() {
            return;
        }
        // Montgomery's trick: prefix products, one inversion, then each inverse from the
        // inverse of its prefix.
        self.prefix.clear();
        let mut product = P::BaseField::ONE;
        for dx in &self.dx {
            self.prefix.push(product);
            product *= dx;
        }
        let mut inverse = product
            .inverse()
            .expect("each dx is nonzero (the batch's invariant), so is their product");
        for (dx, prefix) in self.dx.iter_mut().zip(&self.prefix).rev() {
            let next = inverse * *dx;
            *dx = inverse * prefix;
            inverse = next;
        }
        for ((&b, point), inverse_dx) in self.targets.iter().zip(&self.points).zip(&self.dx) {
            let bucket = &mut buckets[b];
            let lambda = (point.y - bucket.y) * inverse_dx;
            let x = lambda.square() - bucket.x - point.x;
            bucket.y = lambda * (bucket.x - x) - bucket.y;
            bucket.x = x;
            self.in_batch[b] = false;
        }
        // The next batch overwrites these slots; the buffers are zeroed once, when dropped.
        self.targets.clear();
        self.points.clear();
        self.dx.clear();
    }
}

impl<P: SWCurveConfig> Drop for Batch<P> {
    fn drop(&mut self) {
        // Zeroes each buffer's whole capacity, the slots of earlier batches included.
        self.targets.zeroize();
        self.points.zeroize();
        self.dx.zeroize();
        self.prefix.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::{One, UniformRand};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    type G1 = ark_bn254::g1::Config;
    type G2 = ark_bn254::g2::Config;

    /// A scalar drawn to hit the edges: 0, 1, p − 1, (p ± 1)/2 (where negation starts), small,
    /// small negative, or uniform.
    fn edgy_scalar(rng: &mut impl Rng) -> Fr {
        let half = Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).expect("below the modulus");
        match rng.gen_range(0..10) {
            0 => Fr::zero(),
            1 => Fr::one(),
            2 => -Fr::one(),
            3 => Fr::from(rng.gen::<u16>()),
            4 => -Fr::from(rng.gen::<u64>()),
            5 => Fr::from(rng.gen::<u64>()),
            6 => half + Fr::from(rng.gen_range(0..2u8)),
            _ => Fr::rand(rng),
        }
    }

    /// `n` distinct points, cheaply: a few random ones, then each the sum of two before it.
    fn points<P: SWCurveConfig>(n: usize, rng: &mut impl Rng) -> Vec<Affine<P>> {
        let mut points: Vec<Projective<P>> =
            (0..n.min(16)).map(|_| Projective::rand(rng)).collect();
        for i in points.len()..n {
            let next = points[i - 1] + points[i - 16];
            points.push(next);
        }
        Projective::normalize_batch(&points)
    }

    /// Random bases with some at infinity, some repeated and some negated copies of others.
    fn edgy_bases<P: SWCurveConfig>(n: usize, rng: &mut impl Rng) -> Vec<Affine<P>> {
        let mut bases = points::<P>(n, rng);
        for i in 0..n {
            match rng.gen_range(0..10) {
                0 => bases[i] = Affine::identity(),
                1 if i > 0 => bases[i] = bases[rng.gen_range(0..i)],
                2 if i > 0 => bases[i] = -bases[rng.gen_range(0..i)],
                _ => {}
            }
        }
        bases
    }

    fn agrees_with_arkworks<P: SWCurveConfig<ScalarField = Fr>>(
        bases: &[Affine<P>],
        scalars: &[Fr],
    ) {
        let want = <Projective<P> as VariableBaseMSM>::msm(bases, scalars)
            .expect("the test gives equal lengths");
        assert_eq!(msm(bases, scalars), want, "{} terms", bases.len());
    }

    /// Sizes up to 20,000 terms reach windows of 11 and 12 bits, the ones a capacity-64
    /// proof uses.
    fn random_inputs_agree<P: SWCurveConfig<ScalarField = Fr>>(sizes: &[usize]) {
        let mut rng = ChaCha20Rng::seed_from_u64(19);
        for &n in sizes {
            let bases = edgy_bases::<P>(n, &mut rng);
            let scalars: Vec<Fr> = (0..n).map(|_| edgy_scalar(&mut rng)).collect();
            agrees_with_arkworks(&bases, &scalars);
            let dense: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            agrees_with_arkworks(&bases, &dense);
        }
    }

    #[test]
    fn g1_agrees_with_arkworks_on_random_and_edge_inputs() {
        random_inputs_agree::<G1>(&[0, 1, 2, 3, 31, 32, 33, 100, 257, 1000, 3000, 10_000, 20_000]);
    }

    #[test]
    fn g2_agrees_with_arkworks_on_random_and_edge_inputs() {
        random_inputs_agree::<G2>(&[0, 1, 2, 3, 31, 32, 33, 100, 257, 1000, 3000, 10_000]);
    }

    /// Every term in one bucket (the booleans of a witness): all but the first batch's
    /// addition go to the spill bucket, and doublings arise from equal bases.
    #[test]
    fn many_terms_in_one_bucket_agree() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let [p, q] = points::<G1>(2, &mut rng)[..] else {
            unreachable!("two points asked for")
        };
        let bases: Vec<_> = (0..600).map(|i| if i % 3 == 0 { q } else { p }).collect();
        for k in [Fr::one(), -Fr::one(), Fr::from(2u8), Fr::from(1u64 << 40)] {
            agrees_with_arkworks(&bases, &vec![k; bases.len()]);
        }
        // A point and its negation with the same scalar cancel to infinity.
        let cancelling = [p, -p, q, -q];
        assert!(msm(&cancelling, &[Fr::from(5u8); 4]).is_zero());
        // Equal x-coordinates that double: the same point twice, and a point's negation with
        // the scalar −1.
        let double = G1Projective::from(p).double();
        assert_eq!(msm(&[p, p], &[Fr::one(), Fr::one()]), double);
        assert_eq!(msm(&[p, -p], &[Fr::one(), -Fr::one()]), double);
    }

    /// Pairs past the shorter of the two slices are ignored, as arkworks' `msm_bigint` does.
    #[test]
    fn extra_bases_or_scalars_are_ignored() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let bases = points::<G1>(10, &mut rng);
        let scalars: Vec<Fr> = (0..10).map(|_| Fr::rand(&mut rng)).collect();
        let want = msm(&bases[..5], &scalars[..5]);
        assert_eq!(
            want,
            <G1Projective as VariableBaseMSM>::msm(&bases[..5], &scalars[..5])
                .expect("equal lengths")
        );
        assert_eq!(msm(&bases, &scalars[..5]), want);
        assert_eq!(msm(&bases[..5], &scalars), want);
    }

    /// The top window's digit reaches 2^(c−1), the last bucket, without carrying further:
    /// at every window size, magnitudes of W·c − 1 bits whose lower windows all carry.
    #[test]
    fn top_window_digits_reach_the_last_bucket() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let bases = points::<G1>(1 << 14, &mut rng);
        for c in 3..=12 {
            let n = 1usize << (c + 2);
            assert_eq!(window_bits(n), c);
            let windows = 253 / c;
            let top = Fr::from(2u8).pow([(windows * c - 1) as u64]) - Fr::one();
            let scalars: Vec<Fr> = (0..n).map(|i| top - Fr::from(i as u64 % 7)).collect();
            let plan = MsmPlan::new(&bases[..n], &scalars);
            assert_eq!(
                plan.digits.len(),
                windows * n,
                "window {c}: {windows} windows"
            );
            assert_eq!(plan.digits[(windows - 1) * n], 1 << (c - 1), "window {c}");
            agrees_with_arkworks(&bases[..n], &scalars);
        }
    }

    #[test]
    fn window_and_batch_sizes() {
        assert_eq!(window_bits(0), 3);
        assert_eq!(window_bits(31), 3);
        assert_eq!(window_bits(2048), 9);
        assert_eq!(window_bits(30_000), 12);
        assert_eq!(window_bits(1 << 20), 12);
        assert_eq!(batch_size(1 << 11), MAX_BATCH);
        assert_eq!(batch_size(1 << 8), 128);
        assert_eq!(batch_size(4), 2);
    }
}
