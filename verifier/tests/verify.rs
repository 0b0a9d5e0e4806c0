//! Single-proof verification, proof and key decoding, and proof files.

mod common;

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::VerifyingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use common::{keys, prove, sample};
use probity_core::{
    Capacity, Commitment, EnvelopeError, OfficialId, ProofEnvelope, PublicInputs, SignedAmount,
    StatementKind, PROOF_LEN,
};
use probity_verifier::{
    verify, verify_envelope, DecodeError, EnvelopeVerifyError, KeyError, Proof,
    StatementVerifyingKey, VerificationFailure,
};

#[test]
fn honest_proofs_of_every_statement_verify() {
    for (seed, statement) in StatementKind::ALL.into_iter().enumerate() {
        // PROVER
        let keys = keys(statement, seed as u64);
        let inputs = sample(statement, 3);
        let proof = prove(&keys.pk, &inputs, 100 + seed as u64);
        // VERIFIER
        assert_eq!(verify(&keys.vk, &inputs, &proof), Ok(()), "{statement}");
    }
}

#[test]
fn every_tampered_public_input_fails() {
    let keys = keys(StatementKind::NetWorthRange, 1);
    let honest = sample(StatementKind::NetWorthRange, 5);
    let proof = prove(&keys.pk, &honest, 2);
    let PublicInputs::NetWorthRange(x) = honest else {
        panic!("sample is net_worth_range")
    };

    use probity_core::NetWorthRange as N;
    let tampered = [
        N {
            commitment: Commitment(x.commitment.0 + Fr::from(1u64)),
            ..x
        },
        N {
            official_tag: OfficialId::new("GOV-0002").expect("valid").tag(),
            ..x
        },
        N {
            period: common::period(2025),
            ..x
        },
        N {
            lo: SignedAmount(x.lo.0 - 1),
            ..x
        },
        N {
            hi: SignedAmount(x.hi.0 + 1),
            ..x
        },
    ]
    .map(PublicInputs::NetWorthRange);
    for t in &tampered {
        assert_eq!(
            verify(&keys.vk, t, &proof),
            Err(VerificationFailure),
            "{t:?}"
        );
    }
    assert_eq!(verify(&keys.vk, &honest, &proof), Ok(()));
}

#[test]
fn inputs_of_another_statement_fail_even_with_the_same_length() {
    // net_worth_range and asset_included both take five public inputs.
    let nwr = keys(StatementKind::NetWorthRange, 1);
    let ai = keys(StatementKind::AssetIncluded, 2);
    let ai_inputs = sample(StatementKind::AssetIncluded, 1);
    let ai_proof = prove(&ai.pk, &ai_inputs, 3);
    assert_eq!(verify(&ai.vk, &ai_inputs, &ai_proof), Ok(()));
    // The statement does not match the key.
    assert_eq!(
        verify(&nwr.vk, &ai_inputs, &ai_proof),
        Err(VerificationFailure)
    );
    // The statement matches, but the proof was made under another key.
    let nwr_inputs = sample(StatementKind::NetWorthRange, 1);
    let wrong_key_proof = prove(&ai.pk, &nwr_inputs, 4);
    assert_eq!(
        verify(&nwr.vk, &nwr_inputs, &wrong_key_proof),
        Err(VerificationFailure)
    );
}

#[test]
fn proof_bytes_round_trip_and_debug_hides_the_proof() {
    let keys = keys(StatementKind::NetWorthRange, 1);
    let proof = prove(&keys.pk, &sample(StatementKind::NetWorthRange, 1), 2);
    let bytes = proof.to_bytes();
    assert_eq!(Proof::from_bytes(&bytes), Ok(proof.clone()));
    assert_eq!(format!("{proof:?}"), "Proof { len: 128, .. }");
}

#[test]
fn flipped_proof_bits_never_verify() {
    let keys = keys(StatementKind::NetWorthRange, 1);
    let inputs = sample(StatementKind::NetWorthRange, 1);
    let bytes = prove(&keys.pk, &inputs, 2).to_bytes();
    for i in 0..PROOF_LEN {
        for bit in [0u8, 3, 7] {
            let mut b = bytes;
            b[i] ^= 1 << bit;
            if let Ok(p) = Proof::from_bytes(&b) {
                assert_eq!(
                    verify(&keys.vk, &inputs, &p),
                    Err(VerificationFailure),
                    "byte {i} bit {bit}"
                );
            }
        }
    }
}

fn compressed<T: CanonicalSerialize>(t: &T) -> Vec<u8> {
    let mut v = Vec::new();
    t.serialize_compressed(&mut v).expect("serialize");
    v
}

#[test]
fn malformed_proof_points_are_refused() {
    let keys = keys(StatementKind::NetWorthRange, 1);
    let good = prove(&keys.pk, &sample(StatementKind::NetWorthRange, 1), 2).to_bytes();
    let with = |at: usize, point: &[u8]| {
        let mut b = good;
        b[at..at + point.len()].copy_from_slice(point);
        Proof::from_bytes(&b)
    };

    // The point at infinity, canonically encoded, in each position.
    let inf1 = compressed(&G1Affine::zero());
    let inf2 = compressed(&G2Affine::zero());
    assert_eq!(
        with(0, &inf1),
        Err(DecodeError::PointAtInfinity { point: "A" })
    );
    assert_eq!(
        with(32, &inf2),
        Err(DecodeError::PointAtInfinity { point: "B" })
    );
    assert_eq!(
        with(96, &inf1),
        Err(DecodeError::PointAtInfinity { point: "C" })
    );

    // Infinity flag with stray coordinate bits: arkworks reads it as infinity, we refuse the
    // second encoding.
    let mut stray = inf1.clone();
    stray[0] = 1;
    assert_eq!(
        with(0, &stray),
        Err(DecodeError::InvalidPoint { point: "A" })
    );

    // x = p (not a canonical field element), flags clear.
    let p = Fq::MODULUS.to_bytes_le();
    assert_eq!(with(96, &p), Err(DecodeError::InvalidPoint { point: "C" }));

    // An x with no point on the curve.
    let off_curve = (1u64..)
        .map(Fq::from)
        .find(|x| G1Affine::get_point_from_x_unchecked(*x, false).is_none())
        .expect("some x is off the curve");
    assert_eq!(
        with(0, &compressed(&off_curve)),
        Err(DecodeError::InvalidPoint { point: "A" })
    );

    // A point on the G2 curve outside the prime-order subgroup: encodes fine, must not decode.
    let outside = (1u64..)
        .filter_map(|i| {
            G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(i), Fq::from(1u64)), false)
        })
        .find(|q| !q.is_in_correct_subgroup_assuming_on_curve())
        .expect("most G2 curve points are outside the subgroup");
    assert_eq!(
        with(32, &compressed(&outside)),
        Err(DecodeError::InvalidPoint { point: "B" })
    );
}

#[test]
fn keys_load_from_the_manifest_and_round_trip() {
    let keys = keys(StatementKind::CategoryTotalRange, 1);
    assert_eq!(keys.vk.statement(), StatementKind::CategoryTotalRange);
    assert_eq!(keys.vk.capacity(), Capacity::C16);
    assert_eq!(hex::encode(keys.vk.to_bytes()), keys.entry.verifying_key);
    assert_eq!(keys.vk.verifying_key().gamma_abc_g1.len(), 7);
    assert_eq!(format!("{:?}", keys.vk), "StatementVerifyingKey { statement: CategoryTotalRange, capacity: Capacity { depth: 2 }, .. }");
}

#[test]
fn bad_keys_are_refused() {
    let k6 = keys(StatementKind::CategoryTotalRange, 1);
    let bytes = k6.vk.to_bytes();
    let (s, c) = (StatementKind::CategoryTotalRange, Capacity::C16);

    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        StatementVerifyingKey::from_bytes(s, c, &trailing).map(|_| ()),
        Err(KeyError::TrailingBytes {
            statement: s,
            capacity: c,
            extra: 1
        })
    );
    assert_eq!(
        StatementVerifyingKey::from_bytes(s, c, &bytes[..bytes.len() - 1]).map(|_| ()),
        Err(KeyError::Encoding {
            statement: s,
            capacity: c
        })
    );
    // A six-input key is not a net_worth_range key.
    let nwr = StatementKind::NetWorthRange;
    assert_eq!(
        StatementVerifyingKey::from_bytes(nwr, c, &bytes).map(|_| ()),
        Err(KeyError::NumPublicInputs {
            statement: nwr,
            capacity: c,
            expected: 5,
            got: 6
        })
    );
    let mut entry = k6.entry.clone();
    entry.verifying_key.push('x');
    assert_eq!(
        StatementVerifyingKey::from_manifest_entry(&entry).map(|_| ()),
        Err(KeyError::Hex {
            statement: s,
            capacity: c
        })
    );
    // A point replaced by an x with no curve point.
    let off_curve = (1u64..)
        .map(Fq::from)
        .find(|x| G1Affine::get_point_from_x_unchecked(*x, false).is_none())
        .expect("some x is off the curve");
    let mut bad_point = bytes.clone();
    bad_point[..32].copy_from_slice(&compressed(&off_curve));
    assert_eq!(
        StatementVerifyingKey::from_bytes(s, c, &bad_point).map(|_| ()),
        Err(KeyError::Encoding {
            statement: s,
            capacity: c
        })
    );
    // Degenerate keys: the all-zero key would accept the all-zero proof for any input.
    let raw = k6.vk.verifying_key().clone();
    let zero = VerifyingKey::<Bn254> {
        gamma_abc_g1: vec![G1Affine::zero(); 7],
        ..Default::default()
    };
    assert_eq!(
        StatementVerifyingKey::from_bytes(s, c, &compressed(&zero)).map(|_| ()),
        Err(KeyError::Degenerate {
            statement: s,
            capacity: c,
            point: "alpha"
        })
    );
    let no_delta = VerifyingKey::<Bn254> {
        delta_g2: G2Affine::zero(),
        ..raw.clone()
    };
    assert_eq!(
        StatementVerifyingKey::from_verifying_key(s, c, no_delta).map(|_| ()),
        Err(KeyError::Degenerate {
            statement: s,
            capacity: c,
            point: "delta"
        })
    );
    // In memory too: a G2 point outside the subgroup.
    let outside = (1u64..)
        .filter_map(|i| {
            G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(i), Fq::from(1u64)), false)
        })
        .find(|q| !q.is_in_correct_subgroup_assuming_on_curve())
        .expect("most G2 curve points are outside the subgroup");
    let off_subgroup = VerifyingKey::<Bn254> {
        gamma_g2: outside,
        ..raw.clone()
    };
    assert_eq!(
        StatementVerifyingKey::from_verifying_key(s, c, off_subgroup.clone()).map(|_| ()),
        Err(KeyError::Encoding {
            statement: s,
            capacity: c
        })
    );
    assert_eq!(
        StatementVerifyingKey::from_bytes(s, c, &compressed(&off_subgroup)).map(|_| ()),
        Err(KeyError::Encoding {
            statement: s,
            capacity: c
        })
    );
    let reread = VerifyingKey::<Bn254>::deserialize_compressed(&bytes[..]).expect("valid key");
    assert_eq!(reread, raw);
}

#[test]
fn proof_files_verify_and_refuse_the_wrong_key() {
    // PROVER
    let keys = keys(StatementKind::WealthGrowth, 7);
    let inputs = sample(StatementKind::WealthGrowth, 2);
    let proof = prove(&keys.pk, &inputs, 8);
    let envelope = ProofEnvelope::new(
        Capacity::C16,
        common::official(),
        &inputs,
        &proof.to_bytes(),
    );
    let text = envelope.to_json();

    // VERIFIER
    let envelope = ProofEnvelope::from_json(&text).expect("a valid proof file");
    assert_eq!(verify_envelope(&keys.vk, &envelope), Ok(inputs));

    let other = common::keys(StatementKind::NetWorthRange, 9);
    assert!(matches!(
        verify_envelope(&other.vk, &envelope),
        Err(EnvelopeVerifyError::WrongKey { .. })
    ));
    let at_64 = ProofEnvelope {
        capacity: Capacity::C64,
        ..envelope.clone()
    };
    assert!(matches!(
        verify_envelope(&keys.vk, &at_64),
        Err(EnvelopeVerifyError::WrongKey { .. })
    ));

    // Someone else's name on the envelope: refused before any pairing.
    let renamed = ProofEnvelope {
        official: OfficialId::new("GOV-0002").expect("valid"),
        ..envelope.clone()
    };
    assert!(matches!(
        verify_envelope(&keys.vk, &renamed),
        Err(EnvelopeVerifyError::Envelope(EnvelopeError::Inconsistent(
            _
        )))
    ));

    // A changed public input: well formed, does not verify.
    let mut changed = envelope.clone();
    changed.public_inputs[5] = "3".into(); // tolerance
    assert_eq!(
        verify_envelope(&keys.vk, &changed),
        Err(EnvelopeVerifyError::Failed(VerificationFailure))
    );

    // Proof bytes that are not points.
    let mut bytes = proof.to_bytes();
    bytes[..32].copy_from_slice(&compressed(&G1Affine::zero()));
    let broken = ProofEnvelope {
        proof: hex::encode(bytes),
        ..envelope
    };
    assert_eq!(
        verify_envelope(&keys.vk, &broken),
        Err(EnvelopeVerifyError::Proof(DecodeError::PointAtInfinity {
            point: "A"
        }))
    );
}

/// A checked-in key and proof file that must keep verifying: the wire forms of keys and
/// proofs must not change under a dependency upgrade. Regenerate (only on purpose) with
/// `PROBITY_REGENERATE_FIXTURES=1 cargo test -p probity-verifier --test verify`.
#[test]
fn pinned_fixture_keeps_verifying() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Fixture {
        manifest_entry: probity_core::ManifestEntry,
        /// Kept as JSON so that loading runs `ProofEnvelope::from_json`'s checks.
        envelope: serde_json::Value,
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/net_worth_range_toy.json");
    if std::env::var_os("PROBITY_REGENERATE_FIXTURES").is_some() {
        let keys = keys(StatementKind::NetWorthRange, 2026);
        let inputs = sample(StatementKind::NetWorthRange, 1);
        let proof = prove(&keys.pk, &inputs, 2027);
        let envelope = ProofEnvelope::new(
            Capacity::C16,
            common::official(),
            &inputs,
            &proof.to_bytes(),
        );
        let envelope = serde_json::from_str(&envelope.to_json()).expect("an envelope is JSON");
        let fixture = Fixture {
            manifest_entry: keys.entry,
            envelope,
        };
        let text = serde_json::to_string_pretty(&fixture).expect("fixture serializes");
        std::fs::write(&path, text + "\n").expect("write fixture");
    }
    let text = std::fs::read_to_string(&path).expect("read fixture");
    let fixture: Fixture = serde_json::from_str(&text).expect("fixture parses");
    let vk = StatementVerifyingKey::from_manifest_entry(&fixture.manifest_entry)
        .expect("pinned key loads");
    let envelope =
        ProofEnvelope::from_json(&fixture.envelope.to_string()).expect("pinned proof file parses");
    assert_eq!(
        verify_envelope(&vk, &envelope),
        Ok(sample(StatementKind::NetWorthRange, 1))
    );
    // The proof re-encodes to the pinned bytes.
    let proof = Proof::from_bytes(&envelope.proof_bytes().expect("128 bytes"))
        .expect("pinned proof decodes");
    assert_eq!(hex::encode(proof.to_bytes()), envelope.proof);
}
