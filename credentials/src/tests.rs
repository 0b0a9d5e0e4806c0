//! Crate-wide unit tests that need every type's private fields.

use curve25519_dalek::scalar::Scalar;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::{
    issuance, open, presentation, seal, CredentialAttributes, EnrollmentCodes, EnrollmentStore,
    Epoch, Issuer, Receipt, Scope, Subject, TipBody, TipContext, TipSecretKey,
};

/// Every form in which `Debug` could spell `window`: hex in either case, a decimal byte
/// list (`[u8]`'s and `Scalar`'s own `Debug`, whitespace removed), and the bytes as text.
fn spellings(window: &[u8]) -> Vec<String> {
    let decimal = window
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut out = vec![hex::encode(window), hex::encode_upper(window), decimal];
    if let Ok(text) = core::str::from_utf8(window) {
        out.push(text.to_owned());
    }
    out
}

/// No 8-byte window of any secret appears in the `Debug` output, in any spelling.
#[test]
fn debug_output_hides_secrets() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    let issuer = Issuer::generate(&mut rng);
    let codes = EnrollmentCodes::new();
    let code = codes.issue_code(&mut rng).expect("code");
    let attributes = CredentialAttributes::new(Epoch(20), Scope::new("CN-BJ").expect("scope"));
    let (request, state) = issuance::request(
        issuer.public_params(),
        code.clone(),
        attributes.clone(),
        &mut rng,
    );
    let state_secrets = [state.k.to_bytes(), state.d_secret.to_bytes()];
    let state_debug = format!("{state:?} {state:#?}");
    let response = issuer
        .handle_issuance(&request, &codes, &attributes, &mut rng)
        .expect("issuance");
    let credential = state.handle_response(response.clone()).expect("credential");

    let supervisors = TipSecretKey::generate(&mut rng);
    let context = TipContext::new(Subject::new("GOV-0001").expect("subject"), Epoch(5));
    let text = "the secret words of the tip";
    let body = TipBody::new(text, vec![]).expect("body");
    let sealed = seal(&supervisors.public_key(), &context, &body, &mut rng).expect("seal");
    let shown = presentation::present(
        &credential,
        issuer.public_params(),
        &context,
        &sealed,
        &mut rng,
    )
    .expect("present");
    let opened = open(&supervisors, &context, &sealed).expect("open");
    let receipt = Receipt::generate(&mut rng);
    let sk = issuer.secret_key();

    let objects = format!(
        "{credential:?} {supervisors:?} {body:?} {opened:?} {sealed:?} {shown:?} {code:?} \
         {receipt:?} {issuer:?} {sk:?} {context:?} {request:?} {response:?} {codes:?}"
    );
    let pretty = format!(
        "{credential:#?} {supervisors:#?} {body:#?} {opened:#?} {sealed:#?} {shown:#?} \
         {code:#?} {receipt:#?} {issuer:#?} {sk:#?} {context:#?} {request:#?} {response:#?}"
    );
    let debug: String = [state_debug, objects, pretty]
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();

    let scalars: [&Scalar; 6] = [
        &sk.x0,
        &sk.x0_tilde,
        &sk.x[0],
        &sk.x[1],
        &sk.x[2],
        &credential.k,
    ];
    let mut secrets: Vec<(String, Vec<u8>)> = scalars
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("scalar {i}"), s.to_bytes().to_vec()))
        .collect();
    secrets.extend(
        state_secrets
            .iter()
            .map(|s| ("issuance state".to_owned(), s.to_vec())),
    );
    secrets.extend([
        (
            "credential P".to_owned(),
            credential.p.compress().to_bytes().to_vec(),
        ),
        (
            "credential Q".to_owned(),
            credential.q.compress().to_bytes().to_vec(),
        ),
        ("tip key".to_owned(), supervisors.to_bytes().to_vec()),
        ("enrollment code".to_owned(), code.0.to_vec()),
        ("enrollment code text".to_owned(), code.to_string().into()),
        ("receipt".to_owned(), receipt.0.to_vec()),
        ("receipt text".to_owned(), receipt.to_string().into()),
        ("tip text".to_owned(), text.into()),
        ("subject".to_owned(), context.subject.as_str().into()),
    ]);

    for (name, secret) in &secrets {
        assert!(secret.len() >= 8, "{name} is shorter than a window");
        for window in secret.windows(8) {
            for spelling in spellings(window) {
                assert!(
                    !debug.contains(&spelling),
                    "Debug output contains 8 bytes of the {name}"
                );
            }
        }
    }
}

/// The fingerprint a client shows covers the schedule: an issuer that enrolls one person
/// under another epoch length shows them another fingerprint than everyone else's.
#[test]
fn the_fingerprint_covers_the_expiry_schedule() {
    let issuer = Issuer::generate(&mut ChaCha20Rng::seed_from_u64(90));
    let params = issuer.public_params();
    let weekly = crate::ExpirySchedule::new(7 * 24 * 3600, 13, 4).expect("weekly");
    let daily = crate::ExpirySchedule::new(24 * 3600, 13, 4).expect("daily");
    let shifted = crate::ExpirySchedule::new(7 * 24 * 3600, 13, 5).expect("one period more");
    let fp = params.fingerprint_with(&weekly);
    assert_eq!(fp, params.fingerprint_with(&weekly));
    assert_ne!(fp, params.fingerprint_with(&daily));
    assert_ne!(fp, params.fingerprint_with(&shifted));
    assert_ne!(
        fp,
        params.fingerprint(),
        "not the bare parameters' fingerprint"
    );
}
