//! `register-client`, `start-device-authorization`, `create-token`: one call each, the response
//! printed as JSON with the service's camelCase names (as `aws sso-oidc ...` does).

use serde::Serialize;
use ssooidc_core::operations::{CreateToken, RegisterClient, StartDeviceAuthorization};
use ssooidc_core::Secret;

use crate::cli::{CreateTokenArgs, RegisterClientArgs, StartDeviceAuthorizationArgs};
use crate::context::Context;
use crate::exit::Failure;

fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::other(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// `register-client`.
pub fn register_client(ctx: &Context, args: RegisterClientArgs) -> Result<(), Failure> {
    let input = RegisterClient {
        client_name: args.client_name,
        client_type: args.client_type,
        scopes: args.scopes,
        redirect_uris: args.redirect_uris,
        grant_types: args.grant_types,
        issuer_url: args.issuer_url,
        entitled_application_arn: args.entitled_application_arn,
    };
    print_json(&ctx.client()?.register_client(&input)?)
}

/// `start-device-authorization`.
pub fn start_device_authorization(
    ctx: &Context,
    args: StartDeviceAuthorizationArgs,
) -> Result<(), Failure> {
    let input = StartDeviceAuthorization::new(args.client_id, args.client_secret, args.start_url);
    print_json(&ctx.client()?.start_device_authorization(&input)?)
}

/// `create-token`.
pub fn create_token(ctx: &Context, args: CreateTokenArgs) -> Result<(), Failure> {
    let input = CreateToken {
        client_id: args.client_id,
        client_secret: Secret::new(args.client_secret),
        grant_type: args.grant_type,
        device_code: args.device_code.map(Secret::new),
        code: args.code.map(Secret::new),
        refresh_token: args.refresh_token.map(Secret::new),
        scope: args.scope,
        redirect_uri: args.redirect_uri,
        code_verifier: args.code_verifier.map(Secret::new),
    };
    print_json(&ctx.client()?.create_token(&input)?)
}
