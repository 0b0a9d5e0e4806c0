//! The whole story over real HTTP: registration, filings with proofs, a challenge and its
//! answer, a tip and its reply; every receipt checked against the log's key.

mod common;

use base64::Engine as _;
use common::*;
use probity_core::{Amount, StatementKind};
use probity_credentials::{
    issuance, seal, CredentialAttributes, Epoch, IssuerPublicParams, Scope, Subject, TipBody,
    TipContext, TipPublicKey,
};
use probity_service::{api, rules};

#[test]
fn officials_file_supervisors_challenge_whistleblowers_tip() {
    let server = TestServer::start();
    let log = server.log_key();
    let official = server.register_official("GOV-0001", "CN-ZJ-HZ");
    let supervisor = server.register_supervisor("AUDIT-1");
    let as_official = server.client().signed(official.clone());
    let as_supervisor = server.client().signed(supervisor.clone());

    // 2025: the first filing, a band proof only.
    let d2025 = declaration("gov-0001-2025.toml");
    let o2025 = opening(&d2025);
    let accepted: api::FilingAccepted = as_official
        .post(
            "/v1/filings",
            &filing(&o2025, &official, vec![band_proof(&o2025)]),
        )
        .expect("filed");
    verify_receipts(&accepted.receipts, &log);
    assert_eq!(accepted.receipts.len(), 2, "the filing and its proof");
    assert!(accepted.alerts.is_empty(), "{:?}", accepted.alerts);

    // 2026, explained by income: band and wealth growth.
    let d2026 = declaration("gov-0001-2026.toml");
    let o2026 = opening(&d2026);
    let growth = prover(StatementKind::WealthGrowth)
        .wealth_growth(&o2025, &o2026, Amount(0), &mut rand::rngs::OsRng)
        .expect("explained");
    let accepted: api::FilingAccepted = as_official
        .post(
            "/v1/filings",
            &filing(&o2026, &official, vec![band_proof(&o2026), growth]),
        )
        .expect("filed");
    verify_receipts(&accepted.receipts, &log);
    assert!(accepted.alerts.is_empty(), "{:?}", accepted.alerts);

    // The public record names periods and commitments, never an amount.
    let record: api::OfficialRecord = server
        .client()
        .get("/v1/officials/GOV-0001")
        .expect("record");
    assert_eq!(record.filings.len(), 2);
    assert_eq!(record.proofs.len(), 3);

    // A supervisor challenges a registry asset; the official answers.
    let asset = &d2026.items()[0];
    let created: api::ChallengeCreated = as_supervisor
        .post(
            "/v1/challenges",
            &api::IssueChallenge {
                official: o2026.official().clone(),
                period: None,
                id_hash: asset.asset_id.id_hash().to_string(),
                min_value: asset.value.0,
                deadline: server.now_ms() + 86_400_000,
            },
        )
        .expect("challenged");
    verify_receipts(&created.receipts, &log);
    assert_eq!(created.period, o2026.period());
    let asked: Vec<api::ChallengeView> = as_official.get("/v1/official/challenges").expect("list");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].status, "open");
    let answer = prover(StatementKind::AssetIncluded)
        .asset_included(&o2026, &asset.asset_id, asset.value, &mut rand::rngs::OsRng)
        .expect("declared");
    let written: api::Written = as_official
        .post(
            &format!("/v1/challenges/{}/answer", created.challenge),
            &api::AnswerChallenge { proof: answer },
        )
        .expect("answered");
    verify_receipts(&written.receipts, &log);
    let seen: Vec<api::ChallengeView> = as_supervisor
        .get("/v1/supervisor/challenges")
        .expect("list");
    assert_eq!(seen[0].status, "answered");

    // A whistleblower enrolls and tips.
    let codes: api::EnrollmentCodes = server
        .as_registrar()
        .post(
            "/v1/admin/enrollment-codes",
            &api::IssueEnrollmentCodes {
                count: 2,
                scope: "CN-ZJ-HZ".into(),
            },
        )
        .expect("codes");
    let info: api::ServiceInfo = server.client().get("/v1/info").expect("info");
    let params = IssuerPublicParams::from_bytes(&hex::decode(&info.issuer_params).expect("hex"))
        .expect("params");
    let expected = CredentialAttributes::new(
        Epoch(info.credential_expiry),
        Scope::new("CN-ZJ-HZ").expect("scope"),
    );
    let code = probity_credentials::EnrollmentCode::parse(&codes.codes[0]).expect("code");
    let (request, state) = issuance::request(&params, code, expected, &mut rand::rngs::OsRng);
    let enrolled: api::Enrolled = server
        .client()
        .post(
            "/v1/enroll",
            &api::Enroll {
                request: hex::encode(request.to_bytes()),
            },
        )
        .expect("enrolled");
    let response = issuance::Response::from_bytes(&hex::decode(enrolled.response).expect("hex"))
        .expect("response");
    let credential = state.handle_response(response).expect("credential");

    let tip_key = TipPublicKey::from_bytes(&hex::decode(&info.tip_key).expect("hex")).expect("key");
    let context = TipContext::new(
        Subject::new("GOV-0001").expect("subject"),
        Epoch(info.epoch),
    );
    let body = TipBody::new("An undeclared flat in Ningbo.", Vec::new()).expect("body");
    let sealed = seal(&tip_key, &context, &body, &mut rand::rngs::OsRng).expect("sealed");
    let presentation = probity_credentials::presentation::present(
        &credential,
        &params,
        &context,
        &sealed,
        &mut rand::rngs::OsRng,
    )
    .expect("presented");
    let tip = api::SubmitTip {
        subject: "GOV-0001".into(),
        epoch: info.epoch,
        sealed: base64::engine::general_purpose::STANDARD.encode(sealed.to_bytes()),
        presentation: hex::encode(presentation.to_bytes()),
    };
    let accepted: api::TipAccepted = server.client().post("/v1/tips", &tip).expect("tip");
    accepted
        .logged()
        .verify(&log)
        .expect("the tip's receipt verifies");
    // The same credential, official and epoch again: refused, whatever the new seal.
    let again = server
        .client()
        .post::<_, api::TipAccepted>("/v1/tips", &tip);
    assert_eq!(again.err().and_then(|e| e.status()), Some(409));

    // Supervisors read it, reply and close it; the whistleblower sees the reply.
    let tips: Vec<api::SealedTipView> = as_supervisor.get("/v1/supervisor/tips").expect("tips");
    assert_eq!(tips.len(), 1);
    assert_eq!(tips[0].subject, "GOV-0001");
    let tip_secret = probity_credentials::TipSecretKey::from_bytes(
        &hex::decode(
            std::fs::read_to_string(server.data_dir().join("supervisor-tip.key")).expect("key"),
        )
        .expect("hex"),
    )
    .expect("secret");
    let opened = probity_credentials::open(
        &tip_secret,
        &context,
        &probity_credentials::SealedTip::from_bytes(
            &base64::engine::general_purpose::STANDARD
                .decode(&tips[0].sealed)
                .expect("b64"),
        )
        .expect("sealed"),
    )
    .expect("opens");
    assert_eq!(opened.text(), "An undeclared flat in Ningbo.");
    let closed: api::Written = as_supervisor
        .post(
            &format!("/v1/supervisor/tips/{}/reply", tips[0].entry),
            &api::ReplyToTip {
                message: "Thank you; we are looking into it.".into(),
                close: true,
            },
        )
        .expect("replied");
    verify_receipts(&closed.receipts, &log);
    let status: api::TipStatus = server
        .client()
        .post(
            "/v1/tips/status",
            &api::TipStatusQuery {
                receipt_code: accepted.receipt_code.clone(),
            },
        )
        .expect("status");
    assert_eq!(status.status, "closed");
    assert_eq!(status.replies.len(), 1);

    // An unexplained second official: the wealth growth cannot be proved, the filing goes in
    // without it, and supervisors get an alert.
    let other = server.register_official("GOV-0002", "CN-ZJ-HZ");
    let as_other = server.client().signed(other.clone());
    let p2025 = opening(&declaration_as("gov-0001-2025.toml", "GOV-0002"));
    let _: api::FilingAccepted = as_other
        .post(
            "/v1/filings",
            &filing(&p2025, &other, vec![band_proof(&p2025)]),
        )
        .expect("filed");
    let p2026 = opening(&declaration_as(
        "gov-0001-2026-unexplained.toml",
        "GOV-0002",
    ));
    assert!(prover(StatementKind::WealthGrowth)
        .wealth_growth(&p2025, &p2026, Amount(0), &mut rand::rngs::OsRng)
        .is_err());
    let accepted: api::FilingAccepted = as_other
        .post(
            "/v1/filings",
            &filing(&p2026, &other, vec![band_proof(&p2026)]),
        )
        .expect("filed");
    assert_eq!(
        accepted.alerts,
        vec![rules::WEALTH_GROWTH_MISSING.to_owned()]
    );
    let alerts: Vec<api::AlertView> = as_supervisor.get("/v1/supervisor/alerts").expect("alerts");
    assert!(alerts.iter().any(
        |a| a.rule == rules::WEALTH_GROWTH_MISSING && a.detail.official.as_str() == "GOV-0002"
    ));

    // The whole log audits from its tiles.
    let source =
        probity_ledger::HttpSource::new(&format!("{}/v1/log/", server.base)).expect("source");
    let report = probity_ledger::audit::verify_log(&source, &log).expect("the log audits");
    assert!(report.checkpoint.size() > 10);
}
