//! The contracts on a real local chain (anvil, from `npm ci`), through the `chain` module:
//! deploy, file, anchor and read back; the generated verifiers accept our proofs and refuse
//! altered ones; the registry refuses writes from other accounts. Prints the gas figures.
//!
//! Run with `cargo test -p probity-service --features evm --test evm -- --nocapture`.
#![cfg(feature = "evm")]

#[path = "../../tests/common/chain_tools.rs"]
mod chain_tools;
mod common;

use chain_tools::{Anvil, OPERATOR_KEY, OTHER_KEY};
use common::{declaration, opening, prover};
use probity_core::{AssetId, Capacity, Category, PublicInputs, SignedAmount, StatementKind};
use probity_service::chain::{verify_gas, verify_on_chain, Chain, ChainError, ChainFiling};
use probity_verifier::{evm_proof, export_solidity, EvmProof, Proof, StatementVerifyingKey};

/// BN254's scalar field modulus, big-endian.
const R: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
    0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

/// Compiles contracts with the pinned solcjs; returns each one's creation bytecode (hex).
fn compile(sources: &[(String, String)]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, source) in sources {
        std::fs::write(dir.path().join(format!("{name}.sol")), source).expect("write");
    }
    let names: Vec<&str> = sources.iter().map(|(n, _)| n.as_str()).collect();
    chain_tools::compile(dir.path(), &names)
}

fn key(statement: StatementKind) -> StatementVerifyingKey {
    let params = probity_params::Params::open(common::params_dir()).expect("params");
    let entry = params
        .entry(statement, Capacity::C16)
        .expect("a key at capacity 16");
    StatementVerifyingKey::from_manifest_entry(entry).expect("key")
}

fn encode(envelope: &probity_core::ProofEnvelope) -> (PublicInputs, EvmProof) {
    let inputs = envelope.inputs().expect("inputs");
    let proof = Proof::from_bytes(&envelope.proof_bytes().expect("bytes")).expect("proof");
    let evm = evm_proof(&proof, &inputs);
    (inputs, evm)
}

/// `word + R`, which overflows nothing for inputs below 2^255.
fn plus_r(word: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let sum = u16::from(word[i]) + u16::from(R[i]) + carry;
        out[i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn contracts_anchor_and_verify_on_a_real_chain() {
    let anvil = Anvil::start();

    // Our proofs: the 2025 and 2026 declarations of GOV-0001 and a proof of each statement.
    let o2025 = opening(&declaration("gov-0001-2025.toml"));
    let o2026 = opening(&declaration("gov-0001-2026.toml"));
    let rng = &mut rand::rngs::OsRng;
    let band = prover(StatementKind::NetWorthRange)
        .net_worth_range(&o2026, SignedAmount(0), SignedAmount(1 << 62), rng)
        .expect("band proof");
    let growth = prover(StatementKind::WealthGrowth)
        .wealth_growth(&o2025, &o2026, probity_core::Amount(0), rng)
        .expect("growth proof");
    let category = prover(StatementKind::CategoryTotalRange)
        .category_total_range(
            &o2026,
            Category::from_code(3).expect("securities"),
            SignedAmount(0),
            SignedAmount(1 << 62),
            rng,
        )
        .expect("category proof");
    let asset = prover(StatementKind::AssetIncluded)
        .asset_included(
            &o2026,
            &AssetId("浙(2021)杭州市不动产权第0456789号".into()),
            probity_core::Amount(1),
            rng,
        )
        .expect("asset proof");
    let envelopes = [&band, &category, &growth, &asset];

    // A genuine 64-slot declaration and an asset proof about it, with its own keys: the
    // registry must only match it against a filing made for 64 slots.
    let d2026 = declaration("gov-0001-2026.toml");
    let o64 = opening(
        &probity_core::Declaration::new(
            d2026.official().clone(),
            d2026.period(),
            Capacity::C64,
            d2026.currency().into(),
            d2026.items().to_vec(),
        )
        .expect("the same items fit 64 slots"),
    );
    let keys64 = probity_params::generate_keys(StatementKind::AssetIncluded, Capacity::C64, rng)
        .expect("keys at capacity 64");
    let vk64 = StatementVerifyingKey::from_verifying_key(
        StatementKind::AssetIncluded,
        Capacity::C64,
        keys64.verifying_key.clone(),
    )
    .expect("a valid key");
    let asset64 = probity_prover::Prover::new(
        StatementKind::AssetIncluded,
        Capacity::C64,
        keys64.proving_key,
    )
    .expect("prover at capacity 64")
    .asset_included(
        &o64,
        &AssetId("浙(2021)杭州市不动产权第0456789号".into()),
        probity_core::Amount(1),
        rng,
    )
    .expect("asset proof at capacity 64");

    // Compile the registry and a verifier per statement.
    let mut sources = vec![(
        "ProbityRegistry".to_owned(),
        include_str!("../../contracts/ProbityRegistry.sol").to_owned(),
    )];
    for e in envelopes {
        let contract = export_solidity(&key(e.statement));
        sources.push((contract.name, contract.source));
    }
    let contract64 = export_solidity(&vk64);
    sources.push((contract64.name, contract64.source));
    let bytecode = compile(&sources);
    let verifier64_code = bytecode.last().expect("the 64-slot verifier").clone();

    // Deploy.
    let operator = Chain::connect(&anvil.url, OPERATOR_KEY).expect("connects");
    let deployed = operator
        .deploy_registry(&bytecode[0])
        .await
        .expect("registry deploys");
    let registry = operator.registry(deployed.created.expect("an address"));
    let mut verifiers = Vec::new();
    for (e, code) in envelopes.iter().zip(&bytecode[1..=envelopes.len()]) {
        let v = operator.deploy(code, &[]).await.expect("verifier deploys");
        let address = v.created.expect("an address");
        registry
            .set_verifier(e.statement, Capacity::C16, address)
            .await
            .expect("verifier set");
        verifiers.push(address);
    }

    // File and anchor, then read back.
    let (band_inputs, band_evm) = encode(&band);
    let PublicInputs::NetWorthRange(nwr) = &band_inputs else {
        panic!("a band proof")
    };
    let tag = nwr.official_tag.0;
    registry
        .register_official(&tag, alloy::primitives::Address::ZERO)
        .await
        .expect("registered");
    let mut gas = Vec::new();
    for o in [&o2025, &o2026] {
        let filed = registry
            .file_declaration(&tag, o.period().get(), Capacity::C16, &o.commitment().0)
            .await
            .expect("filed");
        gas.push(("fileDeclaration".to_owned(), filed.gas_used));
        assert_eq!(
            registry
                .commitment_of(&tag, o.period().get())
                .await
                .expect("read"),
            probity_verifier::evm_word(&o.commitment().0),
            "the chain holds the filed commitment"
        );
    }
    let anchored = registry
        .anchor_checkpoint(42, [7u8; 32])
        .await
        .expect("anchored");
    gas.push(("anchorCheckpoint".to_owned(), anchored.gas_used));
    assert_eq!(registry.checkpoint().await.expect("read"), (42, [7u8; 32]));
    assert!(
        matches!(
            registry.anchor_checkpoint(41, [8u8; 32]).await,
            Err(ChainError::Reverted(_))
        ),
        "a checkpoint never goes back"
    );

    // Every statement's proof verifies on-chain, directly and against the filings.
    for (e, verifier) in envelopes.iter().zip(&verifiers) {
        let (_, evm) = encode(e);
        assert!(
            verify_on_chain(&operator, *verifier, &evm)
                .await
                .expect("call"),
            "{} verifies on-chain",
            e.statement
        );
        assert!(
            registry
                .check_proof(e.statement, Capacity::C16, &evm)
                .await
                .expect("call"),
            "{} matches the filings",
            e.statement
        );
        assert_eq!(
            registry
                .verifier_of(e.statement, Capacity::C16)
                .await
                .expect("read"),
            Some(*verifier)
        );
        // Sent with the node's own gas estimate: the check must still pass (a verifier that
        // read a precompile run out of gas as `false` would record a valid proof as invalid).
        let (valid, recorded) = registry
            .record_proof_check(e.statement, Capacity::C16, &evm)
            .await
            .expect("recorded");
        assert!(valid, "the recorded check of {} says valid", e.statement);
        gas.push((format!("checkProof {}", e.statement), recorded.gas_used));
        let bare = verify_gas(&operator, *verifier, &evm)
            .await
            .expect("estimate");
        gas.push((format!("verifyProof {} (estimate)", e.statement), bare));
    }
    assert_eq!(
        registry
            .verifier_of(StatementKind::NetWorthRange, Capacity::C64)
            .await
            .expect("read"),
        None,
        "no verifier was set at capacity 64"
    );

    // Refused: an altered public input, an altered proof, an input >= r, and a proof of a
    // commitment that was never filed.
    let nwr_verifier = verifiers[0];
    let refused = |evm: EvmProof, what: &'static str| {
        let (operator, registry) = (operator.clone(), registry.clone());
        async move {
            assert!(
                !verify_on_chain(&operator, nwr_verifier, &evm)
                    .await
                    .expect("call"),
                "the verifier must refuse {what}"
            );
            assert!(
                !registry
                    .check_proof(StatementKind::NetWorthRange, Capacity::C16, &evm)
                    .await
                    .expect("call"),
                "the registry must refuse {what}"
            );
        }
    };
    let mut altered = band_evm.clone();
    altered.input[4][31] ^= 1; // hi
    refused(altered, "an altered public input").await;
    let mut bad_proof = band_evm.clone();
    std::mem::swap(&mut bad_proof.a, &mut bad_proof.c);
    refused(bad_proof, "an altered proof").await;
    let mut wrapped = band_evm.clone();
    wrapped.input[3] = plus_r(&wrapped.input[3]); // lo + r: the same field element
    refused(wrapped, "a public input >= r").await;
    let unfiled = opening(&declaration("gov-0001-2026.toml")); // other blindings
    let (_, unfiled_evm) = encode(
        &prover(StatementKind::NetWorthRange)
            .net_worth_range(&unfiled, SignedAmount(0), SignedAmount(1 << 62), rng)
            .expect("proof"),
    );
    assert!(
        verify_on_chain(&operator, nwr_verifier, &unfiled_evm)
            .await
            .expect("call"),
        "the proof itself is valid"
    );
    assert!(
        !registry
            .check_proof(StatementKind::NetWorthRange, Capacity::C16, &unfiled_evm)
            .await
            .expect("call"),
        "but its commitment is not the one filed"
    );

    // Other accounts cannot write; an official's registered account can file for them.
    let other = Chain::connect(&anvil.url, OTHER_KEY).expect("connects");
    let as_other = other.registry(registry.address());
    let reverted = |r: Result<_, ChainError>| matches!(r, Err(ChainError::Reverted(_)));
    assert!(reverted(
        as_other
            .file_declaration(&tag, 2027, Capacity::C16, &o2026.commitment().0)
            .await
    ));
    assert!(reverted(as_other.anchor_checkpoint(100, [9u8; 32]).await));
    assert!(reverted(
        as_other.register_official(&tag, other.account()).await
    ));
    registry
        .register_official(&tag, other.account())
        .await
        .expect("the operator names the official's account");
    as_other
        .file_declaration(&tag, 2027, Capacity::C16, &o2026.commitment().0)
        .await
        .expect("the official's own account files");

    // A proof of a commitment filed for another official: the registry holds commitments per
    // official, so filing it under GOV-0002 does not make it GOV-0001's.
    let tag_b = probity_core::OfficialId::new("GOV-0002")
        .expect("id")
        .tag()
        .0;
    // Batches, as the service anchors: registering again leaves GOV-0001's account as it is,
    // and a later filing for the same period replaces an earlier one.
    registry
        .register_officials(&[tag_b, tag])
        .await
        .expect("registered in a batch");
    let (c_unfiled, c2025, c2026) = (
        unfiled.commitment().0,
        o2025.commitment().0,
        o2026.commitment().0,
    );
    let filing = |official_tag, period, commitment| ChainFiling {
        official_tag,
        period,
        capacity: Capacity::C16,
        commitment,
    };
    let batch = [
        filing(tag_b, 2026, c_unfiled),
        filing(tag_b, 2027, c2025),
        filing(tag_b, 2027, c2026),
    ];
    let filed = registry
        .file_declarations(&batch)
        .await
        .expect("filed in a batch");
    gas.push((
        format!("fileDeclarations, {} filings (per filing)", batch.len()),
        filed.gas_used / batch.len() as u64,
    ));
    // A full batch, as the service sends them: new periods, so every filing is a new slot.
    let full: Vec<_> = (3000..3100).map(|p| filing(tag_b, p, c2026)).collect();
    let filed = registry
        .file_declarations(&full)
        .await
        .expect("a full batch");
    gas.push((
        format!("fileDeclarations, {} filings (per filing)", full.len()),
        filed.gas_used / full.len() as u64,
    ));
    assert_eq!(
        registry.commitment_of(&tag_b, 2027).await.expect("read"),
        probity_verifier::evm_word(&c2026),
        "the later filing of the batch stands"
    );
    assert!(
        !registry
            .check_proof(StatementKind::NetWorthRange, Capacity::C16, &unfiled_evm)
            .await
            .expect("call"),
        "a proof of GOV-0002's commitment, made for GOV-0001, is refused"
    );
    let mut as_b = unfiled_evm.clone();
    as_b.input[1] = probity_verifier::evm_word(&tag_b);
    refused(as_b, "a proof moved to another official's tag").await;
    as_other
        .file_declaration(&tag, 2028, Capacity::C16, &c2026)
        .await
        .expect("the batch left the official's account in place");
    assert!(reverted(as_other.register_officials(&[tag_b]).await));
    assert!(reverted(as_other.file_declarations(&batch).await));

    // The capacity is part of a filing. The 64-slot commitment filed as if for 16 slots: its
    // genuine 64-slot proof verifies, but the registry refuses it, and it refuses the filing
    // at a capacity that does not exist.
    let v64 = operator
        .deploy(&verifier64_code, &[])
        .await
        .expect("verifier deploys")
        .created
        .expect("an address");
    registry
        .set_verifier(StatementKind::AssetIncluded, Capacity::C64, v64)
        .await
        .expect("verifier set");
    let (_, evm64) = encode(&asset64);
    let p64 = o64.period().get();
    registry
        .file_declaration(&tag, p64, Capacity::C16, &o64.commitment().0)
        .await
        .expect("filed, with the wrong capacity");
    assert!(
        verify_on_chain(&operator, v64, &evm64).await.expect("call"),
        "the 64-slot proof itself is valid"
    );
    assert!(
        !registry
            .check_proof(StatementKind::AssetIncluded, Capacity::C64, &evm64)
            .await
            .expect("call"),
        "a 64-slot proof against a filing for 16 slots is refused"
    );
    assert_eq!(
        registry.capacity_of(&tag, p64).await.expect("read"),
        Some(Capacity::C16)
    );
    registry
        .file_declaration(&tag, p64, Capacity::C64, &o64.commitment().0)
        .await
        .expect("filed again, at its capacity");
    assert!(
        registry
            .check_proof(StatementKind::AssetIncluded, Capacity::C64, &evm64)
            .await
            .expect("call"),
        "control: the same proof against the filing for 64 slots"
    );

    eprintln!("gas used:");
    for (what, used) in gas {
        eprintln!("  {what}: {used}");
    }
    drop((registry, as_other, operator, other));
    drop(anvil);
}
