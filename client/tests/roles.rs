//! The registrar and the whistleblower roles of the library against a real service, started
//! in this process on port 0 with the system clock (the whistleblower computes epochs from
//! this machine's clock): registrations, enrollment codes and deadlines logged and their
//! receipts kept; a credential enrolled and a tip sent and followed up; secrets kept out of
//! `Debug`.
#![allow(missing_docs)]

mod common;

use ed25519_dalek::SigningKey;
use probity_client::{
    api,
    whistleblower::{TipOutcome, WHISTLEBLOWER_DIR},
    Auditor, Client, Connection, Registrar, RegistrarError, Whistleblower, WhistleblowerError,
};

#[test]
fn a_registrar_hands_out_a_code_and_a_whistleblower_tips_with_it() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let registrar_dir = tempfile::tempdir().expect("tempdir");
    let reporter_dir = tempfile::tempdir().expect("tempdir");

    // The registrar key, made once; its public file is the one the service reads.
    let made = Registrar::init(registrar_dir.path()).expect("init");
    assert_eq!(
        probity_client::registrar::REGISTRAR_PUBLIC_KEY_FILE,
        probity_service::files::REGISTRAR_PUBLIC_KEY
    );
    assert!(made.key_file.exists() && made.public_key_file.exists());
    assert!(matches!(
        Registrar::init(registrar_dir.path()),
        Err(RegistrarError::Key(probity_client::KeyError::Exists { .. }))
    ));
    let server = common::start_service(server_dir.path(), &made.public_key);
    let client = Client::new(&server.base_url());

    let registrar = Registrar::open(&client, registrar_dir.path()).expect("open");
    let official = SigningKey::generate(&mut rand::rngs::OsRng);
    let logged = registrar
        .register_official(&api::RegisterOfficial {
            official: probity_core::OfficialId::new("GOV-0001").expect("id"),
            name: "Ada Example".into(),
            position: "Director".into(),
            jurisdiction: "CN-ZJ-HZ".into(),
            public_key: hex::encode(official.verifying_key().as_bytes()),
        })
        .expect("registered");
    assert_eq!(logged.entries.len(), 1);
    assert!(
        logged.newly_pinned.is_some(),
        "the first contact pins the log key"
    );
    let entry = logged.entries[0];
    assert!(registrar_dir
        .path()
        .join("receipts")
        .join(format!("{entry:012}.json"))
        .exists());
    let period = probity_core::Period::new(2026).expect("period");
    let deadline = registrar
        .set_deadline(period, 1_800_000_000_000)
        .expect("deadline");
    assert!(deadline.newly_pinned.is_none(), "pinned once");
    assert!(deadline.entries[0] > entry);

    let issued = registrar.enrollment_codes(2, "CN-ZJ-HZ").expect("codes");
    assert_eq!(issued.codes.len(), 2);
    let shown = format!("{issued:?}");
    assert!(
        issued.codes.iter().all(|c| !shown.contains(c.as_str())),
        "codes stay out of Debug: {shown}"
    );

    // Enroll once, with the service's only scope.
    let reporter = Whistleblower::new(client.clone(), reporter_dir.path());
    assert!(matches!(
        reporter.enroll("not a code", None),
        Err(WhistleblowerError::NotAnEnrollmentCode)
    ));
    let enrolled = reporter.enroll(&issued.codes[0], None).expect("enrolled");
    assert_eq!(enrolled.scope.as_str(), "CN-ZJ-HZ");
    assert_eq!(
        enrolled.credential_file,
        reporter_dir
            .path()
            .join(WHISTLEBLOWER_DIR)
            .join("credential")
    );
    assert!(reporter_dir
        .path()
        .join(WHISTLEBLOWER_DIR)
        .join("keys.json")
        .exists());
    assert!(matches!(
        reporter.enroll(&issued.codes[1], None),
        Err(WhistleblowerError::AlreadyEnrolled { .. })
    ));

    // A tip about someone nobody registered is refused before anything is sealed or sent.
    let draft = reporter.draft_tip("GOV-9999").expect("draft");
    let e = reporter
        .send_tip(draft, "nothing", Vec::new())
        .expect_err("unknown");
    assert!(matches!(e, WhistleblowerError::UnknownOfficial(_)), "{e}");
    assert!(!e.is_untrusted());

    // A tip, logged at once: its receipt verifies and is kept.
    let draft = reporter.draft_tip("GOV-0001").expect("draft");
    let sent = reporter
        .send_tip(
            draft,
            "The director's villa is not on the declaration.",
            Vec::new(),
        )
        .expect("sent");
    let code = sent.receipt_code.reveal().to_owned();
    assert!(
        !format!("{sent:?}").contains(&code),
        "the receipt code stays out of Debug"
    );
    let TipOutcome::Logged {
        entry: tip_entry,
        receipt_file,
    } = sent.outcome
    else {
        panic!("the tip should be logged at once: {:?}", sent.outcome);
    };
    assert!(receipt_file.exists());

    let report = reporter.status(&code).expect("status");
    let logged = report.logged.as_ref().expect("logged");
    assert_eq!(logged.entry, tip_entry);
    assert_eq!(report.status.status, "open");
    assert!(report.status.replies.is_empty());
    assert!(!format!("{report:?}").contains(&code));
    assert!(matches!(
        reporter.status("nonsense"),
        Err(WhistleblowerError::NotAReceiptCode)
    ));

    // An auditor on a folder of its own: a full audit pins the key and recomputes every
    // entry; the next one is proved consistent with it.
    let auditor_dir = tempfile::tempdir().expect("tempdir");
    let auditor = Auditor::new(Connection::new(client.clone(), auditor_dir.path()));
    let first = auditor.audit(true).expect("the log audits");
    assert!(first.newly_pinned.is_some());
    assert_eq!(first.previous_size, 0);
    let counts = first.counts.as_ref().expect("a full audit counts");
    assert_eq!(counts.values().sum::<u64>(), first.checkpoint.size());
    assert!(first.checkpoint.size() > tip_entry);
    let again = auditor.audit(false).expect("the log audits again");
    assert!(again.newly_pinned.is_none() && again.counts.is_none());
    assert_eq!(again.previous_size, first.checkpoint.size());
    // Every receipt the registrar and the whistleblower kept is in the audited log, at its
    // place; held to an older checkpoint, the newest is refused, not waved through.
    let log = registrar.connection().log_key().expect("pinned").key;
    let mut kept = registrar.connection().kept_receipts().expect("kept");
    let registrar_receipts = kept.len();
    assert!(registrar_receipts >= 3, "{registrar_receipts}");
    kept.extend(
        // The whistleblower keeps its tips' receipts in its own folder.
        Connection::new(client.clone(), reporter_dir.path().join(WHISTLEBLOWER_DIR))
            .kept_receipts()
            .expect("kept"),
    );
    assert!(kept.len() > registrar_receipts, "the tip's receipt is kept");
    registrar
        .connection()
        .check_receipts_under(&log, &first.checkpoint, &kept)
        .expect("every kept receipt is in the audited log");
    let (_, oldest) = kept[0].verify(&log).expect("verifies");
    let beyond = registrar
        .connection()
        .check_receipts_under(&log, &oldest, &kept)
        .expect_err("a receipt signed at a later size than the checkpoint");
    assert!(
        beyond.is_untrusted() && beyond.to_string().contains("beyond"),
        "{beyond}"
    );
    // A log key other than the one pinned: the log is not the one audited before.
    std::fs::write(
        auditor_dir.path().join(probity_client::LOG_KEY_FILE),
        "probity.example/log+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
    )
    .expect("write");
    let refused = auditor.audit(false).expect_err("another key");
    assert!(refused.is_untrusted(), "{refused}");
}
