//! `StartDeviceAuthorization`: `POST /device_authorization`, unsigned (spec 2.2).

use serde::{Deserialize, Serialize};

use crate::wire::{Auth, Operation};
use crate::Secret;

/// Input of `StartDeviceAuthorization`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartDeviceAuthorization {
    /// From `RegisterClient`.
    pub client_id: String,
    /// From `RegisterClient`.
    pub client_secret: Secret,
    /// The AWS access-portal URL.
    pub start_url: String,
}

impl StartDeviceAuthorization {
    /// Builds the input.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        start_url: impl Into<String>,
    ) -> Self {
        StartDeviceAuthorization {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            start_url: start_url.into(),
        }
    }
}

impl Operation for StartDeviceAuthorization {
    const NAME: &'static str = "StartDeviceAuthorization";
    const PATH_AND_QUERY: &'static str = "/device_authorization";
    const AUTH: Auth = Auth::None;
    type Output = StartDeviceAuthorizationOutput;
}

/// Output of `StartDeviceAuthorization`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartDeviceAuthorizationOutput {
    /// The device code to poll `CreateToken` with (kept secret).
    pub device_code: Secret,
    /// The code the user checks in the browser, such as `GPNW-SHFH`.
    pub user_code: String,
    /// The page where the user enters the code. Opaque.
    pub verification_uri: String,
    /// The page with the code filled in. Opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    /// Lifetime of both codes, in seconds. Absent is not the same as `0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i32>,
    /// Minimum seconds between polls. Absent (or `0`) means 5 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i32>,
}
