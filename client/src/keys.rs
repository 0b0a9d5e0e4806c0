//! The role keys of this machine: the Ed25519 secret keys that sign a role's requests, one
//! file each in the data folder, and the creation of secret files in general.
//!
//! | file | holds |
//! |---|---|
//! | `registrar.key`, `official.key`, `supervisor.key` | a role's Ed25519 secret key, hex, mode 0600 |
//!
//! A key file is made once and never replaced: a role's public key is what the registrar
//! registered, so a new key would need a new registration. Errors name the file and, for a
//! key that exists, its public key; never the secret.

use std::{
    io,
    path::{Path, PathBuf},
};

use ed25519_dalek::SigningKey;

/// The roles that sign requests, and their key files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// The registrar (`probity admin`).
    Registrar,
    /// An official.
    Official,
    /// A supervisor.
    Supervisor,
}

impl KeyRole {
    /// The key file's name in the data folder.
    pub fn file(self) -> &'static str {
        match self {
            Self::Registrar => "registrar.key",
            Self::Official => "official.key",
            Self::Supervisor => "supervisor.key",
        }
    }

    /// The role's name, as messages say it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Registrar => "registrar",
            Self::Official => "official",
            Self::Supervisor => "supervisor",
        }
    }

    /// The command group whose `init` makes the key.
    fn command(self) -> &'static str {
        match self {
            Self::Registrar => "admin",
            _ => self.name(),
        }
    }

    /// The key file of this role in `data_dir`.
    pub fn path(self, data_dir: &Path) -> PathBuf {
        data_dir.join(self.file())
    }
}

/// Why a key or secret file cannot be made or read. The messages say what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The folder of a secret file cannot be made.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A secret file cannot be created (or it exists: it is never overwritten).
    #[error("cannot create {} (it may already exist: nothing was overwritten)", path.display())]
    CreateSecret {
        /// The file.
        path: PathBuf,
        /// Why.
        source: probity_params::ParamsError,
    },
    /// The data folder already holds a key for the role.
    #[error(
        "a {} key already exists at {}{}: keep using it (a new key would need a new registration)",
        role.name(),
        path.display(),
        public_key.as_ref().map(|k| format!(" (public key {k})")).unwrap_or_default()
    )]
    Exists {
        /// The role.
        role: KeyRole,
        /// The key file.
        path: PathBuf,
        /// Its public key, hex, when the file holds a key.
        public_key: Option<String>,
    },
    /// There is no key for the role (or it cannot be read).
    #[error("no {} key at {}: run `probity {} init` first", role.name(), path.display(), role.command())]
    Missing {
        /// The role.
        role: KeyRole,
        /// The key file.
        path: PathBuf,
        /// Why it cannot be read.
        source: io::Error,
    },
    /// The key file does not hold a key.
    #[error("{} is not a key file: it is damaged", path.display())]
    Damaged {
        /// The key file.
        path: PathBuf,
    },
}

/// Creates the secret file `path` (mode 0600 on Unix), durably, refusing to replace an
/// existing file. The file appears complete or not at all, so a crash never leaves a partial
/// secret that would block a retry.
pub fn write_new_secret(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| KeyError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    probity_params::create_secret(path, bytes).map_err(|source| KeyError::CreateSecret {
        path: path.to_owned(),
        source,
    })
}

/// Refuses if `data_dir` already holds a key for `role`, naming its public key (what `init`
/// printed the first time).
pub fn refuse_existing_key(data_dir: &Path, role: KeyRole) -> Result<(), KeyError> {
    let path = role.path(data_dir);
    if path.exists() {
        let public_key = load_key(data_dir, role)
            .ok()
            .map(|k| hex::encode(k.verifying_key().as_bytes()));
        return Err(KeyError::Exists {
            role,
            path,
            public_key,
        });
    }
    Ok(())
}

/// Makes the key for `role` in `data_dir`; refuses if one exists.
pub fn make_key(data_dir: &Path, role: KeyRole) -> Result<SigningKey, KeyError> {
    refuse_existing_key(data_dir, role)?;
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    write_new_secret(&role.path(data_dir), hex::encode(key.to_bytes()).as_bytes())?;
    Ok(key)
}

/// Loads the key for `role` from `data_dir`.
pub fn load_key(data_dir: &Path, role: KeyRole) -> Result<SigningKey, KeyError> {
    let path = role.path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(source) => return Err(KeyError::Missing { role, path, source }),
    };
    let bytes: [u8; 32] = match hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
    {
        Some(bytes) => bytes,
        None => return Err(KeyError::Damaged { path }),
    };
    Ok(SigningKey::from_bytes(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> tempfile::TempDir {
        tempfile::tempdir().expect("tempdir")
    }

    #[test]
    fn a_key_is_made_once_and_loads_back() {
        let tmp = folder();
        let dir = tmp.path();
        let key = make_key(dir, KeyRole::Supervisor).expect("made");
        let loaded = load_key(dir, KeyRole::Supervisor).expect("loads");
        assert_eq!(key.to_bytes(), loaded.to_bytes());
        let public = hex::encode(key.verifying_key().as_bytes());
        let path = dir.join("supervisor.key");
        let e = make_key(dir, KeyRole::Supervisor).expect_err("refused");
        assert_eq!(
            e.to_string(),
            format!(
                "a supervisor key already exists at {} (public key {public}): keep using it (a new key would need a new registration)",
                path.display()
            )
        );
        assert!(!e.to_string().contains(&hex::encode(key.to_bytes())));
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            hex::encode(key.to_bytes()),
            "the refused call left the key alone"
        );
    }

    #[test]
    fn a_missing_key_says_which_init_makes_it() {
        let tmp = folder();
        let dir = tmp.path();
        let e = load_key(dir, KeyRole::Registrar).expect_err("missing");
        assert!(matches!(e, KeyError::Missing { .. }));
        assert_eq!(
            e.to_string(),
            format!(
                "no registrar key at {}: run `probity admin init` first",
                dir.join("registrar.key").display()
            )
        );
        let e = load_key(dir, KeyRole::Official).expect_err("missing");
        assert!(e.to_string().ends_with("run `probity official init` first"));
    }

    #[test]
    fn a_damaged_key_is_refused_and_never_replaced() {
        let tmp = folder();
        let dir = tmp.path();
        let path = dir.join("official.key");
        std::fs::write(&path, "not hex at all\n").expect("write");
        let e = load_key(dir, KeyRole::Official).expect_err("damaged");
        assert_eq!(
            e.to_string(),
            format!("{} is not a key file: it is damaged", path.display())
        );
        std::fs::write(&path, hex::encode([7u8; 31])).expect("write");
        assert!(matches!(
            load_key(dir, KeyRole::Official),
            Err(KeyError::Damaged { .. })
        ));
        // Refused without a public key to name, and the damaged file is kept.
        let e = make_key(dir, KeyRole::Official).expect_err("refused");
        assert_eq!(
            e.to_string(),
            format!(
                "a official key already exists at {}: keep using it (a new key would need a new registration)",
                path.display()
            )
        );
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            hex::encode([7u8; 31])
        );
    }

    #[test]
    fn secrets_are_never_written_over() {
        let tmp = folder();
        let dir = tmp.path();
        let path = dir.join("deeper").join("secret");
        write_new_secret(&path, b"first").expect("made");
        let e = write_new_secret(&path, b"second").expect_err("exists");
        assert!(matches!(e, KeyError::CreateSecret { .. }));
        assert!(e
            .to_string()
            .ends_with("(it may already exist: nothing was overwritten)"));
        assert_eq!(std::fs::read(&path).expect("read"), b"first");
    }
}
