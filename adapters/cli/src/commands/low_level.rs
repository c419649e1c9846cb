//! `register-client`, `start-device-authorization`, `create-token`: one call each, the response
//! printed as JSON with the service's camelCase names (as `aws sso-oidc ...` does).

use serde::Serialize;
use ssooidc_core::operations::{
    CreateToken, CreateTokenWithIam, RegisterClient, StartDeviceAuthorization,
};

use crate::cli::{
    CreateTokenArgs, CreateTokenWithIamArgs, RegisterClientArgs, StartDeviceAuthorizationArgs,
};
use crate::context::Context;
use crate::exit::Failure;
use crate::text::Text;

fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::other(Text::value(e)))?;
    crate::ui::show_json(&text)
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
        client_secret: args.client_secret,
        grant_type: args.grant_type,
        device_code: args.device_code,
        code: args.code,
        refresh_token: args.refresh_token,
        scope: args.scope,
        redirect_uri: args.redirect_uri,
        code_verifier: args.code_verifier,
    };
    print_json(&ctx.client()?.create_token(&input)?)
}

/// `create-token-with-iam`: signed with the credentials of the environment or profile.
pub fn create_token_with_iam(ctx: &Context, args: CreateTokenWithIamArgs) -> Result<(), Failure> {
    let mut input = CreateTokenWithIam::new(args.client_id, args.grant_type);
    input.code = args.code;
    input.refresh_token = args.refresh_token;
    input.assertion = args.assertion;
    input.scope = args.scope;
    input.redirect_uri = args.redirect_uri;
    input.subject_token = args.subject_token;
    input.subject_token_type = args.subject_token_type;
    input.requested_token_type = args.requested_token_type;
    input.code_verifier = args.code_verifier;
    print_json(&ctx.client()?.create_token_with_iam(&input)?)
}
