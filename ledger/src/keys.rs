//! Key files in the C2SP signed-note key formats.
//!
//! - The **secret key** is one line, `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>`, with
//!   the 32-byte Ed25519 seed: the signed-note private key format that standard tools (Go's
//!   `note.GenerateKey`) write. Its key ID is that of the type-`0x01` verifier key. The same
//!   file serves a log (which signs with both signature types, see
//!   [`CheckpointSigner::sign`]) and a witness (which cosigns with `cosignature/v1`).
//! - The **verifier key** is `<name>+<key ID>+<base64(type || public key)>`:
//!   [`CheckpointVerifier::ed25519_vkey`](crate::CheckpointVerifier::ed25519_vkey) (type `0x01`)
//!   for a log,
//!   [`CheckpointVerifier::cosignature_vkey`](crate::CheckpointVerifier::cosignature_vkey) (type
//!   `0x04`) for a witness.
//!
//! `key ID = hex(SHA-256(name || "\n" || type || public key)[:4])`.
//!
//! # Caution
//! Whoever reads the secret key file can sign checkpoints as the log (or cosign as the witness).
//! [`CheckpointSigner::save`] creates it readable by its owner only (mode `0600` on Unix) and
//! never overwrites a file; [`CheckpointSigner::load`] refuses a file that others can read. No
//! error message quotes the file's content.

use std::{
    fs,
    path::{Path, PathBuf},
};

use base64::prelude::{Engine as _, BASE64_STANDARD};
use ed25519_dalek::SigningKey;
use probity_core::durable::{create_new, Access};
use zeroize::Zeroizing;

use crate::checkpoint::{CheckpointError, CheckpointSigner, ED25519_TYPE};

const PREFIX: &str = "PRIVATE+KEY+";

/// A key file that cannot be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file could not be read or written.
    #[error("cannot {action} the key file {path}: {reason}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file is already there.
    #[error("{0} already exists: a key file is never overwritten; choose another path, or move the old key away first if you really mean to replace it")]
    Exists(PathBuf),
    /// Others can read the secret key file.
    #[error("the key file {path} can be read by other users (mode {mode:o}): run `chmod 600 {path}` and consider the key exposed if others had access")]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Not a signed-note secret key.
    #[error("not a signed-note secret key (PRIVATE+KEY+name+id+base64(0x01 || seed)): {0}")]
    Malformed(&'static str),
    /// A key of another algorithm.
    #[error("the secret key has type 0x{0:02x}; only Ed25519 keys (type 0x01) sign checkpoints")]
    WrongType(u8),
    /// The key ID does not match the name and the key: the file was altered or damaged.
    #[error("the key ID does not match the name and key: the key file is corrupted or was edited; restore it from its backup")]
    IdMismatch,
    /// The name is not a valid key name.
    #[error(transparent)]
    Name(#[from] CheckpointError),
}

impl CheckpointSigner {
    /// The secret key in the signed-note format,
    /// `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>`.
    ///
    /// # Caution
    /// This is the secret: write it only where [`Self::save`] would.
    pub fn to_skey(&self) -> Zeroizing<String> {
        let mut material = Zeroizing::new(Vec::with_capacity(33));
        material.push(ED25519_TYPE);
        material.extend_from_slice(self.signing_key().as_bytes());
        Zeroizing::new(format!(
            "{PREFIX}{}+{:08x}+{}",
            self.name(),
            self.verifier().ed25519_key_id(),
            BASE64_STANDARD.encode(&*material)
        ))
    }

    /// Parses a secret key written by [`Self::to_skey`] (or by any tool writing signed-note
    /// Ed25519 secret keys). Checks the key ID against the name and the derived public key.
    pub fn from_skey(skey: &str) -> Result<Self, KeyFileError> {
        let rest = skey.strip_prefix(PREFIX).ok_or(KeyFileError::Malformed(
            "it does not start with PRIVATE+KEY+ (a verifier key is not a secret key)",
        ))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyFileError::Malformed(
                "expected name, key ID and key separated by `+`",
            ));
        };
        let id = (id.len() == 8)
            .then(|| u32::from_str_radix(id, 16).ok())
            .flatten()
            .ok_or(KeyFileError::Malformed(
                "the key ID is not 8 hexadecimal digits",
            ))?;
        let material = Zeroizing::new(
            BASE64_STANDARD
                .decode(b64)
                .map_err(|_| KeyFileError::Malformed("the key is not base64"))?,
        );
        let seed: &[u8; 32] = match material.as_slice() {
            [ED25519_TYPE, seed @ ..] => seed
                .try_into()
                .map_err(|_| KeyFileError::Malformed("the Ed25519 seed is not 32 bytes"))?,
            [t, ..] => return Err(KeyFileError::WrongType(*t)),
            [] => return Err(KeyFileError::Malformed("the key is empty")),
        };
        let signer = Self::new(name, SigningKey::from_bytes(seed))?;
        if signer.verifier().ed25519_key_id() != id {
            return Err(KeyFileError::IdMismatch);
        }
        Ok(signer)
    }

    /// Writes the secret key to a new file `path`, readable by its owner only (mode `0600` on
    /// Unix), durably ([`probity_core::durable::create_new`]). Refuses to overwrite an existing
    /// file; `path` appears complete or not at all, so a failed write never blocks a retry.
    pub fn save(&self, path: &Path) -> Result<(), KeyFileError> {
        let mut line = self.to_skey();
        line.push('\n');
        create_new(path, line.as_bytes(), Access::OwnerOnly).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => KeyFileError::Exists(path.to_owned()),
            _ => KeyFileError::Io {
                action: "write",
                path: path.to_owned(),
                reason: e.to_string(),
            },
        })
    }

    /// Reads a secret key file written by [`Self::save`]. On Unix, refuses a file that users
    /// other than its owner can read or write.
    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let io = |e: std::io::Error| KeyFileError::Io {
            action: "read",
            path: path.to_owned(),
            reason: e.to_string(),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyFileError::Exposed {
                    path: path.to_owned(),
                    mode,
                });
            }
        }
        let text = Zeroizing::new(fs::read(path).map_err(io)?);
        let text = std::str::from_utf8(&text)
            .map_err(|_| KeyFileError::Malformed("the file is not text"))?;
        let line = text.strip_suffix('\n').unwrap_or(text);
        if line.contains(['\n', '\r', ' ', '\t']) {
            return Err(KeyFileError::Malformed(
                "the file must hold the key alone on one line",
            ));
        }
        Self::from_skey(line)
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;
    use crate::{
        checkpoint::{SignedCheckpoint, COSIGNATURE_V1_TYPE},
        tree::EMPTY_ROOT,
    };

    fn signer() -> CheckpointSigner {
        CheckpointSigner::generate("probity.test/log", &mut ChaCha20Rng::seed_from_u64(9))
            .expect("valid name")
    }

    #[test]
    fn secret_keys_round_trip_and_match_the_standard_format() {
        let s = signer();
        let skey = s.to_skey();
        assert!(skey.starts_with("PRIVATE+KEY+probity.test/log+"));
        let back = CheckpointSigner::from_skey(&skey).expect("parses");
        assert_eq!(back.verifier(), s.verifier());
        // signed_note's standard signer accepts the same text, with the same key ID.
        let standard = signed_note::StandardSigner::new(&skey).expect("a standard secret key");
        assert_eq!(
            signed_note::Signer::key_id(&standard),
            s.verifier().ed25519_key_id()
        );
        // A key made by signed_note loads here.
        let (skey, vkey) =
            signed_note::generate_key(&mut ChaCha20Rng::seed_from_u64(3), "witness.test/w1");
        let w = CheckpointSigner::from_skey(&skey).expect("a standard key loads");
        assert_eq!(w.verifier().ed25519_vkey(), vkey);
    }

    #[test]
    fn key_files_are_private_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.key");
        let s = signer();
        s.save(&path).expect("saves");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let loaded = CheckpointSigner::load(&path).expect("loads");
        assert_eq!(loaded.verifier(), s.verifier());
        let cp = SignedCheckpoint::sign(&loaded, 0, EMPTY_ROOT, 1).expect("signs");
        assert!(SignedCheckpoint::verify(cp.to_bytes(), &s.verifier()).is_ok());
        assert!(matches!(signer().save(&path), Err(KeyFileError::Exists(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
            assert!(matches!(
                CheckpointSigner::load(&path),
                Err(KeyFileError::Exposed { mode: 0o644, .. })
            ));
        }
        assert!(matches!(
            CheckpointSigner::load(&dir.path().join("missing.key")),
            Err(KeyFileError::Io { .. })
        ));
    }

    #[test]
    fn saving_leaves_no_temporary_file_and_a_refused_save_leaves_the_old_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.key");
        let s = signer();
        s.save(&path).expect("saves");
        let before = fs::read(&path).expect("reads");
        let other =
            CheckpointSigner::generate("probity.test/log", &mut ChaCha20Rng::seed_from_u64(10))
                .expect("valid name");
        assert!(matches!(other.save(&path), Err(KeyFileError::Exists(_))));
        assert_eq!(fs::read(&path).expect("reads"), before);
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("lists")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("log.key")]);
        // A save that cannot write (no such folder) leaves nothing behind, so a retry works.
        let missing = dir.path().join("missing").join("w.key");
        assert!(matches!(s.save(&missing), Err(KeyFileError::Io { .. })));
        fs::create_dir(dir.path().join("missing")).expect("mkdir");
        s.save(&missing).expect("the retry saves");
        assert_eq!(
            CheckpointSigner::load(&missing).expect("loads").verifier(),
            s.verifier()
        );
        assert_eq!(
            fs::read_dir(dir.path().join("missing"))
                .expect("lists")
                .count(),
            1
        );
    }

    #[test]
    fn wrong_types_and_corrupted_keys_are_refused_without_quoting_them() {
        let s = signer();
        let skey = s.to_skey();
        let secret_b64 = skey.splitn(5, '+').nth(4).expect("five parts").to_owned();
        let refused = |text: &str| {
            let err = CheckpointSigner::from_skey(text).expect_err("must be refused");
            assert!(!err.to_string().contains(&secret_b64), "{err}");
            err
        };
        // A verifier key where the secret key belongs.
        assert!(matches!(
            refused(&s.verifier().ed25519_vkey()),
            KeyFileError::Malformed(_)
        ));
        // A key of type 0x04 (there is no cosignature/v1 secret key type).
        let mut material = vec![COSIGNATURE_V1_TYPE];
        material.extend_from_slice(&s.secret_bytes());
        let typed = format!(
            "PRIVATE+KEY+probity.test/log+{:08x}+{}",
            s.verifier().ed25519_key_id(),
            BASE64_STANDARD.encode(&material)
        );
        assert!(matches!(refused(&typed), KeyFileError::WrongType(0x04)));
        // One character of the key changed: another key, whose ID does not match.
        let mut chars: Vec<char> = skey.chars().collect();
        let i = chars.len() - 10;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let flipped: String = chars.into_iter().collect();
        assert!(matches!(refused(&flipped), KeyFileError::IdMismatch));
        // The name changed: the ID does not match either.
        let renamed = skey.replacen("probity.test/log", "probity.test/lag", 1);
        assert!(matches!(refused(&renamed), KeyFileError::IdMismatch));
        // Truncated.
        assert!(matches!(
            refused(&skey[..skey.len() - 8]),
            KeyFileError::Malformed(_)
        ));
        assert!(matches!(
            refused("PRIVATE+KEY+x"),
            KeyFileError::Malformed(_)
        ));

        // A corrupted file: trailing garbage line.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.key");
        s.save(&path).expect("saves");
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("opens");
        std::io::Write::write_all(&mut f, b"junk\n").expect("writes");
        let err = CheckpointSigner::load(&path).expect_err("refused");
        assert!(matches!(err, KeyFileError::Malformed(_)));
        assert!(!err.to_string().contains(&secret_b64));
        // Debug of the error does not show the key either.
        assert!(!format!("{err:?}").contains(&secret_b64));
    }
}
