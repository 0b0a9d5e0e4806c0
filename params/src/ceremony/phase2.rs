//! Phase 2: contributions to a circuit's `.zkey`, the final beacon, and the check of the whole
//! chain, in snarkjs's format, so that `snarkjs zkey contribute` and `probity ceremony
//! contribute` can follow one another and either tool can verify the result.
//!
//! A contribution picks a secret x, multiplies δ by it and divides the points that hold δ
//! (C, called L, and H) by it, and proves knowledge of x: `g1_sx = x·g1_s` for a random
//! `g1_s`, and `g2_spx = x·g2_sp` where `g2_sp` hashes the transcript (the circuit hash, every
//! earlier contribution, and `g1_s`, `g1_sx`). Checking a key is checking every proof of
//! knowledge, that each `δ` follows from the one before, and that every section is the
//! initial key's (or, for L and H, the initial key's divided by δ), without remaking the
//! initial key's A and B: those are tested against the circuit by a random combination
//! ([`CircuitReference`]). One honest contributor, whose x nobody learns, makes the key
//! sound.

use std::io::Cursor;

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, UniformRand, Zero};
use blake2::{Blake2b512, Digest};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::{
    binfile::{Sections, Writer},
    derive::{hash_to_g2, Stream},
    encoding::{
        g1_from_lem, g1_lem, g1_uncompressed, g2_from_lem, g2_lem, g2_uncompressed, G1_BYTES,
        G2_BYTES,
    },
    zkey::{g1_section, CircuitHash, CircuitReference},
    CeremonyError,
};

/// The header's points, after the sizes.
struct Header {
    /// n8q, q, n8r, r, wires, public, domain size: as read, kept as is.
    sizes: Vec<u8>,
    wires: u32,
    public: u32,
    domain: u32,
    alpha1: G1Affine,
    beta1: G1Affine,
    beta2: G2Affine,
    gamma2: G2Affine,
    delta1: G1Affine,
    delta2: G2Affine,
}

/// A beacon's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beacon {
    /// The public random value.
    pub value: Vec<u8>,
    /// SHA-256 is applied 2^this times to it.
    pub iterations_exp: u8,
}

/// One contribution, as the key records it.
#[derive(Clone, Debug)]
pub struct Contribution {
    delta_after: G1Affine,
    g1_s: G1Affine,
    g1_sx: G1Affine,
    g2_spx: G2Affine,
    transcript: [u8; 64],
    /// The contributor's name, as they gave it.
    pub name: Option<String>,
    /// For the final beacon: its parameters.
    pub beacon: Option<Beacon>,
}

impl Contribution {
    /// What identifies the contribution (what `snarkjs zkey verify` prints and a contributor
    /// publishes): BLAKE2b-512 of its public key and transcript.
    pub fn hash(&self) -> [u8; 64] {
        let mut h = Blake2b512::new();
        self.hash_into(&mut h);
        h.finalize().into()
    }

    fn hash_into(&self, h: &mut Blake2b512) {
        let mut u = Vec::new();
        g1_uncompressed(&self.delta_after, &mut u);
        g1_uncompressed(&self.g1_s, &mut u);
        g1_uncompressed(&self.g1_sx, &mut u);
        g2_uncompressed(&self.g2_spx, &mut u);
        h.update(&u);
        h.update(self.transcript);
    }
}

/// A parsed `.zkey`.
pub(crate) struct Zkey {
    header: Header,
    /// Sections 3 to 7 (IC, coefficients, A, B in G1 and G2), which no contribution changes.
    fixed: Vec<(u32, Vec<u8>)>,
    l: Vec<G1Affine>,
    h: Vec<G1Affine>,
    circuit_hash: CircuitHash,
    contributions: Vec<Contribution>,
}

fn format(what: &str) -> CeremonyError {
    CeremonyError::Format(format!("the .zkey file's {what} is malformed"))
}

/// Reads `n` bytes at `at`, moving it.
fn take<'a>(
    bytes: &'a [u8],
    at: &mut usize,
    n: usize,
    what: &str,
) -> Result<&'a [u8], CeremonyError> {
    let end = at
        .checked_add(n)
        .filter(|e| *e <= bytes.len())
        .ok_or_else(|| format(what))?;
    let out = &bytes[*at..end];
    *at = end;
    Ok(out)
}

fn u32_at(bytes: &[u8], at: &mut usize, what: &str) -> Result<u32, CeremonyError> {
    let b = take(bytes, at, 4, what)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn g1_list(bytes: &[u8], what: &str) -> Result<Vec<G1Affine>, CeremonyError> {
    if !bytes.len().is_multiple_of(G1_BYTES) {
        return Err(format(what));
    }
    bytes.chunks_exact(G1_BYTES).map(g1_from_lem).collect()
}

impl Zkey {
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, CeremonyError> {
        let sections = Sections::read(&mut Cursor::new(bytes), b"zkey", 2)?;
        let section = |kind: u32| -> Result<&[u8], CeremonyError> {
            let r = sections.find(kind)?;
            Ok(&bytes[r.start as usize..r.end as usize])
        };
        if section(1)? != 1u32.to_le_bytes() {
            return Err(CeremonyError::Format(
                "the .zkey file is not a Groth16 key".into(),
            ));
        }
        let header = Self::header(section(2)?)?;
        let mut fixed = Vec::new();
        for kind in 3..=7 {
            fixed.push((kind, section(kind)?.to_vec()));
        }
        let l = g1_list(section(8)?, "L section")?;
        let h = g1_list(section(9)?, "H section")?;
        let expected_l = header
            .wires
            .checked_sub(header.public + 1)
            .ok_or_else(|| format("header"))?;
        if l.len() != expected_l as usize || h.len() != header.domain as usize {
            return Err(format("L or H section size"));
        }
        let (circuit_hash, contributions) = Self::ceremony(section(10)?)?;
        Ok(Zkey {
            header,
            fixed,
            l,
            h,
            circuit_hash,
            contributions,
        })
    }

    /// The bytes of fixed section `kind` (3 to 7).
    fn fixed_section(&self, kind: u32) -> &[u8] {
        self.fixed
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[], |(_, bytes)| bytes.as_slice())
    }

    /// The A points and the B points in G1 and G2, one of each per wire, checked.
    #[allow(clippy::type_complexity)]
    fn a_and_b(&self) -> Result<(Vec<G1Affine>, Vec<G1Affine>, Vec<G2Affine>), CeremonyError> {
        let a = g1_list(self.fixed_section(5), "A section")?;
        let b1 = g1_list(self.fixed_section(6), "B section")?;
        let b2_bytes = self.fixed_section(7);
        if !b2_bytes.len().is_multiple_of(G2_BYTES) {
            return Err(format("B section in G2"));
        }
        let b2: Vec<G2Affine> = b2_bytes
            .chunks_exact(G2_BYTES)
            .map(g2_from_lem)
            .collect::<Result<_, _>>()?;
        let wires = self.header.wires as usize;
        if a.len() != wires || b1.len() != wires || b2.len() != wires {
            return Err(format("point sections' sizes"));
        }
        Ok((a, b1, b2))
    }

    fn header(bytes: &[u8]) -> Result<Header, CeremonyError> {
        let what = "header";
        let mut at = 0;
        let mut sizes = Vec::new();
        let mut field = |at: &mut usize| -> Result<(), CeremonyError> {
            let n8 = u32_at(bytes, at, what)?;
            if n8 != 32 {
                return Err(CeremonyError::Format(
                    "the .zkey file is not for BN254".into(),
                ));
            }
            let modulus = take(bytes, at, 32, what)?;
            sizes.extend_from_slice(&n8.to_le_bytes());
            sizes.extend_from_slice(modulus);
            Ok(())
        };
        field(&mut at)?;
        field(&mut at)?;
        let mut expected = Vec::new();
        super::encoding::modulus_le::<ark_bn254::Fq>(&mut expected);
        if sizes[4..36] != expected[..] {
            return Err(CeremonyError::Format(
                "the .zkey file is not for BN254".into(),
            ));
        }
        let wires = u32_at(bytes, &mut at, what)?;
        let public = u32_at(bytes, &mut at, what)?;
        let domain = u32_at(bytes, &mut at, what)?;
        for n in [wires, public, domain] {
            sizes.extend_from_slice(&n.to_le_bytes());
        }
        let g1 = |at: &mut usize| g1_from_lem(take(bytes, at, G1_BYTES, what)?);
        let g2 = |at: &mut usize| g2_from_lem(take(bytes, at, G2_BYTES, what)?);
        let header = Header {
            alpha1: g1(&mut at)?,
            beta1: g1(&mut at)?,
            beta2: g2(&mut at)?,
            gamma2: g2(&mut at)?,
            delta1: g1(&mut at)?,
            delta2: g2(&mut at)?,
            sizes,
            wires,
            public,
            domain,
        };
        if at != bytes.len() || !domain.is_power_of_two() {
            return Err(format(what));
        }
        Ok(header)
    }

    fn ceremony(bytes: &[u8]) -> Result<(CircuitHash, Vec<Contribution>), CeremonyError> {
        let what = "ceremony section";
        let mut at = 0;
        let circuit_hash: CircuitHash = take(bytes, &mut at, 64, what)?
            .try_into()
            .map_err(|_| format(what))?;
        let count = u32_at(bytes, &mut at, what)?;
        let mut contributions = Vec::new();
        for _ in 0..count {
            let g1 = |at: &mut usize| g1_from_lem(take(bytes, at, G1_BYTES, what)?);
            let delta_after = g1(&mut at)?;
            let g1_s = g1(&mut at)?;
            let g1_sx = g1(&mut at)?;
            let g2_spx = g2_from_lem(take(bytes, &mut at, G2_BYTES, what)?)?;
            let transcript: [u8; 64] = take(bytes, &mut at, 64, what)?
                .try_into()
                .map_err(|_| format(what))?;
            let kind = u32_at(bytes, &mut at, what)?;
            let length = u32_at(bytes, &mut at, what)? as usize;
            let params = take(bytes, &mut at, length, what)?;
            let (name, exp, value) = Self::params(params)?;
            let beacon = match (kind, exp, value) {
                (0, None, None) => None,
                (1, Some(iterations_exp), Some(value)) => Some(Beacon {
                    value,
                    iterations_exp,
                }),
                _ => return Err(format("contribution's type")),
            };
            contributions.push(Contribution {
                delta_after,
                g1_s,
                g1_sx,
                g2_spx,
                transcript,
                name,
                beacon,
            });
        }
        if at != bytes.len() {
            return Err(format(what));
        }
        Ok((circuit_hash, contributions))
    }

    /// A contribution's parameters: (name, beacon iterations, beacon value), each at most
    /// once and in that order.
    #[allow(clippy::type_complexity)]
    fn params(
        bytes: &[u8],
    ) -> Result<(Option<String>, Option<u8>, Option<Vec<u8>>), CeremonyError> {
        let what = "contribution's parameters";
        let (mut name, mut exp, mut value) = (None, None, None);
        let (mut at, mut last) = (0, 0u8);
        while at < bytes.len() {
            let kind = take(bytes, &mut at, 1, what)?[0];
            if kind <= last {
                return Err(format(what));
            }
            last = kind;
            match kind {
                1 => {
                    let n = take(bytes, &mut at, 1, what)?[0] as usize;
                    let text = take(bytes, &mut at, n, what)?;
                    name = Some(String::from_utf8_lossy(text).into_owned());
                }
                2 => exp = Some(take(bytes, &mut at, 1, what)?[0]),
                3 => {
                    let n = take(bytes, &mut at, 1, what)?[0] as usize;
                    value = Some(take(bytes, &mut at, n, what)?.to_vec());
                }
                _ => return Err(format(what)),
            }
        }
        Ok((name, exp, value))
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let h = &self.header;
        let mut header = h.sizes.clone();
        g1_lem(&h.alpha1, &mut header);
        g1_lem(&h.beta1, &mut header);
        g2_lem(&h.beta2, &mut header);
        g2_lem(&h.gamma2, &mut header);
        g1_lem(&h.delta1, &mut header);
        g2_lem(&h.delta2, &mut header);
        let mut file = Writer::new(b"zkey", 1);
        file.section(1, &1u32.to_le_bytes());
        file.section(2, &header);
        for (kind, bytes) in &self.fixed {
            file.section(*kind, bytes);
        }
        for (kind, points) in [(8, &self.l), (9, &self.h)] {
            let mut out = Vec::with_capacity(points.len() * G1_BYTES);
            for p in points {
                g1_lem(p, &mut out);
            }
            file.section(kind, &out);
        }
        let mut ceremony = self.circuit_hash.to_vec();
        ceremony.extend_from_slice(&(self.contributions.len() as u32).to_le_bytes());
        for c in &self.contributions {
            g1_lem(&c.delta_after, &mut ceremony);
            g1_lem(&c.g1_s, &mut ceremony);
            g1_lem(&c.g1_sx, &mut ceremony);
            g2_lem(&c.g2_spx, &mut ceremony);
            ceremony.extend_from_slice(&c.transcript);
            ceremony.extend_from_slice(&u32::from(c.beacon.is_some()).to_le_bytes());
            let mut params = Vec::new();
            if let Some(name) = &c.name {
                let bytes = name.as_bytes();
                params.push(1);
                params.push(bytes.len() as u8);
                params.extend_from_slice(bytes);
            }
            if let Some(b) = &c.beacon {
                params.extend_from_slice(&[2, b.iterations_exp, 3, b.value.len() as u8]);
                params.extend_from_slice(&b.value);
            }
            ceremony.extend_from_slice(&(params.len() as u32).to_le_bytes());
            ceremony.extend_from_slice(&params);
        }
        file.section(10, &ceremony);
        file.finish()
    }

    /// The hash every next contribution's transcript starts from.
    fn transcript_so_far(&self) -> Blake2b512 {
        let mut h = Blake2b512::new();
        h.update(self.circuit_hash);
        for c in &self.contributions {
            c.hash_into(&mut h);
        }
        h
    }

    /// Applies the secret `x`, with `g1_s` as the proof's base, recording the contribution.
    fn apply(
        &mut self,
        x: Fr,
        g1_s: G1Affine,
        name: Option<String>,
        beacon: Option<Beacon>,
    ) -> &Contribution {
        let g1_sx = (g1_s * x).into_affine();
        let mut h = self.transcript_so_far();
        let mut u = Vec::new();
        g1_uncompressed(&g1_s, &mut u);
        g1_uncompressed(&g1_sx, &mut u);
        h.update(&u);
        let transcript: [u8; 64] = h.finalize().into();
        let g2_spx = (hash_to_g2(&transcript) * x).into_affine();
        self.header.delta1 = (self.header.delta1 * x).into_affine();
        self.header.delta2 = (self.header.delta2 * x).into_affine();
        let inverse = x.inverse().expect("a contribution's secret is not zero");
        for points in [&mut self.l, &mut self.h] {
            let scaled: Vec<G1Projective> = points.iter().map(|p| *p * inverse).collect();
            *points = G1Projective::normalize_batch(&scaled);
        }
        self.contributions.push(Contribution {
            delta_after: self.header.delta1,
            g1_s,
            g1_sx,
            g2_spx,
            transcript,
            name: name.map(|n| short_name(&n)),
            beacon,
        });
        self.contributions.last().expect("just pushed")
    }
}

/// A contributor's name as the key records it: at most 64 characters (snarkjs's limit) and
/// 255 bytes (its length is one byte), cut at a character boundary.
fn short_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().take(64) {
        if out.len() + c.len_utf8() > 255 {
            break;
        }
        out.push(c);
    }
    out
}

/// The contribution just made, and the key with it.
pub struct Contributed {
    /// The new `.zkey` file.
    pub bytes: Vec<u8>,
    /// The contribution's hash, for the contributor to publish.
    pub hash: [u8; 64],
}

/// Contributes to the key `zkey` with a secret drawn from the OS's randomness mixed with
/// `entropy` (any text the contributor types); the secret is dropped when this returns.
pub fn contribute(
    zkey: &[u8],
    name: Option<&str>,
    entropy: &[u8],
) -> Result<Contributed, CeremonyError> {
    let mut key = Zkey::parse(zkey)?;
    let mut seed = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let mut h = Blake2b512::new();
    h.update(seed);
    h.update(entropy);
    let digest = h.finalize();
    let mut rng = ChaCha20Rng::from_seed(digest[..32].try_into().expect("32 bytes"));
    let x = loop {
        let x = Fr::rand(&mut rng);
        if !x.is_zero() {
            break x;
        }
    };
    let g1_s = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
    let hash = key.apply(x, g1_s, name.map(str::to_owned), None).hash();
    Ok(Contributed {
        bytes: key.to_bytes(),
        hash,
    })
}

/// The final contribution, from a public random value nobody could know in advance (a
/// future block hash, a lottery draw): its secret is derived from `value` by SHA-256
/// iterated 2^`iterations_exp` times, so anyone can recompute it and check it was used.
pub fn beacon(
    zkey: &[u8],
    name: Option<&str>,
    value: &[u8],
    iterations_exp: u8,
) -> Result<Contributed, CeremonyError> {
    if value.is_empty() || value.len() > 255 || !(10..=63).contains(&iterations_exp) {
        return Err(CeremonyError::Format(
            "a beacon is 1 to 255 bytes, iterated 2^10 to 2^63 times".into(),
        ));
    }
    let mut key = Zkey::parse(zkey)?;
    let mut stream = Stream::beacon(value, iterations_exp);
    let x = stream.fr();
    let g1_s = stream.g1();
    let beacon = Beacon {
        value: value.to_vec(),
        iterations_exp,
    };
    let hash = key
        .apply(x, g1_s, name.map(str::to_owned), Some(beacon))
        .hash();
    Ok(Contributed {
        bytes: key.to_bytes(),
        hash,
    })
}

/// `e(a, d) = e(b, c)`: b/a = d/c in the exponent; false if any is the point at infinity.
fn same_ratio(a: &G1Affine, b: &G1Affine, c: &G2Affine, d: &G2Affine) -> bool {
    if a.is_zero() || b.is_zero() || c.is_zero() || d.is_zero() {
        return false;
    }
    Bn254::multi_pairing([*a, -*b], [*d, *c]).is_zero()
}

/// Whether `now` is `then` divided by δ point by point, tested on a random combination:
/// `e(Σ rᵢ·thenᵢ, 1) = e(Σ rᵢ·nowᵢ, δ)`.
fn divided_by_delta(then: &[G1Affine], now: &[G1Affine], delta: &G2Affine) -> bool {
    if then.len() != now.len() {
        return false;
    }
    if then.is_empty() {
        return true;
    }
    let mut rng = rand::rngs::OsRng;
    let r: Vec<Fr> = (0..then.len()).map(|_| Fr::from(rng.next_u64())).collect();
    let then = G1Projective::msm_unchecked(then, &r).into_affine();
    let now = G1Projective::msm_unchecked(now, &r).into_affine();
    same_ratio(&now, &then, &G2Affine::generator(), delta)
}

/// The Groth16 proving key a final `.zkey` holds, for arkworks: the verifying key (α, β, γ, δ
/// and IC), A, B in G1 and G2, C (L) and H. Its H is snarkjs's (the odd points of the domain
/// twice the size, in the Lagrange basis), so proofs with it need the matching reduction
/// (the prover's ceremony reduction), not arkworks' default. The key is not checked here:
/// [`verify`] it first.
pub fn proving_key(zkey: &[u8]) -> Result<ark_groth16::ProvingKey<Bn254>, CeremonyError> {
    let key = Zkey::parse(zkey)?;
    let ic = g1_list(key.fixed_section(3), "IC section")?;
    let (a, b1, b2) = key.a_and_b()?;
    let h = &key.header;
    if ic.len() != h.public as usize + 1 {
        return Err(format("IC section's size"));
    }
    Ok(ark_groth16::ProvingKey {
        vk: ark_groth16::VerifyingKey {
            alpha_g1: h.alpha1,
            beta_g2: h.beta2,
            gamma_g2: h.gamma2,
            delta_g2: h.delta2,
            gamma_abc_g1: ic,
        },
        beta_g1: h.beta1,
        delta_g1: h.delta1,
        a_query: a,
        b_g1_query: b1,
        b_g2_query: b2,
        h_query: key.h,
        l_query: key.l,
    })
}

/// What a check of a key found: the circuit, and each contribution, in order.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The circuit hash.
    pub circuit_hash: CircuitHash,
    /// The contributions, first to last.
    pub contributions: Vec<Contribution>,
}

/// Checks `zkey` against its circuit (`circuit`, made from the circuit and the phase-1 file):
/// every contribution's proof of knowledge, the chain of δ, the beacon's derivation, the
/// circuit hash, and every section: IC and the coefficients as the initial key has them, A
/// and B the circuit's (by [`CircuitReference`]'s random combination), L and H the initial
/// key's divided by δ.
pub fn verify(zkey: &[u8], circuit: &CircuitReference) -> Result<Verified, CeremonyError> {
    let key = Zkey::parse(zkey)?;
    let invalid = |why: String| Err(CeremonyError::Invalid(why));
    let mut so_far = Blake2b512::new();
    so_far.update(key.circuit_hash);
    let mut delta = G1Affine::generator();
    for (i, c) in key.contributions.iter().enumerate() {
        let n = i + 1;
        let mut mine = so_far.clone();
        let mut u = Vec::new();
        g1_uncompressed(&c.g1_s, &mut u);
        g1_uncompressed(&c.g1_sx, &mut u);
        mine.update(&u);
        if <[u8; 64]>::from(mine.finalize()) != c.transcript {
            return invalid(format!(
                "contribution {n}: its transcript does not follow the ones before"
            ));
        }
        let g2_sp = hash_to_g2(&c.transcript);
        if !same_ratio(&c.g1_s, &c.g1_sx, &g2_sp, &c.g2_spx) {
            return invalid(format!(
                "contribution {n}: its proof of knowledge does not hold"
            ));
        }
        if !same_ratio(&delta, &c.delta_after, &g2_sp, &c.g2_spx) {
            return invalid(format!(
                "contribution {n}: its δ does not follow from the one before"
            ));
        }
        if let Some(b) = &c.beacon {
            let mut stream = Stream::beacon(&b.value, b.iterations_exp);
            let x = stream.fr();
            let g1_s = stream.g1();
            if g1_s != c.g1_s || (g1_s * x).into_affine() != c.g1_sx {
                return invalid(format!(
                    "contribution {n}: the beacon's key is not the one its value gives"
                ));
            }
        }
        c.hash_into(&mut so_far);
        delta = c.delta_after;
    }
    let h = &key.header;
    if h.sizes != circuit.sizes {
        return invalid("the key is for another circuit (its sizes differ)".into());
    }
    let (a, b1, b2) = key.a_and_b()?;
    if key.circuit_hash != circuit.circuit_hash(&a, &b1, &b2) {
        return invalid("the key is for another circuit (its circuit hash differs)".into());
    }
    if (h.alpha1, h.beta1, h.beta2, h.gamma2)
        != (
            circuit.alpha,
            circuit.beta1,
            circuit.beta2,
            G2Affine::generator(),
        )
    {
        return invalid("α, β or γ differs from the initial key's".into());
    }
    if h.delta1 != delta
        || !same_ratio(
            &G1Affine::generator(),
            &delta,
            &G2Affine::generator(),
            &h.delta2,
        )
    {
        return invalid("δ is not the last contribution's".into());
    }
    if key.fixed_section(3) != g1_section(&circuit.ic)
        || key.fixed_section(4) != circuit.coefficients
    {
        return invalid("IC or the coefficients differ from the initial key's".into());
    }
    if !circuit.holds_a_and_b(&a, &b1, &b2) {
        return invalid("the A or B section is not the circuit's".into());
    }
    if !divided_by_delta(&circuit.c, &key.l, &h.delta2) {
        return invalid("the L section is not the initial key's divided by δ".into());
    }
    if !divided_by_delta(&circuit.h, &key.h, &h.delta2) {
        return invalid("the H section is not the initial key's divided by δ".into());
    }
    Ok(Verified {
        circuit_hash: key.circuit_hash,
        contributions: key.contributions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_cut_to_64_characters_and_255_bytes() {
        assert_eq!(short_name("Body One"), "Body One");
        assert_eq!(short_name(&"a".repeat(100)).len(), 64);
        let wide = short_name(&"😀".repeat(64));
        assert!(
            wide.len() <= 255 && wide.chars().count() == 63,
            "{}",
            wide.len()
        );
    }
}
