//! Identifiers, codes and tokens. Random enough that tests cannot guess them, **not** a
//! cryptographic generator: this is a local test tool.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// SipHash keyed with the process's random `RandomState` keys over a counter: a keyed
/// pseudo-random function with no dependency beyond `std`.
#[derive(Debug)]
pub(crate) struct Ids {
    key: RandomState,
    counter: AtomicU64,
}

/// Letters of user codes: no vowels (no words), no look-alikes.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

impl Ids {
    pub(crate) fn new() -> Self {
        Ids {
            key: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }

    pub(crate) fn next_u64(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut h = self.key.build_hasher();
        h.write_u64(n);
        h.finish()
    }

    pub(crate) fn bytes(&self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(len);
        out
    }

    /// Base64url (no padding) of `len` random bytes.
    pub(crate) fn token(&self, len: usize) -> String {
        URL_SAFE_NO_PAD.encode(self.bytes(len))
    }

    /// A UUID-v4-shaped request id, such as the service's `x-amzn-RequestId`.
    pub(crate) fn request_id(&self) -> String {
        let mut b = self.bytes(16);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// A user code `XXXX-XXXX`.
    pub(crate) fn user_code(&self) -> String {
        let letters: Vec<char> = self
            .bytes(8)
            .iter()
            .map(|b| char::from(USER_CODE_ALPHABET[usize::from(*b) % USER_CODE_ALPHABET.len()]))
            .collect();
        let (a, b) = letters.split_at(4);
        format!(
            "{}-{}",
            a.iter().collect::<String>(),
            b.iter().collect::<String>()
        )
    }

    /// A client id as observed: base64url of random bytes followed by the region name.
    pub(crate) fn client_id(&self, region: &str) -> String {
        let mut raw = self.bytes(16);
        raw.extend_from_slice(region.as_bytes());
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// A JWT-shaped client secret of about 1 KB, as observed.
    pub(crate) fn client_secret(&self) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"kid":"key-emulator","alg":"HS384"}"#);
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"serialized":"{}"}}"#, self.token(640)));
        format!("{header}.{payload}.{}", self.token(48))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let ids = Ids::new();
        let id = ids.request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        let code = ids.user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(code.as_bytes()[4], b'-');
        let cid = ids.client_id("us-east-1");
        let raw = URL_SAFE_NO_PAD.decode(cid).unwrap();
        assert!(raw.ends_with(b"us-east-1"));
        assert!(ids.client_secret().len() > 900);
        assert_ne!(ids.token(32), ids.token(32));
    }
}
