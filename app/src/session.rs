//! The one browser session of an app run: its id (the cookie's value), and what it holds
//! unlocked in memory, locked by the user or after an idle timeout.
//!
//! Time is passed in (`now`) rather than read here, so that the timeout is tested without
//! waiting.

use std::time::{Duration, Instant};

use subtle::ConstantTimeEq as _;

/// A random secret of 32 bytes, hex: the one-time token, the session id. Its `Debug` hides it.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn random() -> Secret {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        Secret(hex::encode(bytes))
    }

    /// The value, to put in the printed address or the cookie.
    pub(crate) fn reveal(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this secret, in time that does not depend on where they differ.
    pub(crate) fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

/// What a request found the session in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// Active: anything unlocked is still held.
    Active,
    /// Locked, by the user or just now by the idle timeout: nothing unlocked is held.
    Locked,
}

/// The session: its id, and `S`, a secret unlocked for it (a wallet passphrase, a key),
/// kept only in this process's memory until locked.
///
/// Invariant: after [`Session::lock`], or once a request comes more than the idle timeout
/// after the previous one, nothing unlocked is held until [`Session::unlock`] again.
pub(crate) struct Session<S> {
    id: Secret,
    idle_timeout: Duration,
    last_seen: Instant,
    locked: bool,
    unlocked: Option<S>,
}

impl<S> Session<S> {
    /// A new session, started at `now`, locked until something is unlocked.
    pub(crate) fn new(idle_timeout: Duration, now: Instant) -> Session<S> {
        Session {
            id: Secret::random(),
            idle_timeout,
            last_seen: now,
            locked: true,
            unlocked: None,
        }
    }

    pub(crate) fn id(&self) -> &Secret {
        &self.id
    }

    /// A request at `now`: locks the session if it was idle longer than the timeout, and
    /// counts as activity.
    pub(crate) fn touch(&mut self, now: Instant) -> Found {
        if now.saturating_duration_since(self.last_seen) > self.idle_timeout {
            self.lock();
        }
        self.last_seen = self.last_seen.max(now);
        if self.locked {
            Found::Locked
        } else {
            Found::Active
        }
    }

    /// Drops whatever was unlocked.
    pub(crate) fn lock(&mut self) {
        self.unlocked = None;
        self.locked = true;
    }

    /// Keeps `secret` for this session, until locked. The roles with a wallet passphrase
    /// or a key to unlock (the official's, the supervisor's) call this from their unlock
    /// form; the whistleblower's pages need nothing unlocked. The secret replaced, if any, is
    /// dropped (a `Passphrase` is wiped then).
    pub(crate) fn unlock(&mut self, secret: S, now: Instant) {
        self.unlocked = Some(secret);
        self.locked = false;
        self.last_seen = now;
    }

    /// What is unlocked, if the session is not locked.
    pub(crate) fn unlocked(&self) -> Option<&S> {
        self.unlocked.as_ref()
    }

    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn is_locked(&self) -> bool {
        self.locked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDLE: Duration = Duration::from_secs(15 * 60);

    #[test]
    fn a_session_locks_when_asked_and_after_the_idle_timeout() {
        let start = Instant::now();
        let mut session = Session::<String>::new(IDLE, start);
        assert_eq!(session.touch(start), Found::Locked, "nothing unlocked yet");
        session.unlock("passphrase".to_owned(), start);
        assert_eq!(session.touch(start + IDLE / 2), Found::Active);
        // Activity resets the clock: the second half-timeout is not idle.
        assert_eq!(session.touch(start + IDLE), Found::Active);
        assert_eq!(session.unlocked().map(String::as_str), Some("passphrase"));

        // Idle for longer than the timeout: the next request finds it locked, and the
        // secret is gone.
        let later = start + IDLE + IDLE + Duration::from_secs(1);
        assert_eq!(session.touch(later), Found::Locked);
        assert!(session.unlocked().is_none() && session.is_locked());

        // Unlocked again, then locked by the user.
        session.unlock("again".to_owned(), later);
        assert_eq!(session.touch(later), Found::Active);
        session.lock();
        assert!(session.unlocked().is_none());
        assert_eq!(session.touch(later), Found::Locked);
    }

    #[test]
    fn a_clock_going_back_neither_locks_nor_extends() {
        let start = Instant::now() + IDLE;
        let mut session = Session::<u8>::new(IDLE, start);
        session.unlock(1, start);
        assert_eq!(session.touch(start - Duration::from_secs(5)), Found::Active);
        assert_eq!(
            session.touch(start + IDLE + Duration::from_secs(1)),
            Found::Locked
        );
    }

    #[test]
    fn secrets_compare_whole_and_stay_out_of_debug() {
        let secret = Secret::random();
        let value = secret.reveal().to_owned();
        assert_eq!(value.len(), 64);
        assert!(secret.matches(&value));
        assert!(!secret.matches(&value[..63]));
        assert!(!secret.matches(""));
        assert!(!format!("{secret:?}").contains(&value));
        assert_ne!(Secret::random().reveal(), value);
    }
}
