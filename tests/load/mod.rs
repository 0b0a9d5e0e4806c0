//! What a load on the service is made of, made before the load starts: registered officials
//! with a signed filing and its `net_worth_range` proof each, and whistleblower credentials
//! with one ready tip per (credential, official). Shared by `tests/service_crash.rs` and
//! `benches/service_load.rs`, which include this file by path.
//!
//! Everything slow (proving, presenting, sealing) happens here, so that a load sends only
//! requests the service must check in full.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use base64::Engine as _;
use ed25519_dalek::SigningKey;
use probity_client::{api, Client};
use probity_core::{
    Blindings, Capacity, Declaration, OfficialId, Opening, SignedAmount, StatementKind,
};
use probity_credentials::{
    issuance, presentation, seal, Credential, CredentialAttributes, EnrollmentCode, Epoch,
    IssuerPublicParams, Scope, Subject, TipBody, TipContext, TipPublicKey,
};
use probity_ledger::{DeclarationFiled, SupervisorId};
use rand::rngs::OsRng;

/// The jurisdiction of every official in a load, and so the scope of every credential.
pub const JURISDICTION: &str = "CN-ZJ-HZ";

/// The id of the `i`-th official of a load.
pub fn official_id(i: usize) -> String {
    format!("LOAD-{i:04}")
}

/// An official of a load: their key and their filing body, encoded once. The same body can
/// be sent again and again: each request is signed afresh, and each re-filing is an
/// amendment the service verifies in full (signature, proof, rules) and logs.
pub struct Official {
    pub id: String,
    pub key: SigningKey,
    pub filing: Vec<u8>,
}

/// The example declaration of 2025, as official `id`.
pub fn declaration(id: &str) -> Declaration {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gov-0001-2025.toml");
    let text = std::fs::read_to_string(&path)
        .expect("the example declaration")
        .replace("official = \"GOV-0001\"", &format!("official = \"{id}\""));
    Declaration::from_toml(&text).expect("the example declaration is valid")
}

/// Registers an official with a fresh key.
pub fn register_official(registrar: &Client, id: &str) -> SigningKey {
    let key = SigningKey::generate(&mut OsRng);
    let _: api::Written = registrar
        .post(
            "/v1/admin/officials",
            &api::RegisterOfficial {
                official: OfficialId::new(id).expect("a valid id"),
                name: format!("Official {id}"),
                position: "Head of department".into(),
                jurisdiction: JURISDICTION.into(),
                public_key: hex::encode(key.verifying_key().as_bytes()),
            },
        )
        .expect("the registrar registers an official");
    key
}

/// Registers a supervisor with a fresh key.
pub fn register_supervisor(registrar: &Client, id: &str) -> SigningKey {
    let key = SigningKey::generate(&mut OsRng);
    let _: api::Written = registrar
        .post(
            "/v1/admin/supervisors",
            &api::RegisterSupervisor {
                supervisor: SupervisorId::new(id).expect("a valid id"),
                public_key: hex::encode(key.verifying_key().as_bytes()),
            },
        )
        .expect("the registrar registers a supervisor");
    key
}

/// Registers `count` officials and makes each one's filing with its `net_worth_range` proof
/// at capacity 16 (the slow part: one Groth16 proof each), with the keys in `params`.
pub fn officials(registrar: &Client, params: &Path, count: usize) -> Vec<Official> {
    let params = probity_params::Params::open(params).expect("params");
    let prover =
        probity_prover::Prover::from_params(&params, StatementKind::NetWorthRange, Capacity::C16)
            .expect("a net_worth_range prover");
    let bands = probity_service::default_bands();
    (0..count)
        .map(|i| {
            let id = official_id(i);
            let key = register_official(registrar, &id);
            let d = declaration(&id);
            let o =
                Opening::new(&d, Blindings::random(d.capacity(), &mut OsRng)).expect("an opening");
            let band = bands
                .iter()
                .find(|b| i128::from(b.lo) <= o.net_worth() && o.net_worth() <= i128::from(b.hi))
                .expect("the bands cover every net worth");
            let proof = prover
                .net_worth_range(&o, SignedAmount(band.lo), SignedAmount(band.hi), &mut OsRng)
                .expect("the example is in its band");
            let body = api::FileDeclaration {
                filing: DeclarationFiled::sign(
                    o.official().clone(),
                    o.period(),
                    o.capacity(),
                    o.commitment(),
                    &key,
                ),
                proofs: vec![proof],
            };
            Official {
                id,
                key,
                filing: serde_json::to_vec(&body).expect("a filing encodes"),
            }
        })
        .collect()
}

/// What a whistleblower needs from the service's `/v1/info`.
pub struct Keys {
    pub epoch: u64,
    /// The expiry of a credential issued now, by the published schedule.
    pub credential_expiry: u64,
    pub issuer: IssuerPublicParams,
    pub tip_key: TipPublicKey,
}

pub fn keys(client: &Client) -> Keys {
    let info: api::ServiceInfo = client.get("/v1/info").expect("info");
    Keys {
        epoch: info.epoch,
        credential_expiry: info.credential_expiry,
        issuer: IssuerPublicParams::from_bytes(&hex::decode(&info.issuer_params).expect("hex"))
            .expect("issuer params"),
        tip_key: TipPublicKey::from_bytes(&hex::decode(&info.tip_key).expect("hex"))
            .expect("tip key"),
    }
}

/// Enrolls `count` whistleblowers of [`JURISDICTION`]: the registrar makes the codes, each
/// whistleblower redeems one (blind issuance), on `threads` threads.
pub fn credentials(
    registrar: &Client,
    client: &Client,
    keys: &Keys,
    count: usize,
    threads: usize,
) -> Vec<Credential> {
    let mut codes = Vec::with_capacity(count);
    while codes.len() < count {
        let n = (count - codes.len()).min(1_000);
        let made: api::EnrollmentCodes = registrar
            .post(
                "/v1/admin/enrollment-codes",
                &api::IssueEnrollmentCodes {
                    count: n as u64,
                    scope: JURISDICTION.into(),
                },
            )
            .expect("the registrar makes enrollment codes");
        codes.extend(made.codes);
    }
    let expected = CredentialAttributes::new(
        Epoch(keys.credential_expiry),
        Scope::new(JURISDICTION).expect("a valid scope"),
    );
    let chunk = count.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = codes
            .chunks(chunk)
            .map(|codes| {
                let expected = expected.clone();
                s.spawn(move || {
                    codes
                        .iter()
                        .map(|code| {
                            let code = EnrollmentCode::parse(code).expect("a code");
                            let (request, state) =
                                issuance::request(&keys.issuer, code, expected.clone(), &mut OsRng);
                            let enrolled: api::Enrolled = client
                                .post(
                                    "/v1/enroll",
                                    &api::Enroll {
                                        request: hex::encode(request.to_bytes()),
                                    },
                                )
                                .expect("a whistleblower enrolls");
                            let response = issuance::Response::from_bytes(
                                &hex::decode(enrolled.response).expect("hex"),
                            )
                            .expect("an issuance response");
                            state.handle_response(response).expect("a credential")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("an enrollment thread"))
            .collect()
    })
}

/// A tip ready to send: its body, encoded once, and the rate-limit tag it reveals.
pub struct Tip {
    pub subject: String,
    pub tag: [u8; 32],
    pub body: Vec<u8>,
}

/// The tip `credential` sends about `subject` in `keys.epoch`: sealed to the supervisors and
/// presented. Its tag is the credential's for this subject and epoch, so one (credential,
/// subject) pair makes exactly one tip the service accepts.
pub fn tip(credential: &Credential, keys: &Keys, subject: &str) -> Tip {
    let context = TipContext::new(
        Subject::new(subject).expect("a valid subject"),
        Epoch(keys.epoch),
    );
    let body = TipBody::new(
        &format!("An undeclared flat, owned by {subject}'s cousin."),
        Vec::new(),
    )
    .expect("a tip body");
    let sealed = seal(&keys.tip_key, &context, &body, &mut OsRng).expect("sealed");
    let presented = presentation::present(credential, &keys.issuer, &context, &sealed, &mut OsRng)
        .expect("a fresh credential presents");
    let request = api::SubmitTip {
        subject: subject.to_owned(),
        epoch: keys.epoch,
        sealed: base64::engine::general_purpose::STANDARD.encode(sealed.to_bytes()),
        presentation: hex::encode(presented.to_bytes()),
    };
    Tip {
        subject: subject.to_owned(),
        tag: presented.tag().0,
        body: serde_json::to_vec(&request).expect("a tip encodes"),
    }
}

/// One tip per (credential, official), made on `threads` threads, interleaved so that
/// consecutive tips are about different officials.
pub fn tips(
    credentials: &[Credential],
    keys: &Keys,
    officials: &[String],
    threads: usize,
) -> Vec<Tip> {
    let pairs: Vec<(usize, usize)> = (0..credentials.len())
        .flat_map(|c| (0..officials.len()).map(move |o| (c, o)))
        .collect();
    let chunk = pairs.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = pairs
            .chunks(chunk)
            .map(|pairs| {
                s.spawn(move || {
                    pairs
                        .iter()
                        .map(|(c, o)| tip(&credentials[*c], keys, &officials[*o]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a tip thread"))
            .collect()
    })
}

/// The tip's status, asked again until its receipt is there (the pool was logged), or
/// `None` once `deadline` has passed.
pub fn pooled_receipt(
    client: &Client,
    receipt_code: &str,
    deadline: std::time::Instant,
) -> Option<probity_ledger::Receipt> {
    loop {
        let status: api::TipStatus = client
            .post(
                "/v1/tips/status",
                &api::TipStatusQuery {
                    receipt_code: receipt_code.to_owned(),
                },
            )
            .expect("every accepted tip has a status");
        if status.receipt.is_some() || std::time::Instant::now() > deadline {
            return status.receipt;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
