//! Checkpoints (C2SP tlog-checkpoint) signed as C2SP signed notes, and cosignatures
//! (C2SP tlog-cosignature).
//!
//! # Signatures
//!
//! The log signs each checkpoint twice with its Ed25519 key, under its origin as key name:
//!
//! 1. a plain Ed25519 signed-note signature (type [`ED25519_TYPE`], `0x01`) of the checkpoint
//!    body: what standard tlog clients (Go's `note` package and its ports) verify with the log's
//!    verifier key;
//! 2. a timestamped `cosignature/v1` signature (type [`COSIGNATURE_V1_TYPE`], `0x04`), which
//!    puts the checkpoint's time under the log's signature without an extension line (which
//!    tlog-checkpoint does not recommend). Its signed message is
//!
//! ```text
//! cosignature/v1
//! time <POSIX seconds>
//! <checkpoint body>
//! ```
//!
//! and its note signature is `key ID || u64 timestamp (big-endian) || Ed25519 signature`.
//!
//! A signature's key ID is `SHA-256(name || "\n" || type || public key)[:4]`, so the two lines
//! of one key carry different IDs. [`SignedCheckpoint::verify`] requires both, each valid and
//! each from the log's key: a checkpoint with only one of them is refused, so that every
//! checkpoint a client accepts both verifies with standard tools and carries the log's signed
//! time. Witnesses cosign with the `cosignature/v1` line only.
//!
//! Verifier keys are `name+hex(key ID)+base64(type || public key)`: the log publishes its
//! type-`0x01` key ([`CheckpointVerifier::ed25519_vkey`]), the form standard clients take; a
//! witness publishes its type-`0x04` key ([`CheckpointVerifier::cosignature_vkey`]).
//! [`CheckpointVerifier::from_vkey`] reads either, since both name the same Ed25519 key.
//!
//! Note parsing and signature-line handling are `signed_note`'s, checkpoint bodies
//! `tlog_tiles`'; this module supplies the two signers and verifiers.

use std::fmt;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use signed_note::{Note, NoteError, Signature, Signer, Verifier, VerifierList};
use tlog_tiles::Checkpoint;

use crate::tree::Hash;

/// Signed-note signature type of plain Ed25519 signatures (C2SP signed-note).
pub const ED25519_TYPE: u8 = 0x01;

/// Signed-note signature type of timestamped Ed25519 cosignatures (C2SP tlog-cosignature).
pub const COSIGNATURE_V1_TYPE: u8 = 0x04;

// Largest timestamp a cosignature may carry (`2^63 - 1`).
pub(crate) const MAX_COSIGNATURE_TIME: u64 = i64::MAX as u64;

/// A checkpoint that cannot be made, parsed or verified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Not a signed note, or not a checkpoint.
    #[error("not a signed checkpoint: {0}")]
    Malformed(String),
    /// No signature from the expected key.
    #[error("the checkpoint is not signed by {0}: check the origin and the verifier key")]
    NotSigned(String),
    /// The log signed with one of its two signature types only.
    #[error(
        "the checkpoint has no {missing} signature by {key}: a log checkpoint needs both a plain \
         Ed25519 signature and a timestamped cosignature/v1 signature from the log's key; the \
         log is misconfigured or the checkpoint was altered"
    )]
    MissingSignature {
        /// The log's verifier key.
        key: String,
        /// The missing type: `Ed25519` or `cosignature/v1`.
        missing: &'static str,
    },
    /// A signature from the expected key is wrong.
    #[error(
        "the checkpoint's signature by {0} does not verify: the checkpoint was altered or forged"
    )]
    BadSignature(String),
    /// The origin line is not the log's.
    #[error("the checkpoint's origin is `{found}`, expected `{expected}`")]
    WrongOrigin {
        /// Expected origin.
        expected: String,
        /// Found origin.
        found: String,
    },
    /// A key name is not valid: empty, or with a space, a `+`, or a character ledger text
    /// may not hold ([`probity_core::text`]).
    #[error("`{}` is not a valid key name: not empty, no spaces, no `+`, and no control, format or emoji character", .0.escape_debug())]
    BadName(String),
    /// A verifier key does not parse. Never carries the text given, which may be a secret.
    #[error(
        "not a signed-note verifier key (name+id+base64(0x01 or 0x04 || Ed25519 public key)): {0}"
    )]
    BadVerifierKey(String),
}

/// Checks a key name: a log's origin, which heads every checkpoint, or a witness's name. It
/// is text every reader of the log is shown, so it passes the ledger's text check too.
fn check_key_name(name: &str) -> Result<(), CheckpointError> {
    if signed_note::is_key_name_valid(name) && probity_core::check_text(name).is_ok() {
        Ok(())
    } else {
        Err(CheckpointError::BadName(name.to_owned()))
    }
}

/// A checkpoint signing key: the log's, or a witness's.
///
/// # Secrets
/// `Debug` prints the name and the public key only.
pub struct CheckpointSigner {
    name: String,
    key: SigningKey,
}

impl fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("name", &self.name)
            .field(
                "public_key",
                &hex::encode(self.key.verifying_key().as_bytes()),
            )
            .finish_non_exhaustive()
    }
}

impl CheckpointSigner {
    /// A signer from a name (the log's origin, or the witness's name) and a key.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    /// A fresh key.
    pub fn generate(name: &str, rng: &mut impl CryptoRngCore) -> Result<Self, CheckpointError> {
        Self::new(name, SigningKey::generate(rng))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching verifier.
    pub fn verifier(&self) -> CheckpointVerifier {
        CheckpointVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The secret key bytes, for the caller to store (encrypted) and reload with [`Self::new`].
    /// [`Self::save`] writes them as a signed-note key file instead.
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Signs a checkpoint body as the log at `time` (POSIX seconds): the signed note with the
    /// plain Ed25519 signature and the timestamped `cosignature/v1` signature.
    pub fn sign(&self, checkpoint: &Checkpoint, time: u64) -> Result<Vec<u8>, CheckpointError> {
        let mut note = Note::new(&checkpoint.to_bytes(), &[])
            .map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        let plain = PlainSigner { signer: self };
        let timed = TimedSigner {
            signer: self,
            time: time.min(MAX_COSIGNATURE_TIME),
        };
        note.add_sigs(&[&plain, &timed])
            .map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        Ok(note.to_bytes())
    }

    /// The `cosignature/v1` line this key adds to a checkpoint at `time`: a witness's
    /// cosignature.
    pub fn cosign(
        &self,
        checkpoint_body: &[u8],
        time: u64,
    ) -> Result<Cosignature, CheckpointError> {
        let time = time.min(MAX_COSIGNATURE_TIME);
        let sig = TimedSigner { signer: self, time }
            .sign(checkpoint_body)
            .map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        let sig = Signature::new(self.name.clone(), self.verifier().cosignature_key_id(), sig)
            .map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        Ok(Cosignature {
            name: self.name.clone(),
            time,
            line: sig.to_bytes(),
        })
    }
}

/// One `cosignature/v1` signature line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    /// The signer's key name.
    pub name: String,
    /// When it was signed, POSIX seconds.
    pub time: u64,
    /// The note signature line, `— <name> <base64>\n`.
    pub line: Vec<u8>,
}

/// `cosignature/v1\ntime <t>\n<body>`.
fn cosigned_message(time: u64, body: &[u8]) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {time}\n").into_bytes();
    msg.extend_from_slice(body);
    msg
}

/// Signs the note text itself (type `0x01`).
struct PlainSigner<'a> {
    signer: &'a CheckpointSigner,
}

impl Signer for PlainSigner<'_> {
    fn name(&self) -> &str {
        &self.signer.name
    }

    fn key_id(&self) -> u32 {
        self.signer.verifier().ed25519_key_id()
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.signer.key.try_sign(msg)?.to_bytes().to_vec())
    }
}

/// Signs the `cosignature/v1` message at a time (type `0x04`).
struct TimedSigner<'a> {
    signer: &'a CheckpointSigner,
    time: u64,
}

impl Signer for TimedSigner<'_> {
    fn name(&self) -> &str {
        &self.signer.name
    }

    fn key_id(&self) -> u32 {
        self.signer.verifier().cosignature_key_id()
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        let sig = self
            .signer
            .key
            .try_sign(&cosigned_message(self.time, msg))?;
        let mut out = self.time.to_be_bytes().to_vec();
        out.extend_from_slice(&sig.to_bytes());
        Ok(out)
    }
}

/// A checkpoint verifier key: a name and an Ed25519 public key, which verify both the log's
/// signature types and witnesses' cosignatures.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckpointVerifier {
    name: String,
    key: VerifyingKey,
}

impl fmt::Debug for CheckpointVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CheckpointVerifier({})", self.ed25519_vkey())
    }
}

impl CheckpointVerifier {
    /// A verifier from a name and a public key.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// `type || public key`.
    fn key_material(&self, sig_type: u8) -> Vec<u8> {
        let mut k = vec![sig_type];
        k.extend_from_slice(self.key.as_bytes());
        k
    }

    /// Key ID of the plain Ed25519 line: `SHA-256(name || "\n" || 0x01 || public key)[:4]`.
    pub fn ed25519_key_id(&self) -> u32 {
        signed_note::key_id(&self.name, &self.key_material(ED25519_TYPE))
    }

    /// Key ID of the `cosignature/v1` line: `SHA-256(name || "\n" || 0x04 || public key)[:4]`.
    pub fn cosignature_key_id(&self) -> u32 {
        signed_note::key_id(&self.name, &self.key_material(COSIGNATURE_V1_TYPE))
    }

    fn vkey(&self, sig_type: u8) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            signed_note::key_id(&self.name, &self.key_material(sig_type)),
            BASE64_STANDARD.encode(self.key_material(sig_type))
        )
    }

    /// The standard Ed25519 verifier key, `name+hex(key ID)+base64(0x01 || public key)`: what
    /// a log publishes, and what standard signed-note clients take.
    pub fn ed25519_vkey(&self) -> String {
        self.vkey(ED25519_TYPE)
    }

    /// The `cosignature/v1` verifier key, `name+hex(key ID)+base64(0x04 || public key)`: what
    /// a witness publishes (C2SP tlog-cosignature).
    pub fn cosignature_vkey(&self) -> String {
        self.vkey(COSIGNATURE_V1_TYPE)
    }

    /// Parses a verifier key of type `0x01` ([`Self::ed25519_vkey`]) or `0x04`
    /// ([`Self::cosignature_vkey`]); the key ID must match the name, type and key.
    ///
    /// Errors never quote the text, in case a secret key was given by mistake.
    pub fn from_vkey(vkey: &str) -> Result<Self, CheckpointError> {
        let bad = |why: &str| CheckpointError::BadVerifierKey(why.to_owned());
        if vkey.starts_with("PRIVATE+KEY+") {
            return Err(bad(
                "this is a secret key: pass the verifier key that `probity ledger keygen` printed, and keep the secret key private",
            ));
        }
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected three parts separated by `+`"));
        };
        let key = BASE64_STANDARD
            .decode(key)
            .map_err(|_| bad("the key is not base64"))?;
        let (sig_type, rest) = match key.as_slice() {
            [t @ (ED25519_TYPE | COSIGNATURE_V1_TYPE), rest @ ..] => (*t, rest),
            _ => {
                return Err(bad(
                    "the key type is not 0x01 (Ed25519) or 0x04 (cosignature/v1)",
                ))
            }
        };
        let bytes: [u8; 32] = rest
            .try_into()
            .map_err(|_| bad("the key is not 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| bad("not an Ed25519 public key"))?;
        let v = Self::new(name, key)?;
        let expected = signed_note::key_id(name, &v.key_material(sig_type));
        if id.len() != 8 || u32::from_str_radix(id, 16).ok() != Some(expected) {
            return Err(bad("the key ID does not match the name and key"));
        }
        Ok(v)
    }

    fn plain_verifier(&self) -> Box<dyn Verifier> {
        Box::new(LineVerifier {
            name: self.name.clone(),
            id: self.ed25519_key_id(),
            key: self.key,
            timed: false,
        })
    }

    fn timed_verifier(&self) -> Box<dyn Verifier> {
        Box::new(LineVerifier {
            name: self.name.clone(),
            id: self.cosignature_key_id(),
            key: self.key,
            timed: true,
        })
    }

    fn verify_with(
        &self,
        note: &Note,
        list: Vec<Box<dyn Verifier>>,
    ) -> Result<Vec<Signature>, CheckpointError> {
        let (verified, _) = note.verify(&VerifierList::new(list)).map_err(|e| match e {
            NoteError::UnverifiedNote => CheckpointError::NotSigned(self.ed25519_vkey()),
            NoteError::InvalidSignature { .. } => CheckpointError::BadSignature(self.name.clone()),
            other => CheckpointError::Malformed(other.to_string()),
        })?;
        Ok(verified)
    }

    /// Verifies this key's `cosignature/v1` line on a note (a witness's cosignature) and
    /// returns its timestamp.
    pub(crate) fn verify_cosignature_line(&self, note: &Note) -> Result<u64, CheckpointError> {
        let verified = self.verify_with(note, vec![self.timed_verifier()])?;
        let sig = verified
            .first()
            .ok_or_else(|| CheckpointError::NotSigned(self.cosignature_vkey()))?;
        Ok(timestamp_of(sig))
    }

    /// Verifies a log's signatures on a note: both the plain Ed25519 line and the
    /// `cosignature/v1` line of this key must be present and valid. Returns the timestamp.
    pub(crate) fn verify_log_lines(&self, note: &Note) -> Result<u64, CheckpointError> {
        let verified =
            self.verify_with(note, vec![self.plain_verifier(), self.timed_verifier()])?;
        let missing = |missing| CheckpointError::MissingSignature {
            key: self.ed25519_vkey(),
            missing,
        };
        if !verified.iter().any(|s| s.id() == self.ed25519_key_id()) {
            return Err(missing("Ed25519"));
        }
        let timed = verified
            .iter()
            .find(|s| s.id() == self.cosignature_key_id())
            .ok_or_else(|| missing("cosignature/v1"))?;
        Ok(timestamp_of(timed))
    }
}

/// The timestamp of a verified `cosignature/v1` signature.
fn timestamp_of(sig: &Signature) -> u64 {
    let time: [u8; 8] = sig.signature()[..8]
        .try_into()
        .expect("a verified cosignature is 72 bytes");
    u64::from_be_bytes(time)
}

/// Checks one signature line of a key: plain Ed25519 (`0x01`) or `cosignature/v1` (`0x04`).
/// Verification is strict (RFC 8032 with canonical encodings, no small-order keys).
struct LineVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
    timed: bool,
}

impl Verifier for LineVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        if !self.timed {
            let Ok::<&[u8; 64], _>(sig) = sig.try_into() else {
                return false;
            };
            let ed = ed25519_dalek::Signature::from_bytes(sig);
            return self.key.verify_strict(msg, &ed).is_ok();
        }
        let Ok::<&[u8; 72], _>(sig) = sig.try_into() else {
            return false;
        };
        let time = u64::from_be_bytes(sig[..8].try_into().expect("8 of 72 bytes"));
        if time > MAX_COSIGNATURE_TIME {
            return false;
        }
        let ed = ed25519_dalek::Signature::from_bytes(sig[8..].try_into().expect("64 of 72 bytes"));
        self.key
            .verify_strict(&cosigned_message(time, msg), &ed)
            .is_ok()
    }
}

/// A checkpoint whose log signature has been verified.
#[derive(Clone, PartialEq)]
pub struct SignedCheckpoint {
    note: Vec<u8>,
    body: Vec<u8>,
    origin: String,
    size: u64,
    root: Hash,
    time: u64,
}

impl fmt::Debug for SignedCheckpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedCheckpoint")
            .field("origin", &self.origin)
            .field("size", &self.size)
            .field("root", &self.root)
            .field("time", &self.time)
            .finish()
    }
}

impl fmt::Display for SignedCheckpoint {
    /// The signed note, as served.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.note))
    }
}

impl SignedCheckpoint {
    /// Makes and signs the checkpoint of a tree at `time` (POSIX seconds).
    pub fn sign(
        signer: &CheckpointSigner,
        size: u64,
        root: Hash,
        time: u64,
    ) -> Result<Self, CheckpointError> {
        let body = Checkpoint::new(signer.name(), size, root, "")
            .map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        let note = signer.sign(&body, time)?;
        Self::verify(&note, &signer.verifier())
    }

    /// Parses a signed checkpoint and verifies the log's two signatures (plain Ed25519 and
    /// `cosignature/v1`, both from `log`'s key); the origin must be the log key's name. Other
    /// signatures (witnesses') are kept and ignored.
    pub fn verify(note: &[u8], log: &CheckpointVerifier) -> Result<Self, CheckpointError> {
        let parsed =
            Note::from_bytes(note).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        let time = log.verify_log_lines(&parsed)?;
        let body = parsed.text().to_vec();
        let cp =
            Checkpoint::from_bytes(&body).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        if cp.origin() != log.name() {
            return Err(CheckpointError::WrongOrigin {
                expected: log.name().to_owned(),
                found: cp.origin().to_owned(),
            });
        }
        Ok(Self {
            note: note.to_vec(),
            body,
            origin: cp.origin().to_owned(),
            size: cp.size(),
            root: *cp.hash(),
            time,
        })
    }

    /// Verifies a `cosignature/v1` cosignature by `witness` on this checkpoint, returning its
    /// timestamp.
    pub fn verify_cosignature(&self, witness: &CheckpointVerifier) -> Result<u64, CheckpointError> {
        let parsed =
            Note::from_bytes(&self.note).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        witness.verify_cosignature_line(&parsed)
    }

    /// Adds a signature line (a witness's cosignature) to the note.
    pub fn with_cosignature(&self, cosignature: &Cosignature) -> Result<Self, CheckpointError> {
        let mut note = self.note.clone();
        note.extend_from_slice(&cosignature.line);
        Note::from_bytes(&note).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        Ok(Self {
            note,
            ..self.clone()
        })
    }

    /// The whole signed note.
    pub fn to_bytes(&self) -> &[u8] {
        &self.note
    }

    /// The checkpoint body (origin, size, root hash lines): what signatures cover.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash.
    pub fn root(&self) -> Hash {
        self.root
    }

    /// When the log signed it, POSIX seconds.
    pub fn time(&self) -> u64 {
        self.time
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;
    use crate::tree::{leaf_hash, EMPTY_ROOT};

    fn signer(name: &str, seed: u64) -> CheckpointSigner {
        CheckpointSigner::generate(name, &mut ChaCha20Rng::seed_from_u64(seed)).expect("valid name")
    }

    #[test]
    fn sign_and_verify_round_trip() {
        let log = signer("probity.test/log", 1);
        let cp = SignedCheckpoint::sign(&log, 7, leaf_hash(b"x"), 1_700_000_000).expect("signs");
        let again = SignedCheckpoint::verify(cp.to_bytes(), &log.verifier()).expect("verifies");
        assert_eq!(again.size(), 7);
        assert_eq!(again.root(), leaf_hash(b"x"));
        assert_eq!(again.time(), 1_700_000_000);
        assert!(cp.to_string().starts_with("probity.test/log\n7\n"));
    }

    /// The signature lines of a note, last first.
    fn sig_lines(note: &[u8]) -> Vec<Signature> {
        let text = std::str::from_utf8(note).expect("utf8");
        let (_, sigs) = text.rsplit_once("\n\n").expect("a signature block");
        sigs.lines()
            .map(|l| Signature::from_bytes(l.as_bytes()).expect("parses"))
            .collect()
    }

    #[test]
    fn the_log_signs_plain_ed25519_and_cosignature_v1() {
        let log = signer("probity.test/log", 1);
        let cp = SignedCheckpoint::sign(&log, 0, EMPTY_ROOT, 42).expect("signs");
        let sigs = sig_lines(cp.to_bytes());
        assert_eq!(sigs.len(), 2);
        let key = *log.verifier().public_key();

        // The plain line: an Ed25519 signature of the body.
        assert_eq!(sigs[0].name(), "probity.test/log");
        assert_eq!(sigs[0].id(), log.verifier().ed25519_key_id());
        let raw = sigs[0].signature();
        let ed = ed25519_dalek::Signature::from_bytes(raw.try_into().expect("64 bytes"));
        key.verify_strict(cp.body(), &ed)
            .expect("the body verifies");

        // The timed line: time, then a signature of the documented message.
        assert_eq!(sigs[1].name(), "probity.test/log");
        assert_eq!(sigs[1].id(), log.verifier().cosignature_key_id());
        let raw = sigs[1].signature();
        assert_eq!(raw.len(), 72);
        assert_eq!(&raw[..8], &42u64.to_be_bytes());
        let ed = ed25519_dalek::Signature::from_bytes(raw[8..].try_into().expect("64 bytes"));
        let msg = [b"cosignature/v1\ntime 42\n".as_slice(), cp.body()].concat();
        key.verify_strict(&msg, &ed)
            .expect("the documented message verifies");
    }

    #[test]
    fn a_standard_signed_note_client_verifies_the_log() {
        // signed_note's own verifier, built from the published key: what standard clients run.
        let log = signer("probity.test/log", 1);
        let cp = SignedCheckpoint::sign(&log, 3, leaf_hash(b"x"), 5).expect("signs");
        let standard = signed_note::StandardVerifier::new(&log.verifier().ed25519_vkey())
            .expect("a standard verifier key");
        let note = Note::from_bytes(cp.to_bytes()).expect("parses");
        let (verified, unverified) = note
            .verify(&VerifierList::new(vec![Box::new(standard)]))
            .expect("a standard client accepts the checkpoint");
        assert_eq!(verified.len(), 1);
        // The cosignature/v1 line is simply unknown to it.
        assert_eq!(unverified.len(), 1);
    }

    #[test]
    fn a_log_checkpoint_needs_both_lines_from_the_same_key() {
        let log = signer("probity.test/log", 1);
        let other = signer("probity.test/log", 2);
        let body = Checkpoint::new("probity.test/log", 3, leaf_hash(b"x"), "").expect("valid");
        let note = |signers: &[&dyn Signer]| {
            let mut n = Note::new(&body.to_bytes(), &[]).expect("note");
            n.add_sigs(signers).expect("signs");
            n.to_bytes()
        };
        let plain = PlainSigner { signer: &log };
        let timed = TimedSigner {
            signer: &log,
            time: 5,
        };
        assert_eq!(
            SignedCheckpoint::verify(&note(&[&plain, &timed]), &log.verifier()).map(|c| c.time()),
            Ok(5)
        );
        // Only one of the two lines.
        assert!(matches!(
            SignedCheckpoint::verify(&note(&[&plain]), &log.verifier()),
            Err(CheckpointError::MissingSignature {
                missing: "cosignature/v1",
                ..
            })
        ));
        assert!(matches!(
            SignedCheckpoint::verify(&note(&[&timed]), &log.verifier()),
            Err(CheckpointError::MissingSignature {
                missing: "Ed25519",
                ..
            })
        ));
        // The plain line from another key under the log's name, next to the log's timed line.
        let foreign = PlainSigner { signer: &other };
        assert!(matches!(
            SignedCheckpoint::verify(&note(&[&foreign, &timed]), &log.verifier()),
            Err(CheckpointError::MissingSignature {
                missing: "Ed25519",
                ..
            })
        ));
        // And the other way round.
        let foreign_timed = TimedSigner {
            signer: &other,
            time: 5,
        };
        assert!(matches!(
            SignedCheckpoint::verify(&note(&[&plain, &foreign_timed]), &log.verifier()),
            Err(CheckpointError::MissingSignature {
                missing: "cosignature/v1",
                ..
            })
        ));
        // A plain line whose bytes were swapped for another key's, under the log's key ID.
        let forged = Signature::new(
            "probity.test/log".into(),
            log.verifier().ed25519_key_id(),
            other.key.sign(&body.to_bytes()).to_bytes().to_vec(),
        )
        .expect("a line");
        let mut n = Note::new(&body.to_bytes(), &[forged]).expect("note");
        n.add_sigs(&[&timed]).expect("signs");
        assert!(matches!(
            SignedCheckpoint::verify(&n.to_bytes(), &log.verifier()),
            Err(CheckpointError::BadSignature(_))
        ));
    }

    #[test]
    fn wrong_key_tampered_body_and_wrong_origin_are_refused() {
        let log = signer("probity.test/log", 1);
        let other = signer("probity.test/log", 2);
        let cp = SignedCheckpoint::sign(&log, 3, leaf_hash(b"x"), 5).expect("signs");
        assert!(matches!(
            SignedCheckpoint::verify(cp.to_bytes(), &other.verifier()),
            Err(CheckpointError::NotSigned(_))
        ));
        let tampered = String::from_utf8(cp.to_bytes().to_vec())
            .expect("utf8")
            .replacen("\n3\n", "\n4\n", 1);
        assert!(matches!(
            SignedCheckpoint::verify(tampered.as_bytes(), &log.verifier()),
            Err(CheckpointError::BadSignature(_))
        ));
        let renamed = signer("probity.test/other", 1);
        let cp = renamed
            .sign(
                &Checkpoint::new("probity.test/log", 1, EMPTY_ROOT, "").expect("valid"),
                1,
            )
            .expect("signs");
        assert!(matches!(
            SignedCheckpoint::verify(&cp, &renamed.verifier()),
            Err(CheckpointError::WrongOrigin { .. })
        ));
    }

    #[test]
    fn cosignatures_add_and_verify() {
        let log = signer("probity.test/log", 1);
        let witness = signer("witness.test/w1", 3);
        let cp = SignedCheckpoint::sign(&log, 3, leaf_hash(b"x"), 5).expect("signs");
        let cosig = witness.cosign(cp.body(), 9).expect("cosigns");
        let both = cp.with_cosignature(&cosig).expect("appends");
        assert_eq!(both.verify_cosignature(&witness.verifier()), Ok(9));
        // The log's signature still verifies with the extra line.
        assert_eq!(
            SignedCheckpoint::verify(both.to_bytes(), &log.verifier()).map(|c| c.size()),
            Ok(3)
        );
        assert!(cp.verify_cosignature(&witness.verifier()).is_err());
    }

    #[test]
    fn key_names_refuse_invisible_and_bidi_characters() {
        let key = SigningKey::from_bytes(&[3; 32]);
        for name in ["probity.example/log", "审计署/见证"] {
            assert!(CheckpointSigner::new(name, key.clone()).is_ok(), "{name}");
        }
        for name in [
            "probity.example/\u{202E}gol",
            "probity.example\u{200B}/log",
            "log\u{FEFF}",
            "log😀",
        ] {
            let err = CheckpointSigner::new(name, key.clone()).expect_err("refused");
            assert!(matches!(err, CheckpointError::BadName(_)), "{err}");
            if !name.contains('😀') {
                assert!(!err.to_string().contains(name), "escaped: {err}");
            }
            assert!(CheckpointVerifier::new(name, key.verifying_key()).is_err());
        }
    }

    #[test]
    fn vkeys_round_trip_and_reject_mismatched_ids() {
        let v = signer("probity.test/log", 1).verifier();
        let vkey = v.ed25519_vkey();
        let cosig = v.cosignature_vkey();
        assert_ne!(vkey, cosig);
        assert_eq!(CheckpointVerifier::from_vkey(&vkey), Ok(v.clone()));
        assert_eq!(CheckpointVerifier::from_vkey(&cosig), Ok(v.clone()));
        // signed_note derives the same standard key.
        assert_eq!(
            signed_note::new_ed25519_verifier_key("probity.test/log", v.public_key()),
            vkey
        );
        let wrong_id = format!(
            "probity.test/log+00000000+{}",
            vkey.splitn(3, '+').nth(2).expect("three parts")
        );
        assert!(CheckpointVerifier::from_vkey(&wrong_id).is_err());
        // The 0x01 key's ID under the 0x04 key material.
        let swapped = format!(
            "probity.test/log+{:08x}+{}",
            v.ed25519_key_id(),
            cosig.splitn(3, '+').nth(2).expect("three parts")
        );
        assert!(CheckpointVerifier::from_vkey(&swapped).is_err());
        assert!(
            CheckpointSigner::generate("bad name", &mut ChaCha20Rng::seed_from_u64(0)).is_err()
        );
        // The secret never shows in Debug, nor in the error for a secret given as a vkey.
        let s = signer("probity.test/log", 1);
        let secret_hex = hex::encode(s.secret_bytes());
        assert!(!format!("{s:?}").contains(&secret_hex));
        let skey = s.to_skey();
        let err = CheckpointVerifier::from_vkey(&skey).expect_err("a secret key is not a vkey");
        let b64 = skey.splitn(5, '+').nth(4).expect("five parts");
        assert!(!err.to_string().contains(b64));
    }
}
