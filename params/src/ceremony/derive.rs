//! The deterministic derivations a snarkjs ceremony transcript depends on, reproduced exactly
//! so that both tools check each other's contributions:
//!
//! - a ChaCha20 stream seeded with eight big-endian 32-bit words (ChaCha20 with a zero nonce:
//!   `rand_chacha`'s stream, fed the words as its little-endian key);
//! - field elements drawn from it (four 64-bit draws, high word first, masked to 254 bits,
//!   redrawn until below the modulus), which snarkjs takes as the Montgomery form;
//! - curve points drawn from it (an x, a sign bit, redrawn until x³ + b is a square; the root
//!   whose "negativity" matches the bit; G2's multiplied by its cofactor);
//! - hashing a transcript to G2 (the stream seeded with the hash's first 32 bytes), which
//!   binds each contribution's proof of knowledge to the transcript;
//! - a beacon's stream: SHA-256 iterated 2^n times over the beacon value.

use ark_bn254::{g2::Config as G2Config, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{short_weierstrass::SWCurveConfig, AffineRepr, CurveConfig, CurveGroup};
use ark_ff::{BigInt, BigInteger, Field, LegendreSymbol, PrimeField, Zero};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// The stream.
pub(crate) struct Stream(ChaCha20Rng);

impl Stream {
    /// Seeded with the first 32 bytes of `seed`, read as eight big-endian words.
    pub(crate) fn from_words(seed: &[u8]) -> Self {
        let mut key = [0u8; 32];
        for (out, word) in key.chunks_exact_mut(4).zip(seed.chunks_exact(4)) {
            let w = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
            out.copy_from_slice(&w.to_le_bytes());
        }
        Stream(ChaCha20Rng::from_seed(key))
    }

    /// A beacon's stream: SHA-256 applied 2^`iterations_exp` times to `beacon`.
    pub(crate) fn beacon(beacon: &[u8], iterations_exp: u8) -> Self {
        let mut hash = Sha256::digest(beacon);
        for _ in 1..(1u64 << iterations_exp) {
            hash = Sha256::digest(hash);
        }
        Stream::from_words(&hash)
    }

    fn u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    /// Two words, the first one high.
    fn u64(&mut self) -> u64 {
        let high = u64::from(self.u32());
        (high << 32) | u64::from(self.u32())
    }

    fn bit(&mut self) -> bool {
        self.u32() & 1 == 1
    }

    /// A 254-bit draw below `modulus`, as limbs.
    fn below(&mut self, modulus: &BigInt<4>) -> BigInt<4> {
        loop {
            let mut limbs = [0u64; 4];
            for limb in &mut limbs {
                *limb = self.u64();
            }
            limbs[3] &= (1 << 62) - 1;
            let v = BigInt(limbs);
            if v < *modulus {
                return v;
            }
        }
    }

    /// A scalar (the draw is its Montgomery form).
    pub(crate) fn fr(&mut self) -> Fr {
        Fr::new_unchecked(self.below(&Fr::MODULUS))
    }

    fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.below(&Fq::MODULUS))
    }

    /// A G1 point.
    pub(crate) fn g1(&mut self) -> G1Affine {
        loop {
            let x = self.fq();
            let greatest = self.bit();
            let rhs = x.square() * x + ark_bn254::g1::Config::COEFF_B;
            if rhs.legendre() == LegendreSymbol::QuadraticNonResidue {
                continue;
            }
            let Some(y) = rhs.sqrt() else { continue };
            let y = if fq_negative(&y) == greatest { y } else { -y };
            return G1Affine::new_unchecked(x, y);
        }
    }

    /// A G2 point, in the prime-order subgroup.
    pub(crate) fn g2(&mut self) -> G2Affine {
        loop {
            let x = Fq2::new(self.fq(), self.fq());
            let greatest = self.bit();
            let rhs = x.square() * x + G2Config::COEFF_B;
            if rhs.legendre() == LegendreSymbol::QuadraticNonResidue {
                continue;
            }
            let Some(y) = rhs.sqrt() else { continue };
            let y = if fq2_negative(&y) == greatest { y } else { -y };
            // Multiplied by the cofactor as an integer (what snarkjs does), not by another
            // multiple that would also clear it.
            return G2Affine::new_unchecked(x, y)
                .mul_bigint(G2Config::COFACTOR)
                .into_affine();
        }
    }
}

/// snarkjs's "negative": above (q − 1)/2 in standard form.
fn fq_negative(x: &Fq) -> bool {
    let mut half = Fq::MODULUS;
    half.div2();
    x.into_bigint() > half
}

/// For Fq2: that of c1, or of c0 when c1 is zero.
fn fq2_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() {
        fq_negative(&x.c0)
    } else {
        fq_negative(&x.c1)
    }
}

/// The G2 point a transcript hash names: a contribution's `g2_sp`.
pub(crate) fn hash_to_g2(hash: &[u8]) -> G2Affine {
    Stream::from_words(hash).g2()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::BigInteger;

    #[test]
    fn the_stream_is_chacha20_over_big_endian_words() {
        // RFC 8439 §2.3.2's block function with an all-zero key, nonce and counter starts
        // with these words (the same as the well-known first ChaCha20 keystream block).
        let mut s = Stream::from_words(&[0u8; 32]);
        assert_eq!(s.u32(), 0xade0b876);
        assert_eq!(s.u32(), 0x903df1a0);
    }

    #[test]
    fn drawn_points_are_on_their_curves_and_g2_in_its_subgroup() {
        let mut s = Stream::from_words(&[7u8; 32]);
        for _ in 0..3 {
            let p = s.g1();
            assert!(p.is_on_curve() && !p.is_zero());
            let q = s.g2();
            assert!(q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve());
            let x = s.fr();
            assert!(x.into_bigint().num_bits() <= 254);
        }
    }
}
