//! Entry encoding: round trips, a golden encoding, and every refusal the format promises.

use probity_core::{Amount, Fr, ManifestEntry, NetWorthRange, PublicInputs, SignedAmount};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

use super::*;
use crate::bytes::{IssuerParamsBytes, TipKeyBytes};

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7)
}

fn official() -> OfficialId {
    OfficialId::new("GOV-0001").expect("valid id")
}

fn period() -> Period {
    Period::new(2026).expect("valid period")
}

fn t(ms: u64) -> Timestamp {
    Timestamp::from_millis(ms).expect("small")
}

fn envelope(inputs: PublicInputs) -> ProofEnvelope {
    ProofEnvelope::new(Capacity::C64, official(), &inputs, &[7; 128])
}

fn asset_included() -> ProofEnvelope {
    envelope(PublicInputs::AssetIncluded(AssetIncluded {
        commitment: Commitment(Fr::from(5u64)),
        official_tag: official().tag(),
        period: period(),
        id_hash: IdHash(Fr::from(77u64)),
        min_value: Amount(1000),
    }))
}

fn net_worth_range() -> ProofEnvelope {
    envelope(PublicInputs::NetWorthRange(NetWorthRange {
        commitment: Commitment(Fr::from(5u64)),
        official_tag: official().tag(),
        period: period(),
        lo: SignedAmount(-10),
        hi: SignedAmount(10),
    }))
}

/// One entry of every type.
pub(crate) fn one_of_each() -> Vec<Entry> {
    let mut rng = rng();
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let pk = PublicKey(key.verifying_key());
    let detail = Disclosure::new(
        &mut rng,
        ChallengeDetail {
            id_hash: IdHash(Fr::from(77u64)),
            min_value: Amount(1),
            registry: None,
        },
    );
    let (proof, _) =
        ProofAccepted::from_envelope(&asset_included(), &mut rng).expect("valid envelope");
    let manifest = ParamsManifest {
        version: probity_core::PARAMS_MANIFEST_VERSION,
        setup: "dev".into(),
        keys: vec![ManifestEntry {
            statement: StatementKind::NetWorthRange,
            capacity: Capacity::C64,
            num_constraints: 12345,
            verifying_key: "00ff".into(),
            proving_key_file: "net_worth_range_64.pk".into(),
            proving_key_sha256: "ab".repeat(32),
            ceremony: None,
        }],
    };
    let bodies: Vec<EntryBody> = vec![
        OfficialRegistered {
            official: official(),
            public_key: pk,
            name: "Li Wei".into(),
            position: "Head of department".into(),
            jurisdiction: "CN-ZJ-HZ".into(),
        }
        .into(),
        SupervisorRegistered {
            supervisor: SupervisorId::new("AUDIT-1").expect("valid"),
            public_key: pk,
        }
        .into(),
        ParamsPublished { manifest }.into(),
        DeclarationFiled::sign(
            official(),
            period(),
            Capacity::C64,
            Commitment(Fr::from(5u64)),
            &key,
        )
        .into(),
        proof.into(),
        ChallengeIssued {
            challenge: ChallengeId([3; 16]),
            supervisor: SupervisorId::new("AUDIT-1").expect("valid"),
            official: official(),
            period: period(),
            deadline: t(1_800_000_000_000),
            detail: detail.digest(),
        }
        .into(),
        ChallengeAnswered {
            challenge: ChallengeId([3; 16]),
            proof_entry: EntryIndex::new(4).expect("small"),
        }
        .into(),
        ChallengeExpired {
            challenge: ChallengeId([4; 16]),
        }
        .into(),
        TipReceived {
            epoch: 2026,
            tag: RateLimitTag([9; 32]),
            sealed_tip_sha256: Sha256Digest([8; 32]),
        }
        .into(),
        TipClosed {
            tip_entry: EntryIndex::new(8).expect("small"),
            outcome: DetailDigest([6; 32]),
        }
        .into(),
        Alert {
            rule: RuleName::new("declaration_overdue").expect("valid"),
            detail: DetailDigest([5; 32]),
        }
        .into(),
        DeadlineSet {
            period: period(),
            deadline: t(1_790_000_000_000),
        }
        .into(),
        PolicyPublished {
            policy_version: 1,
            applies_from: period(),
            requirements: vec![PolicyRequirement {
                name: RuleName::new("no_securities").expect("valid"),
                positions: vec!["Financial regulation".into()],
                jurisdictions: Vec::new(),
                category: probity_core::Category::from_code(3).expect("valid"),
                lo: Amount(0),
                hi: Amount(0),
            }],
            net_worth_bands: Some(vec![
                NetWorthBand { lo: -5, hi: -1 },
                NetWorthBand { lo: 0, hi: 99 },
            ]),
            wealth_growth_tolerance: Some(Amount(500)),
            filing_deadline_days: Some(90),
            rules_off: vec![RuleName::new("band_jump").expect("valid")],
            rule_settings: [("late_filings_window".to_owned(), 4)].into(),
        }
        .into(),
        EnrollmentCodesIssued {
            count: 10,
            scope: "CN-ZJ-HZ".into(),
        }
        .into(),
        keys_published(),
    ];
    assert_eq!(bodies.len(), EntryBody::TYPES.len(), "one of each type");
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| Entry::at(t(1_767_225_600_000 + i as u64), b))
        .collect()
}

#[test]
fn every_type_round_trips_through_canonical_json() {
    for e in one_of_each() {
        let bytes = e.to_canonical_json().expect("encodes");
        assert_eq!(Entry::from_canonical_json(&bytes).expect("decodes"), e);
        // The canonical form is what RFC 8785 makes of any spelling of the same JSON.
        let value: Value = serde_json::from_slice(&bytes).expect("json");
        let pretty = serde_json::to_string_pretty(&value).expect("pretty");
        assert_eq!(
            serde_json_canonicalizer::pipe(&pretty)
                .expect("jcs")
                .as_bytes(),
            bytes.as_slice()
        );
        assert_eq!(e.leaf_hash().expect("hash"), leaf_hash(&bytes));
    }
}

#[test]
fn golden_encoding() {
    let e = Entry::at(
        t(1_767_225_600_000),
        TipReceived {
            epoch: 2026,
            tag: RateLimitTag([0x11; 32]),
            sealed_tip_sha256: Sha256Digest([0x22; 32]),
        },
    );
    let bytes = e.to_canonical_json().expect("encodes");
    let want = format!(
        r#"{{"epoch":2026,"sealed_tip_sha256":"{}","tag":"{}","time":1767225600000,"type":"TipReceived","version":1}}"#,
        "22".repeat(32),
        "11".repeat(32)
    );
    assert_eq!(String::from_utf8(bytes.clone()).expect("utf8"), want);
    // SHA-256(0x00 || bytes), pinned so that a change of encoding cannot go unnoticed.
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(&bytes);
    assert_eq!(
        e.leaf_hash().expect("hash").0,
        <[u8; 32]>::from(h.finalize())
    );
}

fn refuse(text: &str) -> EntryError {
    Entry::from_canonical_json(text.as_bytes()).expect_err("must be refused")
}

#[test]
fn non_canonical_unknown_and_trailing_are_refused() {
    let good = String::from_utf8(
        Entry::at(
            t(5),
            ChallengeExpired {
                challenge: ChallengeId([0xab; 16]),
            },
        )
        .to_canonical_json()
        .expect("encodes"),
    )
    .expect("utf8");
    assert!(Entry::from_canonical_json(good.as_bytes()).is_ok());
    let id = "ab".repeat(16);
    // Trailing data, trailing white space, inner white space, unsorted members.
    assert!(matches!(
        refuse(&format!("{good}{{}}")),
        EntryError::Malformed(_)
    ));
    assert_eq!(refuse(&format!("{good} ")), EntryError::NotCanonical);
    assert_eq!(refuse(&good.replace(",", ", ")), EntryError::NotCanonical);
    assert_eq!(
        refuse(&format!(
            r#"{{"type":"ChallengeExpired","challenge":"{id}","time":5,"version":1}}"#
        )),
        EntryError::NotCanonical
    );
    // A duplicate member.
    assert_eq!(
        refuse(&format!(
            r#"{{"challenge":"{id}","challenge":"{id}","time":5,"type":"ChallengeExpired","version":1}}"#
        )),
        EntryError::NotCanonical
    );
    // Unknown member, unknown type, unknown version, missing reserved members.
    assert!(matches!(
        refuse(&format!(
            r#"{{"challenge":"{id}","extra":1,"time":5,"type":"ChallengeExpired","version":1}}"#
        )),
        EntryError::Invalid { .. }
    ));
    let e = refuse(&format!(
        r#"{{"challenge":"{id}","time":5,"type":"ChallengeRenamed","version":1}}"#
    ));
    assert!(
        matches!(e, EntryError::UnknownType(ref t) if t == "ChallengeRenamed"),
        "{e}"
    );
    assert!(
        e.to_string().contains("ChallengeExpired"),
        "the message lists what is known: {e}"
    );
    let e = refuse(&format!(
        r#"{{"challenge":"{id}","time":5,"type":"ChallengeExpired","version":2}}"#
    ));
    assert!(
        matches!(
            e,
            EntryError::UnsupportedVersion {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{e}"
    );
    assert!(matches!(
        refuse(&format!(
            r#"{{"challenge":"{id}","time":5,"type":"ChallengeExpired"}}"#
        )),
        EntryError::Malformed(_)
    ));
    assert!(matches!(
        refuse(&format!(
            r#"{{"challenge":"{id}","type":"ChallengeExpired","version":1}}"#
        )),
        EntryError::Malformed(_)
    ));
    // Upper-case hex, out-of-range integers, not an object.
    assert!(matches!(
        refuse(&good.replace(&id, &id.to_uppercase())),
        EntryError::Invalid { .. } | EntryError::NotCanonical
    ));
    assert!(
        refuse(&good.replace(r#""time":5"#, r#""time":9007199254740992"#))
            .to_string()
            .contains("too large")
    );
    assert!(matches!(refuse("[1]"), EntryError::Malformed(_)));
    assert!(matches!(
        refuse(&" ".repeat(MAX_ENTRY_LEN + 1)),
        EntryError::TooLarge(_)
    ));
}

/// An `id_hash` and a `min_value` whose decimal and hex spellings cannot occur by chance in
/// an entry.
const SECRET_ID_HASH: u128 = 0x5eed_1d00_c0ff_ee00_b1ac_6a11_0000_0042;
const SECRET_MIN_VALUE: u64 = 0x0bad_cafe_f00d;

/// An `asset_included` proof file on [`SECRET_ID_HASH`] and [`SECRET_MIN_VALUE`].
fn secret_asset_included() -> ProofEnvelope {
    envelope(PublicInputs::AssetIncluded(AssetIncluded {
        commitment: Commitment(Fr::from(5u64)),
        official_tag: official().tag(),
        period: period(),
        id_hash: IdHash(Fr::from(SECRET_ID_HASH)),
        min_value: Amount(SECRET_MIN_VALUE),
    }))
}

/// Every spelling of `x` that could give it away: decimal and hex, either case.
fn spellings(x: u128) -> [String; 3] {
    [x.to_string(), format!("{x:x}"), format!("{x:X}")]
}

#[test]
fn asset_included_withholds_its_id_hash_min_value_and_proof() {
    let mut rng = rng();
    let env = secret_asset_included();
    let (entry, disclosure) = ProofAccepted::from_envelope(&env, &mut rng).expect("valid");
    let disclosure = disclosure.expect("asset_included withholds its inputs");
    assert_eq!(entry.public_inputs[AssetIncluded::ID_HASH], None);
    assert_eq!(entry.public_inputs[AssetIncluded::MIN_VALUE], None);
    assert_eq!(entry.proof, None);
    let json = String::from_utf8(
        Entry::at(t(1), entry.clone())
            .to_canonical_json()
            .expect("encodes"),
    )
    .expect("utf8");
    for secret in spellings(SECRET_ID_HASH)
        .into_iter()
        .chain(spellings(SECRET_MIN_VALUE.into()))
        .chain([env.proof.clone()])
    {
        assert!(
            !json.contains(&secret),
            "`{secret}` is on the public entry: {json}"
        );
    }
    assert!(json.contains(r#""version":2"#), "{json}");
    // With the disclosure, a supervisor or witness rebuilds the envelope the official sent.
    assert_eq!(entry.to_envelope(Some(&disclosure)).expect("rebuilds"), env);
    assert!(entry.to_envelope(None).is_err());
    // Debug never prints the disclosed detail or salt.
    assert_eq!(format!("{disclosure:?}"), "Disclosure { .. }");
    assert_eq!(format!("{:?}", disclosure.detail), "WithheldProof { .. }");
}

#[test]
fn a_tampered_proof_disclosure_is_refused() {
    let (entry, disclosure) =
        ProofAccepted::from_envelope(&secret_asset_included(), &mut rng()).expect("valid");
    let good = disclosure.expect("asset_included withholds its inputs");
    /// One way of tampering with a disclosure.
    type Tamper = fn(&mut Disclosure<WithheldProof>);
    let cases: [(&str, Tamper); 5] = [
        ("a lower min_value", |d| d.detail.min_value.0 -= 1),
        ("a higher min_value", |d| d.detail.min_value.0 += 1),
        ("another salt", |d| d.salt[0] ^= 1),
        ("another id_hash", |d| {
            d.detail.id_hash = IdHash(Fr::from(77u64))
        }),
        ("another proof", |d| d.detail.proof.0[0] ^= 1),
    ];
    for (what, tamper) in cases {
        let mut d = good.clone();
        tamper(&mut d);
        assert_eq!(
            entry.to_envelope(Some(&d)),
            Err(EntryError::DisclosureMismatch),
            "a disclosure with {what} must be refused"
        );
    }
}

#[test]
fn withheld_min_values_bind_exactly_beyond_2_pow_53() {
    // RFC 8785 writes JSON numbers as doubles, which cannot tell 2^53 from 2^53 + 1: the
    // withheld min_value is a decimal string, so each value has its own digest.
    let d = |min_value: u64| Disclosure {
        salt: [1; 32],
        detail: WithheldProof {
            id_hash: IdHash(Fr::from(77u64)),
            min_value: Amount(min_value),
            proof: ProofBytes([7; 128]),
        },
    };
    let (a, b) = (d(1 << 53), d((1 << 53) + 1));
    assert_ne!(a.digest(), b.digest());
    let json = serde_json::to_string(&b).expect("serializes");
    assert!(json.contains(r#""min_value":"9007199254740993""#), "{json}");
    let back: Disclosure<WithheldProof> = serde_json::from_str(&json).expect("parses");
    assert!(back.matches(&b.digest()));
    for bad in ["09", "+9", "9.0", "", "18446744073709551616"] {
        let text = json.replace("9007199254740993", bad);
        assert!(
            serde_json::from_str::<Disclosure<WithheldProof>>(&text).is_err(),
            "min_value `{bad}` must be refused"
        );
    }
}

#[test]
fn a_proof_entry_that_shows_or_hides_the_wrong_things_is_refused() {
    let (entry, _) =
        ProofAccepted::from_envelope(&secret_asset_included(), &mut rng()).expect("valid");
    let refused = |e: ProofAccepted| Entry::at(t(1), e).to_canonical_json().is_err();
    for i in [AssetIncluded::ID_HASH, AssetIncluded::MIN_VALUE] {
        let mut revealing = entry.clone();
        revealing.public_inputs[i] = Some("77".into());
        assert!(refused(revealing), "input {i} must stay withheld");
    }
    let mut with_proof = entry.clone();
    with_proof.proof = Some(ProofBytes([7; 128]));
    assert!(refused(with_proof), "the proof must stay withheld");
    let mut hiding = entry.clone();
    hiding.public_inputs[0] = None;
    assert!(refused(hiding));
    let mut no_digest = entry;
    no_digest.withheld = None;
    assert!(refused(no_digest));
    let (public, _) = ProofAccepted::from_envelope(&net_worth_range(), &mut rng()).expect("valid");
    let mut no_proof = public;
    no_proof.proof = None;
    assert!(
        refused(no_proof),
        "a statement that withholds nothing shows its proof"
    );
}

#[test]
fn a_version_1_proof_entry_is_refused_as_retired() {
    let (entry, _) =
        ProofAccepted::from_envelope(&secret_asset_included(), &mut rng()).expect("valid");
    let v2 = String::from_utf8(Entry::at(t(1), entry).to_canonical_json().expect("encodes"))
        .expect("utf8");
    let e = refuse(&v2.replace(r#""version":2"#, r#""version":1"#));
    assert!(
        matches!(e, EntryError::RetiredVersion { found: 1, .. }),
        "{e}"
    );
    let message = e.to_string();
    for says in ["retired", "older probity", "min_value"] {
        assert!(message.contains(says), "{message}");
    }
    assert!(!message.contains("upgrade"), "{message}");
    // A newer version is still a reason to upgrade.
    let e = refuse(&v2.replace(r#""version":2"#, r#""version":3"#));
    assert!(e.to_string().contains("upgrade probity"), "{e}");
}

#[test]
fn other_statements_withhold_nothing_and_must_agree_with_the_official() {
    let mut rng = rng();
    let (entry, disclosure) =
        ProofAccepted::from_envelope(&net_worth_range(), &mut rng).expect("valid");
    assert!(disclosure.is_none() && entry.withheld.is_none());
    assert_eq!(
        entry.to_envelope(None).expect("rebuilds"),
        net_worth_range()
    );
    let mut other = entry.clone();
    other.official = OfficialId::new("GOV-0002").expect("valid");
    assert!(
        Entry::at(t(1), other).to_canonical_json().is_err(),
        "the official tag must match"
    );
    let mut wrong_period = entry;
    wrong_period.periods = vec![Period::new(2025).expect("valid")];
    assert!(Entry::at(t(1), wrong_period).to_canonical_json().is_err());
}

#[test]
fn declaration_signatures_verify_with_the_officials_key_only() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let other = ed25519_dalek::SigningKey::from_bytes(&[2; 32]);
    let d = DeclarationFiled::sign(
        official(),
        period(),
        Capacity::C64,
        Commitment(Fr::from(5u64)),
        &key,
    );
    d.verify_signature(&PublicKey(key.verifying_key()))
        .expect("valid");
    assert_eq!(
        d.verify_signature(&PublicKey(other.verifying_key())),
        Err(EntryError::BadSignature)
    );
    let mut moved = d;
    moved.period = Period::new(2025).expect("valid");
    assert_eq!(
        moved.verify_signature(&PublicKey(key.verifying_key())),
        Err(EntryError::BadSignature)
    );
    let msg = String::from_utf8(DeclarationFiled::signing_message(
        &official(),
        period(),
        Capacity::C64,
        Commitment(Fr::from(5u64)),
    ))
    .expect("utf8");
    assert_eq!(
        msg,
        r#"{"capacity":64,"commitment":"5","official":"GOV-0001","period":2026,"purpose":"probity/declaration-filed/v2"}"#
    );
    // A signature made for commitment format v1 does not file under v2.
    use ed25519_dalek::Signer as _;
    let v1_message = msg.replace("declaration-filed/v2", "declaration-filed/v1");
    let v1_signed = DeclarationFiled {
        signature: Ed25519Signature(key.sign(v1_message.as_bytes()).to_bytes()),
        ..DeclarationFiled::sign(
            official(),
            period(),
            Capacity::C64,
            Commitment(Fr::from(5u64)),
            &key,
        )
    };
    assert_eq!(
        v1_signed.verify_signature(&PublicKey(key.verifying_key())),
        Err(EntryError::BadSignature)
    );
}

/// Commitment format v1 did not bind the capacity (DESIGN.md §4): entries that carry v1
/// commitments, proofs or params are refused, never read, with a message that says what to do.
#[test]
fn commitment_format_v1_entries_are_refused_with_what_to_do() {
    for entry in one_of_each() {
        let name = entry.body.type_name();
        if !["ParamsPublished", "DeclarationFiled", "ProofAccepted"].contains(&name) {
            continue;
        }
        assert_eq!(entry.body.version(), 2, "{name}");
        let json = String::from_utf8(entry.to_canonical_json().expect("encodes")).expect("utf8");
        let v1 = json.replace(r#""version":2"#, r#""version":1"#);
        assert_ne!(v1, json);
        let e = Entry::from_canonical_json(v1.as_bytes()).expect_err("v1 is refused");
        assert!(
            matches!(e, EntryError::RetiredVersion { found: 1, .. }),
            "{name}: {e}"
        );
        assert!(
            e.to_string().contains("commitment format v1")
                && e.to_string().contains("commit, file and prove again"),
            "{name}: {e}"
        );
    }
}

#[test]
fn disclosures_bind_salt_and_detail() {
    let mut rng = rng();
    let d = Disclosure::new(
        &mut rng,
        ChallengeDetail {
            id_hash: IdHash(Fr::from(77u64)),
            min_value: Amount(1),
            registry: None,
        },
    );
    let digest = d.digest();
    assert!(d.matches(&digest));
    let again = Disclosure::new(&mut rng, d.detail.clone());
    assert_ne!(again.digest(), digest, "a fresh salt gives a fresh digest");
    let json = serde_json::to_string(&d).expect("serializes");
    let back: Disclosure<ChallengeDetail> = serde_json::from_str(&json).expect("parses");
    assert!(back.matches(&digest));
}

#[test]
fn a_challenge_detail_names_its_registry_only_when_it_has_one() {
    let by_hand = ChallengeDetail {
        id_hash: IdHash(Fr::from(77u64)),
        min_value: Amount(1),
        registry: None,
    };
    // The form of challenges issued before registers existed: their digests stay valid.
    assert_eq!(
        serde_json_canonicalizer::to_string(&by_hand).expect("serializes"),
        r#"{"id_hash":"77","min_value":1}"#
    );
    let from_registry = ChallengeDetail {
        registry: Some(RegistryName::new("land").expect("valid")),
        ..by_hand.clone()
    };
    let json = serde_json::to_string(&from_registry).expect("serializes");
    assert_eq!(json, r#"{"id_hash":"77","min_value":1,"registry":"land"}"#);
    let back: ChallengeDetail = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, from_registry);
    assert!(
        !format!("{from_registry:?}").contains("land"),
        "Debug hides the registry"
    );
    let salt = [9u8; 32];
    assert_ne!(
        Disclosure {
            salt,
            detail: by_hand
        }
        .digest(),
        Disclosure {
            salt,
            detail: from_registry
        }
        .digest(),
        "the registry is bound by the digest"
    );
    for bad in [
        "",
        "Land",
        "1land",
        "land registry",
        "land/1",
        &"a".repeat(65),
    ] {
        assert!(RegistryName::new(bad).is_err(), "{bad:?}");
        let json = format!(r#"{{"id_hash":"77","min_value":1,"registry":"{bad}"}}"#);
        assert!(
            serde_json::from_str::<ChallengeDetail>(&json).is_err(),
            "{bad:?}"
        );
    }
    for good in ["land", "vehicles", "company-register", "land_2026"] {
        assert_eq!(RegistryName::new(good).expect("valid").as_str(), good);
    }
}

#[test]
fn bad_withheld_inputs_are_refused_without_quoting_them() {
    for position in [AssetIncluded::ID_HASH, AssetIncluded::MIN_VALUE] {
        let mut env = asset_included();
        // Not a field element (above the modulus), and not something an error may repeat.
        let secret = "9".repeat(80);
        env.public_inputs[position] = secret.clone();
        let err = ProofAccepted::from_envelope(&env, &mut rng()).expect_err("refused");
        assert!(!err.to_string().contains(&secret[..20]), "{err}");
        assert!(!format!("{err:?}").contains(&secret[..20]), "{err:?}");
        env.public_inputs[position] = "withheld-secret-text".into();
        let err = ProofAccepted::from_envelope(&env, &mut rng()).expect_err("refused");
        assert!(!err.to_string().contains("secret-text"), "{err}");
    }
    // A min_value of 2^64 is a field element, but not an amount.
    let mut env = asset_included();
    env.public_inputs[AssetIncluded::MIN_VALUE] = "18446744073709551616".into();
    let err = ProofAccepted::from_envelope(&env, &mut rng()).expect_err("refused");
    assert!(!err.to_string().contains("18446744073709551616"), "{err}");
}

#[test]
fn registrations_refuse_bidi_controls_invisible_characters_and_emoji() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let good = OfficialRegistered {
        official: official(),
        public_key: PublicKey(key.verifying_key()),
        name: "محمد Li Wei 李伟".into(),
        position: "Head of department ©".into(),
        jurisdiction: "CN-ZJ-HZ".into(),
    };
    assert!(Entry::at(t(1), good.clone()).to_canonical_json().is_ok());
    for (field, text) in [
        ("name", "Li Wei\u{202E}ieW iL"),
        ("name", "Li\u{200B}Wei"),
        ("name", "Li Wei\u{2066}"),
        ("position", "Head\u{00AD}of department"),
        ("position", "Head of department 👍"),
        ("position", "Head of\u{2028}department"),
    ] {
        let mut r = good.clone();
        *match field {
            "name" => &mut r.name,
            _ => &mut r.position,
        } = text.into();
        let err = Entry::at(t(1), r.clone())
            .to_canonical_json()
            .expect_err("ledger text only");
        assert!(
            matches!(
                err,
                EntryError::Invalid {
                    type_name: "OfficialRegistered",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains(&format!("`{field}`: U+")), "{err}");
        // Refused when read back too: a log holding it is not a valid log.
        let forged = serde_json::to_vec(&serde_json::json!({
            "type": "OfficialRegistered",
            "version": 1,
            "time": 1,
            "official": r.official,
            "public_key": r.public_key,
            "name": r.name,
            "position": r.position,
            "jurisdiction": r.jurisdiction,
        }))
        .expect("json");
        assert!(matches!(
            Entry::from_canonical_json(&forged),
            Err(EntryError::Invalid {
                type_name: "OfficialRegistered",
                ..
            })
        ));
    }
}

#[test]
fn the_params_manifest_on_the_ledger_is_ledger_text() {
    let manifest = |setup: &str| ParamsManifest {
        version: probity_core::PARAMS_MANIFEST_VERSION,
        setup: setup.into(),
        keys: vec![ManifestEntry {
            statement: StatementKind::NetWorthRange,
            capacity: Capacity::C64,
            num_constraints: 1,
            verifying_key: "00ff".into(),
            proving_key_file: "net_worth_range_64.pk".into(),
            proving_key_sha256: "ab".repeat(32),
            ceremony: None,
        }],
    };
    let entry = |setup: &str| {
        Entry::at(
            t(1),
            ParamsPublished {
                manifest: manifest(setup),
            },
        )
        .to_canonical_json()
    };
    assert!(entry("ceremony").is_ok());
    assert!(entry("ceremony\u{202E}").is_err());
    let mut m = manifest("dev");
    m.keys[0].proving_key_file = "kp.\u{202E}exe".into();
    assert!(Entry::at(t(1), ParamsPublished { manifest: m })
        .to_canonical_json()
        .is_err());
}

#[test]
fn registrations_refuse_empty_names_control_characters_and_bad_jurisdictions() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let good = OfficialRegistered {
        official: official(),
        public_key: PublicKey(key.verifying_key()),
        name: "Li Wei".into(),
        position: "Head of department".into(),
        jurisdiction: "CN-ZJ-HZ".into(),
    };
    assert!(Entry::at(t(1), good.clone()).to_canonical_json().is_ok());
    let bad = [
        OfficialRegistered {
            name: " ".into(),
            ..good.clone()
        },
        OfficialRegistered {
            position: "a\nb".into(),
            ..good.clone()
        },
        OfficialRegistered {
            name: "x".repeat(257),
            ..good.clone()
        },
        OfficialRegistered {
            jurisdiction: "CN ZJ".into(),
            ..good.clone()
        },
        OfficialRegistered {
            jurisdiction: String::new(),
            ..good.clone()
        },
        OfficialRegistered {
            jurisdiction: "浙江".into(),
            ..good.clone()
        },
    ];
    for r in bad {
        assert!(
            matches!(
                Entry::at(t(1), r).to_canonical_json(),
                Err(EntryError::Invalid {
                    type_name: "OfficialRegistered",
                    ..
                })
            ),
            "refused"
        );
    }
    let codes = EnrollmentCodesIssued {
        count: 1,
        scope: "CN ZJ".into(),
    };
    assert!(Entry::at(t(1), codes).to_canonical_json().is_err());
}

fn keys_published() -> EntryBody {
    WhistleblowerKeysPublished {
        issuer_params: IssuerParamsBytes([1; 129]),
        tip_key: TipKeyBytes([2; 32]),
        epoch_seconds: 604_800,
        expiry_period_epochs: 13,
        expiry_periods: 4,
    }
    .into()
}

/// A log written before the expiry schedule was pinned is refused, with what to do; a
/// schedule with a zero in it is refused too.
#[test]
fn whistleblower_keys_without_a_schedule_are_refused_with_what_to_do() {
    let v2 = Entry::at(t(5), keys_published())
        .to_canonical_json()
        .expect("encodes");
    let mut value: Value = serde_json::from_slice(&v2).expect("json");
    assert_eq!(value["version"], 2);
    let map = value.as_object_mut().expect("an object");
    for field in ["epoch_seconds", "expiry_period_epochs", "expiry_periods"] {
        map.remove(field).expect("the v2 layout has the schedule");
    }
    map.insert("version".into(), 1.into());
    let v1 = serde_json_canonicalizer::to_vec(&value).expect("jcs");
    let e = Entry::from_canonical_json(&v1).expect_err("version 1 is retired");
    assert!(
        matches!(e, EntryError::RetiredVersion { found: 1, .. }),
        "{e}"
    );
    let message = e.to_string();
    assert!(
        message.contains("epoch length and expiry schedule") && message.contains("new log"),
        "the message says why and what to do: {message}"
    );

    for zero in ["epoch_seconds", "expiry_period_epochs", "expiry_periods"] {
        let mut value: Value = serde_json::from_slice(&v2).expect("json");
        value[zero] = 0.into();
        let bytes = serde_json_canonicalizer::to_vec(&value).expect("jcs");
        assert!(
            matches!(
                Entry::from_canonical_json(&bytes).expect_err("zero"),
                EntryError::Invalid { .. }
            ),
            "{zero} = 0"
        );
    }
}

fn bare_policy() -> PolicyPublished {
    PolicyPublished::with_requirements(1, Period::new(2027).expect("valid"), Vec::new())
}

#[test]
fn a_policy_without_the_later_fields_encodes_as_before() {
    // Policies logged before bands, tolerance, deadlines and rule settings could be set keep
    // their bytes, so their leaf hashes are unchanged.
    let e = Entry::at(t(1_767_225_600_000), bare_policy());
    let bytes = e.to_canonical_json().expect("encodes");
    assert_eq!(
        String::from_utf8(bytes).expect("utf-8"),
        r#"{"applies_from":2027,"policy_version":1,"requirements":[],"time":1767225600000,"type":"PolicyPublished","version":1}"#
    );
}

#[test]
fn a_policys_bands_rules_and_deadline_are_checked() {
    let band = |lo, hi| NetWorthBand { lo, hi };
    let with = |f: &dyn Fn(&mut PolicyPublished)| {
        let mut p = bare_policy();
        f(&mut p);
        p.check()
    };
    assert_eq!(with(&|_| {}), Ok(()));
    assert_eq!(
        with(&|p| p.net_worth_bands = Some(vec![band(0, 9), band(10, 19)])),
        Ok(())
    );
    for (bad, why) in [
        (vec![], "non-empty"),
        (vec![band(5, 4)], "lo <= hi"),
        (vec![band(10, 19), band(0, 9)], "ascending"),
        (vec![band(0, 10), band(10, 19)], "overlap"),
    ] {
        let err = with(&|p| p.net_worth_bands = Some(bad.clone())).expect_err(why);
        assert!(err.contains(why), "{err}");
    }
    assert!(with(&|p| p.filing_deadline_days = Some(MAX_DEADLINE_DAYS + 1)).is_err());
    let off = RuleName::new("band_jump").expect("valid");
    let err = with(&|p| p.rules_off = vec![off.clone(), off.clone()]).expect_err("twice");
    assert!(err.contains("twice"), "{err}");
}

#[test]
fn a_policy_sets_deadlines_for_periods_of_its_kind_from_its_first() {
    let mut p = bare_policy();
    let period = |n| Period::new(n).expect("valid");
    assert_eq!(p.deadline_for(period(2027)), None, "no deadline rule");
    p.filing_deadline_days = Some(90);
    // 2028 is a leap year: 90 days from 1 January end with 30 March.
    let end_of_30_march =
        (probity_core::parse_date("2028-03-31").expect("date") as u64) * 86_400_000 - 1;
    assert_eq!(
        p.deadline_for(period(2027)).map(|d| d.as_millis()),
        Some(end_of_30_march)
    );
    assert!(p.deadline_for(period(2028)).is_some());
    assert_eq!(p.deadline_for(period(2026)), None, "before the policy");
    assert_eq!(p.deadline_for(period(202703)), None, "a month, not a year");
    p.filing_deadline_days = Some(0);
    assert_eq!(
        p.deadline_for(period(2027)).map(|d| d.as_millis()),
        Some(probity_core::parse_date("2028-01-01").expect("date") as u64 * 86_400_000 - 1),
        "0 days: the period's own last moment"
    );
}

#[test]
fn a_policy_holds_for_the_periods_that_begin_after_it_does_years_and_months_alike() {
    let period = |n| Period::new(n).expect("valid");
    let from_2027 = bare_policy();
    for (p, holds) in [
        (2026, false),
        (2027, true),
        (2030, true),
        (202612, false),
        (202701, true),
        (202703, true),
        (199912, false),
    ] {
        assert_eq!(from_2027.holds_for(period(p)), holds, "{p}");
    }
    let from_march =
        PolicyPublished::with_requirements(1, Period::new(202703).expect("valid"), Vec::new());
    // The year 2027 began before March: a policy from March does not judge it.
    assert!(!from_march.holds_for(period(2027)));
    assert!(!from_march.holds_for(period(202702)));
    assert!(from_march.holds_for(period(202703)) && from_march.holds_for(period(2028)));
}
