//! [`Authorization`]: a device authorization answer (RFC 8628 §3.2) whatever the wire it came
//! over: AWS's `StartDeviceAuthorization` output and a standard provider's answer both decode
//! to it, and the device flow (grants layer) reads only this.

use crate::Secret;

/// A device authorization response (RFC 8628 §3.2) in grant terms, whatever its wire form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Authorization {
    /// The device code to poll with (kept secret).
    pub device_code: Secret,
    /// The code the user checks in the browser.
    pub user_code: String,
    /// The page where the user enters the code. Opaque.
    pub verification_uri: String,
    /// The page with the code filled in, when the server sent one.
    pub verification_uri_complete: Option<String>,
    /// The codes' lifetime in seconds, as sent (absent, 0 or negative: the configured default).
    pub expires_in: Option<i64>,
    /// The minimum seconds between polls, as sent (absent, 0 or negative: 5).
    pub interval: Option<i64>,
}

impl Authorization {
    /// An authorization with no `verification_uri_complete`, lifetime or interval.
    pub fn new(
        device_code: impl Into<Secret>,
        user_code: impl Into<String>,
        verification_uri: impl Into<String>,
    ) -> Self {
        Authorization {
            device_code: device_code.into(),
            user_code: user_code.into(),
            verification_uri: verification_uri.into(),
            verification_uri_complete: None,
            expires_in: None,
            interval: None,
        }
    }
}
