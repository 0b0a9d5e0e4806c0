//! The official's encrypted wallet of blindings.
//!
//! Blindings are drawn once per declaration ([`Blindings::random`]) and are the only way to
//! prove anything later about a filed commitment: a wallet that loses them, or silently
//! overwrites them, makes every later proof about that commitment impossible. Everything in this
//! module is shaped by that.
//!
//! # Invariants
//!
//! - **Nothing is ever removed.** [`Wallet::insert`] refuses a second, different commitment for
//!   the same `(official, period)`; [`Wallet::replace`] (the explicit amend path) moves the old
//!   entry to [`Wallet::superseded`], where it stays. No method deletes an entry.
//! - **A wallet file is never half-written and never silently replaced.** [`Wallet::create`]
//!   refuses an existing file; [`Wallet::save`] writes a new file beside the old one, syncs it,
//!   keeps the previous file as a backup, and only then renames the new file over the old one.
//! - **An opening is handed out only once its blindings are on disk.** [`Wallet::commit`] and
//!   [`Wallet::amend`] save before they return the [`Opening`], so a commitment can't be filed
//!   whose blindings exist only in memory.
//! - **No secret is printed.** `Debug` of [`Passphrase`], [`Wallet`] and [`WalletEntry`] and
//!   every [`WalletError`] message name officials, periods, dates and paths, never values,
//!   blindings, keys or passphrases.
//!
//! # File format, version 1
//!
//! All integers are little-endian. The first 70 bytes are the header; all of them are the
//! AEAD's associated data, so a changed header byte fails authentication like a changed
//! ciphertext byte.
//!
//! | offset | length | field |
//! |---|---|---|
//! | 0 | 8 | magic, `PROBITYW` |
//! | 8 | 1 | format version, `1` |
//! | 9 | 1 | key derivation, `1` = Argon2id version 0x13 (RFC 9106) |
//! | 10 | 4 | Argon2 memory cost, KiB |
//! | 14 | 4 | Argon2 passes (time cost) |
//! | 18 | 4 | Argon2 lanes (parallelism) |
//! | 22 | 16 | Argon2 salt, random, drawn when the wallet is created |
//! | 38 | 24 | XChaCha20-Poly1305 nonce, random, drawn anew for every write |
//! | 62 | 8 | length of the ciphertext in bytes, tag included |
//! | 70 | … | ciphertext: XChaCha20-Poly1305 of the contents, with its 16-byte tag |
//!
//! The file ends exactly at the end of the ciphertext: a shorter file is refused as
//! truncated, a longer one as having trailing bytes. The key is
//! `Argon2id(NFC(passphrase) as UTF-8, salt, m, t, p)`, 32 bytes.
//!
//! The contents are UTF-8 JSON:
//!
//! ```json
//! {
//!   "version": 2,
//!   "entries": [
//!     {
//!       "official": "GOV-0001",
//!       "period": 2026,
//!       "capacity": 16,
//!       "commitment": "1473…4293",
//!       "blindings": ["8734…", "…"],
//!       "created_at": 1767225600
//!     }
//!   ],
//!   "superseded": []
//! }
//! ```
//!
//! Contents version 2 holds commitments in format v2 (DESIGN.md §4, the capacity bound in);
//! version 1 held format v1 and is refused ([`WalletError::CommitmentFormatV1`]), never read.
//! `commitment` and each of the `capacity` `blindings` (in slot order) are canonical decimal
//! elements of the BN254 scalar field, as circom prints them; `created_at` is in seconds since
//! the Unix epoch. `superseded` holds entries replaced by an amendment, oldest first, in the
//! same shape. Unknown fields are refused.
//!
//! # Backups
//!
//! Before each save replaces the wallet file, the file it replaces becomes `<name>.bak`; the
//! older backups move to `<name>.bak.2` … `<name>.bak.5`, and the oldest beyond
//! [`BACKUPS_KEPT`] is dropped. A backup is a complete wallet with the same passphrase: to
//! restore one, copy it over the wallet file.
//!
//! # Caution
//!
//! - Two programs saving the same wallet at the same moment: [`Wallet::save`] refuses to write
//!   if the file changed since this wallet was opened or last saved
//!   ([`WalletError::ChangedOnDisk`]), which catches the usual case (two commands run one after
//!   the other on stale copies); a save racing another save in the same instant is not locked
//!   out, and the loser's previous file is then still in the backups.
//! - The key, the passphrase and decrypted plaintext are wiped from memory when dropped. The
//!   decoded blindings live in `probity-core` types, which are not.

use std::{
    collections::BTreeMap,
    fmt,
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    Key, XChaCha20Poly1305, XNonce,
};
use probity_core::{
    parse_field_decimal, Blindings, Capacity, Commitment, Declaration, OfficialId, Opening, Period,
};
use rand::{rngs::OsRng, CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, Zeroizing};

/// The first eight bytes of every wallet file.
pub const MAGIC: [u8; 8] = *b"PROBITYW";
/// The file format version this module writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// How many previous versions of the wallet file are kept beside it.
pub const BACKUPS_KEPT: usize = 5;

/// Key derivation identifier in the header: Argon2id, version 0x13.
const KDF_ARGON2ID_V13: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;

// Header offsets (see the module docs).
const OFFSET_VERSION: usize = 8;
const OFFSET_KDF: usize = 9;
const OFFSET_MEMORY: usize = 10;
const OFFSET_PASSES: usize = 14;
const OFFSET_LANES: usize = 18;
const OFFSET_SALT: usize = 22;
const OFFSET_NONCE: usize = OFFSET_SALT + SALT_LEN;
const OFFSET_CIPHERTEXT_LEN: usize = OFFSET_NONCE + NONCE_LEN;
/// Length of the header, which is also the AEAD's associated data.
const HEADER_LEN: usize = OFFSET_CIPHERTEXT_LEN + 8;

/// Largest ciphertext accepted: far above any real wallet (a 1024-slot entry is ~80 KiB), and
/// small enough that a damaged length field can't make `open` allocate without bound.
const MAX_CIPHERTEXT_LEN: u64 = 256 << 20;

/// Version of the JSON contents.
const CONTENTS_VERSION: u32 = 2;
/// The contents version whose commitments are in format v1 (no capacity bound).
const CONTENTS_VERSION_COMMITMENT_V1: u32 = 1;

/// A passphrase. Its `Debug` prints nothing of it, and it is wiped from memory when dropped.
///
/// The key is derived from its Unicode NFC form, so the same passphrase typed on systems that
/// compose characters differently opens the same wallet.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase.
    pub fn new(passphrase: impl Into<String>) -> Self {
        Self(Zeroizing::new(passphrase.into()))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn normalized(&self) -> Zeroizing<String> {
        Zeroizing::new(self.0.nfc().collect())
    }
}

impl From<String> for Passphrase {
    fn from(passphrase: String) -> Self {
        Self::new(passphrase)
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

/// Argon2id cost parameters, stored in the wallet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    memory_kib: u32,
    passes: u32,
    lanes: u32,
}

impl KdfParams {
    /// 64 MiB, 3 passes, 4 lanes: RFC 9106's second recommended setting, about a second
    /// or less on an ordinary laptop.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        passes: 3,
        lanes: 4,
    };

    /// Least memory [`KdfParams::new`] accepts, 19 MiB (OWASP's floor for Argon2id).
    pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
    /// Most memory any wallet may ask for, 2 GiB; a header asking for more is refused.
    pub const MAX_MEMORY_KIB: u32 = 2 * 1024 * 1024;
    /// Least passes [`KdfParams::new`] accepts.
    pub const MIN_PASSES: u32 = 2;
    /// Most passes any wallet may ask for.
    pub const MAX_PASSES: u32 = 64;
    /// Most lanes any wallet may ask for.
    pub const MAX_LANES: u32 = 16;

    /// Parameters for a new wallet: memory 19 MiB to 2 GiB, 2 to 64 passes, 1 to 16 lanes.
    pub fn new(memory_kib: u32, passes: u32, lanes: u32) -> Result<Self, WalletError> {
        let ok = (Self::MIN_MEMORY_KIB..=Self::MAX_MEMORY_KIB).contains(&memory_kib)
            && (Self::MIN_PASSES..=Self::MAX_PASSES).contains(&passes)
            && (1..=Self::MAX_LANES).contains(&lanes);
        if ok {
            Ok(Self {
                memory_kib,
                passes,
                lanes,
            })
        } else {
            Err(WalletError::InvalidKdfParams)
        }
    }

    /// Parameters so cheap that a wallet made with them falls to passphrase guessing at once.
    /// For tests only, here and in other crates' tests.
    #[doc(hidden)]
    pub const fn insecure_for_tests() -> Self {
        KdfParams {
            memory_kib: 8,
            passes: 1,
            lanes: 1,
        }
    }

    /// Memory cost in KiB.
    pub fn memory_kib(self) -> u32 {
        self.memory_kib
    }
    /// Number of passes.
    pub fn passes(self) -> u32 {
        self.passes
    }
    /// Number of lanes.
    pub fn lanes(self) -> u32 {
        self.lanes
    }

    /// Whether a header may carry these parameters: the bounds of [`KdfParams::new`] minus the
    /// security floor (a wallet made for tests must open), plus Argon2's own rules.
    fn readable(self) -> bool {
        self.memory_kib <= Self::MAX_MEMORY_KIB
            && (1..=Self::MAX_PASSES).contains(&self.passes)
            && (1..=Self::MAX_LANES).contains(&self.lanes)
            && self.argon2_params().is_ok()
    }

    fn argon2_params(self) -> Result<argon2::Params, argon2::Error> {
        argon2::Params::new(self.memory_kib, self.passes, self.lanes, Some(KEY_LEN))
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Errors of the wallet. Each says what is wrong and what to do; none carries a value, a
/// blinding, a key or a passphrase.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// [`Wallet::create`] found a file at the path.
    #[error("a file already exists at {}: a new wallet never replaces a file; open the existing wallet, or choose another path", .path.display())]
    AlreadyExists {
        /// The path.
        path: PathBuf,
    },
    /// [`Wallet::open`] found no file.
    #[error("there is no wallet at {}: check the path, or create a new wallet", .path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// The file does not start with [`MAGIC`].
    #[error("{} is not a Probity wallet (it does not start with the wallet's marker): check the path", .path.display())]
    NotAWallet {
        /// The path.
        path: PathBuf,
    },
    /// The file has a format version this build does not read.
    #[error("{} is a wallet of format version {version}, which this version of Probity cannot read (it reads version 1): use the Probity release that wrote it, or a newer one", .path.display())]
    UnsupportedVersion {
        /// The path.
        path: PathBuf,
        /// The version found.
        version: u8,
    },
    /// The file ends before its header says it should.
    #[error("{} is incomplete: it is shorter than its header says, probably cut off while being copied; restore it from a backup (`.bak` beside it)", .path.display())]
    Truncated {
        /// The path.
        path: PathBuf,
    },
    /// The file continues after its ciphertext.
    #[error("{} has unexpected bytes after the end of the wallet: it was damaged or appended to; restore it from a backup (`.bak` beside it)", .path.display())]
    TrailingBytes {
        /// The path.
        path: PathBuf,
    },
    /// A header field is out of range.
    #[error("{} has a damaged header ({reason}); restore it from a backup (`.bak` beside it)", .path.display())]
    BadHeader {
        /// The path.
        path: PathBuf,
        /// Which field.
        reason: &'static str,
    },
    /// Authentication failed: the passphrase is wrong, or a byte of the file changed.
    #[error("wrong passphrase or corrupted wallet: check the passphrase; if it is right, the file was damaged, so restore it from a backup (`.bak` beside it)")]
    WrongPassphrase,
    /// The decrypted contents are not a valid wallet (a bug, or a file written by other software
    /// with the right key).
    #[error("the wallet decrypted but its contents are not valid ({reason}); restore it from a backup (`.bak` beside it)")]
    Corrupted {
        /// What is wrong, without any value.
        reason: String,
    },
    /// The wallet holds commitments in format v1 (contents version 1), which did not bind the
    /// capacity (DESIGN.md §4) and is refused everywhere.
    #[error("{} holds commitments in format v1, which did not bind the capacity and is no longer accepted: keep the file as it is, move it aside, create a new wallet, then commit, file and prove each declaration again", .path.display())]
    CommitmentFormatV1 {
        /// The path.
        path: PathBuf,
    },
    /// A new wallet needs a passphrase.
    #[error("the passphrase is empty: choose a passphrase to protect the wallet")]
    EmptyPassphrase,
    /// [`KdfParams::new`] was given parameters outside its bounds.
    #[error("Argon2id parameters out of range: use 19 MiB to 2 GiB of memory, 2 to 64 passes and 1 to 16 lanes")]
    InvalidKdfParams,
    /// The wallet holds a different commitment for this official and period.
    #[error("the wallet already holds blindings for {official} {period}, committed on {committed_on}, for a different commitment; nothing was changed: amending a filed declaration is an explicit act, so amend it if that is what you mean")]
    AlreadyCommitted {
        /// The official.
        official: OfficialId,
        /// The period.
        period: Period,
        /// When the held entry was made (UTC).
        committed_on: String,
    },
    /// The wallet holds nothing for this official and period.
    #[error("the wallet holds no blindings for {official} {period}: commit the declaration first (or open the wallet it was committed with)")]
    NotCommitted {
        /// The official.
        official: OfficialId,
        /// The period.
        period: Period,
    },
    /// The declaration no longer produces the commitment made from it.
    #[error("the declaration file for {official} {period} differs from the one committed on {committed_on}; restore it or amend")]
    DeclarationChanged {
        /// The official.
        official: OfficialId,
        /// The period.
        period: Period,
        /// When the held entry was made (UTC).
        committed_on: String,
    },
    /// The wallet file changed on disk since this wallet read or wrote it.
    #[error("{} changed on disk since it was opened (another program wrote, moved or removed it); nothing was saved: open the wallet again and repeat the change", .path.display())]
    ChangedOnDisk {
        /// The path.
        path: PathBuf,
    },
    /// A file operation failed.
    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// The blindings of one declaration, with the commitment they produced.
#[derive(Clone)]
pub struct WalletEntry {
    official: OfficialId,
    period: Period,
    capacity: Capacity,
    blindings: Blindings,
    commitment: Commitment,
    created_at: u64,
}

impl WalletEntry {
    fn from_opening(opening: &Opening, created_at: u64) -> Self {
        Self {
            official: opening.official().clone(),
            period: opening.period(),
            capacity: opening.capacity(),
            blindings: opening.blindings().clone(),
            commitment: opening.commitment(),
            created_at,
        }
    }

    /// The official.
    pub fn official(&self) -> &OfficialId {
        &self.official
    }
    /// The period.
    pub fn period(&self) -> Period {
        self.period
    }
    /// The capacity the blindings were drawn for.
    pub fn capacity(&self) -> Capacity {
        self.capacity
    }
    /// The blindings, one per slot.
    pub fn blindings(&self) -> &Blindings {
        &self.blindings
    }
    /// The commitment the declaration and these blindings produced.
    pub fn commitment(&self) -> Commitment {
        self.commitment
    }
    /// When the entry was made.
    pub fn created_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.created_at)
    }

    /// Opens `declaration` with these blindings, if it still produces this entry's commitment.
    fn open(&self, declaration: &Declaration) -> Result<Opening, WalletError> {
        let changed = || WalletError::DeclarationChanged {
            official: self.official.clone(),
            period: self.period,
            committed_on: format_utc(self.created_at),
        };
        if declaration.capacity() != self.capacity {
            return Err(changed());
        }
        let opening = Opening::new(declaration, self.blindings.clone()).map_err(|_| changed())?;
        if opening.commitment() != self.commitment {
            return Err(changed());
        }
        Ok(opening)
    }
}

impl fmt::Debug for WalletEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalletEntry")
            .field("official", &self.official)
            .field("period", &self.period)
            .field("capacity", &self.capacity)
            .field("commitment", &self.commitment)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// An open wallet: its path, its key, and its entries, one per `(official, period)`.
///
/// Changes are made in memory and written by [`Wallet::save`]; [`Wallet::commit`] and
/// [`Wallet::amend`] save by themselves.
pub struct Wallet {
    path: PathBuf,
    kdf: KdfParams,
    salt: [u8; SALT_LEN],
    key: Zeroizing<[u8; KEY_LEN]>,
    entries: BTreeMap<(OfficialId, Period), WalletEntry>,
    superseded: Vec<WalletEntry>,
    /// SHA-256 of the file as this wallet last read or wrote it.
    disk_digest: [u8; 32],
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wallet")
            .field("path", &self.path)
            .field("kdf", &self.kdf)
            .field("entries", &self.entries.len())
            .field("superseded", &self.superseded.len())
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// Creates an empty wallet at `path` with the default key derivation, and writes it.
    ///
    /// Refuses ([`WalletError::AlreadyExists`]) if anything exists at `path`.
    pub fn create(path: &Path, passphrase: &Passphrase) -> Result<Wallet, WalletError> {
        Self::create_with(path, passphrase, KdfParams::DEFAULT)
    }

    /// [`Wallet::create`] with chosen key-derivation parameters.
    pub fn create_with(
        path: &Path,
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<Wallet, WalletError> {
        if passphrase.is_empty() {
            return Err(WalletError::EmptyPassphrase);
        }
        // Checked early to spare the key derivation; the link below is what enforces it.
        if fs::symlink_metadata(path).is_ok() {
            return Err(WalletError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        let mut salt = [0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        let key = derive_key(passphrase, kdf, &salt).map_err(|_| WalletError::InvalidKdfParams)?;
        let mut wallet = Wallet {
            path: path.to_owned(),
            kdf,
            salt,
            key,
            entries: BTreeMap::new(),
            superseded: Vec::new(),
            disk_digest: [0; 32],
        };
        let bytes = wallet.seal()?;
        let temp = TempFile::write(path, &bytes)?;
        // A hard link never replaces an existing file: two `create`s racing for one path cannot
        // both succeed, and the wallet appears complete or not at all.
        match fs::hard_link(&temp.path, path) {
            Ok(()) => drop(temp),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(WalletError::AlreadyExists {
                    path: path.to_owned(),
                })
            }
            // A file system without hard links: check, then rename. A `create` racing this one
            // in between could lose its empty wallet, which then refuses to save
            // (`ChangedOnDisk`) rather than lose anything put in it.
            Err(_) if fs::symlink_metadata(path).is_err() => {
                fs::rename(&temp.path, path).map_err(|source| WalletError::Io {
                    action: "create",
                    path: path.to_owned(),
                    source,
                })?;
                temp.disarm();
            }
            Err(_) => {
                return Err(WalletError::AlreadyExists {
                    path: path.to_owned(),
                })
            }
        }
        sync_parent(path)?;
        wallet.disk_digest = sha256(&bytes);
        Ok(wallet)
    }

    /// Opens the wallet at `path`.
    pub fn open(path: &Path, passphrase: &Passphrase) -> Result<Wallet, WalletError> {
        let bytes = fs::read(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => WalletError::NotFound {
                path: path.to_owned(),
            },
            _ => WalletError::Io {
                action: "read",
                path: path.to_owned(),
                source,
            },
        })?;
        let header = Header::parse(&bytes, path)?;
        let key = derive_key(passphrase, header.kdf, &header.salt).map_err(|_| {
            WalletError::BadHeader {
                path: path.to_owned(),
                reason: "key-derivation parameters",
            }
        })?;
        let cipher = XChaCha20Poly1305::new(Key::from_slice(key.as_slice()));
        let plaintext = cipher
            .decrypt(
                XNonce::from_slice(&header.nonce),
                Payload {
                    msg: &bytes[HEADER_LEN..],
                    aad: &bytes[..HEADER_LEN],
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| WalletError::WrongPassphrase)?;
        let (entries, superseded) = decode_contents(&plaintext, path)?;
        Ok(Wallet {
            path: path.to_owned(),
            kdf: header.kdf,
            salt: header.salt,
            key,
            entries,
            superseded,
            disk_digest: sha256(&bytes),
        })
    }

    /// The wallet file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry for `(official, period)`.
    pub fn entry(&self, official: &OfficialId, period: Period) -> Option<&WalletEntry> {
        self.entries.get(&(official.clone(), period))
    }

    /// Every current entry, by official and period.
    pub fn entries(&self) -> impl Iterator<Item = &WalletEntry> {
        self.entries.values()
    }

    /// Entries replaced by an amendment, oldest first. They are kept for good: proofs about a
    /// superseded commitment may still be asked for.
    pub fn superseded(&self) -> impl Iterator<Item = &WalletEntry> {
        self.superseded.iter()
    }

    /// Records the blindings and commitment of `opening`, in memory.
    ///
    /// Accepts the same commitment again (nothing changes). Refuses
    /// ([`WalletError::AlreadyCommitted`]) a different commitment for the same official and
    /// period: amending a filed declaration is an explicit act, [`Wallet::replace`].
    pub fn insert(&mut self, opening: &Opening) -> Result<(), WalletError> {
        let key = (opening.official().clone(), opening.period());
        if let Some(held) = self.entries.get(&key) {
            if held.commitment == opening.commitment() {
                return Ok(());
            }
            return Err(WalletError::AlreadyCommitted {
                official: held.official.clone(),
                period: held.period,
                committed_on: format_utc(held.created_at),
            });
        }
        self.entries
            .insert(key, WalletEntry::from_opening(opening, unix_now()));
        Ok(())
    }

    /// Records `opening` in place of the entry held for its official and period, in memory:
    /// the amend path. The replaced entry moves to [`Wallet::superseded`]. The same commitment
    /// again changes nothing.
    pub fn replace(&mut self, opening: &Opening) {
        let key = (opening.official().clone(), opening.period());
        if self
            .entries
            .get(&key)
            .is_some_and(|held| held.commitment == opening.commitment())
        {
            return;
        }
        if let Some(old) = self
            .entries
            .insert(key, WalletEntry::from_opening(opening, unix_now()))
        {
            self.superseded.push(old);
        }
    }

    /// The opening of `declaration` with the blindings held for it.
    ///
    /// Refuses with [`WalletError::NotCommitted`] if the wallet holds nothing for its official and
    /// period, and with [`WalletError::DeclarationChanged`] if the declaration no longer
    /// produces the commitment held (it was edited after it was committed).
    pub fn opening(&self, declaration: &Declaration) -> Result<Opening, WalletError> {
        self.entry(declaration.official(), declaration.period())
            .ok_or_else(|| WalletError::NotCommitted {
                official: declaration.official().clone(),
                period: declaration.period(),
            })?
            .open(declaration)
    }

    /// Commits `declaration`: draws fresh blindings for it, records them and saves the wallet,
    /// then returns the opening (whose commitment is what the official files).
    ///
    /// If the wallet already holds this declaration's commitment, returns its opening and draws
    /// nothing. If it holds a different one, refuses with [`WalletError::DeclarationChanged`]:
    /// use [`Wallet::amend`] to amend.
    pub fn commit<R: RngCore + CryptoRng>(
        &mut self,
        declaration: &Declaration,
        rng: &mut R,
    ) -> Result<Opening, WalletError> {
        if self
            .entry(declaration.official(), declaration.period())
            .is_some()
        {
            return self.opening(declaration);
        }
        let opening = fresh_opening(declaration, rng);
        let key = (opening.official().clone(), opening.period());
        self.insert(&opening)?;
        let written = self.disk_digest;
        if let Err(e) = self.save() {
            if self.disk_digest == written {
                // Nothing reached the file: forget the blindings, so that a retry draws and
                // saves again instead of handing out an opening that exists only in memory.
                self.entries.remove(&key);
            }
            return Err(e);
        }
        Ok(opening)
    }

    /// Amends: commits `declaration` with fresh blindings in place of the entry held for its
    /// official and period (which moves to [`Wallet::superseded`]), saves the wallet, and returns
    /// the new opening. If the declaration still produces the held commitment, returns that
    /// opening and changes nothing.
    pub fn amend<R: RngCore + CryptoRng>(
        &mut self,
        declaration: &Declaration,
        rng: &mut R,
    ) -> Result<Opening, WalletError> {
        if let Ok(unchanged) = self.opening(declaration) {
            return Ok(unchanged);
        }
        let opening = fresh_opening(declaration, rng);
        let key = (opening.official().clone(), opening.period());
        let previous = self.entries.get(&key).cloned();
        self.replace(&opening);
        let written = self.disk_digest;
        if let Err(e) = self.save() {
            if self.disk_digest == written {
                // Nothing reached the file: put the held entry back (see `commit`).
                match previous {
                    Some(held) => {
                        self.superseded.pop();
                        self.entries.insert(key, held);
                    }
                    None => {
                        self.entries.remove(&key);
                    }
                }
            }
            return Err(e);
        }
        Ok(opening)
    }

    /// Writes the wallet durably: a new file beside the old one, synced; the old file kept as
    /// `<name>.bak` (older backups shifted, [`BACKUPS_KEPT`] kept); the new file renamed over
    /// the old one; the directory synced.
    ///
    /// Refuses ([`WalletError::ChangedOnDisk`]) if the file is no longer the one this wallet
    /// read or last wrote, so a stale copy never overwrites newer entries.
    pub fn save(&mut self) -> Result<(), WalletError> {
        let current = fs::read(&self.path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => WalletError::ChangedOnDisk {
                path: self.path.clone(),
            },
            _ => WalletError::Io {
                action: "read",
                path: self.path.clone(),
                source,
            },
        })?;
        if sha256(&current) != self.disk_digest {
            return Err(WalletError::ChangedOnDisk {
                path: self.path.clone(),
            });
        }
        let bytes = self.seal()?;
        let temp = TempFile::write(&self.path, &bytes)?;
        self.keep_backup(&current)?;
        fs::rename(&temp.path, &self.path).map_err(|source| WalletError::Io {
            action: "replace",
            path: self.path.clone(),
            source,
        })?;
        temp.disarm();
        // The file now holds this state, whether or not the directory sync below succeeds.
        self.disk_digest = sha256(&bytes);
        sync_parent(&self.path)
    }

    /// Encrypts the contents under a fresh nonce: the complete file.
    fn seal(&self) -> Result<Vec<u8>, WalletError> {
        let plaintext = encode_contents(&self.entries, &self.superseded)?;
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext_len =
            u64::try_from(plaintext.len() + TAG_LEN).expect("a wallet is far below 2^64 bytes");
        let header = Header {
            kdf: self.kdf,
            salt: self.salt,
            nonce,
            ciphertext_len,
        }
        .to_bytes();
        let cipher = XChaCha20Poly1305::new(Key::from_slice(self.key.as_slice()));
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &plaintext,
                    aad: &header,
                },
            )
            .expect("XChaCha20-Poly1305 encryption fails only beyond 256 GiB of plaintext");
        let mut out = Vec::with_capacity(HEADER_LEN + ciphertext.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Shifts the backups by one and writes `current` as `<name>.bak`.
    fn keep_backup(&self, current: &[u8]) -> Result<(), WalletError> {
        for i in (1..BACKUPS_KEPT).rev() {
            let from = backup_path(&self.path, i);
            match fs::rename(&from, backup_path(&self.path, i + 1)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(WalletError::Io {
                        action: "rotate the backup",
                        path: from,
                        source,
                    })
                }
            }
        }
        let newest = backup_path(&self.path, 1);
        let temp = TempFile::write(&newest, current)?;
        fs::rename(&temp.path, &newest).map_err(|source| WalletError::Io {
            action: "write the backup",
            path: newest.clone(),
            source,
        })?;
        temp.disarm();
        Ok(())
    }
}

/// Fresh blindings for `declaration`, and the opening they give.
fn fresh_opening<R: RngCore + CryptoRng>(declaration: &Declaration, rng: &mut R) -> Opening {
    Opening::new(declaration, Blindings::random(declaration.capacity(), rng))
        .expect("blindings drawn for the declaration's own capacity fit it")
}

/// The path of backup `n`: `<name>.bak` for 1, `<name>.bak.<n>` after.
pub fn backup_path(wallet: &Path, n: usize) -> PathBuf {
    let mut name = wallet
        .file_name()
        .map(|s| s.to_os_string())
        .unwrap_or_default();
    name.push(if n <= 1 {
        ".bak".to_owned()
    } else {
        format!(".bak.{n}")
    });
    wallet.with_file_name(name)
}

fn derive_key(
    passphrase: &Passphrase,
    kdf: KdfParams,
    salt: &[u8; SALT_LEN],
) -> Result<Zeroizing<[u8; KEY_LEN]>, argon2::Error> {
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        kdf.argon2_params()?,
    );
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    argon.hash_password_into(passphrase.normalized().as_bytes(), salt, key.as_mut_slice())?;
    Ok(key)
}

/// The header fields (see the module docs).
struct Header {
    kdf: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    ciphertext_len: u64,
}

impl Header {
    fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[..OFFSET_VERSION].copy_from_slice(&MAGIC);
        h[OFFSET_VERSION] = FORMAT_VERSION;
        h[OFFSET_KDF] = KDF_ARGON2ID_V13;
        h[OFFSET_MEMORY..OFFSET_PASSES].copy_from_slice(&self.kdf.memory_kib.to_le_bytes());
        h[OFFSET_PASSES..OFFSET_LANES].copy_from_slice(&self.kdf.passes.to_le_bytes());
        h[OFFSET_LANES..OFFSET_SALT].copy_from_slice(&self.kdf.lanes.to_le_bytes());
        h[OFFSET_SALT..OFFSET_NONCE].copy_from_slice(&self.salt);
        h[OFFSET_NONCE..OFFSET_CIPHERTEXT_LEN].copy_from_slice(&self.nonce);
        h[OFFSET_CIPHERTEXT_LEN..].copy_from_slice(&self.ciphertext_len.to_le_bytes());
        h
    }

    /// Checks everything that can be checked before the key is derived: marker, version,
    /// exact length, parameter bounds.
    fn parse(bytes: &[u8], path: &Path) -> Result<Header, WalletError> {
        let path = || path.to_owned();
        let marker_len = bytes.len().min(MAGIC.len());
        if bytes[..marker_len] != MAGIC[..marker_len] {
            return Err(WalletError::NotAWallet { path: path() });
        }
        if let Some(&version) = bytes.get(OFFSET_VERSION) {
            if version != FORMAT_VERSION {
                return Err(WalletError::UnsupportedVersion {
                    path: path(),
                    version,
                });
            }
        }
        if bytes.len() < HEADER_LEN {
            return Err(WalletError::Truncated { path: path() });
        }
        let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        let ciphertext_len = u64::from_le_bytes(
            bytes[OFFSET_CIPHERTEXT_LEN..HEADER_LEN]
                .try_into()
                .expect("8 bytes"),
        );
        if !(TAG_LEN as u64..=MAX_CIPHERTEXT_LEN).contains(&ciphertext_len) {
            return Err(WalletError::BadHeader {
                path: path(),
                reason: "ciphertext length",
            });
        }
        let body_len = (bytes.len() - HEADER_LEN) as u64;
        if body_len < ciphertext_len {
            return Err(WalletError::Truncated { path: path() });
        }
        if body_len > ciphertext_len {
            return Err(WalletError::TrailingBytes { path: path() });
        }
        if bytes[OFFSET_KDF] != KDF_ARGON2ID_V13 {
            return Err(WalletError::BadHeader {
                path: path(),
                reason: "unknown key derivation",
            });
        }
        let kdf = KdfParams {
            memory_kib: u32_at(OFFSET_MEMORY),
            passes: u32_at(OFFSET_PASSES),
            lanes: u32_at(OFFSET_LANES),
        };
        if !kdf.readable() {
            return Err(WalletError::BadHeader {
                path: path(),
                reason: "key-derivation parameters out of range",
            });
        }
        Ok(Header {
            kdf,
            salt: bytes[OFFSET_SALT..OFFSET_NONCE]
                .try_into()
                .expect("salt length"),
            nonce: bytes[OFFSET_NONCE..OFFSET_CIPHERTEXT_LEN]
                .try_into()
                .expect("nonce length"),
            ciphertext_len,
        })
    }
}

/// The JSON contents (see the module docs).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Contents {
    version: u32,
    entries: Vec<EntryRecord>,
    superseded: Vec<EntryRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRecord {
    official: OfficialId,
    period: Period,
    capacity: Capacity,
    commitment: Commitment,
    blindings: Vec<String>,
    created_at: u64,
}

impl Drop for EntryRecord {
    fn drop(&mut self) {
        self.blindings.zeroize();
    }
}

impl EntryRecord {
    fn from_entry(entry: &WalletEntry) -> Self {
        Self {
            official: entry.official.clone(),
            period: entry.period,
            capacity: entry.capacity,
            commitment: entry.commitment,
            blindings: entry
                .blindings
                .as_slice()
                .iter()
                .map(|b| b.0.to_string())
                .collect(),
            created_at: entry.created_at,
        }
    }

    fn to_entry(&self) -> Result<WalletEntry, WalletError> {
        let corrupted = |reason: &str| WalletError::Corrupted {
            reason: format!("the entry for {} {}: {reason}", self.official, self.period),
        };
        if self.blindings.len() != self.capacity.slots() {
            return Err(corrupted("the number of blindings is not its capacity"));
        }
        let blindings = self
            .blindings
            .iter()
            .map(|b| parse_field_decimal(b))
            .collect::<Result<Vec<_>, _>>()
            // The parse error quotes its input, a blinding: replaced by a fixed reason.
            .map_err(|_| corrupted("a blinding is not a canonical field element"))?;
        let blindings =
            Blindings::from_vec(blindings).map_err(|_| corrupted("bad number of blindings"))?;
        Ok(WalletEntry {
            official: self.official.clone(),
            period: self.period,
            capacity: self.capacity,
            blindings,
            commitment: self.commitment,
            created_at: self.created_at,
        })
    }
}

type Entries = BTreeMap<(OfficialId, Period), WalletEntry>;

fn encode_contents(
    entries: &Entries,
    superseded: &[WalletEntry],
) -> Result<Zeroizing<Vec<u8>>, WalletError> {
    let contents = Contents {
        version: CONTENTS_VERSION,
        entries: entries.values().map(EntryRecord::from_entry).collect(),
        superseded: superseded.iter().map(EntryRecord::from_entry).collect(),
    };
    serde_json::to_vec(&contents)
        .map(Zeroizing::new)
        .map_err(|e| WalletError::Corrupted {
            reason: format!("could not encode the contents: {}", e.classify_name()),
        })
}

/// Decodes the contents of the wallet at `path` (named in errors only).
fn decode_contents(
    plaintext: &[u8],
    path: &Path,
) -> Result<(Entries, Vec<WalletEntry>), WalletError> {
    // serde_json's messages can quote the offending text (a blinding): report the position only.
    let contents: Contents =
        serde_json::from_slice(plaintext).map_err(|e| WalletError::Corrupted {
            reason: format!(
                "unreadable JSON at line {}, column {}",
                e.line(),
                e.column()
            ),
        })?;
    if contents.version == CONTENTS_VERSION_COMMITMENT_V1 {
        return Err(WalletError::CommitmentFormatV1 {
            path: path.to_owned(),
        });
    }
    if contents.version != CONTENTS_VERSION {
        return Err(WalletError::Corrupted {
            reason: format!("unknown contents version {}", contents.version),
        });
    }
    let mut entries = Entries::new();
    for record in &contents.entries {
        let entry = record.to_entry()?;
        let key = (entry.official.clone(), entry.period);
        if entries.insert(key, entry).is_some() {
            return Err(WalletError::Corrupted {
                reason: format!("two entries for {} {}", record.official, record.period),
            });
        }
    }
    let superseded = contents
        .superseded
        .iter()
        .map(EntryRecord::to_entry)
        .collect::<Result<_, _>>()?;
    Ok((entries, superseded))
}

/// A name for serde_json's error category without its message (which may quote input).
trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "end of input",
        }
    }
}

/// A file written and synced beside its target, removed on drop unless renamed into place.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    /// Writes `bytes` to a new file in `target`'s directory and syncs it.
    fn write(target: &Path, bytes: &[u8]) -> Result<TempFile, WalletError> {
        let name = target
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = target.with_file_name(format!(".{name}.tmp-{:016x}", OsRng.next_u64()));
        let io_err = |source| WalletError::Io {
            action: "write",
            path: path.clone(),
            source,
        };
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Encrypted, but still nobody else's business.
            options.mode(0o600);
        }
        let mut file = options.open(&path).map_err(io_err)?;
        let temp = TempFile {
            path: path.clone(),
            armed: true,
        };
        file.write_all(bytes).map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
        Ok(temp)
    }

    /// The file was renamed into place: nothing to clean up.
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: a leftover temp file holds only ciphertext and is never read.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Syncs the directory holding `path`, so a rename in it survives a crash.
fn sync_parent(path: &Path) -> Result<(), WalletError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| WalletError::Io {
                action: "sync the directory",
                path: dir.to_owned(),
                source,
            })?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DD HH:MM UTC` of a Unix time, as wallet messages and reports print dates.
pub use probity_core::format_utc;

#[cfg(test)]
mod tests {
    use super::*;

    use probity_core::{Amount, AssetId, Category, Item, Owner};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    const PASS: &str = "correct horse battery staple 正确";

    /// A fresh directory under the system temp dir, removed on drop.
    struct TestDir(PathBuf);

    impl TestDir {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!(
                "probity-wallet-test-{}-{:016x}",
                std::process::id(),
                OsRng.next_u64()
            ));
            fs::create_dir_all(&dir).expect("temp dir is writable");
            TestDir(dir)
        }
        fn wallet(&self) -> PathBuf {
            self.0.join("wallet.probity")
        }
        fn names(&self) -> Vec<String> {
            let mut names: Vec<String> = fs::read_dir(&self.0)
                .expect("temp dir is readable")
                .map(|e| {
                    e.expect("dir entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn pass() -> Passphrase {
        Passphrase::new(PASS)
    }

    fn new_wallet(dir: &TestDir) -> Wallet {
        Wallet::create_with(&dir.wallet(), &pass(), KdfParams::insecure_for_tests())
            .expect("new wallet")
    }

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(7)
    }

    fn declaration(period: u32, deposit: u64) -> Declaration {
        let item = |category: u8, id: &str, value: u64| Item {
            category: Category::from_code(category).expect("valid code"),
            asset_id: AssetId(id.to_owned()),
            value: Amount(value),
            owner: Owner::Official,
            note: String::new(),
        };
        Declaration::new(
            OfficialId::new("GOV-0001").expect("valid id"),
            Period::new(period).expect("valid period"),
            Capacity::C16,
            "CNY".into(),
            vec![
                item(1, "京(2020)朝阳区不动产权第0001234号", 350_000_000),
                item(2, "6222020200012345678", deposit),
                item(32, "", 45_000_000),
            ],
        )
        .expect("valid declaration")
    }

    fn gov1() -> OfficialId {
        OfficialId::new("GOV-0001").expect("valid id")
    }

    fn y2026() -> Period {
        Period::new(2026).expect("valid period")
    }

    #[test]
    fn round_trip() {
        let dir = TestDir::new();
        let mut wallet = new_wallet(&dir);
        let d = declaration(2026, 12_000_000);
        let opening = wallet.commit(&d, &mut rng()).expect("commit");

        let reopened = Wallet::open(&dir.wallet(), &pass()).expect("open");
        let entry = reopened.entry(&gov1(), y2026()).expect("entry kept");
        assert_eq!(entry.commitment(), opening.commitment());
        assert!(
            entry.blindings() == opening.blindings(),
            "blindings survive the round trip"
        );
        assert_eq!(entry.capacity(), Capacity::C16);
        assert_eq!(
            entry.created_at(),
            wallet.entry(&gov1(), y2026()).expect("entry").created_at()
        );
        assert_eq!(
            reopened.opening(&d).expect("opens").commitment(),
            opening.commitment()
        );
        assert_eq!(reopened.entries().count(), 1);
        assert_eq!(reopened.superseded().count(), 0);

        // Committing the same declaration again draws nothing and returns the same opening.
        let again = wallet
            .commit(&d, &mut ChaCha20Rng::seed_from_u64(99))
            .expect("idempotent");
        assert_eq!(again.commitment(), opening.commitment());
    }

    #[test]
    fn header_holds_the_kdf_parameters() {
        let dir = TestDir::new();
        new_wallet(&dir);
        let bytes = fs::read(dir.wallet()).expect("written");
        assert_eq!(&bytes[..8], b"PROBITYW");
        assert_eq!(bytes[OFFSET_VERSION], 1);
        let header = Header::parse(&bytes, &dir.wallet()).expect("valid header");
        assert_eq!(header.kdf, KdfParams::insecure_for_tests());
        assert_eq!(
            KdfParams::default(),
            KdfParams::new(65_536, 3, 4).expect("in range")
        );
        assert!(matches!(
            KdfParams::new(1024, 3, 1),
            Err(WalletError::InvalidKdfParams)
        ));
    }

    /// Every header position, then every 7th position of the ciphertext and its whole tag:
    /// each kind of field, without a thousand file writes per test.
    fn positions(file_len: usize) -> impl Iterator<Item = usize> {
        (0..HEADER_LEN)
            .chain((HEADER_LEN..file_len - TAG_LEN).step_by(7))
            .chain(file_len - TAG_LEN..file_len)
    }

    #[test]
    fn wrong_passphrase_is_a_clear_error() {
        let dir = TestDir::new();
        new_wallet(&dir);
        let err = Wallet::open(&dir.wallet(), &Passphrase::new("correct horse battery"))
            .expect_err("wrong passphrase");
        assert!(matches!(err, WalletError::WrongPassphrase));
        assert!(
            err.to_string()
                .starts_with("wrong passphrase or corrupted wallet"),
            "{err}"
        );
        assert!(matches!(
            Wallet::open(&dir.wallet(), &Passphrase::new("")).expect_err("empty passphrase"),
            WalletError::WrongPassphrase
        ));
    }

    #[test]
    fn every_changed_byte_is_refused() {
        let dir = TestDir::new();
        let mut wallet = new_wallet(&dir);
        wallet
            .commit(&declaration(2026, 12_000_000), &mut rng())
            .expect("commit");
        let good = fs::read(dir.wallet()).expect("written");
        let tampered = dir.0.join("tampered");
        for at in positions(good.len()) {
            let mut bad = good.clone();
            bad[at] ^= 0x01;
            fs::write(&tampered, &bad).expect("writable");
            let err = Wallet::open(&tampered, &pass()).expect_err("a changed byte must be refused");
            let expected = match at {
                0..=7 => matches!(err, WalletError::NotAWallet { .. }),
                OFFSET_VERSION => matches!(err, WalletError::UnsupportedVersion { version: 0, .. }),
                OFFSET_CIPHERTEXT_LEN.. if at < HEADER_LEN => {
                    matches!(
                        err,
                        WalletError::Truncated { .. }
                            | WalletError::TrailingBytes { .. }
                            | WalletError::BadHeader { .. }
                    )
                }
                // KDF id and parameters are range-checked, then authenticated like everything else.
                OFFSET_KDF..=21 => matches!(
                    err,
                    WalletError::BadHeader { .. } | WalletError::WrongPassphrase
                ),
                _ => matches!(err, WalletError::WrongPassphrase),
            };
            assert!(expected, "byte {at}: unexpected {err:?}");
        }
    }

    #[test]
    fn unknown_version_is_refused() {
        let dir = TestDir::new();
        new_wallet(&dir);
        let mut bytes = fs::read(dir.wallet()).expect("written");
        bytes[OFFSET_VERSION] = 2;
        fs::write(dir.wallet(), &bytes).expect("writable");
        let err = Wallet::open(&dir.wallet(), &pass()).expect_err("version 2");
        assert!(
            matches!(err, WalletError::UnsupportedVersion { version: 2, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("cannot read"), "{err}");
    }

    #[test]
    fn truncated_file_is_refused() {
        let dir = TestDir::new();
        let mut wallet = new_wallet(&dir);
        wallet
            .commit(&declaration(2026, 12_000_000), &mut rng())
            .expect("commit");
        let good = fs::read(dir.wallet()).expect("written");
        let cut = dir.0.join("cut");
        for len in positions(good.len()) {
            fs::write(&cut, &good[..len]).expect("writable");
            let err = Wallet::open(&cut, &pass()).expect_err("a truncated file must be refused");
            assert!(
                matches!(err, WalletError::Truncated { .. }),
                "length {len}: {err:?}"
            );
        }
        fs::write(&cut, b"").expect("writable");
        assert!(Wallet::open(&cut, &pass())
            .expect_err("empty")
            .to_string()
            .contains("incomplete"));
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let dir = TestDir::new();
        new_wallet(&dir);
        let mut bytes = fs::read(dir.wallet()).expect("written");
        bytes.push(0);
        fs::write(dir.wallet(), &bytes).expect("writable");
        let err = Wallet::open(&dir.wallet(), &pass()).expect_err("trailing byte");
        assert!(matches!(err, WalletError::TrailingBytes { .. }), "{err:?}");
    }

    #[test]
    fn not_a_wallet_and_missing_file() {
        let dir = TestDir::new();
        let other = dir.0.join("notes.txt");
        fs::write(
            &other,
            "a shopping list, long enough to cover a wallet header and then some more",
        )
        .expect("writable");
        assert!(matches!(
            Wallet::open(&other, &pass()),
            Err(WalletError::NotAWallet { .. })
        ));
        assert!(matches!(
            Wallet::open(&dir.wallet(), &pass()),
            Err(WalletError::NotFound { .. })
        ));
    }

    #[test]
    fn create_refuses_an_existing_file() {
        let dir = TestDir::new();
        fs::write(dir.wallet(), "precious").expect("writable");
        let err = Wallet::create_with(&dir.wallet(), &pass(), KdfParams::insecure_for_tests())
            .expect_err("existing file");
        assert!(matches!(err, WalletError::AlreadyExists { .. }), "{err:?}");
        assert_eq!(
            fs::read_to_string(dir.wallet()).expect("still there"),
            "precious"
        );

        fs::remove_file(dir.wallet()).expect("removable");
        new_wallet(&dir);
        assert!(matches!(
            Wallet::create_with(&dir.wallet(), &pass(), KdfParams::insecure_for_tests()),
            Err(WalletError::AlreadyExists { .. })
        ));
        assert!(
            Wallet::open(&dir.wallet(), &pass()).is_ok(),
            "the first wallet is untouched"
        );
        assert_eq!(
            dir.names(),
            ["wallet.probity"],
            "no temp file is left behind"
        );
    }

    #[test]
    fn create_refuses_an_empty_passphrase() {
        let dir = TestDir::new();
        assert!(matches!(
            Wallet::create_with(
                &dir.wallet(),
                &Passphrase::new(""),
                KdfParams::insecure_for_tests()
            ),
            Err(WalletError::EmptyPassphrase)
        ));
        assert!(dir.names().is_empty());
    }

    #[test]
    fn insert_refuses_a_different_commitment_and_accepts_the_same() {
        let dir = TestDir::new();
        let mut wallet = new_wallet(&dir);
        let d = declaration(2026, 12_000_000);
        let first =
            Opening::new(&d, Blindings::random(Capacity::C16, &mut rng())).expect("opening");
        wallet.insert(&first).expect("first insert");
        let created = wallet.entry(&gov1(), y2026()).expect("entry").created_at();

        wallet
            .insert(&first)
            .expect("the same commitment again is accepted");
        assert_eq!(
            wallet.entry(&gov1(), y2026()).expect("entry").created_at(),
            created
        );

        let other = Opening::new(
            &d,
            Blindings::random(Capacity::C16, &mut ChaCha20Rng::seed_from_u64(8)),
        )
        .expect("opening");
        let err = wallet
            .insert(&other)
            .expect_err("a different commitment for the same official and period");
        assert!(
            matches!(err, WalletError::AlreadyCommitted { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("GOV-0001 2026"), "{err}");
        assert_eq!(
            wallet.entry(&gov1(), y2026()).expect("entry").commitment(),
            first.commitment()
        );
        assert_eq!(wallet.entries().count(), 1);
    }

    #[test]
    fn replace_keeps_the_old_entry() {
        let dir = TestDir::new();
        let mut wallet = new_wallet(&dir);
        let old = wallet
            .commit(&declaration(2026, 12_000_000), &mut rng())
            .expect("commit");
        let amended = declaration(2026, 13_000_000);
        let new = wallet
            .amend(&amended, &mut ChaCha20Rng::seed_from_u64(8))
            .expect("amend");
        assert_ne!(old.commitment(), new.commitment());

        let reopened = Wallet::open(&dir.wallet(), &pass()).expect("open");
        assert_eq!(
            reopened
                .entry(&gov1(), y2026())
                .expect("entry")
                .commitment(),
            new.commitment()
        );
        let kept: Vec<_> = reopened.superseded().collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].commitment(), old.commitment());
        assert!(kept[0].blindings() == old.blindings());
        // The backup holds the wallet as it was before the amendment.
        let backup = Wallet::open(&backup_path(&dir.wallet(), 1), &pass()).expect("backup opens");
        assert_eq!(
            backup.entry(&gov1(), y2026()).expect("entry").commitment(),
            old.commitment()
        );

        // Amending with the same declaration changes nothing.
        let mut reopened = reopened;
        let same = reopened.amend(&amended, &mut rng()).expect("unchanged");
        assert_eq!(same.commitment(), new.commitment());
        assert_eq!(reopened.superseded().count(), 1);
    }

    #[test]
    fn backup_holds_the_previous_contents() {
        let dir = TestDir::new();
        let mut wallet = new_wallet(&dir);
        let first = wallet
            .commit(&declaration(2025, 10_000_000), &mut rng())
            .expect("first save");
        let after_first = fs::read(dir.wallet()).expect("written");
        wallet
            .commit(&declaration(2026, 12_000_000), &mut rng())
            .expect("second save");

        assert_eq!(
            fs::read(backup_path(&dir.wallet(), 1)).expect("backup exists"),
            after_first
        );
        let backup = Wallet::open(&backup_path(&dir.wallet(), 1), &pass()).expect("backup opens");
        assert_eq!(backup.entries().count(), 1);
        let y2025 = Period::new(2025).expect("valid");
        assert_eq!(
            backup.entry(&gov1(), y2025).expect("entry").commitment(),
            first.commitment()
        );
        assert_eq!(
            Wallet::open(&dir.wallet(), &pass())
                .expect("open")
                .entries()
                .count(),
            2
        );

        // More saves shift the backups and keep at most BACKUPS_KEPT.
        for _ in 0..BACKUPS_KEPT + 2 {
            wallet.save().expect("save");
        }
        let names = dir.names();
        assert_eq!(
            names,
            [
                "wallet.probity",
                "wallet.probity.bak",
                "wallet.probity.bak.2",
                "wallet.probity.bak.3",
                "wallet.probity.bak.4",
                "wallet.probity.bak.5"
            ],
            "backups rotate and no temp file is left behind"
        );
    }

    #[test]
    fn a_stale_wallet_does_not_overwrite_newer_entries() {
        let dir = TestDir::new();
        new_wallet(&dir);
        let mut first = Wallet::open(&dir.wallet(), &pass()).expect("open");
        let mut second = Wallet::open(&dir.wallet(), &pass()).expect("open");
        first
            .commit(&declaration(2025, 10_000_000), &mut rng())
            .expect("commit");
        let err = second
            .commit(&declaration(2026, 12_000_000), &mut rng())
            .expect_err("stale copy");
        assert!(matches!(err, WalletError::ChangedOnDisk { .. }), "{err:?}");
        let on_disk = Wallet::open(&dir.wallet(), &pass()).expect("open");
        assert!(on_disk
            .entry(&gov1(), Period::new(2025).expect("valid"))
            .is_some());
        // The failed commit left nothing behind in memory: no opening can be had that is not
        // on disk.
        assert!(second.entry(&gov1(), y2026()).is_none());
        assert!(matches!(
            second.commit(&declaration(2026, 12_000_000), &mut rng()),
            Err(WalletError::ChangedOnDisk { .. })
        ));

        // The same for a failed amendment: the held entry stays current.
        let mut stale = Wallet::open(&dir.wallet(), &pass()).expect("open");
        let y2025 = Period::new(2025).expect("valid");
        let held = stale.entry(&gov1(), y2025).expect("entry").commitment();
        first.save().expect("save");
        assert!(matches!(
            stale.amend(&declaration(2025, 1), &mut rng()),
            Err(WalletError::ChangedOnDisk { .. })
        ));
        assert_eq!(
            stale.entry(&gov1(), y2025).expect("entry").commitment(),
            held
        );
        assert_eq!(stale.superseded().count(), 0);

        fs::remove_file(dir.wallet()).expect("removable");
        assert!(
            matches!(first.save(), Err(WalletError::ChangedOnDisk { .. })),
            "a removed wallet is not recreated"
        );
    }

    #[test]
    fn an_edited_declaration_is_refused() {
        let dir = TestDir::new();
        let mut wallet = new_wallet(&dir);
        let committed = declaration(2026, 12_000_000);
        wallet.commit(&committed, &mut rng()).expect("commit");
        let created = wallet.entry(&gov1(), y2026()).expect("entry").created_at;

        let edited = declaration(2026, 12_000_001);
        let err = wallet.opening(&edited).expect_err("edited after commit");
        assert!(
            matches!(err, WalletError::DeclarationChanged { .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "the declaration file for GOV-0001 2026 differs from the one committed on {}; restore it or amend",
                format_utc(created)
            )
        );
        assert!(matches!(
            wallet.commit(&edited, &mut rng()),
            Err(WalletError::DeclarationChanged { .. })
        ));

        // A changed capacity is a changed declaration too.
        let bigger = Declaration::new(
            gov1(),
            y2026(),
            Capacity::C64,
            "CNY".into(),
            committed.items().to_vec(),
        )
        .expect("valid");
        assert!(matches!(
            wallet.opening(&bigger),
            Err(WalletError::DeclarationChanged { .. })
        ));

        let unknown = declaration(2024, 1);
        let err = wallet.opening(&unknown).expect_err("never committed");
        assert!(matches!(err, WalletError::NotCommitted { .. }), "{err:?}");
        assert_eq!(
            wallet.opening(&committed).expect("unchanged").commitment(),
            wallet.entry(&gov1(), y2026()).expect("entry").commitment()
        );
    }

    #[test]
    fn debug_and_errors_hold_no_secrets() {
        let dir = TestDir::new();
        let mut wallet = new_wallet(&dir);
        let d = declaration(2026, 12_000_000);
        let opening = wallet.commit(&d, &mut rng()).expect("commit");
        let entry = wallet.entry(&gov1(), y2026()).expect("entry").clone();

        let blindings: Vec<String> = opening
            .blindings()
            .as_slice()
            .iter()
            .map(|b| b.0.to_string())
            .collect();
        let key_hex: String = wallet.key.iter().map(|b| format!("{b:02x}")).collect();
        let other = Opening::new(
            &d,
            Blindings::random(Capacity::C16, &mut ChaCha20Rng::seed_from_u64(3)),
        )
        .expect("opening");
        let printed = [
            format!("{:?}", pass()),
            format!("{:#?}", pass()),
            format!("{wallet:?}"),
            format!("{wallet:#?}"),
            format!("{entry:?}"),
            format!("{:?}", wallet.insert(&other)),
            wallet.insert(&other).expect_err("conflict").to_string(),
            wallet
                .opening(&declaration(2026, 1))
                .expect_err("edited")
                .to_string(),
        ];
        for text in &printed {
            assert!(
                !text.contains(PASS) && !text.contains("horse"),
                "passphrase in {text}"
            );
            assert!(!text.contains(&key_hex), "key in {text}");
            assert!(
                !text.contains("12000000") && !text.contains("350000000"),
                "value in {text}"
            );
            for b in blindings.iter().chain(
                other
                    .blindings()
                    .as_slice()
                    .iter()
                    .map(|b| b.0.to_string())
                    .collect::<Vec<_>>()
                    .iter(),
            ) {
                // Skip tiny blindings, whose digits could occur anywhere (probability ~2^-200 each).
                if b.len() > 8 {
                    assert!(!text.contains(b.as_str()), "blinding in {text}");
                }
            }
        }
        assert_eq!(format!("{:?}", pass()), "Passphrase(..)");
    }

    #[test]
    fn contents_of_commitment_format_v1_are_refused_with_what_to_do() {
        let v1 = r#"{"version":1,"entries":[],"superseded":[]}"#;
        let err = decode_contents(v1.as_bytes(), Path::new("official.wallet")).expect_err("v1");
        assert!(matches!(err, WalletError::CommitmentFormatV1 { .. }));
        let text = err.to_string();
        assert!(
            text.contains("official.wallet")
                && text.contains("format v1")
                && text.contains("commit, file and prove each declaration again"),
            "{text}"
        );
        let v2 = v1.replace("\"version\":1", "\"version\":2");
        assert!(decode_contents(v2.as_bytes(), Path::new("w")).is_ok());
    }

    #[test]
    fn corrupted_contents_report_no_values() {
        // Right key, wrong plaintext: the contents are checked after authentication, and
        // serde_json's message (which would quote the text) is not passed on.
        let dir = TestDir::new();
        let wallet = new_wallet(&dir);
        let secret = "8734123412341234123412341234";
        let plaintext = format!(
            r#"{{"version":2,"entries":[{{"official":"GOV-0001","period":2026,"capacity":16,"commitment":"1","blindings":[{secret}],"created_at":0}}],"superseded":[]}}"#
        );
        let err = decode_contents(plaintext.as_bytes(), Path::new("w"))
            .expect_err("a number where a string belongs");
        assert!(matches!(err, WalletError::Corrupted { .. }));
        assert!(!err.to_string().contains(secret), "{err}");

        let short = r#"{"version":2,"entries":[{"official":"GOV-0001","period":2026,"capacity":16,"commitment":"1","blindings":["1"],"created_at":0}],"superseded":[]}"#;
        assert!(decode_contents(short.as_bytes(), Path::new("w"))
            .expect_err("one blinding for 16 slots")
            .to_string()
            .contains("number of blindings"));
        let bad = format!(
            r#"{{"version":2,"entries":[{{"official":"GOV-0001","period":2026,"capacity":16,"commitment":"1","blindings":[{}"x{secret}"],"created_at":0}}],"superseded":[]}}"#,
            "\"1\",".repeat(15)
        );
        let err = decode_contents(bad.as_bytes(), Path::new("w")).expect_err("not a field element");
        assert!(!err.to_string().contains(secret), "{err}");
        drop(wallet);
    }

    #[test]
    fn passphrases_are_normalized() {
        let dir = TestDir::new();
        let composed = Passphrase::new("caf\u{e9}");
        let decomposed = Passphrase::new("cafe\u{301}");
        Wallet::create_with(&dir.wallet(), &composed, KdfParams::insecure_for_tests())
            .expect("create");
        assert!(Wallet::open(&dir.wallet(), &decomposed).is_ok());
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_767_225_600), "2026-01-01 00:00 UTC");
        assert_eq!(format_utc(1_709_210_096), "2024-02-29 12:34 UTC");
    }
}
