//! End to end with real Groth16 keys at capacity 16: every statement proves and verifies on the
//! example declarations; a statement that does not hold gets an error, never a proof; a proof
//! does not verify once its public inputs are altered or reordered.

use std::{fs, path::PathBuf, sync::OnceLock};

use probity_core::{
    parse_field_decimal, Amount, AssetId, Blindings, Capacity, Category, Class, Declaration, Fr,
    Item, OfficialId, Opening, Owner, Period, ProofEnvelope, PublicInputs, SignedAmount,
    StatementKind,
};
use probity_prover::{KeySource, ProveError, Prover, Synthesized, Witness};
use probity_verifier::{Proof, StatementVerifyingKey};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// One prover and verifying key per statement at capacity 16, made once per test binary.
fn keys(kind: StatementKind) -> &'static (Prover, StatementVerifyingKey) {
    static KEYS: OnceLock<Vec<(Prover, StatementVerifyingKey)>> = OnceLock::new();
    let all = KEYS.get_or_init(|| {
        StatementKind::ALL
            .iter()
            .map(|k| {
                let keys =
                    probity_params::generate_keys(*k, Capacity::C16, &mut rng(100)).expect("setup");
                let vk = StatementVerifyingKey::from_verifying_key(
                    *k,
                    Capacity::C16,
                    keys.verifying_key,
                )
                .expect("valid key");
                (
                    Prover::new(*k, Capacity::C16, keys.proving_key).expect("prover"),
                    vk,
                )
            })
            .collect()
    });
    &all[StatementKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("listed")]
}

fn prover(kind: StatementKind) -> &'static Prover {
    &keys(kind).0
}

fn opening(name: &str, seed: u64) -> Opening {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name);
    let d = Declaration::from_toml(&fs::read_to_string(path).expect("example exists"))
        .expect("valid example");
    Opening::new(&d, Blindings::random(d.capacity(), &mut rng(seed))).expect("capacity matches")
}

/// Verifies raw public inputs and a proof with the supervisor's verifier. Altered inputs may
/// no longer decode as typed inputs (an out-of-range bound): that is a refusal too.
fn verifies(kind: StatementKind, inputs: &[Fr], proof_hex: &str) -> bool {
    let bytes: [u8; 128] = hex::decode(proof_hex)
        .expect("hex")
        .try_into()
        .expect("128 bytes");
    let proof = Proof::from_bytes(&bytes).expect("proof decodes");
    match PublicInputs::from_public_inputs(kind, inputs) {
        Ok(typed) => probity_verifier::verify(&keys(kind).1, &typed, &proof).is_ok(),
        Err(_) => false,
    }
}

fn public(env: &ProofEnvelope) -> Vec<Fr> {
    env.public_inputs
        .iter()
        .map(|s| parse_field_decimal(s).expect("canonical"))
        .collect()
}

/// The proof verifies as is, and not after any one public input changes or two swap.
fn assert_sound(env: &ProofEnvelope) {
    let x = public(env);
    assert!(
        verifies(env.statement, &x, &env.proof),
        "{} verifies",
        env.statement
    );
    for i in 0..x.len() {
        let mut altered = x.clone();
        altered[i] += Fr::from(1u64);
        assert!(
            !verifies(env.statement, &altered, &env.proof),
            "{}: input {i} altered",
            env.statement
        );
        for j in i + 1..x.len() {
            if x[i] != x[j] {
                let mut swapped = x.clone();
                swapped.swap(i, j);
                assert!(
                    !verifies(env.statement, &swapped, &env.proof),
                    "{}: inputs {i},{j} swapped",
                    env.statement
                );
            }
        }
    }
    // The envelope round-trips through its JSON form with every check.
    assert_eq!(
        ProofEnvelope::from_json(&env.to_json()).expect("valid envelope"),
        *env
    );
}

/// A random declaration at capacity 16: up to 16 items of assets, liabilities and income,
/// with values from 1 fen to ten billion yuan.
fn random_opening(rng: &mut ChaCha20Rng) -> Opening {
    let items = (0..rng.gen_range(0..=16))
        .map(|i| {
            let category =
                Category::from_code([1, 2, 3, 5, 15, 16, 17, 32, 34][rng.gen_range(0..9)])
                    .expect("a valid code");
            let value = match rng.gen_range(0..4) {
                0 => 1,
                1 => rng.gen_range(1..1_000),
                _ => rng.gen_range(1..1_000_000_000_000),
            };
            Item {
                category,
                asset_id: match category.class() {
                    Class::Income => AssetId::default(),
                    _ => AssetId(format!("RANDOM-{i:02}")),
                },
                value: Amount(value),
                owner: Owner::Official,
                note: String::new(),
            }
        })
        .collect();
    let official = OfficialId::new("GOV-0001").expect("a valid id");
    let period = Period::new(2026).expect("a valid period");
    let d = Declaration::new(official, period, Capacity::C16, "CNY".into(), items)
        .expect("a valid declaration");
    Opening::new(&d, Blindings::random(Capacity::C16, rng)).expect("an opening")
}

/// Random statements through the prover's own MSMs: every band that holds the net worth
/// (down to a band of one value) proves and verifies, with its inputs bound; a band one fen
/// off is refused.
#[test]
fn random_statements_prove_and_verify() {
    let mut rng = rng(1919);
    let p = prover(StatementKind::NetWorthRange);
    for _ in 0..6 {
        let o = random_opening(&mut rng);
        let nw = i64::try_from(o.net_worth()).expect("fits");
        let (below, above) = match rng.gen_range(0..3) {
            0 => (0, 0),
            _ => (rng.gen_range(0..1_000_000), rng.gen_range(0..1_000_000)),
        };
        let env = p
            .net_worth_range(
                &o,
                SignedAmount(nw - below),
                SignedAmount(nw + above),
                &mut rng,
            )
            .expect("the band holds the net worth");
        assert_sound(&env);
        let err = p
            .net_worth_range(&o, SignedAmount(nw + 1), SignedAmount(nw + 2), &mut rng)
            .expect_err("the band is above the net worth");
        assert!(matches!(err, ProveError::DoesNotHold(_)));
    }
}

#[test]
fn net_worth_range_proves_and_verifies() {
    let o = opening("gov-0001-2026.toml", 1);
    let p = prover(StatementKind::NetWorthRange);
    let env = p
        .net_worth_range(
            &o,
            SignedAmount(300_000_000),
            SignedAmount(400_000_000),
            &mut rng(2),
        )
        .expect("3,370,000.00 is in the band");
    assert_eq!(env.official.as_str(), "GOV-0001");
    assert_eq!(env.proof.len(), 256, "128 bytes, hex");
    assert_sound(&env);
    let err = p
        .net_worth_range(&o, SignedAmount(0), SignedAmount(300_000_000), &mut rng(2))
        .expect_err("net worth above hi");
    assert!(matches!(err, ProveError::DoesNotHold(_)));
    assert!(
        !err.to_string().contains("337"),
        "no declared figure in the message: {err}"
    );
}

#[test]
fn category_total_range_proves_and_verifies() {
    let o = opening("gov-0001-2026.toml", 1);
    let p = prover(StatementKind::CategoryTotalRange);
    let no_crypto = Category::parse("crypto_asset").expect("named");
    let env = p
        .category_total_range(&o, no_crypto, SignedAmount(0), SignedAmount(0), &mut rng(3))
        .expect("no crypto");
    assert_sound(&env);
    let real_estate = Category::parse("real_estate").expect("named");
    assert!(matches!(
        p.category_total_range(
            &o,
            real_estate,
            SignedAmount(0),
            SignedAmount(0),
            &mut rng(3)
        ),
        Err(ProveError::DoesNotHold(_))
    ));
}

#[test]
fn wealth_growth_proves_explained_growth_and_refuses_unexplained_growth() {
    let prev = opening("gov-0001-2025.toml", 4);
    let curr = opening("gov-0001-2026.toml", 5);
    let p = prover(StatementKind::WealthGrowth);
    let env = p
        .wealth_growth(&prev, &curr, Amount(0), &mut rng(6))
        .expect("explained by income");
    assert_eq!(
        env.periods.iter().map(|p| p.get()).collect::<Vec<_>>(),
        vec![2025, 2026]
    );
    assert_sound(&env);

    let unexplained = opening("gov-0001-2026-unexplained.toml", 7);
    let err = p
        .wealth_growth(&prev, &unexplained, Amount(0), &mut rng(6))
        .expect_err("not explained");
    assert!(err.to_string().contains("not explained"), "{err}");
    // Periods in the wrong order are refused before any proving.
    assert!(matches!(
        p.wealth_growth(&curr, &prev, Amount(0), &mut rng(6)),
        Err(ProveError::Mismatch(_))
    ));
}

#[test]
fn asset_included_proves_declared_assets_only() {
    let o = opening("gov-0001-2026.toml", 1);
    let p = prover(StatementKind::AssetIncluded);
    let d = Declaration::from_toml(
        &fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/gov-0001-2026.toml"),
        )
        .expect("exists"),
    )
    .expect("valid");
    let home = d
        .items()
        .iter()
        .find(|i| i.category.code() == 1)
        .expect("the example declares real estate");
    let env = p
        .asset_included(&o, &home.asset_id, home.value, &mut rng(8))
        .expect("declared");
    assert_sound(&env);
    assert!(matches!(
        p.asset_included(&o, &home.asset_id, Amount(home.value.0 + 1), &mut rng(8)),
        Err(ProveError::DoesNotHold(_))
    ));
    assert!(matches!(
        p.asset_included(
            &o,
            &AssetId("not-declared-123".into()),
            Amount(0),
            &mut rng(8)
        ),
        Err(ProveError::DoesNotHold(_))
    ));
    let mortgage = d
        .items()
        .iter()
        .find(|i| i.category.code() == 16)
        .expect("the example declares a mortgage");
    assert!(matches!(
        p.asset_included(&o, &mortgage.asset_id, Amount(0), &mut rng(8)),
        Err(ProveError::DoesNotHold(_))
    ));
}

#[test]
fn a_dishonest_witness_gets_an_error_not_a_proof() {
    // The band excludes the net worth; skipping the native check and proving the circuit
    // directly still yields no proof.
    let o = opening("gov-0001-2026.toml", 1);
    let inputs = probity_core::NetWorthRange {
        commitment: o.commitment(),
        official_tag: o.official().tag(),
        period: o.period(),
        lo: SignedAmount(0),
        hi: SignedAmount(1),
    };
    let circuit = probity_circuits::NetWorthRangeCircuit::new(&o, &inputs);
    let p = prover(StatementKind::NetWorthRange);
    assert!(matches!(
        p.prove_circuit(circuit, &inputs.to_public_inputs(), &mut rng(9)),
        Err(ProveError::DoesNotHold(_))
    ));
}

#[test]
fn a_prover_refuses_another_statement() {
    let o = opening("gov-0001-2026.toml", 1);
    let p = prover(StatementKind::AssetIncluded);
    assert!(matches!(
        p.net_worth_range(&o, SignedAmount(0), SignedAmount(1), &mut rng(1)),
        Err(ProveError::WrongKey { .. })
    ));
}

#[test]
fn a_witness_made_apart_proves_with_its_own_key_only() {
    let o = opening("gov-0001-2026.toml", 1);
    // The native check comes with the witness, before any key is involved.
    let err = Witness::net_worth_range(&o, SignedAmount(0), SignedAmount(300_000_000))
        .err()
        .expect("net worth above hi");
    assert!(matches!(err, ProveError::DoesNotHold(_)), "{err}");

    let witness =
        Witness::net_worth_range(&o, SignedAmount(300_000_000), SignedAmount(400_000_000))
            .expect("in the band");
    assert_eq!(witness.inputs().kind(), StatementKind::NetWorthRange);
    for other in [
        StatementKind::AssetIncluded,
        StatementKind::CategoryTotalRange,
    ] {
        assert!(matches!(
            prover(other).prove(&witness, &mut rng(3)),
            Err(ProveError::WrongKey { .. })
        ));
    }
    let env = prover(StatementKind::NetWorthRange)
        .prove(&witness, &mut rng(3))
        .expect("its own key");
    assert_sound(&env);
    // A second proof from the same witness is a fresh proof of the same statement.
    let again = prover(StatementKind::NetWorthRange)
        .prove(&witness, &mut rng(4))
        .expect("its own key");
    assert_ne!(again.proof, env.proof, "fresh randomness, another proof");
    assert_eq!(again.public_inputs, env.public_inputs);
}

#[test]
fn the_manifest_counts_the_constraints_that_synthesis_makes() {
    // A kept file is held to the manifest's count; were the two to differ, every proof
    // would synthesize again.
    for kind in StatementKind::ALL {
        assert_eq!(
            Synthesized::new(kind, Capacity::C16)
                .expect("synthesized")
                .num_constraints(),
            probity_params::num_constraints(kind, Capacity::C16),
            "{kind}"
        );
    }
}

#[test]
fn a_prover_refuses_a_key_made_for_another_circuit() {
    let key =
        probity_params::generate_keys(StatementKind::NetWorthRange, Capacity::C16, &mut rng(5))
            .expect("setup")
            .proving_key;
    for (kind, capacity) in [
        (StatementKind::NetWorthRange, Capacity::C64),
        (StatementKind::AssetIncluded, Capacity::C16),
        (StatementKind::CategoryTotalRange, Capacity::C16),
    ] {
        let circuit = Synthesized::new(kind, capacity).expect("synthesized");
        let err = Prover::from_parts(circuit, key.clone(), KeySource::Dev)
            .expect_err("another circuit's key");
        assert!(
            err.to_string().contains("does not fit"),
            "{kind} {capacity}: {err}"
        );
    }
    let fits = Synthesized::new(StatementKind::NetWorthRange, Capacity::C16).expect("synthesized");
    assert!(Prover::from_parts(fits, key, KeySource::Dev).is_ok());
}

#[test]
fn the_matrices_are_kept_beside_the_key_and_remade_when_damaged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (kind, capacity) = (StatementKind::AssetIncluded, Capacity::C16);
    probity_params::setup_dev(dir.path(), &[kind], &[capacity], &mut rng(9), |_| {})
        .expect("setup");
    let params = probity_params::Params::open(dir.path()).expect("params");
    let kept = dir.path().join("matrices/asset_included-16.matrices");
    assert!(!kept.exists(), "nothing is kept before the first proof");

    let o = opening("gov-0001-2026.toml", 1);
    let prove = || {
        let prover = Prover::from_params(&params, kind, capacity).expect("prover");
        prover
            .asset_included(
                &o,
                &AssetId("浙(2018)杭州市不动产权第0123456号".into()),
                Amount(1),
                &mut rng(2),
            )
            .expect("declared")
    };
    let first = prove();
    let bytes = fs::read(&kept).expect("kept after the first prover");
    assert_eq!(
        Synthesized::kept(&params, kind, capacity).expect("read back"),
        Synthesized::new(kind, capacity).expect("synthesized"),
        "what is kept is what synthesis makes"
    );
    // Read back, not made again: the file stays the one written first.
    use std::os::unix::fs::MetadataExt as _;
    let inode = || fs::metadata(&kept).expect("kept").ino();
    let written = inode();
    // The proof is the same proof (same witness, key and randomness).
    assert_eq!(prove().proof, first.proof);
    assert_eq!(inode(), written, "read back, not rewritten");

    // A damaged file is not used: it is remade, and the proof is unchanged.
    let mut damaged = bytes.clone();
    damaged[bytes.len() / 2] ^= 0x40;
    fs::write(&kept, &damaged).expect("damage");
    assert_eq!(prove().proof, first.proof);
    assert_eq!(fs::read(&kept).expect("rewritten"), bytes);
}
