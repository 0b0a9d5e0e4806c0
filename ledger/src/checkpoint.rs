//! Checkpoints (C2SP tlog-checkpoint) signed as C2SP signed notes, and cosignatures
//! (C2SP tlog-cosignature).
//!
//! # Signatures
//!
//! The log and the witnesses sign checkpoints the same way: a timestamped Ed25519 signature in
//! the `cosignature/v1` format (signed-note signature type `0x04`). The signed message is
//!
//! ```text
//! cosignature/v1
//! time <POSIX seconds>
//! <checkpoint body>
//! ```
//!
//! and the note signature is `key ID || u64 timestamp (big-endian) || Ed25519 signature`, with
//! `key ID = SHA-256(name || "\n" || 0x04 || public key)[:4]`. tlog-checkpoint lets a log sign
//! its checkpoints with a cosignature; doing so puts the checkpoint's time under the log's
//! signature without an extension line (which tlog-checkpoint does not recommend). The log's key
//! name is its origin.
//!
//! Note parsing and signature-line handling are `signed_note`'s, checkpoint bodies
//! `tlog_tiles`'; this module supplies the `cosignature/v1` signer and verifier.

use std::fmt;

use base64::prelude::{Engine as _, BASE64_STANDARD};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use signed_note::{Note, NoteError, Signature, Signer, Verifier, VerifierList};
use tlog_tiles::Checkpoint;

use crate::tree::Hash;

/// Signed-note signature type of timestamped Ed25519 cosignatures.
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
    /// A key name is not valid (empty, or with a space or `+`).
    #[error("`{0}` is not a valid key name: no spaces, no `+`, not empty")]
    BadName(String),
    /// A verifier key does not parse.
    #[error("not a cosignature/v1 verifier key (name+id+base64(0x04 || key)): {0}")]
    BadVerifierKey(String),
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
        if !signed_note::is_key_name_valid(name) {
            return Err(CheckpointError::BadName(name.to_owned()));
        }
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
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Signs a checkpoint body at `time` (POSIX seconds): the signed note with this signature.
    pub fn sign(&self, checkpoint: &Checkpoint, time: u64) -> Result<Vec<u8>, CheckpointError> {
        let mut note = Note::new(&checkpoint.to_bytes(), &[])
            .map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        self.add_to(&mut note, time)?;
        Ok(note.to_bytes())
    }

    /// The signature line this key adds to a checkpoint at `time`.
    pub fn cosign(
        &self,
        checkpoint_body: &[u8],
        time: u64,
    ) -> Result<Cosignature, CheckpointError> {
        let time = time.min(MAX_COSIGNATURE_TIME);
        let sig = TimedSigner { signer: self, time }
            .sign(checkpoint_body)
            .map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        let sig = Signature::new(self.name.clone(), self.verifier().key_id(), sig)
            .map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        Ok(Cosignature {
            name: self.name.clone(),
            time,
            line: sig.to_bytes(),
        })
    }

    fn add_to(&self, note: &mut Note, time: u64) -> Result<(), CheckpointError> {
        let timed = TimedSigner {
            signer: self,
            time: time.min(MAX_COSIGNATURE_TIME),
        };
        note.add_sigs(&[&timed])
            .map_err(|e| CheckpointError::Malformed(e.to_string()))
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

struct TimedSigner<'a> {
    signer: &'a CheckpointSigner,
    time: u64,
}

impl Signer for TimedSigner<'_> {
    fn name(&self) -> &str {
        &self.signer.name
    }

    fn key_id(&self) -> u32 {
        self.signer.verifier().key_id()
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

/// A checkpoint verifier key: name and Ed25519 public key, `cosignature/v1` type.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckpointVerifier {
    name: String,
    key: VerifyingKey,
}

impl fmt::Debug for CheckpointVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CheckpointVerifier({})", self.to_vkey())
    }
}

impl CheckpointVerifier {
    /// A verifier from a name and a public key.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, CheckpointError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(CheckpointError::BadName(name.to_owned()));
        }
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

    /// `SHA-256(name || "\n" || 0x04 || public key)[:4]`.
    pub fn key_id(&self) -> u32 {
        signed_note::key_id(&self.name, &self.key_material())
    }

    fn key_material(&self) -> Vec<u8> {
        let mut k = vec![COSIGNATURE_V1_TYPE];
        k.extend_from_slice(self.key.as_bytes());
        k
    }

    /// The signed-note verifier key: `name+hex(key ID)+base64(0x04 || public key)`.
    pub fn to_vkey(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id(),
            BASE64_STANDARD.encode(self.key_material())
        )
    }

    /// Parses a verifier key written by [`Self::to_vkey`].
    pub fn from_vkey(vkey: &str) -> Result<Self, CheckpointError> {
        let bad = |why: &str| CheckpointError::BadVerifierKey(why.to_owned());
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected three parts separated by `+`"));
        };
        let key = BASE64_STANDARD
            .decode(key)
            .map_err(|_| bad("the key is not base64"))?;
        let [COSIGNATURE_V1_TYPE, rest @ ..] = key.as_slice() else {
            return Err(bad("the key type is not 0x04 (cosignature/v1)"));
        };
        let bytes: [u8; 32] = rest
            .try_into()
            .map_err(|_| bad("the key is not 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| bad("not an Ed25519 public key"))?;
        let v = Self::new(name, key)?;
        if id.len() != 8 || u32::from_str_radix(id, 16).ok() != Some(v.key_id()) {
            return Err(bad("the key ID does not match the name and key"));
        }
        Ok(v)
    }

    /// Verifies this key's signature on a note and returns its timestamp.
    pub fn verify_note(&self, note: &Note) -> Result<u64, CheckpointError> {
        let list = VerifierList::new(vec![Box::new(self.clone())]);
        let (verified, _) = note.verify(&list).map_err(|e| match e {
            NoteError::UnverifiedNote => CheckpointError::NotSigned(self.to_vkey()),
            NoteError::InvalidSignature { .. } => CheckpointError::BadSignature(self.name.clone()),
            other => CheckpointError::Malformed(other.to_string()),
        })?;
        let sig = verified
            .first()
            .ok_or_else(|| CheckpointError::NotSigned(self.to_vkey()))?;
        let time: [u8; 8] = sig.signature()[..8]
            .try_into()
            .expect("a verified cosignature is 72 bytes");
        Ok(u64::from_be_bytes(time))
    }
}

impl Verifier for CheckpointVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        CheckpointVerifier::key_id(self)
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
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

    /// Parses a signed checkpoint and verifies the log's signature; the origin must be the
    /// log key's name. Other signatures (witnesses') are kept and ignored.
    pub fn verify(note: &[u8], log: &CheckpointVerifier) -> Result<Self, CheckpointError> {
        let parsed =
            Note::from_bytes(note).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        let time = log.verify_note(&parsed)?;
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

    /// Verifies a cosignature by `witness` on this checkpoint, returning its timestamp.
    pub fn verify_cosignature(&self, witness: &CheckpointVerifier) -> Result<u64, CheckpointError> {
        let parsed =
            Note::from_bytes(&self.note).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        witness.verify_note(&parsed)
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

    #[test]
    fn signed_message_is_cosignature_v1() {
        let log = signer("probity.test/log", 1);
        let cp = SignedCheckpoint::sign(&log, 0, EMPTY_ROOT, 42).expect("signs");
        let line = cp
            .to_bytes()
            .split(|b| *b == b'\n')
            .rev()
            .nth(1)
            .expect("a signature line")
            .to_vec();
        let sig = Signature::from_bytes(&line).expect("parses");
        assert_eq!(sig.id(), log.verifier().key_id());
        let raw = sig.signature();
        assert_eq!(raw.len(), 72);
        assert_eq!(&raw[..8], &42u64.to_be_bytes());
        let ed = ed25519_dalek::Signature::from_bytes(raw[8..].try_into().expect("64 bytes"));
        let msg = [b"cosignature/v1\ntime 42\n".as_slice(), cp.body()].concat();
        log.verifier()
            .public_key()
            .verify_strict(&msg, &ed)
            .expect("the documented message verifies");
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
    fn vkeys_round_trip_and_reject_mismatched_ids() {
        let v = signer("probity.test/log", 1).verifier();
        let vkey = v.to_vkey();
        assert_eq!(CheckpointVerifier::from_vkey(&vkey), Ok(v.clone()));
        let wrong_id = format!(
            "probity.test/log+00000000+{}",
            vkey.rsplit('+').next().expect("three parts")
        );
        assert!(CheckpointVerifier::from_vkey(&wrong_id).is_err());
        assert!(
            CheckpointSigner::generate("bad name", &mut ChaCha20Rng::seed_from_u64(0)).is_err()
        );
        // The secret never shows in Debug.
        let s = signer("probity.test/log", 1);
        let secret_hex = hex::encode(s.secret_bytes());
        assert!(!format!("{s:?}").contains(&secret_hex));
    }
}
