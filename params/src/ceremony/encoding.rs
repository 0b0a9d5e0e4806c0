//! How the snarkjs files write numbers and points, and the checks on reading them.
//!
//! - **LEM** (the points of `.ptau` and `.zkey` sections): affine coordinates in Montgomery
//!   form (`x·2^256 mod q`), 32 bytes little-endian each; a G2 coordinate is `c0` then `c1`;
//!   the point at infinity is all zeros. arkworks keeps field elements in the same
//!   Montgomery form, so the limbs carry over unchanged.
//! - **Uncompressed** (what the transcript hashes cover): the standard form, big-endian: `x`
//!   then `y` for G1; for G2 each coordinate as `c1` then `c0`; the point at infinity is all
//!   zeros.
//! - **Scalars** (`.r1cs` coefficients): the standard form, 32 bytes little-endian.
//!
//! Every point read is checked to be on its curve and in its prime-order subgroup, and every
//! coordinate to be below the modulus: a file is input, not trusted.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, Field, PrimeField};

use super::CeremonyError;

/// Bytes of a base-field element.
pub(crate) const FQ_BYTES: usize = 32;
/// Bytes of a G1 point, LEM or uncompressed.
pub(crate) const G1_BYTES: usize = 2 * FQ_BYTES;
/// Bytes of a G2 point, LEM or uncompressed.
pub(crate) const G2_BYTES: usize = 4 * FQ_BYTES;

fn limbs(bytes: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(word);
    }
    BigInt(limbs)
}

fn le_bytes(limbs: &BigInt<4>, out: &mut Vec<u8>) {
    for limb in limbs.0 {
        out.extend_from_slice(&limb.to_le_bytes());
    }
}

/// A base-field element in Montgomery form, 32 bytes little-endian.
fn fq_lem(bytes: &[u8]) -> Result<Fq, CeremonyError> {
    let repr = limbs(bytes);
    if repr >= Fq::MODULUS {
        return Err(CeremonyError::Format(
            "a coordinate is not below the field's modulus".into(),
        ));
    }
    Ok(Fq::new_unchecked(repr))
}

/// A G1 point in LEM form, checked.
pub(crate) fn g1_from_lem(bytes: &[u8]) -> Result<G1Affine, CeremonyError> {
    if bytes.iter().all(|b| *b == 0) {
        return Ok(G1Affine::zero());
    }
    let point = G1Affine::new_unchecked(fq_lem(&bytes[..32])?, fq_lem(&bytes[32..64])?);
    if !point.is_on_curve() || !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(CeremonyError::Format(
            "a G1 point is not on the curve".into(),
        ));
    }
    Ok(point)
}

/// A G2 point in LEM form, checked.
pub(crate) fn g2_from_lem(bytes: &[u8]) -> Result<G2Affine, CeremonyError> {
    if bytes.iter().all(|b| *b == 0) {
        return Ok(G2Affine::zero());
    }
    let x = Fq2::new(fq_lem(&bytes[..32])?, fq_lem(&bytes[32..64])?);
    let y = Fq2::new(fq_lem(&bytes[64..96])?, fq_lem(&bytes[96..128])?);
    let point = G2Affine::new_unchecked(x, y);
    if !point.is_on_curve() || !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(CeremonyError::Format(
            "a G2 point is not on the curve or not in its subgroup".into(),
        ));
    }
    Ok(point)
}

/// Appends `p` in LEM form.
pub(crate) fn g1_lem(p: &G1Affine, out: &mut Vec<u8>) {
    match p.xy() {
        None => out.extend_from_slice(&[0; G1_BYTES]),
        Some((x, y)) => {
            le_bytes(&x.0, out);
            le_bytes(&y.0, out);
        }
    }
}

/// Appends `p` in LEM form.
pub(crate) fn g2_lem(p: &G2Affine, out: &mut Vec<u8>) {
    match p.xy() {
        None => out.extend_from_slice(&[0; G2_BYTES]),
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                le_bytes(&c.0, out);
            }
        }
    }
}

/// Appends `p` uncompressed.
pub(crate) fn g1_uncompressed(p: &G1Affine, out: &mut Vec<u8>) {
    match p.xy() {
        None => out.extend_from_slice(&[0; G1_BYTES]),
        Some((x, y)) => {
            out.extend_from_slice(&x.into_bigint().to_bytes_be());
            out.extend_from_slice(&y.into_bigint().to_bytes_be());
        }
    }
}

/// Appends `p` uncompressed.
pub(crate) fn g2_uncompressed(p: &G2Affine, out: &mut Vec<u8>) {
    match p.xy() {
        None => out.extend_from_slice(&[0; G2_BYTES]),
        Some((x, y)) => {
            for c in [x.c1, x.c0, y.c1, y.c0] {
                out.extend_from_slice(&c.into_bigint().to_bytes_be());
            }
        }
    }
}

/// Appends a scalar in standard form, 32 bytes little-endian.
pub(crate) fn fr_le(x: &Fr, out: &mut Vec<u8>) {
    out.extend_from_slice(&x.into_bigint().to_bytes_le());
}

/// A scalar in standard form, 32 bytes little-endian, below the group order.
#[cfg(test)]
pub(crate) fn fr_from_le(bytes: &[u8]) -> Result<Fr, CeremonyError> {
    Fr::from_bigint(limbs(bytes))
        .ok_or_else(|| CeremonyError::Format("a coefficient is not below the group order".into()))
}

/// A zkey's coefficient: `c·R²` in standard form, little-endian, with `R = 2^256 mod r`
/// (snarkjs keeps them so, for its prover's Montgomery arithmetic).
pub(crate) fn fr_zkey_coefficient(c: &Fr, out: &mut Vec<u8>) {
    let r = Fr::from_bigint(Fr::R).expect("R mod r is below r");
    fr_le(&(*c * r.square()), out);
}

/// A modulus, 32 bytes little-endian.
pub(crate) fn modulus_le<F: PrimeField<BigInt = BigInt<4>>>(out: &mut Vec<u8>) {
    out.extend_from_slice(&F::MODULUS.to_bytes_le());
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    #[test]
    fn points_round_trip_through_lem_and_bad_ones_are_refused() {
        let mut rng = rand::thread_rng();
        for _ in 0..4 {
            let p = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
            let q = (G2Affine::generator() * Fr::rand(&mut rng)).into_affine();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            g1_lem(&p, &mut a);
            g2_lem(&q, &mut b);
            assert_eq!(g1_from_lem(&a).expect("a point"), p);
            assert_eq!(g2_from_lem(&b).expect("a point"), q);
            a[5] ^= 1;
            assert!(g1_from_lem(&a).is_err(), "off the curve");
        }
        let mut zero = Vec::new();
        g1_lem(&G1Affine::zero(), &mut zero);
        assert_eq!(zero, [0; G1_BYTES]);
        assert!(g1_from_lem(&zero).expect("infinity").is_zero());
        assert!(g1_from_lem(&[0xff; G1_BYTES]).is_err(), "above the modulus");
    }

    #[test]
    fn the_generator_is_written_as_snarkjs_writes_it() {
        // G1's generator (1, 2), uncompressed: big-endian standard form.
        let mut u = Vec::new();
        g1_uncompressed(&G1Affine::generator(), &mut u);
        assert_eq!(u[31], 1);
        assert_eq!(u[63], 2);
        assert!(u[..31].iter().chain(&u[32..63]).all(|b| *b == 0));
        // A coefficient of one is stored as R² mod r reduced once more: R mod r's square.
        let mut c = Vec::new();
        fr_zkey_coefficient(&Fr::from(1u64), &mut c);
        let r = Fr::from_bigint(Fr::R).expect("R");
        assert_eq!(fr_from_le(&c).expect("below r"), r * r);
    }
}
