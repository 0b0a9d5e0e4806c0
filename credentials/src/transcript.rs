//! Every domain label of the crate, and the merlin transcripts of the three proofs.
//!
//! One place for every label (STYLE.md practice 6): changing any of them is a protocol
//! change and must bump its version suffix. Each transcript starts with a versioned domain
//! label, then absorbs every public element of its statement before `lox-zkp` adds the
//! statement's own variables.

use curve25519_dalek::ristretto::CompressedRistretto;
use merlin::Transcript;

use crate::attributes::{CredentialAttributes, Epoch, Scope, TipContext};
use crate::params::IssuerPublicParams;

/// Domain labels. Each ends in a version.
pub(crate) mod labels {
    /// Hashed to the second generator `H` of the MAC scheme.
    pub(crate) const GENERATOR_H: &[u8] = b"probity/credentials/generator-H/v1";
    /// Hashed with the scope text to the scope attribute scalar.
    pub(crate) const SCOPE_ATTRIBUTE: &[u8] = b"probity/credentials/scope/v1";
    /// Hashed with subject and epoch to the tag base `H_T` (DESIGN.md §8).
    pub(crate) const TIP_TAG: &[u8] = b"probity/tip-tag/v1";

    /// Prefix of the fingerprint of the issuer parameters with their expiry schedule.
    pub(crate) const ISSUER_FINGERPRINT: &[u8] = b"probity/credentials/issuer-fingerprint/v1";

    /// Prefix of the digest an enrollment store keeps with a redeemed code.
    pub(crate) const ISSUANCE_REQUEST_DIGEST: &[u8] =
        b"probity/credentials/issuance-request-digest/v1";

    /// Transcript domain of the client's issuance request.
    pub(crate) const ISSUANCE_REQUEST: &[u8] = b"probity/credentials/issuance-request/v1";
    /// Transcript domain of the issuer's issuance response.
    pub(crate) const ISSUANCE_RESPONSE: &[u8] = b"probity/credentials/issuance-response/v1";
    /// Transcript domain of a tip presentation.
    pub(crate) const TIP_PRESENTATION: &[u8] = b"probity/credentials/tip-presentation/v1";

    /// `lox-zkp` statement label of the request proof.
    pub(crate) const PROOF_ISSUANCE_REQUEST: &str = "probity/credentials/proof/issuance-request/v1";
    /// `lox-zkp` statement label of the issuer's proof.
    pub(crate) const PROOF_ISSUANCE_RESPONSE: &str =
        "probity/credentials/proof/issuance-response/v1";
    /// `lox-zkp` statement label of the presentation proof.
    pub(crate) const PROOF_TIP_PRESENTATION: &str = "probity/credentials/proof/tip-presentation/v1";

    /// HPKE `info` of sealed tips.
    pub(crate) const TIP_SEAL_INFO: &[u8] = b"probity/tip-seal/v1";
    /// Prefix of the HPKE associated data of sealed tips.
    pub(crate) const TIP_SEAL_AAD: &[u8] = b"probity/tip-seal/aad/v1";

    /// Prefix of a receipt's storage hash.
    pub(crate) const RECEIPT_HASH: &[u8] = b"probity/receipt/v1";
    /// Prefix of an enrollment code's storage hash.
    pub(crate) const ENROLLMENT_CODE_HASH: &[u8] = b"probity/enrollment-code/v1";
}

/// Appends to a merlin transcript with this crate's message labels.
pub(crate) trait TranscriptProtocol {
    /// The issuer's public parameters `X0..X3` (their canonical encodings).
    fn append_params(&mut self, params: &IssuerPublicParams);
    /// A group element.
    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto);
    /// An epoch number.
    fn append_epoch(&mut self, label: &'static [u8], epoch: Epoch);
    /// A scope.
    fn append_scope(&mut self, scope: &Scope);
    /// A tip context: subject and epoch.
    fn append_tip_context(&mut self, context: &TipContext);
    /// A credential's revealed attributes: expiry, then scope.
    fn append_attributes(&mut self, attributes: &CredentialAttributes);
}

impl TranscriptProtocol for Transcript {
    fn append_params(&mut self, params: &IssuerPublicParams) {
        self.append_message(b"issuer-params", &params.to_bytes());
    }

    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto) {
        self.append_message(label, point.as_bytes());
    }

    fn append_epoch(&mut self, label: &'static [u8], epoch: Epoch) {
        self.append_u64(label, epoch.0);
    }

    fn append_scope(&mut self, scope: &Scope) {
        self.append_message(b"scope", scope.as_str().as_bytes());
    }

    fn append_tip_context(&mut self, context: &TipContext) {
        self.append_message(b"subject", context.subject.as_str().as_bytes());
        self.append_epoch(b"epoch", context.epoch);
    }

    fn append_attributes(&mut self, attributes: &CredentialAttributes) {
        self.append_epoch(b"expiry", attributes.expiry);
        self.append_scope(&attributes.scope);
    }
}

/// A transcript started with its domain label and the domain-separation version.
pub(crate) fn new_transcript(domain: &'static [u8]) -> Transcript {
    let mut t = Transcript::new(b"probity-credentials");
    t.append_message(b"dom-sep", domain);
    t
}
