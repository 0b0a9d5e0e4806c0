//! Sealing tips to the supervisors (DESIGN.md §8): HPKE, RFC 9180 base mode,
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305.
//!
//! ```text
//! info = "probity/tip-seal/v1"
//! aad  = lp("probity/tip-seal/aad/v1") || lp(subject) || lp(epoch as u64 big-endian)
//! pt   = TipBody::to_bytes() || 0x80 || 0x00*        (padded to a size bucket)
//! (enc, ct) = SealBase(pk_supervisors, info, aad, pt)
//! SealedTip = version || enc (32) || ct
//! ```
//!
//! # Padding
//! The plaintext is padded to a size bucket before sealing, so that a sealed tip's length
//! says which bucket its body fell in, not how long its text is. The buckets are the powers
//! of two from 1 KiB ([`PADDED_LEN_MIN`]) to 4 MiB, then one last bucket,
//! [`PADDED_LEN_MAX`], the longest padded body (a little over 8 MiB): a body is padded to
//! the smallest bucket longer than its encoding. The padding is one `0x80` byte and then
//! zeros (ISO/IEC 7816-4), so it always has at least one byte and comes off unambiguously:
//! drop the trailing zeros, then the `0x80`. [`SealedTip::from_bytes`] refuses a
//! ciphertext whose length is no bucket (plus the 16-byte AEAD tag), so a client that
//! skipped the padding, and would stand out by it, is refused at once; [`open`] refuses a
//! plaintext whose padding is malformed ([`DecodeError::Padding`]).
//!
//! What is left: a body of more than 1 KiB (a long text, or attachments) still shows its
//! bucket, within a factor of two. Attachments are what make a tip long; a reporter who
//! must not stand out keeps to text.
//!
//! The associated data binds the ciphertext to its [`TipContext`], so a sealed tip filed
//! under one official cannot be re-filed under another: it no longer opens. The SHA-256 of
//! the sealed tip ([`SealedTip::digest`]) goes into the presentation's transcript, so a
//! presentation cannot be moved onto another tip either. The service stores ciphertext only.

use core::fmt;

use curve25519_dalek::montgomery::MontgomeryPoint;
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::attributes::TipContext;
use crate::encoding::{Reader, Writer};
use crate::errors::{DecodeError, FieldError, OpenError, SealError};
use crate::transcript::labels;

type Kem = X25519HkdfSha256;

/// The supervisors' tip public key (an X25519 key; 32 bytes, no version byte: it is an
/// RFC 9180 `Npk` encoding).
#[derive(Clone, PartialEq, Eq)]
pub struct TipPublicKey(<Kem as hpke::Kem>::PublicKey);

/// The supervisors' tip private key. `Debug` prints nothing.
///
/// Zeroized on drop: `hpke` holds it as an `x25519_dalek::StaticSecret`, which wipes
/// itself when x25519-dalek's `zeroize` feature is on. This crate turns that feature on
/// (hpke does not), and the assertion below fails to compile if it ever goes missing.
#[derive(Clone)]
pub struct TipSecretKey(<Kem as hpke::Kem>::PrivateKey);

/// Compile-time check that `StaticSecret` is `Zeroize`, which x25519-dalek implements
/// (with `#[zeroize(drop)]`, a wiping `Drop`) only under its `zeroize` feature.
const _: fn() = || {
    fn wiped_on_drop<T: zeroize::Zeroize>() {}
    wiped_on_drop::<x25519_dalek::StaticSecret>();
};

impl TipSecretKey {
    /// Generates a key pair's private half.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        TipSecretKey(Kem::gen_keypair(rng).0)
    }

    /// The matching public key.
    pub fn public_key(&self) -> TipPublicKey {
        TipPublicKey(Kem::sk_to_pk(&self.0))
    }

    /// The 32-byte encoding. Keep it secret.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes().into())
    }

    /// Decodes a private key (any 32 bytes; X25519 clamps).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() != 32 {
            return Err(DecodeError::Length);
        }
        <Kem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map(TipSecretKey)
            .map_err(|_| DecodeError::Length)
    }
}

impl fmt::Debug for TipSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TipSecretKey").finish_non_exhaustive()
    }
}

impl TipPublicKey {
    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    /// Decodes a public key, refusing non-canonical u-coordinates, points on the twist and
    /// points of small order (a contributory key exchange needs a prime-order point).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| DecodeError::Length)?;
        let edwards = MontgomeryPoint(arr)
            .to_edwards(0)
            .ok_or(DecodeError::InvalidPoint)?;
        if edwards.to_montgomery().0 != arr {
            return Err(DecodeError::InvalidPoint);
        }
        if edwards.is_small_order() {
            return Err(DecodeError::IdentityPoint);
        }
        <Kem as hpke::Kem>::PublicKey::from_bytes(&arr)
            .map(TipPublicKey)
            .map_err(|_| DecodeError::InvalidPoint)
    }
}

impl fmt::Debug for TipPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TipPublicKey")
            .field("key", &crate::params::hex_prefix(&self.to_bytes()))
            .finish()
    }
}

/// One file attached to a tip.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    name: String,
    media_type: String,
    data: Vec<u8>,
}

impl Attachment {
    /// The longest file name, in bytes.
    pub const MAX_NAME_LEN: usize = 255;
    /// The longest media type, in bytes.
    pub const MAX_MEDIA_TYPE_LEN: usize = 127;
    /// The largest attachment, in bytes.
    pub const MAX_DATA_LEN: usize = 4 << 20;

    /// Validates an attachment: a file name (1–255 bytes of UTF-8 without control
    /// characters), a media type (1–127 bytes of printable ASCII, e.g. `application/pdf`)
    /// and at most [`Attachment::MAX_DATA_LEN`] bytes of data.
    pub fn new(name: &str, media_type: &str, data: Vec<u8>) -> Result<Self, FieldError> {
        if name.is_empty() || name.len() > Self::MAX_NAME_LEN {
            return Err(FieldError::Length);
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::Alphabet);
        }
        if media_type.is_empty() || media_type.len() > Self::MAX_MEDIA_TYPE_LEN {
            return Err(FieldError::Length);
        }
        if !media_type.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldError::Alphabet);
        }
        if data.len() > Self::MAX_DATA_LEN {
            return Err(FieldError::Length);
        }
        Ok(Attachment {
            name: name.to_owned(),
            media_type: media_type.to_owned(),
            data,
        })
    }

    /// The file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The media type.
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The content.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("len", &self.data.len())
            .finish_non_exhaustive()
    }
}

/// What a whistleblower writes: a text and attachments.
///
/// Encoding (the HPKE plaintext): `version || text_len (u32) || text || count (u8) ||
/// { name_len (u8) || name || type_len (u8) || type || data_len (u32) || data }*`.
/// `Debug` prints sizes only.
#[derive(Clone, PartialEq, Eq)]
pub struct TipBody {
    text: String,
    attachments: Vec<Attachment>,
}

impl TipBody {
    /// The longest text, in bytes.
    pub const MAX_TEXT_LEN: usize = 64 << 10;
    /// The most attachments.
    pub const MAX_ATTACHMENTS: usize = 8;
    /// The largest total of text and attachment data, in bytes.
    pub const MAX_TOTAL_LEN: usize = 8 << 20;
    /// The longest encoding ([`TipBody::to_bytes`]): every limit reached at once.
    pub const MAX_ENCODED_LEN: usize = 1
        + 4
        + Self::MAX_TOTAL_LEN
        + 1
        + Self::MAX_ATTACHMENTS
            * (1 + Attachment::MAX_NAME_LEN + 1 + Attachment::MAX_MEDIA_TYPE_LEN + 4);

    /// Validates a body: non-empty (text or at least one attachment) and within the limits.
    pub fn new(text: &str, attachments: Vec<Attachment>) -> Result<Self, FieldError> {
        if text.len() > Self::MAX_TEXT_LEN {
            return Err(FieldError::Length);
        }
        if attachments.len() > Self::MAX_ATTACHMENTS {
            return Err(FieldError::TooManyAttachments);
        }
        let total = text.len() + attachments.iter().map(|a| a.data.len()).sum::<usize>();
        if total > Self::MAX_TOTAL_LEN || (text.is_empty() && attachments.is_empty()) {
            return Err(FieldError::Length);
        }
        Ok(TipBody {
            text: text.to_owned(),
            attachments,
        })
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The attachments.
    pub fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }

    /// The versioned encoding.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let len = self.text.len()
            + self
                .attachments
                .iter()
                .map(|a| a.data.len() + a.name.len() + a.media_type.len() + 6)
                .sum::<usize>();
        let mut w = Writer::new(len + 5);
        w.u32(u32::try_from(self.text.len()).expect("bounded by MAX_TEXT_LEN"))
            .raw(self.text.as_bytes())
            .u8(u8::try_from(self.attachments.len()).expect("bounded by MAX_ATTACHMENTS"));
        for a in &self.attachments {
            w.u8(u8::try_from(a.name.len()).expect("bounded by MAX_NAME_LEN"))
                .raw(a.name.as_bytes())
                .u8(u8::try_from(a.media_type.len()).expect("bounded by MAX_MEDIA_TYPE_LEN"))
                .raw(a.media_type.as_bytes())
                .u32(u32::try_from(a.data.len()).expect("bounded by MAX_DATA_LEN"))
                .raw(&a.data);
        }
        Zeroizing::new(w.finish())
    }

    /// Decodes a body, enforcing every limit of [`TipBody::new`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        fn text(bytes: &[u8]) -> Result<&str, DecodeError> {
            core::str::from_utf8(bytes).map_err(|_| DecodeError::Text)
        }
        fn field(e: FieldError) -> DecodeError {
            match e {
                FieldError::Alphabet => DecodeError::Text,
                _ => DecodeError::Length,
            }
        }
        let mut r = Reader::new(bytes)?;
        let text_len = r.u32()? as usize;
        if text_len > Self::MAX_TEXT_LEN {
            return Err(DecodeError::Length);
        }
        let body_text = text(r.take(text_len)?)?;
        let count = usize::from(r.u8()?);
        if count > Self::MAX_ATTACHMENTS {
            return Err(DecodeError::Length);
        }
        let mut attachments = Vec::with_capacity(count);
        for _ in 0..count {
            let name_len = usize::from(r.u8()?);
            let name = text(r.take(name_len)?)?;
            let type_len = usize::from(r.u8()?);
            let media_type = text(r.take(type_len)?)?;
            let data_len = r.u32()? as usize;
            if data_len > Attachment::MAX_DATA_LEN {
                return Err(DecodeError::Length);
            }
            let data = r.take(data_len)?.to_vec();
            attachments.push(Attachment::new(name, media_type, data).map_err(field)?);
        }
        r.finish()?;
        TipBody::new(body_text, attachments).map_err(field)
    }
}

impl fmt::Debug for TipBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TipBody")
            .field("text_len", &self.text.len())
            .field("attachments", &self.attachments.len())
            .finish_non_exhaustive()
    }
}

/// The smallest padded plaintext, and the smallest bucket: 1 KiB.
pub const PADDED_LEN_MIN: usize = 1 << 10;

/// The largest power-of-two bucket: 4 MiB. Bodies whose encoding is this long or longer
/// are padded to [`PADDED_LEN_MAX`].
const PADDED_POW2_MAX: usize = 4 << 20;

/// The longest padded plaintext, and the last bucket: the longest body encoding plus the
/// one-byte padding marker. (The next power of two, 16 MiB, would not fit a tip request.)
pub const PADDED_LEN_MAX: usize = TipBody::MAX_ENCODED_LEN + 1;

/// The bucket of a body encoding of `len` bytes: the smallest bucket that holds it and at
/// least one byte of padding.
fn padded_len(len: usize) -> usize {
    let pow2 = (len + 1).next_power_of_two().max(PADDED_LEN_MIN);
    if pow2 <= PADDED_POW2_MAX {
        pow2
    } else {
        PADDED_LEN_MAX
    }
}

/// Whether `len` is a bucket.
fn is_bucket(len: usize) -> bool {
    len == PADDED_LEN_MAX
        || (len.is_power_of_two() && (PADDED_LEN_MIN..=PADDED_POW2_MAX).contains(&len))
}

/// A body encoding padded to its bucket: `encoding || 0x80 || 0x00*`.
fn pad(encoding: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut padded = Zeroizing::new(Vec::with_capacity(padded_len(encoding.len())));
    padded.extend_from_slice(encoding);
    padded.push(0x80);
    padded.resize(padded_len(encoding.len()), 0);
    padded
}

/// The body encoding inside a padded plaintext. Refuses a length that is no bucket, and
/// padding that is not `0x80` followed by zeros only.
fn unpad(padded: &[u8]) -> Result<&[u8], DecodeError> {
    if !is_bucket(padded.len()) {
        return Err(DecodeError::Padding);
    }
    let end = padded
        .iter()
        .rposition(|&b| b != 0)
        .ok_or(DecodeError::Padding)?;
    if padded[end] != 0x80 {
        return Err(DecodeError::Padding);
    }
    Ok(&padded[..end])
}

/// A tip sealed to the supervisors: `version || enc (32) || ciphertext`.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedTip {
    enc: [u8; 32],
    ciphertext: Vec<u8>,
}

/// The SHA-256 of a [`SealedTip`]'s encoding: what the presentation and the ledger's
/// `TipReceived` entry commit to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SealedTipDigest(pub [u8; 32]);

impl SealedTip {
    /// The AEAD tag's length.
    const TAG_LEN: usize = 16;
    /// The longest possible ciphertext: the last bucket plus the AEAD tag.
    pub const MAX_CIPHERTEXT_LEN: usize = PADDED_LEN_MAX + Self::TAG_LEN;
    /// The longest encoding: the version byte, `enc` and the longest ciphertext.
    pub const MAX_ENCODED_LEN: usize = 1 + 32 + Self::MAX_CIPHERTEXT_LEN;

    /// The versioned encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(32 + self.ciphertext.len());
        w.raw(&self.enc).raw(&self.ciphertext);
        w.finish()
    }

    /// Decodes a sealed tip: the encapsulated key must be a valid X25519 public key and the
    /// ciphertext as long as a padded body (a size bucket, see [`seal()`]) and its AEAD tag. Whether it opens is known only to the key holder.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes)?;
        let enc: [u8; 32] = r.array()?;
        TipPublicKey::from_bytes(&enc)?;
        // The ciphertext runs to the end: bound its length before copying anything.
        let len = r.remaining();
        if len > Self::MAX_CIPHERTEXT_LEN || !len.checked_sub(Self::TAG_LEN).is_some_and(is_bucket)
        {
            return Err(DecodeError::Length);
        }
        let ciphertext = r.take(len)?.to_vec();
        r.finish()?;
        Ok(SealedTip { enc, ciphertext })
    }

    /// `SHA-256(to_bytes())`.
    pub fn digest(&self) -> SealedTipDigest {
        let mut h = Sha256::new();
        h.update([crate::encoding::ENCODING_VERSION]);
        h.update(self.enc);
        h.update(&self.ciphertext);
        SealedTipDigest(h.finalize().into())
    }
}

impl fmt::Debug for SealedTip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedTip")
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

fn aad(context: &TipContext) -> Vec<u8> {
    context.hash_input(labels::TIP_SEAL_AAD)
}

/// Seals a tip body to the supervisors' key for a context (whistleblower side).
///
/// The body's encoding is padded first, to the smallest size bucket that holds it and at
/// least one byte of padding: 1 KiB, 2 KiB, 4 KiB, … 4 MiB, or [`PADDED_LEN_MAX`] (a little
/// over 8 MiB, the longest body). The padding is `0x80` and then zeros (ISO/IEC 7816-4), which
/// comes off unambiguously; [`open`] refuses any other. So a sealed tip's length shows its
/// bucket, not the length of its text: every tip of up to about 1000 bytes of text seals to
/// 1 KiB.
pub fn seal(
    recipient: &TipPublicKey,
    context: &TipContext,
    body: &TipBody,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<SealedTip, SealError> {
    let plaintext = pad(&body.to_bytes());
    let (enc, ciphertext) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &recipient.0,
        labels::TIP_SEAL_INFO,
        &plaintext,
        &aad(context),
        rng,
    )
    .map_err(|_| SealError::Encapsulation)?;
    Ok(SealedTip {
        enc: enc.to_bytes().into(),
        ciphertext,
    })
}

/// Opens a sealed tip with the supervisors' private key (supervisor side).
///
/// Fails with [`OpenError::Decryption`] for a wrong key, a wrong context or any altered
/// byte, and with [`OpenError::MalformedBody`] for a plaintext that is not a padded body
/// (bad padding: [`DecodeError::Padding`]).
pub fn open(
    key: &TipSecretKey,
    context: &TipContext,
    sealed: &SealedTip,
) -> Result<TipBody, OpenError> {
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&sealed.enc)
        .map_err(|_| OpenError::Decryption)?;
    let plaintext = Zeroizing::new(
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
            &OpModeR::Base,
            &key.0,
            &enc,
            labels::TIP_SEAL_INFO,
            &sealed.ciphertext,
            &aad(context),
        )
        .map_err(|_| OpenError::Decryption)?,
    );
    unpad(&plaintext)
        .and_then(TipBody::from_bytes)
        .map_err(OpenError::MalformedBody)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_powers_of_two_from_1_kib_then_the_largest_body() {
        assert_eq!(padded_len(0), 1024);
        assert_eq!(padded_len(1023), 1024);
        // At least one byte of padding: 1024 bytes of encoding need the next bucket.
        assert_eq!(padded_len(1024), 2048);
        assert_eq!(padded_len(PADDED_POW2_MAX - 1), PADDED_POW2_MAX);
        assert_eq!(padded_len(PADDED_POW2_MAX), PADDED_LEN_MAX);
        assert_eq!(padded_len(TipBody::MAX_ENCODED_LEN), PADDED_LEN_MAX);
        for len in [0, 1, 500, 1023, 1024, 3000, 70_000, PADDED_POW2_MAX] {
            assert!(is_bucket(padded_len(len)), "{len}");
            assert!(padded_len(len) > len, "{len}");
        }
        assert!(!is_bucket(512) && !is_bucket(1025) && !is_bucket(8 << 20));
    }

    #[test]
    fn padding_comes_off_exactly_and_bad_padding_is_refused() {
        for encoding in [&b""[..], b"\x01abc", &[0u8; 1023], &[0x80; 1500]] {
            let padded = pad(encoding);
            assert!(is_bucket(padded.len()));
            assert_eq!(unpad(&padded).expect("well padded"), encoding);
        }
        let good = pad(b"\x01tip");
        let mut no_marker = good.clone();
        no_marker[4] = 0;
        assert_eq!(unpad(&no_marker), Err(DecodeError::Padding), "all zeros");
        let mut wrong_marker = good.clone();
        wrong_marker[4] = 0x81;
        assert_eq!(unpad(&wrong_marker), Err(DecodeError::Padding), "not 0x80");
        let mut junk_after = good.clone();
        junk_after[1000] = 1;
        assert_eq!(
            unpad(&junk_after),
            Err(DecodeError::Padding),
            "junk after 0x80"
        );
        assert_eq!(
            unpad(&good[..1000]),
            Err(DecodeError::Padding),
            "not a bucket"
        );
        assert_eq!(unpad(b"\x01tip\x80"), Err(DecodeError::Padding), "unpadded");
    }

    /// A sealer that pads wrongly (here: a body followed by zeros, no marker) makes a sealed
    /// tip of a valid length that opens, but is refused as a body.
    #[test]
    fn open_refuses_a_sealed_tip_with_bad_padding() {
        use rand_core::SeedableRng as _;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let key = TipSecretKey::generate(&mut rng);
        let context = TipContext::new(
            crate::Subject::new("GOV-0001").expect("subject"),
            crate::Epoch(3),
        );
        let body = TipBody::new("tip", vec![]).expect("body");
        let mut plaintext = body.to_bytes().to_vec();
        plaintext.resize(PADDED_LEN_MIN, 0);
        let (enc, ciphertext) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem, _>(
            &OpModeS::Base,
            &key.public_key().0,
            labels::TIP_SEAL_INFO,
            &plaintext,
            &aad(&context),
            &mut rng,
        )
        .expect("seal");
        let sealed = SealedTip::from_bytes(
            &SealedTip {
                enc: enc.to_bytes().into(),
                ciphertext,
            }
            .to_bytes(),
        )
        .expect("a bucket-sized ciphertext decodes");
        assert_eq!(
            open(&key, &context, &sealed).expect_err("bad padding"),
            OpenError::MalformedBody(DecodeError::Padding)
        );
        let good = seal(&key.public_key(), &context, &body, &mut rng).expect("seal");
        assert_eq!(open(&key, &context, &good).expect("opens"), body);
    }
}
