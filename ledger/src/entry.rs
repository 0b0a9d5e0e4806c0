//! Ledger entries (DESIGN.md §7) and their canonical JSON encoding.
//!
//! # Encoding
//!
//! An entry is one JSON object, encoded per RFC 8785 (JSON Canonicalization Scheme), with three
//! reserved members next to the fields of its type:
//!
//! - `type`: the entry type, `"DeclarationFiled"`, …;
//! - `version`: the version of that type's layout (see [`EntryBody::TYPES`]). A layout change
//!   bumps its type's version; a build reads one version per type, and refuses an older one
//!   that it can no longer trust with the reason and what to do ([`EntryError::RetiredVersion`]);
//! - `time`: when the service logged it, in milliseconds since the Unix epoch (UTC).
//!
//! The leaf hash of an entry is `SHA-256(0x00 || canonical JSON)` (RFC 6962), so any client in
//! any language recomputes it from the JSON it is served. Decoding is strict: the bytes must be
//! exactly the canonical encoding of what they decode to (no white space, sorted members, no
//! duplicate or unknown members, no trailing data), so one entry has one leaf hash. Unknown types
//! and unknown versions are refused, naming what was found.
//!
//! Integers are at most `2^53 - 1` (I-JSON), so that every JSON implementation reads them exactly.
//! An encoded entry is at most [`MAX_ENTRY_LEN`] bytes: C2SP tlog-tiles entry bundles prefix each
//! entry with a 16-bit length.
//!
//! # Investigative details
//!
//! What a challenge asks about, an `asset_included` proof's `id_hash`, `min_value` and proof
//! ([`WithheldProof`]), a tip's outcome and an alert's content stay off the public ledger. The public entry carries a [`DetailDigest`], a
//! salted SHA-256; the detail and its salt travel separately, as a [`Disclosure`], to registered
//! supervisors and witnesses, who check it against the entry with [`Disclosure::matches`].

use std::{collections::BTreeMap, fmt};

use probity_core::{
    check_text, Amount, AssetIncluded, Capacity, Commitment, IdHash, OfficialId, ParamsManifest,
    Period, ProofEnvelope, PublicInputs, StatementKind, PROOF_ENVELOPE_VERSION,
};
use rand_core::CryptoRngCore;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{
    bytes::{
        ChallengeId, DetailDigest, Ed25519Signature, IssuerParamsBytes, ProofBytes, PublicKey,
        RateLimitTag, Sha256Digest, TipKeyBytes,
    },
    tree::{leaf_hash, Hash},
};

/// Largest encoded entry, in bytes (the 16-bit length prefix of C2SP tlog-tiles entry bundles).
pub const MAX_ENTRY_LEN: usize = 65_535;

/// Largest integer an entry may carry: `2^53 - 1`, the I-JSON limit.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Domain separator of [`Disclosure::digest`].
pub const DETAIL_DIGEST_TAG: &[u8] = b"probity/ledger/detail/v1";

/// Purpose string bound into the official's signature of a [`DeclarationFiled`]. It names the
/// commitment format (v2, DESIGN.md §4), so that a signature on a v1 commitment never files.
pub const DECLARATION_SIGNATURE_PURPOSE: &str = "probity/declaration-filed/v2";

/// Milliseconds since the Unix epoch (UTC), at most [`MAX_SAFE_INTEGER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Timestamp(u64);

impl Timestamp {
    /// A timestamp, if it is at most [`MAX_SAFE_INTEGER`].
    pub fn from_millis(ms: u64) -> Result<Self, String> {
        if ms <= MAX_SAFE_INTEGER {
            Ok(Timestamp(ms))
        } else {
            Err(format!(
                "timestamp {ms} is too large: at most 2^53 - 1 milliseconds"
            ))
        }
    }

    /// The current time.
    pub fn now() -> Self {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Timestamp(
            u64::try_from(ms)
                .unwrap_or(MAX_SAFE_INTEGER)
                .min(MAX_SAFE_INTEGER),
        )
    }

    /// Milliseconds since the epoch.
    pub fn as_millis(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for Timestamp {
    type Error = String;
    fn try_from(ms: u64) -> Result<Self, String> {
        Self::from_millis(ms)
    }
}

impl From<Timestamp> for u64 {
    fn from(t: Timestamp) -> u64 {
        t.0
    }
}

/// The index of an earlier entry in the log, at most [`MAX_SAFE_INTEGER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct EntryIndex(u64);

impl EntryIndex {
    /// An index, if it is at most [`MAX_SAFE_INTEGER`].
    pub fn new(index: u64) -> Result<Self, String> {
        if index <= MAX_SAFE_INTEGER {
            Ok(EntryIndex(index))
        } else {
            Err(format!(
                "entry index {index} is too large: at most 2^53 - 1"
            ))
        }
    }

    /// The index.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for EntryIndex {
    type Error = String;
    fn try_from(i: u64) -> Result<Self, String> {
        Self::new(i)
    }
}

impl From<EntryIndex> for u64 {
    fn from(i: EntryIndex) -> u64 {
        i.0
    }
}

/// A short snake_case name: an alert rule (`declaration_overdue`), 1 to 64 characters of
/// `a-z 0-9 _`, starting with a letter.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RuleName(String);

impl RuleName {
    /// Validates a rule name.
    pub fn new(name: &str) -> Result<Self, String> {
        let ok = (1..=64).contains(&name.len())
            && name.as_bytes()[0].is_ascii_lowercase()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(RuleName(name.to_owned()))
        } else {
            Err(format!("rule name `{name}` is not valid: use 1 to 64 characters of a-z, 0-9 and `_`, starting with a letter"))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RuleName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::new(&s)
    }
}

impl From<RuleName> for String {
    fn from(r: RuleName) -> String {
        r.0
    }
}

/// The name of a state register that supervisors cross-check declarations against
/// (`land`, `vehicles`, `company-register`): 1 to 64 characters of `a-z 0-9 _ -`, starting
/// with a letter. It routes the alerts of a registry's challenges to the department that
/// owns the register, and stays in a challenge's supervisor-only details.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegistryName(String);

impl RegistryName {
    /// Validates a registry name.
    pub fn new(name: &str) -> Result<Self, String> {
        let ok = (1..=64).contains(&name.len())
            && name.as_bytes()[0].is_ascii_lowercase()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(RegistryName(name.to_owned()))
        } else {
            Err(format!("registry name `{name}` is not valid: use 1 to 64 characters of a-z, 0-9, `_` and `-`, starting with a letter"))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegistryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegistryName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::new(&s)
    }
}

impl From<RegistryName> for String {
    fn from(r: RegistryName) -> String {
        r.0
    }
}

/// The identifier of a supervisor, as the registrar assigns it: the same rules as an
/// [`OfficialId`] (1 to 64 characters of `A-Z a-z 0-9 . _ -`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SupervisorId(String);

impl SupervisorId {
    /// Validates an identifier.
    pub fn new(id: &str) -> Result<Self, String> {
        OfficialId::new(id)
            .map(|_| SupervisorId(id.to_owned()))
            .map_err(|e| e.replacen("official id", "supervisor id", 1))
    }

    /// The identifier text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SupervisorId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::new(&s)
    }
}

impl From<SupervisorId> for String {
    fn from(s: SupervisorId) -> String {
        s.0
    }
}

/// `OfficialRegistered`: the registrar registered an official and their signing key.
///
/// Name, position and jurisdiction are public: officials are public figures, and the public
/// reads who must file. The jurisdiction is also the scope of the whistleblower credentials
/// that may report on the official, so it uses the scope alphabet (1 to 64 characters of
/// `A-Z a-z 0-9 - . _ : /`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialRegistered {
    /// The official.
    pub official: OfficialId,
    /// The official's Ed25519 key: it signs every [`DeclarationFiled`].
    pub public_key: PublicKey,
    /// The official's name (1 to 256 bytes of ledger text: see [`probity_core::text`]).
    pub name: String,
    /// The position held (1 to 256 bytes of ledger text).
    pub position: String,
    /// The jurisdiction (the scope alphabet, 1 to 64 characters).
    pub jurisdiction: String,
}

impl OfficialRegistered {
    fn validate(&self) -> Result<(), EntryError> {
        let invalid = |reason: String| EntryError::invalid("OfficialRegistered", reason);
        for (field, text) in [("name", &self.name), ("position", &self.position)] {
            if text.trim().is_empty() || text.len() > 256 {
                return Err(invalid(format!(
                    "`{field}` must be 1 to 256 bytes of text, not only spaces"
                )));
            }
            check_text(text).map_err(|e| invalid(format!("`{field}`: {e}")))?;
        }
        if !is_jurisdiction(&self.jurisdiction) {
            return Err(invalid(format!(
                "jurisdiction `{}` is not valid: use 1 to 64 characters of A-Z, a-z, 0-9 and - . _ : /",
                self.jurisdiction.escape_debug()
            )));
        }
        Ok(())
    }
}

/// Whether `s` is a valid jurisdiction: 1 to 64 characters of `A-Z a-z 0-9 - . _ : /` (the
/// alphabet of a whistleblower credential's scope).
pub fn is_jurisdiction(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:/".contains(&b))
}

/// `SupervisorRegistered`: the registrar registered a supervisor and their signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisorRegistered {
    /// The supervisor.
    pub supervisor: SupervisorId,
    /// The supervisor's Ed25519 key.
    pub public_key: PublicKey,
}

/// `ParamsPublished`: the params manifest every party pins (DESIGN.md §6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsPublished {
    /// The manifest.
    pub manifest: ParamsManifest,
}

/// `DeclarationFiled`: an official filed a commitment for a period, signed with their key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationFiled {
    /// The official.
    pub official: OfficialId,
    /// The period.
    pub period: Period,
    /// The declaration's capacity.
    pub capacity: Capacity,
    /// The commitment.
    pub commitment: Commitment,
    /// The official's Ed25519 signature of [`DeclarationFiled::signing_message`].
    pub signature: Ed25519Signature,
}

#[derive(Serialize)]
struct DeclarationSigningMessage<'a> {
    purpose: &'static str,
    official: &'a OfficialId,
    period: Period,
    capacity: Capacity,
    commitment: Commitment,
}

impl DeclarationFiled {
    /// What the official signs: the canonical JSON (RFC 8785) of
    /// `{"capacity", "commitment", "official", "period", "purpose": "probity/declaration-filed/v2"}`.
    pub fn signing_message(
        official: &OfficialId,
        period: Period,
        capacity: Capacity,
        commitment: Commitment,
    ) -> Vec<u8> {
        let msg = DeclarationSigningMessage {
            purpose: DECLARATION_SIGNATURE_PURPOSE,
            official,
            period,
            capacity,
            commitment,
        };
        serde_json_canonicalizer::to_vec(&msg).expect("the signing message always serializes")
    }

    /// Signs a filing with the official's key.
    pub fn sign(
        official: OfficialId,
        period: Period,
        capacity: Capacity,
        commitment: Commitment,
        key: &ed25519_dalek::SigningKey,
    ) -> Self {
        use ed25519_dalek::Signer as _;
        let msg = Self::signing_message(&official, period, capacity, commitment);
        let signature = Ed25519Signature(key.sign(&msg).to_bytes());
        Self {
            official,
            period,
            capacity,
            commitment,
            signature,
        }
    }

    /// Checks the official's signature (strict Ed25519 verification).
    pub fn verify_signature(&self, key: &PublicKey) -> Result<(), EntryError> {
        let msg =
            Self::signing_message(&self.official, self.period, self.capacity, self.commitment);
        let sig = ed25519_dalek::Signature::from_bytes(&self.signature.0);
        key.0
            .verify_strict(&msg, &sig)
            .map_err(|_| EntryError::BadSignature)
    }
}

/// `ProofAccepted`: the service verified a proof and accepted it.
///
/// The public inputs are listed in verifying-key order as canonical decimal strings. For
/// `asset_included`, the `id_hash` and `min_value` inputs are withheld (`null`), the proof is
/// left out, and `withheld` holds the salted digest of all three; they travel as a
/// [`Disclosure<WithheldProof>`](Disclosure). Every other statement withholds nothing.
///
/// Version 2. Version 1 withheld only the `id_hash`: it published the `min_value` of every
/// answered challenge, and a proof against which anyone could test guesses of the `id_hash`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofAccepted {
    /// The statement.
    pub statement: StatementKind,
    /// The declarations' capacity (selects the key).
    pub capacity: Capacity,
    /// The official the statement is about.
    pub official: OfficialId,
    /// The period(s): one, or the earlier and the later for `wealth_growth`.
    pub periods: Vec<Period>,
    /// Public inputs in verifying-key order; `null` where withheld.
    pub public_inputs: Vec<Option<String>>,
    /// Salted digest of the [`WithheldProof`], present exactly when the statement withholds
    /// inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<DetailDigest>,
    /// The proof, present exactly when nothing is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<ProofBytes>,
}

impl ProofAccepted {
    /// The positions a statement withholds from the public ledger. A statement that withholds
    /// inputs withholds its proof too (see [`WithheldProof`]).
    pub fn withheld_positions(statement: StatementKind) -> &'static [usize] {
        match statement {
            StatementKind::AssetIncluded => &[AssetIncluded::ID_HASH, AssetIncluded::MIN_VALUE],
            _ => &[],
        }
    }

    /// Makes the public entry for a verified proof envelope, and the disclosure of what it
    /// withholds (for `asset_included`: the `id_hash`, the `min_value` and the proof).
    pub fn from_envelope(
        envelope: &ProofEnvelope,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, Option<Disclosure<WithheldProof>>), EntryError> {
        let proof = ProofBytes(
            envelope
                .proof_bytes()
                .map_err(|e| EntryError::invalid("ProofAccepted", e))?,
        );
        let mut public_inputs: Vec<Option<String>> =
            envelope.public_inputs.iter().cloned().map(Some).collect();
        let positions = Self::withheld_positions(envelope.statement);
        let disclosure = if positions.is_empty() {
            None
        } else {
            // The reason quotes nothing: the inputs are the withheld ones.
            let Ok(PublicInputs::AssetIncluded(inputs)) = envelope.inputs() else {
                return Err(EntryError::invalid(
                    "ProofAccepted",
                    "the asset_included public inputs are not valid (not quoted: they are withheld)",
                ));
            };
            for &i in positions {
                if let Some(slot) = public_inputs.get_mut(i) {
                    *slot = None;
                }
            }
            Some(Disclosure::new(
                rng,
                WithheldProof {
                    id_hash: inputs.id_hash,
                    min_value: inputs.min_value,
                    proof,
                },
            ))
        };
        let entry = Self {
            statement: envelope.statement,
            capacity: envelope.capacity,
            official: envelope.official.clone(),
            periods: envelope.periods.clone(),
            public_inputs,
            withheld: disclosure.as_ref().map(Disclosure::digest),
            proof: disclosure.is_none().then_some(proof),
        };
        entry.validate()?;
        Ok((entry, disclosure))
    }

    /// The commitments the proof is about, each with its period, read from its public inputs
    /// (DESIGN.md §5: a proof only counts together with the filing of the commitment it names).
    pub fn named_commitments(&self) -> Result<Vec<(Period, Commitment)>, EntryError> {
        let positions: &[usize] = match self.statement {
            StatementKind::NetWorthRange => &[probity_core::NetWorthRange::COMMITMENT],
            StatementKind::CategoryTotalRange => &[probity_core::CategoryTotalRange::COMMITMENT],
            StatementKind::WealthGrowth => &[
                probity_core::WealthGrowth::COMMITMENT_PREV,
                probity_core::WealthGrowth::COMMITMENT_CURR,
            ],
            StatementKind::AssetIncluded => &[AssetIncluded::COMMITMENT],
        };
        if positions.len() != self.periods.len() {
            return Err(EntryError::invalid(
                "ProofAccepted",
                "the periods do not match the statement",
            ));
        }
        positions
            .iter()
            .zip(&self.periods)
            .map(|(&i, period)| {
                let text = self
                    .public_inputs
                    .get(i)
                    .and_then(Option::as_deref)
                    .ok_or_else(|| {
                        EntryError::invalid("ProofAccepted", "a commitment input is missing")
                    })?;
                let commitment = text
                    .parse::<Commitment>()
                    .map_err(|e| EntryError::invalid("ProofAccepted", e))?;
                Ok((*period, commitment))
            })
            .collect()
    }

    /// Rebuilds the full proof envelope, given the disclosure of what the entry withholds (none
    /// for statements that withhold nothing). Fails if the disclosure does not match the entry.
    pub fn to_envelope(
        &self,
        disclosure: Option<&Disclosure<WithheldProof>>,
    ) -> Result<ProofEnvelope, EntryError> {
        let mut inputs = self.public_inputs.clone();
        let proof = match (self.withheld, self.proof, disclosure) {
            (None, Some(proof), None) => proof,
            (Some(digest), None, Some(d)) if d.matches(&digest) => {
                for (i, x) in d.detail.inputs() {
                    if let Some(slot) = inputs.get_mut(i) {
                        *slot = Some(x);
                    }
                }
                d.detail.proof
            }
            (Some(_), None, Some(_)) => return Err(EntryError::DisclosureMismatch),
            (Some(_), None, None) => {
                return Err(EntryError::invalid(
                    "ProofAccepted",
                    "this proof withholds its inputs and proof: the disclosure is needed to rebuild it",
                ))
            }
            (None, Some(_), Some(_)) => {
                return Err(EntryError::invalid(
                    "ProofAccepted",
                    "this proof withholds nothing: no disclosure expected",
                ))
            }
            (Some(_), Some(_), _) | (None, None, _) => {
                return Err(EntryError::invalid(
                    "ProofAccepted",
                    "the entry must carry either the proof or the digest of what it withholds, not both",
                ))
            }
        };
        let envelope = ProofEnvelope {
            version: PROOF_ENVELOPE_VERSION,
            statement: self.statement,
            capacity: self.capacity,
            official: self.official.clone(),
            periods: self.periods.clone(),
            public_inputs: inputs.into_iter().map(|x| x.unwrap_or_default()).collect(),
            proof: proof.to_hex(),
        };
        // The envelope's own checks: public inputs decode, official tag and periods agree.
        ProofEnvelope::from_json(&envelope.to_json())
            .map_err(|e| EntryError::invalid("ProofAccepted", e))
    }

    /// The entry's form: withheld positions are exactly the statement's, the proof is present
    /// exactly when nothing is withheld, and the public inputs, official, periods and proof
    /// agree (with a placeholder for what is withheld).
    fn validate(&self) -> Result<(), EntryError> {
        let positions = Self::withheld_positions(self.statement);
        for (i, x) in self.public_inputs.iter().enumerate() {
            if x.is_none() != positions.contains(&i) {
                return Err(EntryError::invalid(
                    "ProofAccepted",
                    format!(
                        "public input {i} of {} must {}be withheld",
                        self.statement,
                        if x.is_none() { "not " } else { "" }
                    ),
                ));
            }
        }
        let withholds = !positions.is_empty();
        let present = |yes: bool| if yes { "present" } else { "absent" };
        if self.withheld.is_some() != withholds {
            return Err(EntryError::invalid(
                "ProofAccepted",
                format!(
                    "`withheld` must be {} for {}",
                    present(withholds),
                    self.statement
                ),
            ));
        }
        if self.proof.is_some() == withholds {
            return Err(EntryError::invalid(
                "ProofAccepted",
                format!(
                    "`proof` must be {} for {}",
                    present(!withholds),
                    self.statement
                ),
            ));
        }
        // A placeholder stands in for what is withheld, so that the rest is checked as the
        // envelope it rebuilds. Its id_hash is not 0: no asset_included input may name 0.
        let placeholder = withholds.then(|| Disclosure {
            salt: [0; 32],
            detail: WithheldProof {
                id_hash: IdHash(1u64.into()),
                min_value: Amount(0),
                proof: ProofBytes([0; ProofBytes::LEN]),
            },
        });
        let mut unchecked = self.clone();
        unchecked.withheld = placeholder.as_ref().map(Disclosure::digest);
        unchecked.to_envelope(placeholder.as_ref()).map(|_| ())
    }
}

/// What an `asset_included` [`ProofAccepted`] keeps off the public ledger: the inputs that
/// name the asset and the least value, and the proof.
///
/// The proof is withheld with them because it is a test of them: with the proof and the
/// published verifying key, anyone could confirm a guess of the asset (a registry number) and
/// the value (a round sum) by running the verifier, and a public proof would undo the digest.
///
/// `min_value` travels as a decimal string, as the public inputs do: RFC 8785 writes numbers
/// as IEEE doubles, which would bind a value above 2^53 only approximately.
///
/// # Secrets
/// `Debug` prints nothing of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithheldProof {
    /// The asset's `id_hash`.
    pub id_hash: IdHash,
    /// The least value proved, in minor units.
    #[serde(with = "decimal_amount")]
    pub min_value: Amount,
    /// The proof.
    pub proof: ProofBytes,
}

impl WithheldProof {
    /// The withheld public inputs with their positions, as canonical decimal strings.
    fn inputs(&self) -> [(usize, String); 2] {
        [
            (AssetIncluded::ID_HASH, self.id_hash.to_string()),
            (AssetIncluded::MIN_VALUE, self.min_value.0.to_string()),
        ]
    }
}

impl fmt::Debug for WithheldProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithheldProof").finish_non_exhaustive()
    }
}

/// An [`Amount`] as a canonical decimal string (digits only, no leading zero).
mod decimal_amount {
    use probity_core::Amount;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(x: &Amount, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&x.0)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        let s = String::deserialize(d)?;
        let canonical = (s == "0" || !s.starts_with('0')) && s.bytes().all(|b| b.is_ascii_digit());
        match s.parse::<u64>() {
            Ok(x) if canonical => Ok(Amount(x)),
            _ => Err(serde::de::Error::custom(
                "expected an amount as a decimal integer below 2^64, without leading zeros",
            )),
        }
    }
}

/// What a challenge asks for: an asset with this `id_hash` and at least this value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeDetail {
    /// The asset's `id_hash`.
    pub id_hash: IdHash,
    /// The least value, in minor units.
    pub min_value: probity_core::Amount,
    /// The register the asset was found in, for a challenge a registry import issued.
    /// Absent (not `null`) otherwise, so the digests of challenges issued by hand, before
    /// registers existed, are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<RegistryName>,
}

impl fmt::Debug for ChallengeDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeDetail").finish_non_exhaustive()
    }
}

/// `ChallengeIssued`: a supervisor asked an official for an `asset_included` proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeIssued {
    /// The challenge.
    pub challenge: ChallengeId,
    /// Who asked.
    pub supervisor: SupervisorId,
    /// Who must answer.
    pub official: OfficialId,
    /// The declaration's period.
    pub period: Period,
    /// The deadline.
    pub deadline: Timestamp,
    /// Salted digest of the [`ChallengeDetail`].
    pub detail: DetailDigest,
}

/// `ChallengeAnswered`: the official answered with the proof at `proof_entry`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeAnswered {
    /// The challenge.
    pub challenge: ChallengeId,
    /// The index of the answering [`ProofAccepted`] entry.
    pub proof_entry: EntryIndex,
}

/// `ChallengeExpired`: the deadline passed without an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeExpired {
    /// The challenge.
    pub challenge: ChallengeId,
}

/// `TipReceived`: a sealed tip arrived. Its subject and content stay off the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TipReceived {
    /// The rate-limiting epoch.
    pub epoch: u64,
    /// The whistleblower's rate-limit tag for (subject, epoch).
    pub tag: RateLimitTag,
    /// SHA-256 of the sealed tip (the HPKE ciphertext).
    pub sealed_tip_sha256: Sha256Digest,
}

/// `TipClosed`: supervisors closed the tip logged at `tip_entry`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TipClosed {
    /// The index of the [`TipReceived`] entry.
    pub tip_entry: EntryIndex,
    /// Salted digest of the outcome.
    pub outcome: DetailDigest,
}

/// `DeadlineSet`: the registrar set the filing deadline of a period. A later entry for the same
/// period replaces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineSet {
    /// The period.
    pub period: Period,
    /// The last moment a filing for the period is on time.
    pub deadline: Timestamp,
}

/// `PolicyPublished`: the registrar published version `policy_version` of the supervision policy,
/// which holds for every period from `applies_from` on, until a later version's
/// `applies_from`. A policy is never changed for a period already filed for: the service
/// refuses an `applies_from` that is not after every period filed so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyPublished {
    /// 1 for the first policy, one more for each after it. (Not `version`: every entry has
    /// that member already, the version of its type.)
    pub policy_version: u32,
    /// The first period it holds for.
    pub applies_from: Period,
    /// The public net-worth bands a filing proves its net worth within, lowest first;
    /// absent: the service's own (`/v1/info`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_worth_bands: Option<Vec<NetWorthBand>>,
    /// Growth allowed beyond income in `wealth_growth`, in minor units; absent: the
    /// service's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wealth_growth_tolerance: Option<probity_core::Amount>,
    /// Filings for a period are due by the end of the `n`th day after it ends (UTC), for
    /// periods of `applies_from`'s kind (years when it is a year, months when a month). A
    /// period's own [`DeadlineSet`] comes first (an extension, say). Absent: only those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filing_deadline_days: Option<u32>,
    /// What officials must prove with each filing, beyond the net-worth band and
    /// `wealth_growth` that every filing carries.
    pub requirements: Vec<PolicyRequirement>,
    /// Alert rules switched off for the periods it holds for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules_off: Vec<RuleName>,
    /// Rule thresholds by setting name, as `/v1/info` lists them with each rule
    /// (`band_jump_bands`, say); one absent here is the service's own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rule_settings: BTreeMap<String, u64>,
}

/// A public net-worth band `[lo, hi]`, in minor units (a net worth may be negative).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetWorthBand {
    /// Lower bound.
    pub lo: i64,
    /// Upper bound.
    pub hi: i64,
}

/// The most days after a period that a policy's filing deadline may be.
pub const MAX_DEADLINE_DAYS: u32 = 3_660;

/// One requirement of a [`PolicyPublished`]: each official it applies to files, with every
/// declaration, a `category_total_range` proof that the total of `category` lies within
/// `[lo, hi]` ("holds no securities": securities, 0, 0; "no real estate beyond N": real
/// estate, 0, N). A proof of a narrower range meets it too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequirement {
    /// Its name, as the `required_proof_missing` alert names it: the rule-name form,
    /// `a-z 0-9 _`.
    pub name: RuleName,
    /// The positions it applies to, as officials are registered with them (compared without
    /// regard to case); empty: every position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<String>,
    /// The jurisdictions it applies to: a jurisdiction and those under it (`CN-ZJ` holds
    /// `CN-ZJ-HZ`); empty: every jurisdiction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jurisdictions: Vec<String>,
    /// The category whose total is bounded.
    pub category: probity_core::Category,
    /// The least total, in minor units.
    pub lo: probity_core::Amount,
    /// The greatest total, in minor units.
    pub hi: probity_core::Amount,
}

impl PolicyRequirement {
    /// Whether it applies to an official registered with `position` in `jurisdiction`.
    pub fn applies_to(&self, position: &str, jurisdiction: &str) -> bool {
        let position_ok = self.positions.is_empty()
            || self
                .positions
                .iter()
                .any(|p| p.trim().eq_ignore_ascii_case(position.trim()));
        let jurisdiction_ok = self.jurisdictions.is_empty()
            || self.jurisdictions.iter().any(|j| {
                jurisdiction == j
                    || jurisdiction
                        .strip_prefix(j.as_str())
                        .is_some_and(|rest| rest.starts_with('-'))
            });
        position_ok && jurisdiction_ok
    }

    /// Whether a `category_total_range` proof of `[lo, hi]` for `category` meets it.
    pub fn met_by(&self, category: probity_core::Category, lo: i64, hi: i64) -> bool {
        let within = |x: i64| u64::try_from(x).is_ok_and(|x| self.lo.0 <= x && x <= self.hi.0);
        category == self.category && lo <= hi && within(lo) && within(hi)
    }
}

impl PolicyPublished {
    /// A policy of `requirements` alone: the service's own bands, tolerance, deadlines and
    /// rules hold under it.
    pub fn with_requirements(
        policy_version: u32,
        applies_from: Period,
        requirements: Vec<PolicyRequirement>,
    ) -> Self {
        PolicyPublished {
            policy_version,
            applies_from,
            net_worth_bands: None,
            wealth_growth_tolerance: None,
            filing_deadline_days: None,
            requirements,
            rules_off: Vec::new(),
            rule_settings: BTreeMap::new(),
        }
    }

    /// Checks what the entry's types cannot: at least one requirement is not needed (a
    /// policy may require nothing beyond the band), but names are distinct, ranges are
    /// ordered, and no requirement bounds the empty slot.
    pub fn check(&self) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for r in &self.requirements {
            if !names.insert(r.name.as_str()) {
                return Err(format!("two requirements are named `{}`", r.name.as_str()));
            }
            if r.lo.0 > r.hi.0 {
                return Err(format!("requirement `{}`: lo is above hi", r.name.as_str()));
            }
            if r.category == probity_core::Category::EMPTY {
                return Err(format!(
                    "requirement `{}`: category 0 is the empty slot, not a category",
                    r.name.as_str()
                ));
            }
            if r.positions
                .iter()
                .chain(&r.jurisdictions)
                .any(|t| t.trim().is_empty())
            {
                return Err(format!(
                    "requirement `{}`: an empty position or jurisdiction matches nobody",
                    r.name.as_str()
                ));
            }
        }
        if self.policy_version == 0 {
            return Err("policy versions start at 1".into());
        }
        if let Some(bands) = &self.net_worth_bands {
            if bands.is_empty() || bands.iter().any(|b| b.lo > b.hi) {
                return Err(
                    "net_worth_bands must be a non-empty list of bands with lo <= hi".into(),
                );
            }
            // In order and apart: `band_jump` counts bands by their place in the list.
            if bands.windows(2).any(|w| w[0].hi >= w[1].lo) {
                return Err(
                    "net_worth_bands must be in ascending order and must not overlap".into(),
                );
            }
        }
        if self
            .filing_deadline_days
            .is_some_and(|d| d > MAX_DEADLINE_DAYS)
        {
            return Err(format!(
                "filing_deadline_days is at most {MAX_DEADLINE_DAYS} (ten years)"
            ));
        }
        let mut off = std::collections::HashSet::new();
        if let Some(r) = self.rules_off.iter().find(|r| !off.insert(r.as_str())) {
            return Err(format!("rule `{}` is switched off twice", r.as_str()));
        }
        Ok(())
    }

    /// Whether it holds for `period`: one that begins on or after `applies_from` begins,
    /// a year or a month alike (a policy from 2027 holds for 2027-03, and one from 2027-03
    /// does not hold for the year 2027, which began before it). Periods are compared by
    /// their first day, not their number, in which every month comes after every year.
    pub fn holds_for(&self, period: Period) -> bool {
        period.start_day() >= self.applies_from.start_day()
    }

    /// The deadline this policy sets for `period`, if it sets deadlines and `period` is of
    /// its kind (a year or a month, as `applies_from` is) from `applies_from` on. Whether
    /// the policy is the one in force for `period` is the caller's to know.
    pub fn deadline_for(&self, period: Period) -> Option<Timestamp> {
        let days = self.filing_deadline_days?;
        if period < self.applies_from || period.is_month() != self.applies_from.is_month() {
            return None;
        }
        let due_day = period.end_day() + i64::from(days);
        // The last millisecond of day `days` after the period: the first of the next day, less 1.
        let ms = u64::try_from(due_day.checked_mul(86_400_000)?)
            .ok()?
            .checked_sub(1)?;
        Timestamp::from_millis(ms).ok()
    }

    /// The requirements for an official registered with `position` in `jurisdiction`.
    pub fn requirements_for<'a>(
        &'a self,
        position: &'a str,
        jurisdiction: &'a str,
    ) -> impl Iterator<Item = &'a PolicyRequirement> + 'a {
        self.requirements
            .iter()
            .filter(move |r| r.applies_to(position, jurisdiction))
    }
}

/// `EnrollmentCodesIssued`: the registrar made `count` one-time enrollment codes for
/// whistleblower credentials of `scope`. The codes themselves stay off the ledger; the count
/// bounds how many reporters can exist. (A credential's expiry follows the public schedule at
/// redemption, not anything chosen per code.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentCodesIssued {
    /// How many codes.
    pub count: u64,
    /// The credentials' scope (a jurisdiction).
    pub scope: String,
}

/// `WhistleblowerKeysPublished` (version 2): what whistleblowers pin: the credential issuer's
/// public parameters, the supervisors' tip key (HPKE, X25519), and the schedule of tip epochs
/// and credential expiries (`probity_credentials::ExpirySchedule`).
///
/// A client computes the expiry it expects from its own clock and this schedule, and refuses
/// any other, at issuance and at every tip (DESIGN.md §8). Version 1 lacked the schedule, so
/// a client took the epoch length from the service's word, and an issuer could give one
/// person an expiry nobody else has; it is refused ([`EntryError::RetiredVersion`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhistleblowerKeysPublished {
    /// The issuer's public parameters (`IssuerPublicParams::to_bytes`).
    pub issuer_params: IssuerParamsBytes,
    /// The supervisors' tip public key.
    pub tip_key: TipKeyBytes,
    /// The length of a tip epoch, in seconds: epoch `e` is Unix time
    /// `[e·epoch_seconds, (e+1)·epoch_seconds)`. At least 1.
    pub epoch_seconds: u64,
    /// The length of an expiry period, in epochs. At least 1.
    pub expiry_period_epochs: u64,
    /// A credential issued in period `q` expires at the last epoch of period
    /// `q + expiry_periods`. At least 1.
    pub expiry_periods: u64,
}

/// `Alert`: a rule fired. Its details are for supervisors only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// The rule.
    pub rule: RuleName,
    /// Salted digest of the details.
    pub detail: DetailDigest,
}

macro_rules! entry_kinds {
    ($($name:ident = $version:literal),* $(,)?) => {
        /// What an entry records: one variant per entry type.
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum EntryBody {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name($name),
            )*
        }

        impl EntryBody {
            /// The `type` member.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }

            /// The `version` member this build writes for the type.
            pub fn version(&self) -> u32 {
                match self {
                    $(Self::$name(_) => $version,)*
                }
            }

            /// Every type this build reads, with its version.
            pub const TYPES: &'static [(&'static str, u32)] = &[$((stringify!($name), $version)),*];

            fn payload(&self) -> Result<Value, serde_json::Error> {
                match self {
                    $(Self::$name(x) => serde_json::to_value(x),)*
                }
            }

            fn from_payload(type_name: &str, payload: Value) -> Result<Self, EntryError> {
                match type_name {
                    $(stringify!($name) => Ok(Self::$name(decode_payload(stringify!($name), payload)?)),)*
                    other => Err(EntryError::UnknownType(other.to_owned())),
                }
            }
        }

        $(
            impl From<$name> for EntryBody {
                fn from(x: $name) -> Self {
                    Self::$name(x)
                }
            }
        )*
    };
}

// Version 2 of `ParamsPublished`, `DeclarationFiled` and `ProofAccepted` is commitment format
// v2 (DESIGN.md §4: the commitment binds the capacity); their version 1 is refused, never read.
entry_kinds! {
    OfficialRegistered = 1,
    SupervisorRegistered = 1,
    ParamsPublished = 2,
    DeclarationFiled = 2,
    ProofAccepted = 2,
    ChallengeIssued = 1,
    ChallengeAnswered = 1,
    ChallengeExpired = 1,
    TipReceived = 1,
    TipClosed = 1,
    Alert = 1,
    DeadlineSet = 1,
    PolicyPublished = 1,
    EnrollmentCodesIssued = 1,
    WhistleblowerKeysPublished = 2,
}

/// Versions of entry types this build no longer reads, each with why and what to do.
fn decode_payload<T: DeserializeOwned>(
    type_name: &'static str,
    payload: Value,
) -> Result<T, EntryError> {
    serde_json::from_value(payload).map_err(|e| EntryError::invalid(type_name, e))
}

/// One ledger entry: when it was logged, and what it records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// When the service logged it.
    pub time: Timestamp,
    /// What it records.
    pub body: EntryBody,
}

/// An entry that cannot be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// Not a JSON object.
    #[error("the entry is not a JSON object: {0}")]
    Malformed(String),
    /// A type this build does not know.
    #[error("unknown entry type `{0}`: this build reads {list}; upgrade probity if the log is newer", list = known_types())]
    UnknownType(String),
    /// An older version this build no longer reads, and why.
    #[error("entry type `{type_name}` version {found} is retired and no longer read: {reason}. The log was written by an older probity: keep that release to read it, and start a new log in a new data folder with this one")]
    RetiredVersion {
        /// The type.
        type_name: String,
        /// The version found.
        found: u64,
        /// Why it is refused, and what to do.
        reason: &'static str,
    },
    /// A version this build does not read.
    #[error("entry type `{type_name}` version {found} is not supported (this build reads version {supported}); upgrade probity if the log is newer")]
    UnsupportedVersion {
        /// The type.
        type_name: String,
        /// The version found.
        found: u64,
        /// The version this build reads.
        supported: u32,
    },
    /// A member is missing, unknown or out of range.
    #[error("invalid `{type_name}` entry: {reason}")]
    Invalid {
        /// The type.
        type_name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The bytes decode, but are not the entry's canonical encoding.
    #[error("the entry is not in canonical form (RFC 8785: no white space, members sorted, nothing after the object); re-encode it with Entry::to_canonical_json")]
    NotCanonical,
    /// Too large for an entry bundle.
    #[error("the entry is {0} bytes; an entry is at most {MAX_ENTRY_LEN} bytes")]
    TooLarge(usize),
    /// A declaration's signature does not verify.
    #[error("the official's signature on the filing does not verify")]
    BadSignature,
    /// A disclosure does not match the public digest.
    #[error("the disclosed detail does not match the digest on the ledger")]
    DisclosureMismatch,
}

/// Layouts this build no longer reads, with the reason each was retired: a log that holds
/// one was written by an older probity.
const RETIRED: &[(&str, u64, &str)] = &[
    (
        "WhistleblowerKeysPublished",
        1,
        "it lacks the epoch length and expiry schedule that whistleblowers' clients must pin \
         (without them, an issuer could give one person a credential expiry nobody else has); \
         whistleblowers must enroll again",
    ),
    ("ParamsPublished", 1, COMMITMENT_FORMAT_V1),
    ("DeclarationFiled", 1, COMMITMENT_FORMAT_V1),
    (
        "ProofAccepted",
        1,
        "it holds commitment format v1, which did not bind the capacity, and it published the \
         min_value and the proof of an answered challenge's asset_included proof, which version \
         2 withholds; every official must commit, file and prove again",
    ),
];

/// Why entries of commitment format v1 (DESIGN.md §4) are retired.
const COMMITMENT_FORMAT_V1: &str = "it holds commitment format v1, which did not bind the \
     capacity and is refused; make new params, and every official must commit, file and prove \
     again";

fn known_types() -> String {
    EntryBody::TYPES
        .iter()
        .map(|(t, _)| *t)
        .collect::<Vec<_>>()
        .join(", ")
}

impl EntryError {
    fn invalid(type_name: &'static str, reason: impl fmt::Display) -> Self {
        Self::Invalid {
            type_name,
            reason: reason.to_string(),
        }
    }
}

const RESERVED: [&str; 3] = ["type", "version", "time"];

impl Entry {
    /// An entry logged now.
    pub fn now(body: impl Into<EntryBody>) -> Self {
        Self {
            time: Timestamp::now(),
            body: body.into(),
        }
    }

    /// An entry logged at `time`.
    pub fn at(time: Timestamp, body: impl Into<EntryBody>) -> Self {
        Self {
            time,
            body: body.into(),
        }
    }

    /// The canonical JSON encoding (RFC 8785): the bytes the leaf hash covers.
    pub fn to_canonical_json(&self) -> Result<Vec<u8>, EntryError> {
        self.validate()?;
        let type_name = self.body.type_name();
        let mut payload = self
            .body
            .payload()
            .map_err(|e| EntryError::invalid(type_name, e))?;
        let map = payload
            .as_object_mut()
            .expect("every entry payload is a struct and serializes as an object");
        map.insert("type".into(), Value::from(type_name));
        map.insert("version".into(), Value::from(self.body.version()));
        map.insert("time".into(), Value::from(self.time.as_millis()));
        let bytes = serde_json_canonicalizer::to_vec(&payload)
            .map_err(|e| EntryError::invalid(type_name, e))?;
        if bytes.len() > MAX_ENTRY_LEN {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        Ok(bytes)
    }

    /// Decodes an entry, refusing anything but its exact canonical encoding.
    pub fn from_canonical_json(bytes: &[u8]) -> Result<Self, EntryError> {
        if bytes.len() > MAX_ENTRY_LEN {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| EntryError::Malformed(e.to_string()))?;
        let Value::Object(mut map) = value else {
            return Err(EntryError::Malformed("expected an object".into()));
        };
        let [type_name, version, time] = RESERVED.map(|k| map.remove(k));
        let type_name = match type_name {
            Some(Value::String(s)) => s,
            _ => {
                return Err(EntryError::Malformed(
                    "the `type` member is missing or not a string".into(),
                ))
            }
        };
        let supported = EntryBody::TYPES
            .iter()
            .find(|(t, _)| *t == type_name)
            .map(|(_, v)| *v)
            .ok_or_else(|| EntryError::UnknownType(type_name.clone()))?;
        let version = version.as_ref().and_then(Value::as_u64).ok_or_else(|| {
            EntryError::Malformed("the `version` member is missing or not an integer".into())
        })?;
        if let Some((_, _, reason)) = RETIRED
            .iter()
            .find(|(t, v, _)| *t == type_name && *v == version)
        {
            return Err(EntryError::RetiredVersion {
                type_name,
                found: version,
                reason,
            });
        }
        if version != u64::from(supported) {
            return Err(EntryError::UnsupportedVersion {
                type_name,
                found: version,
                supported,
            });
        }
        let time = time
            .as_ref()
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                EntryError::Malformed("the `time` member is missing or not an integer".into())
            })
            .and_then(|t| Timestamp::from_millis(t).map_err(EntryError::Malformed))?;
        let body = EntryBody::from_payload(&type_name, Value::Object(map))?;
        let entry = Entry { time, body };
        if entry.to_canonical_json()? != bytes {
            return Err(EntryError::NotCanonical);
        }
        Ok(entry)
    }

    /// The RFC 6962 leaf hash, `SHA-256(0x00 || canonical JSON)`.
    pub fn leaf_hash(&self) -> Result<Hash, EntryError> {
        self.to_canonical_json().map(|b| leaf_hash(&b))
    }

    /// Checks what serde cannot: integer ranges and each type's own rules.
    fn validate(&self) -> Result<(), EntryError> {
        match &self.body {
            EntryBody::ProofAccepted(p) => p.validate(),
            EntryBody::OfficialRegistered(r) => r.validate(),
            EntryBody::EnrollmentCodesIssued(e)
                if e.count > MAX_SAFE_INTEGER || !is_jurisdiction(&e.scope) =>
            {
                Err(EntryError::invalid(
                    "EnrollmentCodesIssued",
                    "the count is at most 2^53 - 1, and the scope is a jurisdiction",
                ))
            }
            EntryBody::WhistleblowerKeysPublished(k)
                if [k.epoch_seconds, k.expiry_period_epochs, k.expiry_periods]
                    .iter()
                    .any(|n| !(1..=MAX_SAFE_INTEGER).contains(n)) =>
            {
                Err(EntryError::invalid(
                    "WhistleblowerKeysPublished",
                    "epoch_seconds, expiry_period_epochs and expiry_periods are 1 to 2^53 - 1",
                ))
            }
            EntryBody::TipReceived(t) if t.epoch > MAX_SAFE_INTEGER => Err(EntryError::invalid(
                "TipReceived",
                "epoch is above 2^53 - 1",
            )),
            EntryBody::ParamsPublished(p)
                if p.manifest.version != probity_core::PARAMS_MANIFEST_VERSION =>
            {
                Err(EntryError::invalid(
                    "ParamsPublished",
                    format!(
                        "params manifest version {} is not supported",
                        p.manifest.version
                    ),
                ))
            }
            EntryBody::ParamsPublished(p)
                if p.manifest
                    .keys
                    .iter()
                    .any(|k| k.num_constraints as u64 > MAX_SAFE_INTEGER) =>
            {
                Err(EntryError::invalid(
                    "ParamsPublished",
                    "num_constraints is above 2^53 - 1",
                ))
            }
            EntryBody::ParamsPublished(p) => {
                let m = &p.manifest;
                std::iter::once(&m.setup)
                    .chain(m.keys.iter().flat_map(|k| {
                        [&k.verifying_key, &k.proving_key_file, &k.proving_key_sha256]
                    }))
                    .try_for_each(|text| check_text(text))
                    .map_err(|e| EntryError::invalid("ParamsPublished", e))
            }
            _ => Ok(()),
        }
    }
}

/// An investigative detail with its salt: what supervisors and witnesses receive, off the
/// public ledger, to check against a [`DetailDigest`].
///
/// `digest = SHA-256("probity/ledger/detail/v1" || 0x00 || salt || JCS(detail))`, with a fresh
/// 32-byte salt per detail, so that a guessable detail (an `id_hash` of a known registry number)
/// cannot be confirmed from the public digest.
///
/// # Secrets
/// The detail and the salt are confidential; `Debug` prints neither.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure<T> {
    /// The salt, hex on the wire.
    #[serde(with = "hex::serde")]
    pub salt: [u8; 32],
    /// The detail.
    pub detail: T,
}

impl<T> fmt::Debug for Disclosure<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Disclosure").finish_non_exhaustive()
    }
}

impl<T: Serialize> Disclosure<T> {
    /// Wraps a detail with a fresh salt.
    pub fn new(rng: &mut impl CryptoRngCore, detail: T) -> Self {
        let mut salt = [0u8; 32];
        rng.fill_bytes(&mut salt);
        Self { salt, detail }
    }

    /// The public digest.
    pub fn digest(&self) -> DetailDigest {
        let detail =
            serde_json_canonicalizer::to_vec(&self.detail).expect("a detail always serializes");
        let mut h = Sha256::new();
        h.update(DETAIL_DIGEST_TAG);
        h.update([0u8]);
        h.update(self.salt);
        h.update(detail);
        DetailDigest(h.finalize().into())
    }

    /// Whether this disclosure is the one behind `digest`.
    pub fn matches(&self, digest: &DetailDigest) -> bool {
        self.digest() == *digest
    }
}

#[cfg(test)]
mod tests;
