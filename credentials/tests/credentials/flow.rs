use probity_credentials::{
    conformance, issuance, open, presentation, seal, Credential, CredentialAttributes,
    EnrollmentCode, EnrollmentCodes, EnrollmentStore, Epoch, IssueError, Issuer, PresentError,
    Presentation, Scope, Subject, TipBody, TipSecretKey, VerificationFailure,
};

use crate::{attributes, context, rng, scope, World};

#[test]
fn honest_flow() {
    let mut w = World::new(1);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (credential, _, _) = w.enroll(20);
    assert_eq!(credential.expiry(), Epoch(20));
    assert_eq!(credential.scope(), &scope());

    let ctx = context("GOV-0001", 12);
    let (sealed, p) = w.tip(
        &credential,
        &supervisors,
        &ctx,
        "the minister's cousin owns it",
    );
    // ISSUER: the presentation travels as bytes.
    let p = Presentation::from_bytes(&p.to_bytes()).expect("decode presentation");
    let tag = w
        .verify(&p, &ctx, &sealed)
        .expect("honest presentation verifies");
    assert_eq!(tag, p.tag());

    // SUPERVISOR
    let body = open(&supervisors, &ctx, &sealed).expect("open");
    assert_eq!(body.text(), "the minister's cousin owns it");

    // The credential survives storage on the client.
    let stored = Credential::from_bytes(&credential.to_bytes()).expect("decode credential");
    let (sealed2, p2) = w.tip(&stored, &supervisors, &ctx, "more");
    assert_eq!(
        w.verify(&p2, &ctx, &sealed2),
        Ok(tag),
        "same tag: rate limit"
    );
}

#[test]
fn tags_are_per_reporter_subject_and_epoch() {
    let mut w = World::new(2);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (alice, _, _) = w.enroll(20);
    let (bob, _, _) = w.enroll(20);
    let mut tag = |cred: &Credential, subject: &str, epoch: u64| {
        let ctx = context(subject, epoch);
        let (sealed, p) = w.tip(cred, &supervisors, &ctx, "x");
        w.verify(&p, &ctx, &sealed).expect("verifies")
    };
    let a = tag(&alice, "GOV-0001", 5);
    assert_eq!(a, tag(&alice, "GOV-0001", 5));
    assert_ne!(a, tag(&bob, "GOV-0001", 5), "two reporters, two tags");
    assert_ne!(a, tag(&alice, "GOV-0002", 5), "another subject");
    assert_ne!(a, tag(&alice, "GOV-0001", 6), "another epoch");
}

#[test]
fn expired_credential_is_refused() {
    let mut w = World::new(3);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (credential, _, _) = w.enroll(10);
    let late = context("GOV-0001", 11);
    // CLIENT refuses to present it.
    let body = TipBody::new("x", vec![]).expect("body");
    let late_tip = seal(&supervisors.public_key(), &late, &body, &mut w.rng).expect("seal");
    assert_eq!(
        presentation::present(
            &credential,
            w.issuer.public_params(),
            &late,
            &late_tip,
            &mut w.rng
        )
        .expect_err("expired"),
        PresentError::Expired
    );
    // A presentation made in time is refused once the epoch is past the expiry.
    let in_time = context("GOV-0001", 10);
    let (sealed, p) = w.tip(&credential, &supervisors, &in_time, "x");
    w.verify(&p, &in_time, &sealed)
        .expect("valid in its last epoch");
    w.verify(&p, &late, &sealed)
        .expect_err("expired at epoch 11");
    // Raising the revealed expiry breaks the MAC check.
    let mut bytes = p.to_bytes();
    bytes[1..9].copy_from_slice(&11u64.to_be_bytes());
    let raised = Presentation::from_bytes(&bytes).expect("well-formed");
    w.verify(&raised, &late, &sealed)
        .expect_err("expiry is MACed");
    // (The verifier's own expiry check, with an otherwise valid proof, is a unit test of
    // the presentation module.)
}

#[test]
fn forged_or_altered_mac_is_refused() {
    let mut w = World::new(4);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (credential, _, _) = w.enroll(20);
    let ctx = context("GOV-0001", 5);
    let bytes = credential.to_bytes();
    let q_at = bytes.len() - 32;

    // Q replaced by another point (the MAC of another credential).
    let (other, _, _) = w.enroll(20);
    let mut forged = bytes.to_vec();
    forged[q_at..].copy_from_slice(&other.to_bytes()[q_at..]);
    let forged = Credential::from_bytes(&forged).expect("well-formed");
    let (sealed, p) = w.tip(&forged, &supervisors, &ctx, "x");
    assert_eq!(w.verify(&p, &ctx, &sealed), Err(VerificationFailure));

    // P and Q of one credential, k of another.
    let mut mixed = other.to_bytes().to_vec();
    mixed[1..33].copy_from_slice(&bytes[1..33]);
    let mixed = Credential::from_bytes(&mixed).expect("well-formed");
    let (sealed, p) = w.tip(&mixed, &supervisors, &ctx, "x");
    assert_eq!(w.verify(&p, &ctx, &sealed), Err(VerificationFailure));

    // A credential of another issuer.
    let mut other_world = World::new(40);
    let (foreign, _, _) = other_world.enroll(20);
    let (sealed, p) = w.tip(&foreign, &supervisors, &ctx, "x");
    assert_eq!(w.verify(&p, &ctx, &sealed), Err(VerificationFailure));

    // The revealed scope is MACed too, and must be the subject's.
    let (sealed, p) = w.tip(&credential, &supervisors, &ctx, "x");
    let mut bytes = p.to_bytes();
    bytes[10..15].copy_from_slice(b"CN-SH");
    let rescoped = Presentation::from_bytes(&bytes).expect("well-formed");
    let shanghai = Scope::new("CN-SH").expect("scope");
    w.issuer
        .verify_presentation(&rescoped, &ctx, &shanghai, &sealed)
        .expect_err("scope is MACed");
    w.issuer
        .verify_presentation(&p, &ctx, &shanghai, &sealed)
        .expect_err("another jurisdiction's subject");
}

/// The revealed attributes are MACed: a holder who edits the expiry or scope inside the
/// credential itself, then presents honestly in an epoch valid for both, is refused.
#[test]
fn expiry_and_scope_inside_the_credential_are_maced() {
    let mut w = World::new(12);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (credential, _, _) = w.enroll(10);
    let ctx = context("GOV-0001", 5);
    let bytes = credential.to_bytes();
    // version || k (32) || expiry (8) || len || scope || P || Q
    let expiry_at = 1 + 32;
    let scope_at = expiry_at + 8 + 1;

    // Control: the unedited credential verifies.
    let (sealed, p) = w.tip(&credential, &supervisors, &ctx, "x");
    w.verify(&p, &ctx, &sealed).expect("control");

    let mut extended = bytes.to_vec();
    extended[expiry_at..expiry_at + 8].copy_from_slice(&30u64.to_be_bytes());
    let extended = Credential::from_bytes(&extended).expect("well-formed");
    assert_eq!(extended.expiry(), Epoch(30));
    let (sealed, p) = w.tip(&extended, &supervisors, &ctx, "x");
    assert_eq!(p.expiry(), Epoch(30));
    assert_eq!(
        w.verify(&p, &ctx, &sealed),
        Err(VerificationFailure),
        "expiry raised inside the credential"
    );

    let mut moved = bytes.to_vec();
    moved[scope_at..scope_at + 5].copy_from_slice(b"CN-SH");
    let moved = Credential::from_bytes(&moved).expect("well-formed");
    let shanghai = Scope::new("CN-SH").expect("scope");
    assert_eq!(moved.scope(), &shanghai);
    let (sealed, p) = w.tip(&moved, &supervisors, &ctx, "x");
    assert_eq!(
        w.issuer
            .verify_presentation(&p, &ctx, &shanghai, &sealed)
            .map(|_| ()),
        Err(VerificationFailure),
        "scope changed inside the credential"
    );
}

#[test]
fn tag_with_another_k_is_refused() {
    let mut w = World::new(5);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (alice, _, _) = w.enroll(20);
    let (bob, _, _) = w.enroll(20);
    let ctx = context("GOV-0001", 5);
    let (sealed, p_alice) = w.tip(&alice, &supervisors, &ctx, "x");
    let (_, p_bob) = w.tip(&bob, &supervisors, &ctx, "x");
    // Alice's presentation carrying Bob's tag (a fresh tag to dodge the rate limit).
    let mut bytes = p_alice.to_bytes();
    let bob_bytes = p_bob.to_bytes();
    let tag_at = 1 + 8 + 1 + 5 + 3 * 32;
    bytes[tag_at..tag_at + 32].copy_from_slice(&bob_bytes[tag_at..tag_at + 32]);
    let swapped = Presentation::from_bytes(&bytes).expect("well-formed");
    assert_eq!(swapped.tag(), p_bob.tag());
    assert_eq!(w.verify(&swapped, &ctx, &sealed), Err(VerificationFailure));
}

#[test]
fn presentation_is_bound_to_tip_subject_and_epoch() {
    let mut w = World::new(6);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let (credential, _, _) = w.enroll(20);
    let ctx = context("GOV-0001", 5);
    let (sealed, p) = w.tip(&credential, &supervisors, &ctx, "first tip");
    w.verify(&p, &ctx, &sealed).expect("honest");

    let (other_tip, _) = w.tip(&credential, &supervisors, &ctx, "another body");
    assert_eq!(
        w.verify(&p, &ctx, &other_tip),
        Err(VerificationFailure),
        "replayed with another tip body"
    );
    assert_eq!(
        w.verify(&p, &context("GOV-0002", 5), &sealed),
        Err(VerificationFailure),
        "another subject"
    );
    assert_eq!(
        w.verify(&p, &context("GOV-0001", 4), &sealed),
        Err(VerificationFailure),
        "another epoch"
    );
}

#[test]
fn enrollment_code_buys_exactly_one_credential() {
    let mut w = World::new(7);
    let params = w.issuer.public_params().clone();
    let code = w.codes.issue_code(&mut w.rng).expect("issue code");
    let same_code = EnrollmentCode::parse(&code.to_string()).expect("parse printed code");

    // A request with a broken proof does not spend the code.
    let (request, _) = issuance::request(&params, code.clone(), attributes(20), &mut w.rng);
    let mut bytes = request.to_bytes();
    let last = bytes.len() - 1;
    bytes[last - 31] ^= 1;
    let broken = issuance::Request::from_bytes(&bytes).expect("well-formed");
    assert!(matches!(
        w.issuer
            .handle_issuance(&broken, &w.codes, &attributes(20), &mut w.rng),
        Err(IssueError::InvalidRequest(VerificationFailure))
    ));

    let (request, state) = issuance::request(&params, code, attributes(20), &mut w.rng);
    let response = w
        .issuer
        .handle_issuance(&request, &w.codes, &attributes(20), &mut w.rng)
        .expect("first use");
    state.handle_response(response).expect("credential");

    // Another request (another hidden k) with the spent code.
    let (again, _) = issuance::request(&params, same_code, attributes(20), &mut w.rng);
    assert!(matches!(
        w.issuer
            .handle_issuance(&again, &w.codes, &attributes(20), &mut w.rng),
        Err(IssueError::EnrollmentCodeUsed)
    ));
    let (unknown, _) = issuance::request(
        &params,
        EnrollmentCode::generate(&mut w.rng),
        attributes(20),
        &mut w.rng,
    );
    assert!(matches!(
        w.issuer
            .handle_issuance(&unknown, &w.codes, &attributes(20), &mut w.rng),
        Err(IssueError::UnknownEnrollmentCode)
    ));
}

/// A lost response does not burn the code: the identical request (same `D, E1, E2`, same
/// attributes) gets a fresh response, which the waiting client accepts; a request with
/// another `k`, or the same `k` for other attributes, does not.
#[test]
fn lost_response_is_answered_again_for_the_identical_request() {
    let mut w = World::new(13);
    let supervisors = TipSecretKey::generate(&mut w.rng);
    let params = w.issuer.public_params().clone();
    let code = w.codes.issue_code(&mut w.rng).expect("issue code");
    // CLIENT
    let (request, state) = issuance::request(&params, code.clone(), attributes(20), &mut w.rng);
    let request_bytes = request.to_bytes();
    // ISSUER: answers; the response is lost on the way.
    let lost = w
        .issuer
        .handle_issuance(&request, &w.codes, &attributes(20), &mut w.rng)
        .expect("first answer");
    // CLIENT resends the same bytes; ISSUER answers again.
    let resent = issuance::Request::from_bytes(&request_bytes).expect("decode");
    assert_eq!(resent.digest(), request.digest());
    let retry = w
        .issuer
        .handle_issuance(&resent, &w.codes, &attributes(20), &mut w.rng)
        .expect("identical request is answered again");
    assert_ne!(
        retry.to_bytes(),
        lost.to_bytes(),
        "a fresh MAC, not a cached reply"
    );
    // CLIENT
    let credential = state.handle_response(retry).expect("the retry's response");
    let ctx = context("GOV-0001", 5);
    let (sealed, p) = w.tip(&credential, &supervisors, &ctx, "x");
    w.verify(&p, &ctx, &sealed).expect("the credential works");

    // A different request with the spent code is refused.
    let (other, _) = issuance::request(&params, code.clone(), attributes(20), &mut w.rng);
    assert_ne!(other.digest(), request.digest());
    assert!(matches!(
        w.issuer
            .handle_issuance(&other, &w.codes, &attributes(20), &mut w.rng),
        Err(IssueError::EnrollmentCodeUsed)
    ));

    // The identical request still works after that refusal.
    w.issuer
        .handle_issuance(&resent, &w.codes, &attributes(20), &mut w.rng)
        .expect("the stored digest is unchanged");

    // Next quarter the issuer issues other attributes; the old request no longer matches,
    // and a request for the new attributes is a new request: the code cannot renew a
    // credential.
    assert!(matches!(
        w.issuer
            .handle_issuance(&resent, &w.codes, &attributes(26), &mut w.rng),
        Err(IssueError::UnexpectedAttributes)
    ));
    let (renewal, _) = issuance::request(&params, code, attributes(26), &mut w.rng);
    assert!(matches!(
        w.issuer
            .handle_issuance(&renewal, &w.codes, &attributes(26), &mut w.rng),
        Err(IssueError::EnrollmentCodeUsed)
    ));
}

#[test]
fn in_memory_enrollment_store_conforms() {
    conformance::check(&EnrollmentCodes::new(), &mut rng(8));
}

#[test]
fn client_refuses_a_dishonest_issuance() {
    let mut w = World::new(9);
    let code = w.codes.issue_code(&mut w.rng).expect("code");
    let (request, state) =
        issuance::request(w.issuer.public_params(), code, attributes(20), &mut w.rng);
    // An issuer with a key other than the published one cannot even read the request: it
    // was made for the published parameters. (An issuer that holds the published
    // parameters but answers with another key is a unit test of `issuance`.)
    let rogue = Issuer::generate(&mut w.rng);
    let response = rogue
        .handle_issuance(&request, &w.codes, &attributes(20), &mut w.rng)
        .expect_err("request was made for the real parameters");
    assert!(matches!(response, IssueError::InvalidRequest(_)));

    // The real issuer's response with an altered expiry.
    let response = w
        .issuer
        .handle_issuance(&request, &w.codes, &attributes(20), &mut w.rng)
        .expect("issuance");
    let mut bytes = response.to_bytes();
    bytes[8] ^= 1;
    let altered = issuance::Response::from_bytes(&bytes).expect("well-formed");
    assert_eq!(altered.expiry(), Epoch(21));
    assert_eq!(
        state.handle_response(altered).expect_err("altered expiry"),
        VerificationFailure
    );

    // A response meant for another request.
    let code = w.codes.issue_code(&mut w.rng).expect("code");
    let (_, other_state) =
        issuance::request(w.issuer.public_params(), code, attributes(20), &mut w.rng);
    let response = issuance::Response::from_bytes(&response.to_bytes()).expect("decode");
    assert_eq!(
        other_state
            .handle_response(response)
            .expect_err("another request"),
        VerificationFailure
    );
}

/// A client asking for other attributes than the issuer's current ones is turned away
/// before its code is spent, and gets nothing it did not ask for.
#[test]
fn issuer_and_client_must_agree_on_the_attributes() {
    let mut w = World::new(14);
    let params = w.issuer.public_params().clone();
    let code = w.codes.issue_code(&mut w.rng).expect("code");
    let other_scope = CredentialAttributes::new(Epoch(20), Scope::new("CN-SH").expect("scope"));
    for expected in [attributes(19), other_scope] {
        let (request, _) = issuance::request(&params, code.clone(), expected, &mut w.rng);
        assert!(matches!(
            w.issuer
                .handle_issuance(&request, &w.codes, &attributes(20), &mut w.rng),
            Err(IssueError::UnexpectedAttributes)
        ));
    }
    let (request, state) = issuance::request(&params, code, attributes(20), &mut w.rng);
    let response = w
        .issuer
        .handle_issuance(&request, &w.codes, &attributes(20), &mut w.rng)
        .expect("the code is unspent");
    assert_eq!(
        state
            .handle_response(response)
            .expect("credential")
            .attributes(),
        &attributes(20)
    );
}

/// Spelling variants of an official id are refused, so they cannot buy a reporter extra
/// tags for one official.
#[test]
fn subjects_have_one_spelling() {
    Subject::new("GOV-0001").expect("a registry id");
    Subject::new("a.b_c-9").expect("every allowed character class");
    Subject::new(&"x".repeat(Subject::MAX_LEN)).expect("at the limit");
    for variant in [
        " GOV-0001",
        "GOV-0001 ",
        "GOV 0001",
        "GOV\u{2011}0001",
        "GOV\u{2010}0001",
        "ＧＯＶ-0001",
        "GOV-0001\u{200b}",
        "GÖV-0001",
        "GO\u{0308}V-0001",
        "GOV-0001\n",
        "GOV/0001",
    ] {
        assert!(Subject::new(variant).is_err(), "{variant:?} accepted");
    }
    assert!(Subject::new("").is_err());
    assert!(Subject::new(&"x".repeat(Subject::MAX_LEN + 1)).is_err());
}

#[test]
fn receipts_and_codes_are_human_writable_and_stored_hashed() {
    let mut rng = rng(11);
    let receipt = probity_credentials::Receipt::generate(&mut rng);
    let text = receipt.to_string();
    assert_eq!(text.len(), 39, "32 symbols in 8 groups of 4");
    let typed = text.to_lowercase().replace('-', " ");
    let parsed = probity_credentials::Receipt::parse(&typed).expect("parse as typed");
    assert_eq!(parsed, receipt);
    assert_eq!(parsed.storage_hash(), receipt.storage_hash());
    assert!(probity_credentials::Receipt::parse(&text[..30]).is_err());
    assert!(
        probity_credentials::Receipt::parse("UUUU-0000-0000-0000-0000-0000-0000-0000").is_err()
    );

    // The same 160 bits as an enrollment code hash differently: the stores never collide.
    let code = EnrollmentCode::parse(&text).expect("same alphabet");
    assert_ne!(code.storage_hash().0, receipt.storage_hash().0);
    assert_ne!(
        probity_credentials::Receipt::generate(&mut rng),
        receipt,
        "fresh randomness each time"
    );
}
