//! Golden vectors with fixed randomness (seeded ChaCha20), checked in as
//! `tests/credentials/golden.txt`.
//!
//! Everything drawn from the caller's RNG is recomputed and must match byte for byte. The
//! Schnorr proofs cannot be recomputed: `lox-zkp` draws proof nonces from merlin's
//! transcript RNG, rekeyed with the witness and finalized with OS randomness (see the crate
//! docs, "Proof nonces"). So the file holds the full request, response and presentation
//! produced once, and the test checks that today's code accepts them, deterministically:
//!
//! - the issuer (same seeded key, a store holding the same code) accepts the stored request;
//! - the client, with its `State` rebuilt from the same seed, accepts the stored response
//!   and decrypts the pinned credential;
//! - the issuer accepts the stored presentation for the stored sealed tip, with the pinned
//!   tag;
//!
//! and that every byte before each stored proof equals what the seeded flow makes now.
//!
//! Any change here is a change of wire format or protocol: bump a version. To regenerate
//! after a deliberate change, run with `PROBITY_REGENERATE_FIXTURES=1`.

use probity_credentials::{
    issuance, presentation, seal, EnrollmentCodes, EnrollmentStore, Issuer, Presentation, Receipt,
    SealedTip, TipBody, TipSecretKey,
};

use crate::{attributes, context, rng, scope};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/credentials/golden.txt");
const REGENERATE: &str = "PROBITY_REGENERATE_FIXTURES";
const SEED: u64 = 0x5052_4f42;
const EXPIRY: u64 = 20262;
const EPOCH: u64 = 20261;

/// Bytes of the compact proof at the end of each message: challenge and responses.
const REQUEST_PROOF_LEN: usize = 4 * 32;
const RESPONSE_PROOF_LEN: usize = 9 * 32;
const PRESENTATION_PROOF_LEN: usize = 4 * 32;

/// Named values, in file order.
type Vectors = Vec<(&'static str, String)>;

/// The stored request, response and presentation, decoded from the fixture.
struct Stored {
    request: Vec<u8>,
    response: Vec<u8>,
    sealed_tip: Vec<u8>,
    presentation: Vec<u8>,
}

fn unhex(vectors: &Vectors, name: &str) -> Vec<u8> {
    let (_, value) = vectors
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("fixture has no {name}"));
    hex::decode(value).expect("fixture values are hex")
}

/// The seeded flow. With `stored`, each party checks the stored message where it would
/// receive the fresh one, so the stored proofs are verified by today's code; the fresh
/// messages are returned either way.
fn flow(stored: Option<&Stored>) -> Vectors {
    let mut rng = rng(SEED);
    // ISSUER
    let issuer = Issuer::generate(&mut rng);
    let codes = EnrollmentCodes::new();
    let code = codes.issue_code(&mut rng).expect("code");
    let code_text = code.to_string();
    // CLIENT: the same seed rebuilds the same `State` (k, d) as when the file was made.
    let (request, state) =
        issuance::request(issuer.public_params(), code, attributes(EXPIRY), &mut rng);
    // ISSUER
    let received_request = match stored {
        Some(s) => issuance::Request::from_bytes(&s.request).expect("stored request decodes"),
        None => request.clone(),
    };
    let response = issuer
        .handle_issuance(&received_request, &codes, &attributes(EXPIRY), &mut rng)
        .expect("the issuer accepts the request");
    // CLIENT
    let received_response = match stored {
        Some(s) => issuance::Response::from_bytes(&s.response).expect("stored response decodes"),
        None => response.clone(),
    };
    let credential = state
        .handle_response(received_response)
        .expect("the client accepts the response");
    // SUPERVISOR
    let supervisors = TipSecretKey::generate(&mut rng);
    // CLIENT
    let ctx = context("GOV-0001", EPOCH);
    let body = TipBody::new("golden tip", vec![]).expect("body");
    let sealed = seal(&supervisors.public_key(), &ctx, &body, &mut rng).expect("seal");
    let p = presentation::present(&credential, issuer.public_params(), &ctx, &sealed, &mut rng)
        .expect("present");
    // ISSUER
    let (received_p, received_sealed) = match stored {
        Some(s) => (
            Presentation::from_bytes(&s.presentation).expect("stored presentation decodes"),
            SealedTip::from_bytes(&s.sealed_tip).expect("stored sealed tip decodes"),
        ),
        None => (p.clone(), sealed.clone()),
    };
    let tag = issuer
        .verify_presentation(&received_p, &ctx, &scope(), &received_sealed)
        .expect("the issuer accepts the presentation");
    assert_eq!(
        issuer.verify_presentation(&p, &ctx, &scope(), &sealed),
        Ok(tag),
        "today's presentation has the stored tag"
    );
    let receipt = Receipt::generate(&mut rng);

    vec![
        ("params", hex::encode(issuer.public_params().to_bytes())),
        (
            "params_fingerprint",
            issuer.public_params().fingerprint().to_string(),
        ),
        ("enrollment_code", code_text),
        ("request", hex::encode(request.to_bytes())),
        ("response", hex::encode(response.to_bytes())),
        ("credential", hex::encode(&*credential.to_bytes())),
        (
            "tip_public_key",
            hex::encode(supervisors.public_key().to_bytes()),
        ),
        ("sealed_tip", hex::encode(sealed.to_bytes())),
        ("sealed_tip_digest", hex::encode(sealed.digest().0)),
        ("presentation", hex::encode(p.to_bytes())),
        ("tag", hex::encode(tag.0)),
        ("receipt", receipt.to_string()),
        ("receipt_hash", hex::encode(receipt.storage_hash().0)),
    ]
}

fn write_fixture(vectors: &Vectors) {
    let mut text = String::from(
        "# Golden vectors of probity-credentials (tests/credentials/golden.rs).\n\
         # Seeded ChaCha20; proofs carry OS randomness, so they were produced once and are\n\
         # verified, not recomputed. Regenerate only after a deliberate protocol change:\n\
         # PROBITY_REGENERATE_FIXTURES=1 cargo test -p probity-credentials --test credentials golden\n",
    );
    for (name, value) in vectors {
        text.push_str(&format!("{name} {value}\n"));
    }
    std::fs::write(FIXTURE, text).expect("write the fixture");
}

fn read_fixture() -> Vectors {
    let text = std::fs::read_to_string(FIXTURE).expect("read tests/credentials/golden.txt");
    let names = flow_names();
    let vectors: Vectors = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (name, value) = line.split_once(' ').expect("`name value` lines");
            let name = names
                .iter()
                .copied()
                .find(|n| *n == name)
                .unwrap_or_else(|| panic!("unknown fixture entry {name}"));
            (name, value.to_owned())
        })
        .collect();
    assert_eq!(
        vectors.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        names,
        "fixture entries"
    );
    vectors
}

fn flow_names() -> Vec<&'static str> {
    vec![
        "params",
        "params_fingerprint",
        "enrollment_code",
        "request",
        "response",
        "credential",
        "tip_public_key",
        "sealed_tip",
        "sealed_tip_digest",
        "presentation",
        "tag",
        "receipt",
        "receipt_hash",
    ]
}

#[test]
fn golden_vectors() {
    if std::env::var_os(REGENERATE).is_some_and(|v| v == "1") {
        write_fixture(&flow(None));
    }
    let want = read_fixture();
    let stored = Stored {
        request: unhex(&want, "request"),
        response: unhex(&want, "response"),
        sealed_tip: unhex(&want, "sealed_tip"),
        presentation: unhex(&want, "presentation"),
    };
    let got = flow(Some(&stored));

    for ((name, got), (_, want)) in got.iter().zip(&want) {
        let proof_hex_len = 2 * match *name {
            "request" => REQUEST_PROOF_LEN,
            "response" => RESPONSE_PROOF_LEN,
            "presentation" => PRESENTATION_PROOF_LEN,
            _ => 0,
        };
        assert_eq!(
            got.len(),
            want.len(),
            "golden vector {name}: length changed"
        );
        // Everything but the proof is pinned byte for byte.
        let head = got.len() - proof_hex_len;
        assert_eq!(got[..head], want[..head], "golden vector {name} changed");
    }
}
