//! Flow, rejection, encoding, unlinkability and golden-vector tests.
//!
//! Roles are marked `// CLIENT`, `// ISSUER`, `// SUPERVISOR`. Every RNG is a seeded
//! ChaCha20, so failures reproduce.

mod encodings;
mod flow;
mod golden;
mod sealing;
mod unlinkability;

use probity_credentials::{
    issuance, presentation, seal, Credential, CredentialAttributes, EnrollmentCodes,
    EnrollmentStore, Epoch, Issuer, Presentation, Scope, SealedTip, Subject, TipBody, TipContext,
    TipSecretKey,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub(crate) fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub(crate) fn scope() -> Scope {
    Scope::new("CN-BJ").expect("valid scope")
}

/// The attributes of everyone enrolled with expiry `expiry` in the test jurisdiction.
pub(crate) fn attributes(expiry: u64) -> CredentialAttributes {
    CredentialAttributes::new(Epoch(expiry), scope())
}

pub(crate) fn context(subject: &str, epoch: u64) -> TipContext {
    TipContext::new(Subject::new(subject).expect("valid subject"), Epoch(epoch))
}

/// An issuer, its code store, and everything one honest issuance produced.
pub(crate) struct World {
    pub(crate) issuer: Issuer,
    pub(crate) codes: EnrollmentCodes,
    pub(crate) rng: ChaCha20Rng,
}

impl World {
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = rng(seed);
        // ISSUER
        let issuer = Issuer::generate(&mut rng);
        World {
            issuer,
            codes: EnrollmentCodes::new(),
            rng,
        }
    }

    /// One complete blind issuance; returns the credential and the issuance messages'
    /// encodings (what the issuer saw).
    pub(crate) fn enroll(&mut self, expiry: u64) -> (Credential, Vec<u8>, Vec<u8>) {
        // ISSUER (registrar)
        let code = self.codes.issue_code(&mut self.rng).expect("issue code");
        // CLIENT: expiry from the published schedule, scope from the public list.
        let (request, state) = issuance::request(
            self.issuer.public_params(),
            code,
            attributes(expiry),
            &mut self.rng,
        );
        let request_bytes = request.to_bytes();
        // ISSUER
        let request = issuance::Request::from_bytes(&request_bytes).expect("decode request");
        let response = self
            .issuer
            .handle_issuance(&request, &self.codes, &attributes(expiry), &mut self.rng)
            .expect("honest issuance");
        let response_bytes = response.to_bytes();
        // CLIENT
        let response = issuance::Response::from_bytes(&response_bytes).expect("decode response");
        let credential = state
            .handle_response(response)
            .expect("issuer proof verifies");
        (credential, request_bytes, response_bytes)
    }

    /// A sealed tip and a presentation for it.
    pub(crate) fn tip(
        &mut self,
        credential: &Credential,
        supervisors: &TipSecretKey,
        context: &TipContext,
        text: &str,
    ) -> (SealedTip, Presentation) {
        // CLIENT
        let body = TipBody::new(text, vec![]).expect("valid body");
        let sealed = seal(&supervisors.public_key(), context, &body, &mut self.rng).expect("seal");
        let presentation = presentation::present(
            credential,
            self.issuer.public_params(),
            context,
            &sealed,
            &mut self.rng,
        )
        .expect("present");
        (sealed, presentation)
    }

    pub(crate) fn verify(
        &self,
        presentation: &Presentation,
        context: &TipContext,
        sealed: &SealedTip,
    ) -> Result<probity_credentials::TipTag, probity_credentials::VerificationFailure> {
        // ISSUER
        self.issuer
            .verify_presentation(presentation, context, &scope(), sealed)
    }
}
