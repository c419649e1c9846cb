//! The two secrets of a browser login, made from randomness the caller supplies: the PKCE
//! verifier and its S256 challenge (`docs/protocol/authorization-code.md#pkce-pair`), and the
//! `state` the callback must bring back (a UUID v4, `docs/protocol/authorization-code.md#sequence`).
//!
//! The core draws no randomness: the caller passes 32 bytes from the operating system's
//! generator ([`LoginSecrets::generate`]). They are stretched with SHA-256 in counter mode (a
//! pseudo-random function keyed by those bytes), so that the verifier can be drawn **without
//! bias** over its 66-character alphabet by rejection sampling, however many bytes that takes.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::Secret;

/// How many random bytes [`LoginSecrets::generate`] takes.
pub const RANDOM_BYTES: usize = 32;

/// The length of the verifier this crate makes, as the AWS CLI's (RFC 7636 allows 43 to 128).
pub const VERIFIER_LEN: usize = 64;

/// The characters a PKCE verifier is made of: RFC 3986's unreserved set (RFC 7636 §4.1).
pub const VERIFIER_ALPHABET: &[u8; 66] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// The largest multiple of 66 that a byte can hold (3 × 66): bytes at or above it are drawn
/// again, so that every character is equally likely.
const UNBIASED_LIMIT: u8 = 198;

/// The PKCE verifier and the `state` of one login.
///
/// `Debug` shows neither.
///
/// ```
/// use ssooidc_core::authcode::LoginSecrets;
///
/// let secrets = LoginSecrets::generate(&[7; 32]); // pass bytes from the OS generator
/// assert_eq!(secrets.verifier().expose().len(), 64);
/// assert_eq!(secrets.challenge().len(), 43);
/// assert_eq!(secrets.state().expose().len(), 36);
/// assert_eq!(format!("{secrets:?}"), "LoginSecrets { verifier: Secret(<redacted>), state: Secret(<redacted>) }");
///
/// // RFC 7636 Appendix B.
/// let rfc = LoginSecrets::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "s").unwrap();
/// assert_eq!(rfc.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct LoginSecrets {
    verifier: Secret,
    state: Secret,
}

/// Why [`LoginSecrets::new`] refused its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginSecretsError {
    /// The verifier is not 43 to 128 characters of `A–Z a–z 0–9 - . _ ~` (RFC 7636 §4.1).
    #[error("a PKCE verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~")]
    Verifier,
    /// The state is empty, longer than 128 bytes, or not made of URL-safe characters.
    #[error("the state is 1 to 128 characters of A-Z a-z 0-9 - . _ ~")]
    State,
}

impl LoginSecrets {
    /// Fresh secrets from `random`: 32 bytes from the operating system's cryptographic generator
    /// (the same bytes give the same secrets). The verifier is 64 characters drawn without bias
    /// from [`VERIFIER_ALPHABET`]; the state is a random UUID v4 in lower-case hex.
    pub fn generate(random: &[u8; RANDOM_BYTES]) -> Self {
        let mut verifier_bytes = Stream::new(b"ssooidc pkce verifier", random);
        let mut verifier = String::with_capacity(VERIFIER_LEN);
        while verifier.len() < VERIFIER_LEN {
            let byte = verifier_bytes.next_byte();
            if byte < UNBIASED_LIMIT {
                verifier.push(char::from(VERIFIER_ALPHABET[usize::from(byte % 66)]));
            }
        }
        let mut state_bytes = Stream::new(b"ssooidc oauth state", random);
        let mut uuid = [0u8; 16];
        uuid.iter_mut().for_each(|b| *b = state_bytes.next_byte());
        LoginSecrets {
            verifier: Secret::new(verifier),
            state: Secret::new(uuid_v4(uuid)),
        }
    }

    /// Secrets given as they are (for tests and vectors): `verifier` must be a valid RFC 7636
    /// verifier, `state` 1 to 128 unreserved characters.
    pub fn new(
        verifier: impl Into<String>,
        state: impl Into<String>,
    ) -> Result<Self, LoginSecretsError> {
        let verifier = verifier.into();
        let state = state.into();
        if !(43..=128).contains(&verifier.len()) || !verifier.bytes().all(is_unreserved) {
            return Err(LoginSecretsError::Verifier);
        }
        if !(1..=128).contains(&state.len()) || !state.bytes().all(is_unreserved) {
            return Err(LoginSecretsError::State);
        }
        Ok(LoginSecrets {
            verifier: Secret::new(verifier),
            state: Secret::new(state),
        })
    }

    /// The PKCE verifier, sent only in `CreateToken`.
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// The S256 challenge of the verifier, sent in the authorize URL.
    pub fn challenge(&self) -> String {
        s256_challenge(self.verifier.expose())
    }

    /// The `state` the callback must carry back.
    pub fn state(&self) -> &Secret {
        &self.state
    }
}

impl fmt::Debug for LoginSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginSecrets")
            .field("verifier", &self.verifier)
            .field("state", &self.state)
            .finish()
    }
}

/// The S256 challenge of `verifier`: base64url of its SHA-256, without padding (RFC 7636 §4.2).
///
/// ```
/// use ssooidc_core::authcode::s256_challenge;
/// assert_eq!(
///     s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
///     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
/// );
/// ```
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 3986 unreserved: `A–Z a–z 0–9 - . _ ~`.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// `bytes` as a UUID v4 string: the version and variant bits set, lower-case hex, 8-4-4-4-12.
fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 0xf)]));
    }
    out
}

/// SHA-256 in counter mode over a label and the caller's random bytes: block `i` is
/// `SHA-256(label || 0x00 || random || i)`. Different labels give independent streams.
struct Stream<'a> {
    label: &'static [u8],
    random: &'a [u8; RANDOM_BYTES],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl<'a> Stream<'a> {
    fn new(label: &'static [u8], random: &'a [u8; RANDOM_BYTES]) -> Self {
        Stream {
            label,
            random,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn next_byte(&mut self) -> u8 {
        if self.used == self.block.len() {
            let mut hash = Sha256::new();
            hash.update(self.label);
            hash.update([0]);
            hash.update(self.random);
            hash.update(self.counter.to_be_bytes());
            self.block = hash.finalize().into();
            self.counter = self.counter.wrapping_add(1);
            self.used = 0;
        }
        let byte = self.block[self.used];
        self.used += 1;
        byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_and_spec_vectors() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            s256_challenge("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."),
            "0yYmnP4bO4rGE_A5t7N38moWM6-SEO0vHhtepQ3V1eY"
        );
    }

    #[test]
    fn generated_secrets_have_the_right_shape_and_depend_on_every_byte() {
        let a = LoginSecrets::generate(&[0; 32]);
        assert_eq!(a.verifier().expose().len(), VERIFIER_LEN);
        assert!(a.verifier().expose().bytes().all(is_unreserved));
        let state = a.state().expose();
        assert_eq!(state.len(), 36);
        assert_eq!(&state[14..15], "4", "version 4: {state}");
        assert!("89ab".contains(&state[19..20]), "RFC 4122 variant: {state}");
        assert_eq!(state.matches('-').count(), 4);
        assert_eq!(a, LoginSecrets::generate(&[0; 32]), "deterministic");
        for i in 0..32 {
            let mut random = [0u8; 32];
            random[i] = 1;
            let b = LoginSecrets::generate(&random);
            assert_ne!(a.verifier(), b.verifier(), "byte {i}");
            assert_ne!(a.state(), b.state(), "byte {i}");
        }
        assert_ne!(
            a.verifier().expose()[..36],
            *a.state().expose(),
            "independent streams"
        );
    }

    #[test]
    fn the_verifier_alphabet_is_used_evenly() {
        // 64 characters from each of 2 000 seeds: 128 000 draws, about 1 939 per character. A
        // modulo bias (256 % 66 = 58 characters drawn 4 times in 256 instead of 3.88) would put
        // the first 58 characters about 3 % above the last 8; rejection sampling keeps them
        // within noise (a standard deviation is about 44).
        let mut counts = [0u32; 66];
        for seed in 0..2_000u32 {
            let mut random = [0u8; 32];
            random[..4].copy_from_slice(&seed.to_le_bytes());
            for b in LoginSecrets::generate(&random).verifier().expose().bytes() {
                let i = VERIFIER_ALPHABET.iter().position(|&c| c == b).unwrap();
                counts[i] += 1;
            }
        }
        let expected = 128_000.0 / 66.0;
        for (i, &n) in counts.iter().enumerate() {
            let z = (f64::from(n) - expected) / expected.sqrt();
            assert!(
                z.abs() < 5.0,
                "{}: {n} (z = {z:.1})",
                VERIFIER_ALPHABET[i] as char
            );
        }
        let low: u32 = counts[..58].iter().sum::<u32>() / 58;
        let high: u32 = counts[58..].iter().sum::<u32>() / 8;
        assert!(low.abs_diff(high) < 40, "no modulo bias: {low} vs {high}");
    }

    #[test]
    fn given_secrets_are_checked() {
        let ok = "a".repeat(43);
        assert!(LoginSecrets::new(&ok, "x").is_ok());
        assert_eq!(
            LoginSecrets::new("a".repeat(42), "x"),
            Err(LoginSecretsError::Verifier)
        );
        assert_eq!(
            LoginSecrets::new("a".repeat(129), "x"),
            Err(LoginSecretsError::Verifier)
        );
        assert_eq!(
            LoginSecrets::new(format!("{ok}+"), "x"),
            Err(LoginSecretsError::Verifier)
        );
        assert_eq!(LoginSecrets::new(&ok, ""), Err(LoginSecretsError::State));
        assert_eq!(LoginSecrets::new(&ok, "a b"), Err(LoginSecretsError::State));
    }
}
