//! The supervisor role of the library against a real service started in this process: an
//! official's filing re-verified against the log, challenges sent and listed, a
//! whistleblower's tip checked against its ledger entry and opened, a reply that closes it;
//! and what must not pass: a log under another key than the pinned one (untrusted), a tip key
//! that opens nothing, an asset id naming nothing.
#![allow(missing_docs)]

mod common;

use std::path::Path;

use ed25519_dalek::SigningKey;
use probity_client::{
    api,
    supervisor::{self, Challenge, OfficialCheck, TipError},
    Client, Registrar, Supervisor, SupervisorError, Whistleblower,
};
use probity_core::{Blindings, Declaration, OfficialId, Opening, SignedAmount};
use probity_ledger::{DeclarationFiled, SupervisorId};
use rand::rngs::OsRng;

/// The example declaration of 2025 (GOV-0001, capacity 16), the smallest capacity there is.
fn declaration() -> Declaration {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/gov-0001-2025.toml");
    let text = std::fs::read_to_string(path).expect("the example declaration");
    Declaration::from_toml(&text).expect("the example declaration is valid")
}

/// Files the example declaration as the official holding `key`, with a `net_worth_range`
/// proof in the service's band; the filing's entry.
fn file(client: &Client, params: &Path, key: &SigningKey) -> u64 {
    let d = declaration();
    assert_eq!(d.capacity(), common::CAPACITY);
    let o = Opening::new(&d, Blindings::random(d.capacity(), &mut OsRng)).expect("an opening");
    let band = probity_service::default_bands()
        .into_iter()
        .find(|b| i128::from(b.lo) <= o.net_worth() && o.net_worth() <= i128::from(b.hi))
        .expect("the bands cover every net worth");
    let params = probity_params::Params::open(params).expect("params");
    let prover = probity_prover::Prover::from_params(
        &params,
        probity_core::StatementKind::NetWorthRange,
        d.capacity(),
    )
    .expect("a prover");
    let proof = prover
        .net_worth_range(&o, SignedAmount(band.lo), SignedAmount(band.hi), &mut OsRng)
        .expect("the example is in its band");
    let filing = DeclarationFiled::sign(
        o.official().clone(),
        o.period(),
        o.capacity(),
        o.commitment(),
        key,
    );
    let accepted: api::FilingAccepted = client
        .signed(key.clone())
        .post(
            "/v1/filings",
            &api::FileDeclaration {
                filing,
                proofs: vec![proof],
            },
        )
        .expect("the filing is accepted");
    accepted.receipts[0].proof.index
}

fn gov_0001() -> OfficialId {
    OfficialId::new("GOV-0001").expect("an id")
}

/// The check of an honest official with one filing and its band proof.
fn assert_verified(check: &OfficialCheck, filed_at: u64) {
    assert!(check.verified(), "{:?}", check.failures);
    assert_eq!(check.record.official.name, "Ada Example");
    let [filing] = check.filings.as_slice() else {
        panic!("one filing: {:?}", check.filings);
    };
    assert_eq!(filing.entry, filed_at);
    assert!(filing.valid() && !filing.superseded);
    let [proof] = check.proofs.as_slice() else {
        panic!("one proof: {:?}", check.proofs);
    };
    assert_eq!(filing.proofs, vec![proof.entry]);
    assert!(proof.valid(), "{:?}", proof.problems);
    assert!(proof.in_words.is_some());
    assert_eq!(check.other_proofs().count(), 0);
    assert!(check.checkpoint.size() > proof.entry);
    // Development keys are said to prove little; nothing else is missing from a first filing.
    assert_eq!(check.warnings.len(), 1, "{:?}", check.warnings);
    assert!(check.warnings[0].contains("development keys"));
}

#[test]
fn a_supervisor_checks_an_official_challenges_and_reads_a_tip() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let registrar_dir = tempfile::tempdir().expect("tempdir");
    let supervisor_dir = tempfile::tempdir().expect("tempdir");
    let reporter_dir = tempfile::tempdir().expect("tempdir");
    let made = Registrar::init(registrar_dir.path()).expect("registrar init");
    let server = common::start_service(server_dir.path(), &made.public_key);
    let client = Client::new(&server.base_url());

    // REGISTRAR: the official and the supervisor.
    let registrar = Registrar::open(&client, registrar_dir.path()).expect("open");
    let official = SigningKey::generate(&mut OsRng);
    registrar
        .register_official(&api::RegisterOfficial {
            official: gov_0001(),
            name: "Ada Example".into(),
            position: "Director".into(),
            jurisdiction: "CN-ZJ-HZ".into(),
            public_key: hex::encode(official.verifying_key().as_bytes()),
        })
        .expect("registered");
    let init = Supervisor::init(supervisor_dir.path()).expect("supervisor init");
    assert_eq!(init.key_file, supervisor_dir.path().join("supervisor.key"));
    assert!(matches!(
        Supervisor::init(supervisor_dir.path()),
        Err(SupervisorError::Key(_))
    ));
    registrar
        .register_supervisor(
            &SupervisorId::new("AUDIT-1").expect("an id"),
            &init.public_key,
        )
        .expect("registered");

    // OFFICIAL files; SUPERVISOR re-verifies it against the log.
    let filed_at = file(&client, &server_dir.path().join("params"), &official);
    let supervisor = Supervisor::open(&client, supervisor_dir.path()).expect("open");
    let check = supervisor
        .check_official(&gov_0001(), None, &probity_client::NoProgress)
        .expect("checked");
    assert!(
        check.newly_pinned.is_some(),
        "the first contact pins the key"
    );
    assert_verified(&check, filed_at);
    let none = supervisor
        .check_official(
            &gov_0001(),
            Some(probity_core::Period::new(2026).expect("a period")),
            &probity_client::NoProgress,
        )
        .expect("checked");
    assert!(none.verified() && none.filings.is_empty() && none.proofs.is_empty());
    let unknown = supervisor
        .check_official(
            &OfficialId::new("GOV-9999").expect("an id"),
            None,
            &probity_client::NoProgress,
        )
        .expect_err("not registered");
    assert!(matches!(unknown, SupervisorError::NotRegistered(_)));
    assert!(!unknown.is_untrusted());
    // Anyone can read the official's latest filings off the log, without a key.
    let filings = supervisor::latest_filings(
        supervisor.connection(),
        &gov_0001(),
        &probity_client::NoProgress,
    )
    .expect("read");
    assert_eq!(
        filings.latest.get(&check.filings[0].period),
        Some(&check.filings[0].commitment)
    );

    // SUPERVISOR challenges; an asset id of white space is refused before anything is sent.
    let blank = Challenge::new(gov_0001(), " \t", 1, 4_102_444_799_999, None);
    assert!(matches!(blank, Err(SupervisorError::NoAssetId(_))));
    let asked = Challenge::new(
        gov_0001(),
        "浙(2024)杭州市不动产权第0000001号",
        1,
        4_102_444_799_999,
        None,
    )
    .expect("a challenge");
    assert!(!format!("{asked:?}").contains(&asked.id_hash.to_string()));
    let issued = supervisor.challenge(&asked).expect("issued");
    assert_eq!(issued.entries.len(), 1);
    assert!(issued.newly_pinned.is_none(), "pinned once");
    let listed = supervisor.challenges().expect("listed");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].challenge, issued.challenge);
    assert_eq!(listed[0].status, "open");
    assert!(supervisor.alerts().expect("alerts").is_empty());

    // WHISTLEBLOWER tips; SUPERVISOR opens the tip once it checks out against its entry.
    let code = registrar
        .enrollment_codes(1, "CN-ZJ-HZ")
        .expect("codes")
        .codes
        .remove(0);
    let reporter = Whistleblower::new(client.clone(), reporter_dir.path());
    reporter.enroll(&code, None).expect("enrolled");
    let draft = reporter.draft_tip("GOV-0001").expect("draft");
    let text = "The director's villa is not on the declaration.";
    let attachment =
        probity_credentials::Attachment::new("../deed.pdf", "application/pdf", b"%PDF".to_vec())
            .expect("an attachment");
    reporter
        .send_tip(draft, text, vec![attachment])
        .expect("sent");
    let tip_key = server_dir.path().join(supervisor::TIP_KEY_FILE);
    assert_eq!(
        supervisor::TIP_KEY_FILE,
        probity_service::files::SUPERVISOR_TIP_KEY
    );
    let secret = supervisor::read_tip_key(&tip_key).expect("the service's tip key");
    let tips = supervisor.tips(&secret).expect("tips");
    assert_eq!(tips.unread(), 0);
    let [tip] = tips.tips.as_slice() else {
        panic!("one tip: {tips:?}");
    };
    let opened = tip.opened.as_ref().expect("opened");
    assert_eq!(opened.body.text(), text);
    assert_eq!(tip.view.subject, "GOV-0001");
    // An attachment's name cannot lead out of its folder.
    let saved_dir = tempfile::tempdir().expect("tempdir");
    let saved = opened
        .save_attachments(saved_dir.path(), tip.view.entry)
        .expect("saved");
    assert_eq!(
        saved,
        vec![saved_dir
            .path()
            .join(format!("tip-{}", tip.view.entry))
            .join("deed.pdf")]
    );
    assert_eq!(std::fs::read(&saved[0]).expect("read"), b"%PDF");

    // Another tip key opens nothing: said per tip, and not as the service's fault.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other = Supervisor::tip_keygen(other_dir.path()).expect("made");
    assert!(matches!(
        Supervisor::tip_keygen(other_dir.path()),
        Err(SupervisorError::TipKeyExists { .. })
    ));
    let wrong = supervisor::read_tip_key(&other.key_file).expect("a key");
    let unread = supervisor.tips(&wrong).expect("tips");
    assert_eq!(unread.unread(), 1);
    let e = unread.tips[0].opened.as_ref().expect_err("not opened");
    assert!(matches!(e, TipError::Open(_)) && !e.is_untrusted(), "{e}");

    let replied = supervisor
        .reply(tip.view.entry, "Thank you; we are looking into it.", true)
        .expect("replied");
    assert_eq!(replied.entries.len(), 1, "TipClosed is logged");
    let tips = supervisor.tips(&secret).expect("tips");
    assert_eq!(tips.tips[0].view.status, "closed");

    // The official's standing, as a dashboard shows it: the 2025 filing verified, with no
    // growth to explain; then, with deadlines the registrar sets, filed late for 2025 and
    // missing for 2024, both read off the log.
    let now = 4_102_444_799_999;
    let check = supervisor
        .check_official(&gov_0001(), None, &probity_client::NoProgress)
        .expect("checked");
    let standing = check.standing(now);
    let latest = standing.latest.clone().expect("a filing");
    assert!(standing.verified && latest.valid && standing.missing.is_empty());
    assert_eq!(
        (latest.entry, latest.late, latest.growth_shown),
        (filed_at, None, None)
    );
    let period = |p| probity_core::Period::new(p).expect("a period");
    registrar.set_deadline(period(2025), 1).expect("set");
    registrar.set_deadline(period(2024), 1).expect("set");
    let check = supervisor
        .check_official(&gov_0001(), None, &probity_client::NoProgress)
        .expect("checked");
    let standing = check.standing(now);
    assert_eq!(standing.latest.expect("a filing").late, Some(true));
    assert_eq!(standing.missing, vec![period(2024)]);
    assert!(
        check.standing(0).missing.is_empty(),
        "no deadline passed yet"
    );

    // A log key other than the one pinned: nothing the service says is believed.
    std::fs::write(
        supervisor_dir.path().join(probity_client::LOG_KEY_FILE),
        "probity.example/log+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
    )
    .expect("write");
    let refused = supervisor
        .check_official(&gov_0001(), None, &probity_client::NoProgress)
        .expect_err("another key");
    assert!(refused.is_untrusted(), "{refused}");
    assert!(refused.to_string().contains("differs from the one pinned"));
    let refused = supervisor.tips(&secret).expect_err("another key");
    assert!(refused.is_untrusted(), "{refused}");
}
