//! Golden vectors with fixed randomness (seeded ChaCha20).
//!
//! Everything drawn from the caller's RNG is pinned here. The Schnorr proofs are not:
//! `lox-zkp` hedges proof nonces with OS randomness (merlin's transcript RNG), so proof
//! bytes differ run to run; the vectors pin every other byte and check the proofs verify.
//! Any change here is a change of wire format or protocol: bump a version.

use probity_credentials::{
    issuance, presentation, seal, EnrollmentCodes, EnrollmentStore, Epoch, Issuer, Receipt,
    TipBody, TipSecretKey,
};

use crate::{context, rng, scope};

struct Vectors {
    params: String,
    code: String,
    request_head: String,
    response_head: String,
    credential: String,
    tip_public_key: String,
    sealed_digest: String,
    presentation_head: String,
    tag: String,
    receipt: String,
    receipt_hash: String,
}

fn compute() -> Vectors {
    let mut rng = rng(0x5052_4f42);
    // ISSUER
    let issuer = Issuer::generate(&mut rng);
    let codes = EnrollmentCodes::new();
    let code = codes.issue_code(&mut rng).expect("code");
    let code_text = code.to_string();
    // CLIENT
    let (request, state) = issuance::request(issuer.public_params(), code, &mut rng);
    // ISSUER
    let response = issuer
        .handle_issuance(&request, &codes, Epoch(20262), &scope(), &mut rng)
        .expect("issuance");
    let response_bytes = response.to_bytes();
    // CLIENT
    let credential = state.handle_response(response).expect("credential");
    // SUPERVISOR
    let supervisors = TipSecretKey::generate(&mut rng);
    // CLIENT
    let ctx = context("GOV-0001", 20261);
    let body = TipBody::new("golden tip", vec![]).expect("body");
    let sealed = seal(&supervisors.public_key(), &ctx, &body, &mut rng).expect("seal");
    let p = presentation::present(
        &credential,
        issuer.public_params(),
        &ctx,
        &sealed.digest(),
        &mut rng,
    )
    .expect("present");
    // ISSUER
    let tag = issuer
        .verify_presentation(&p, &ctx, &scope(), &sealed.digest())
        .expect("verifies");
    let receipt = Receipt::generate(&mut rng);

    let head = 1 + 8 + 1 + 5 + 4 * 32;
    Vectors {
        params: hex::encode(issuer.public_params().to_bytes()),
        code: code_text,
        request_head: hex::encode(&request.to_bytes()[..1 + 20 + 3 * 32]),
        response_head: hex::encode(&response_bytes[..head]),
        credential: hex::encode(&*credential.to_bytes()),
        tip_public_key: hex::encode(supervisors.public_key().to_bytes()),
        sealed_digest: hex::encode(sealed.digest().0),
        presentation_head: hex::encode(&p.to_bytes()[..head]),
        tag: hex::encode(tag.0),
        receipt: receipt.to_string(),
        receipt_hash: hex::encode(receipt.storage_hash().0),
    }
}

#[test]
fn golden_vectors() {
    let v = compute();
    let expected = [
        ("params", v.params.as_str(), PARAMS),
        ("code", &v.code, CODE),
        ("request_head", &v.request_head, REQUEST_HEAD),
        ("response_head", &v.response_head, RESPONSE_HEAD),
        ("credential", &v.credential, CREDENTIAL),
        ("tip_public_key", &v.tip_public_key, TIP_PUBLIC_KEY),
        ("sealed_digest", &v.sealed_digest, SEALED_DIGEST),
        ("presentation_head", &v.presentation_head, PRESENTATION_HEAD),
        ("tag", &v.tag, TAG),
        ("receipt", &v.receipt, RECEIPT),
        ("receipt_hash", &v.receipt_hash, RECEIPT_HASH),
    ];
    if std::env::var_os("PROBITY_PRINT_GOLDEN").is_some() {
        for (name, got, _) in &expected {
            println!("const {}: &str = \"{got}\";", name.to_uppercase());
        }
    }
    for (name, got, want) in expected {
        assert_eq!(got, want, "golden vector {name} changed");
    }
}

const PARAMS: &str = concat!(
    "015ac8fbc8df629ca6992d2d076991bb67b0126a38b9829a9812270028e45505",
    "2f3264d1df3aa4e5cc67fde416be72b4920630c12e738f5f54c2e8dcb496fbd0",
    "7298642ab24958cfd29efb35e28235599bfb54086f9e04cdc68852c1e3d239cd",
    "23d0c2663e3a022d6fc09da266cb46ccaad51fefafb27da1f89355c97a6f0e46",
    "2e"
);
const CODE: &str = "Q0Y3-Q40M-5HVS-AP0X-110D-A6Y2-CVMH-ZMCM";
const REQUEST_HEAD: &str = concat!(
    "01b83c3b90142c7795581d0840d51bc266e91fd194c411660822bf5487530959",
    "647c17e27d20ff426a0bab159c389dca0f0f4a84721687e4b1e938c396cf124d",
    "0b6399d97965010e6d2ab0b3711e5281424e14380c529445cfa3cbb06d289db1",
    "3688ba86ec9c3196a678c22640b1a3129ac0712514"
);
const RESPONSE_HEAD: &str = concat!(
    "010000000000004f2605434e2d424aeaa99b86a7b58514eb3b390656f35bb0ff",
    "9bffc1ebaeaf5f2737f9990d77322762d15718c7d78409e9b52025051f1a1777",
    "12e37ae397112fba1bd31e8a66b421664981a2a042254d2113e2c7dbd7acbdf1",
    "6b316ec9b5240bd7778a0ca0476023a8a7644b4668188a576abc10ba2c904d0a",
    "f7427c39a69dffe192448265072b54"
);
const CREDENTIAL: &str = concat!(
    "015685f653a42dd9e2967703e43f03672e975da4f8740c2d3378db154f93313a",
    "050000000000004f2605434e2d424aeaa99b86a7b58514eb3b390656f35bb0ff",
    "9bffc1ebaeaf5f2737f9990d7732277473439e4743e1020806266a979ad51965",
    "b97358bab928e3bbb38d24c8dfac5b"
);
const TIP_PUBLIC_KEY: &str = "dbdc4d011ba75326cef41b5c9b9ce292ab527e026a31c2d1b08e61d7a1feb17b";
const SEALED_DIGEST: &str = "9018eacbfed87a6cced0f610f0c9150df8c417a4fc2a2fd8eb6164c2c7736313";
const PRESENTATION_HEAD: &str = concat!(
    "010000000000004f2605434e2d424a4e59c0e542751b28c73a517adaa4102193",
    "0407a1f1f443c28905fa02cd406f6472697edf7aa5b8d2f96ba4d1a2f084275f",
    "04be3aeaac12e9e80b65f75a472508721c8ab39aa6435126ec13ce5ef38c4fed",
    "949a57a23943d85811c4e197f4ba3fccc288c4dad107a52f7822d143e78fa9f7",
    "70b80cbafb270cd379aed5e97a4d5a"
);
const TAG: &str = "ccc288c4dad107a52f7822d143e78fa9f770b80cbafb270cd379aed5e97a4d5a";
const RECEIPT: &str = "8JAB-6CB6-9DNF-EFKN-G4E9-6JDX-8MAC-ED1V";
const RECEIPT_HASH: &str = "1c1748f07fea8737e1987a15ed1e494e3f19ea94401890e742e2730599b4a0a8";
