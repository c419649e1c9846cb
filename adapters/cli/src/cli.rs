//! The command line, as clap definitions. Names follow the AWS CLI (`aws sso-oidc ...`,
//! `aws sso login`), so habits and scripts carry over.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ssooidc_core::Secret;

/// AWS SSO OIDC (IAM Identity Center) from the command line: log in (browser or device code), print a
/// cached token (refreshed when due) for scripts, and call the service's operations directly.
///
/// The token and registration caches in ~/.aws/sso/cache are the AWS CLI's own, so the AWS CLI
/// and the SDKs use a token this command obtained, and the other way round.
#[derive(Debug, Parser)]
#[command(
    name = "ssooidc",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// `--endpoint-url` as typed. A URL may carry a password (`https://user:pass@host`, refused
/// later by the settings without repeating it): `Debug` shows the URL with the password
/// replaced by `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct EndpointUrl(pub String);

impl From<String> for EndpointUrl {
    fn from(url: String) -> Self {
        EndpointUrl(url)
    }
}

impl std::fmt::Debug for EndpointUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&without_password(&self.0), f)
    }
}

/// `url` with the password of its userinfo (`scheme://user:PASSWORD@host`) replaced.
fn without_password(url: &str) -> std::borrow::Cow<'_, str> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let authority_len = url[start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - start);
    let authority = &url[start..start + authority_len];
    let Some(at) = authority.rfind('@') else {
        return url.into();
    };
    let Some(colon) = authority[..at].find(':') else {
        return url.into();
    };
    format!(
        "{}<redacted>{}",
        &url[..start + colon + 1],
        &url[start + at..]
    )
    .into()
}

/// Options every command takes. Each one wins over the environment and the config file; see
/// `ssooidc configure list` for what applies.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Region for the low-level commands. Default: AWS_REGION, AWS_DEFAULT_REGION, the
    /// profile's region. Logins and tokens use the sso-session's sso_region.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Send requests to this URL instead of the region's endpoint. Default:
    /// AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, the profile's services section, its
    /// endpoint_url.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<EndpointUrl>,
    /// Profile of ~/.aws/config (AWS_CONFIG_FILE) to use. Default: AWS_PROFILE,
    /// AWS_DEFAULT_PROFILE, default.
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// A PEM file of certificates to trust instead of the built-in roots. Default:
    /// AWS_CA_BUNDLE, the profile's ca_bundle.
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_bundle: Option<String>,
    /// Log every request and response to stderr, with every secret redacted.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Seconds to wait for a connection (0: no limit). Default 60.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub cli_connect_timeout: Option<u64>,
    /// Seconds a whole request may take (0: no limit). Default 60.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub cli_read_timeout: Option<u64>,
}

impl GlobalArgs {
    /// These options as they are typed, for a helper process of this one (`exec --server`).
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut option = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                args.push(format!("--{name}={value}"));
            }
        };
        option("region", self.region.clone());
        option(
            "endpoint-url",
            self.endpoint_url.as_ref().map(|u| u.0.clone()),
        );
        option("profile", self.profile.clone());
        option("ca-bundle", self.ca_bundle.clone());
        option(
            "cli-connect-timeout",
            self.cli_connect_timeout.map(|t| t.to_string()),
        );
        option(
            "cli-read-timeout",
            self.cli_read_timeout.map(|t| t.to_string()),
        );
        if self.debug {
            args.push("--debug".to_owned());
        }
        args
    }

    /// The explicit values these options give the settings resolver. A timeout of `0`, or of
    /// more than a year, is no limit.
    pub fn explicit(&self) -> ssooidc_ureq::Explicit {
        let mut explicit = ssooidc_ureq::Explicit::default();
        explicit.profile.clone_from(&self.profile);
        explicit.region.clone_from(&self.region);
        explicit.endpoint_url = self.endpoint_url.as_ref().map(|url| url.0.clone());
        explicit.ca_bundle.clone_from(&self.ca_bundle);
        explicit.connect_timeout = self.cli_connect_timeout.map(Duration::from_secs);
        explicit.read_timeout = self.cli_read_timeout.map(Duration::from_secs);
        explicit
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in (in a browser on this machine, or with a device code) and cache the token where
    /// the AWS CLI and SDKs find it.
    Login(LoginArgs),
    /// Run a complete login against a local emulator, in a temporary HOME (no AWS account needed).
    Demo(DemoArgs),
    /// Call RegisterClient and print the response as JSON.
    RegisterClient(RegisterClientArgs),
    /// Call StartDeviceAuthorization and print the response as JSON.
    StartDeviceAuthorization(StartDeviceAuthorizationArgs),
    /// Call CreateToken and print the response as JSON.
    CreateToken(CreateTokenArgs),
    /// Call CreateTokenWithIAM (signed with your AWS credentials) and print the response as JSON.
    CreateTokenWithIam(CreateTokenWithIamArgs),
    /// Print a valid access token of a session, refreshing it when it is due.
    Token(TokenArgs),
    /// Print AWS credentials for the profile's sso_account_id and sso_role_name, as a
    /// credential_process prints them; reuses the AWS CLI's cache (~/.aws/cli/cache).
    Credentials(CredentialsArgs),
    /// Run a command with the profile's AWS credentials in its environment (or, with
    /// --server, a local endpoint that keeps them fresh).
    Exec(ExecArgs),
    /// Serve the profile's credentials on 127.0.0.1 to the AWS SDKs, as a container
    /// credentials endpoint, until interrupted; prints the two variables that point to it.
    Serve(ServeArgs),
    /// Open the AWS console signed in with the profile's credentials (or print the sign-in
    /// URL), through the sign-in federation endpoint of its partition.
    Console(ConsoleArgs),
    /// List the AWS accounts the SSO session can reach.
    Accounts(AccountsArgs),
    /// List the roles the SSO session can take in an account.
    Roles(RolesArgs),
    /// Log out as `aws sso logout` does: end each cached session at the portal, delete the
    /// cached tokens and SSO role credentials (registrations are kept).
    Logout(LogoutArgs),
    /// List cached sessions and when their tokens expire.
    Sessions,
    /// The settings in effect (list), profiles set up for you (sso, populate), a profile's
    /// credentials as other tools take them (export-credentials).
    #[command(subcommand)]
    Configure(ConfigureCommand),
    /// Any OAuth 2.0 provider (Keycloak, Okta, Auth0, Entra ID, Google, GitHub...): log in with
    /// the device flow, print a cached token (refreshed when due), log out.
    #[command(subcommand)]
    Oauth(OauthCommand),
    /// Print a completion script for a shell (profile and sso-session names complete from the
    /// config file).
    Completion(CompletionArgs),
    /// The profile or sso-session names of the config file, for the completion scripts.
    #[command(name = "__names", hide = true)]
    Names(NamesArgs),
}

/// `completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells `completion` writes for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    /// bash (source the output).
    Bash,
    /// zsh (through bashcompinit).
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// `__names`.
#[derive(Debug, Args)]
pub struct NamesArgs {
    /// Which names.
    #[arg(value_enum)]
    pub kind: NamesKind,
}

/// What `__names` lists.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NamesKind {
    /// Profile names.
    Profiles,
    /// sso-session names.
    SsoSessions,
}

/// `oauth`.
#[derive(Debug, Subcommand)]
pub enum OauthCommand {
    /// Log in with the device flow (RFC 8628) and cache the tokens in
    /// $XDG_CACHE_HOME/ssooidc/oauth (~/.cache/ssooidc/oauth).
    Login(OauthLoginArgs),
    /// Print a valid access token from the cache, refreshed when fewer than --min-ttl seconds
    /// are left.
    Token(OauthTokenArgs),
    /// Delete the cached tokens of a login.
    Logout(OauthProviderArgs),
}

// Every secret of the command line (client secrets, device and authorization codes, refresh and
// subject tokens, assertions, PKCE verifiers) is parsed into a `Secret` (clap's parser for a
// `From<String>` type): `{:?}` of a parsed command shows `Secret(<redacted>)`, and the commands
// hand the same value to the request.

/// Which login an `oauth` command works on: the provider, the client, the scopes.
#[derive(Debug, Args, Clone)]
#[command(group(clap::ArgGroup::new("provider").required(true).args(["issuer", "token_endpoint"])))]
pub struct OauthProviderArgs {
    /// The provider's issuer; its endpoints are discovered from its metadata
    /// (/.well-known/openid-configuration, then /.well-known/oauth-authorization-server).
    #[arg(long, value_name = "URL", conflicts_with_all = ["device_authorization_endpoint", "token_endpoint"])]
    pub issuer: Option<String>,
    /// The device authorization endpoint, for a provider that publishes no metadata (with
    /// --token-endpoint, instead of --issuer).
    #[arg(long, value_name = "URL", requires = "token_endpoint")]
    pub device_authorization_endpoint: Option<String>,
    /// The token endpoint, for a provider that publishes no metadata (with
    /// --device-authorization-endpoint, instead of --issuer).
    #[arg(long, value_name = "URL", requires = "device_authorization_endpoint")]
    pub token_endpoint: Option<String>,
    /// The client id registered with the provider.
    #[arg(long, value_name = "ID")]
    pub client_id: String,
    /// A scope to ask for; repeatable.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
}

/// The client's credentials, for the commands that talk to the token endpoint.
#[derive(Debug, Args, Clone)]
pub struct OauthClientArgs {
    /// The client secret of a confidential client (also SSOOIDC_OAUTH_CLIENT_SECRET, which other
    /// users of the machine cannot see in the process list).
    #[arg(
        long,
        value_name = "SECRET",
        env = "SSOOIDC_OAUTH_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<Secret>,
    /// How the client authenticates. Default: none without a secret; with one,
    /// client_secret_basic, or client_secret_post when the provider's metadata lists only that.
    #[arg(long, value_enum, value_name = "METHOD")]
    pub auth_method: Option<AuthMethod>,
}

/// `--auth-method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMethod {
    /// A public client: only client_id is sent.
    None,
    /// client_id and client_secret in the form body.
    #[value(name = "client_secret_post")]
    ClientSecretPost,
    /// HTTP Basic authentication with the client id and secret.
    #[value(name = "client_secret_basic")]
    ClientSecretBasic,
}

/// `oauth login`.
#[derive(Debug, Args)]
pub struct OauthLoginArgs {
    /// The provider, client and scopes.
    #[command(flatten)]
    pub provider: OauthProviderArgs,
    /// The client's credentials.
    #[command(flatten)]
    pub client: OauthClientArgs,
    /// Do not open a browser; print the URL and the code.
    #[arg(long)]
    pub no_browser: bool,
    /// `text`: a line saying who logged in; `json`: the RFC 6749 token response members.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// `oauth token`.
#[derive(Debug, Args)]
pub struct OauthTokenArgs {
    /// The provider, client and scopes.
    #[command(flatten)]
    pub provider: OauthProviderArgs,
    /// The client's credentials (for a refresh).
    #[command(flatten)]
    pub client: OauthClientArgs,
    /// Refresh the token when fewer than this many seconds are left.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub min_ttl: u64,
    /// `text`: the access token alone; `json`: the RFC 6749 token response members
    /// (access_token, token_type, expires_in, scope, id_token).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// `configure`.
#[derive(Debug, Subcommand)]
pub enum ConfigureCommand {
    /// Each setting in effect (profile, credentials, region, endpoint, retries...), its value
    /// (secrets masked) and where it comes from, as `aws configure list` shows them.
    List,
    /// The AWS CLI's `configure sso` wizard: an sso-session, a login, an account and a role,
    /// written as a profile (--profile names it). Every question has a flag; with no terminal
    /// the flags and defaults are all there is.
    Sso(ConfigureSsoArgs),
    /// A profile for every account and role an sso-session reaches, kept up to date; hand-written
    /// profiles are never changed.
    Populate(PopulateArgs),
    /// Print the profile's credentials (its SSO role's, its credential_process's or static
    /// keys) as `aws configure export-credentials` prints them.
    ExportCredentials(ExportCredentialsArgs),
}

/// `configure sso`. The profile's region is `--region`.
#[derive(Debug, Args)]
pub struct ConfigureSsoArgs {
    /// The [sso-session NAME] to use or create.
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// A new session's access-portal URL.
    #[arg(long, value_name = "URL")]
    pub start_url: Option<String>,
    /// A new session's IAM Identity Center region.
    #[arg(long, value_name = "REGION")]
    pub sso_region: Option<String>,
    /// A new session's registration scopes, comma-separated (default sso:account:access).
    #[arg(long, value_name = "SCOPES")]
    pub registration_scopes: Option<String>,
    /// The account (asked when there are several and no flag).
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// The role (asked when there are several and no flag).
    #[arg(long, value_name = "ROLE")]
    pub role_name: Option<String>,
    /// The profile's default output format: json, text, table, yaml or yaml-stream.
    #[arg(long, value_name = "FORMAT")]
    pub output: Option<String>,
    /// The login, as for `login`.
    #[command(flatten)]
    pub login: LoginFlowArgs,
}

/// How to log in (`login`, `configure sso`).
#[derive(Debug, Args)]
pub struct LoginFlowArgs {
    /// Use the device-code flow (a code to confirm in a browser on any device) instead of the
    /// browser login an sso-session uses by default (authorization code with PKCE: the browser
    /// must run on this machine). Legacy profiles always use the device-code flow. Chosen by
    /// itself, with a note, where the browser login cannot work: over SSH with no display, or
    /// with no display and no BROWSER.
    #[arg(long, conflicts_with = "use_browser_login")]
    pub use_device_code: bool,
    /// Use the browser login even where the device login would be chosen by itself.
    #[arg(long)]
    pub use_browser_login: bool,
    /// Do not open a browser; print the URL (and the code). The flow stays the same: the
    /// browser login still needs a browser on this machine.
    #[arg(long)]
    pub no_browser: bool,
}

/// `configure populate`. The profiles' region is `--region`.
#[derive(Debug, Args)]
pub struct PopulateArgs {
    /// The [sso-session NAME] whose accounts and roles get profiles (logged in).
    #[arg(long, value_name = "NAME")]
    pub sso_session: String,
    /// How profiles are named: {account_id}, {account_name}, {role_name}, {session}; names
    /// are made valid (letters, digits, -_.+@=,) and unique (-2, -3...).
    #[arg(long, value_name = "TEMPLATE", default_value = ssooidc_core::populate::DEFAULT_TEMPLATE)]
    pub profile_name_template: String,
    /// Remove the profiles this command made earlier (marked `ssooidc_populated = true`) whose
    /// account and role the session no longer reaches.
    #[arg(long)]
    pub prune: bool,
    /// Print the changes as a diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `configure export-credentials`.
#[derive(Debug, Args)]
pub struct ExportCredentialsArgs {
    /// `process` (the credential_process JSON), `env` (export lines), `env-no-export`,
    /// `powershell`, `windows-cmd` or `fish`.
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "process",
        value_parser = clap::builder::PossibleValuesParser::new(
            ssooidc_core::settings::ExportFormat::ALL.map(|f| f.name())
        )
    )]
    pub format: String,
}

/// `register-client`.
#[derive(Debug, Args)]
pub struct RegisterClientArgs {
    /// Free text naming the client.
    #[arg(long, value_name = "NAME")]
    pub client_name: String,
    /// Only `public` is accepted by the service.
    #[arg(long, value_name = "TYPE")]
    pub client_type: String,
    /// Scopes the client's tokens may carry.
    #[arg(long, num_args = 1.., value_name = "SCOPE")]
    pub scopes: Option<Vec<String>>,
    /// Redirect URIs (authorization-code grant).
    #[arg(long, num_args = 1.., value_name = "URI")]
    pub redirect_uris: Option<Vec<String>>,
    /// Grant types the client will use.
    #[arg(long, num_args = 1.., value_name = "GRANT")]
    pub grant_types: Option<Vec<String>>,
    /// Identity Center issuer URL.
    #[arg(long, value_name = "URL")]
    pub issuer_url: Option<String>,
    /// Identity Center application ARN.
    #[arg(long, value_name = "ARN")]
    pub entitled_application_arn: Option<String>,
}

/// `start-device-authorization`.
#[derive(Debug, Args)]
pub struct StartDeviceAuthorizationArgs {
    /// From register-client.
    #[arg(long, allow_hyphen_values = true, value_name = "ID")]
    pub client_id: String,
    /// From register-client.
    #[arg(long, allow_hyphen_values = true, value_name = "SECRET")]
    pub client_secret: Secret,
    /// The AWS access portal URL.
    #[arg(long, value_name = "URL")]
    pub start_url: String,
}

/// `create-token`.
#[derive(Debug, Args)]
pub struct CreateTokenArgs {
    /// From register-client.
    #[arg(long, allow_hyphen_values = true, value_name = "ID")]
    pub client_id: String,
    /// From register-client.
    #[arg(long, allow_hyphen_values = true, value_name = "SECRET")]
    pub client_secret: Secret,
    /// urn:ietf:params:oauth:grant-type:device_code, authorization_code or refresh_token.
    #[arg(long, value_name = "GRANT")]
    pub grant_type: String,
    /// Device-code grant: the device code.
    #[arg(long, allow_hyphen_values = true, value_name = "CODE")]
    pub device_code: Option<Secret>,
    /// Authorization-code grant: the code.
    #[arg(long, allow_hyphen_values = true, value_name = "CODE")]
    pub code: Option<Secret>,
    /// Refresh grant: the refresh token.
    #[arg(long, allow_hyphen_values = true, value_name = "TOKEN")]
    pub refresh_token: Option<Secret>,
    /// Scopes (documented by AWS as having no effect).
    #[arg(long, num_args = 1.., value_name = "SCOPE")]
    pub scope: Option<Vec<String>>,
    /// Authorization-code grant: the redirect URI.
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// Authorization-code grant: the PKCE verifier.
    #[arg(long, allow_hyphen_values = true, value_name = "VERIFIER")]
    pub code_verifier: Option<Secret>,
}

/// `create-token-with-iam`.
#[derive(Debug, Args)]
pub struct CreateTokenWithIamArgs {
    /// The application ARN.
    #[arg(long, allow_hyphen_values = true, value_name = "ARN")]
    pub client_id: String,
    /// authorization_code, refresh_token, urn:ietf:params:oauth:grant-type:jwt-bearer or
    /// urn:ietf:params:oauth:grant-type:token-exchange.
    #[arg(long, value_name = "GRANT")]
    pub grant_type: String,
    /// Authorization-code grant: the code.
    #[arg(long, allow_hyphen_values = true, value_name = "CODE")]
    pub code: Option<Secret>,
    /// Refresh grant: the refresh token.
    #[arg(long, allow_hyphen_values = true, value_name = "TOKEN")]
    pub refresh_token: Option<Secret>,
    /// JWT-bearer grant: the JWT.
    #[arg(long, allow_hyphen_values = true, value_name = "JWT")]
    pub assertion: Option<Secret>,
    /// Down-scoping.
    #[arg(long, num_args = 1.., value_name = "SCOPE")]
    pub scope: Option<Vec<String>>,
    /// Authorization-code grant: the redirect URI.
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// Token-exchange grant: the subject token.
    #[arg(long, allow_hyphen_values = true, value_name = "TOKEN")]
    pub subject_token: Option<Secret>,
    /// Token-exchange grant: the subject token's type URI.
    #[arg(long, value_name = "URI")]
    pub subject_token_type: Option<String>,
    /// Token-exchange grant: the wanted token type URI.
    #[arg(long, value_name = "URI")]
    pub requested_token_type: Option<String>,
    /// Authorization-code grant: the PKCE verifier.
    #[arg(long, allow_hyphen_values = true, value_name = "VERIFIER")]
    pub code_verifier: Option<Secret>,
}

/// Which session a command works on.
#[derive(Debug, Args, Clone, Default)]
pub struct SessionArgs {
    /// An [sso-session NAME] section of the config file (instead of --profile).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
}

/// `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The session (or `--profile`, or `--start-url` with `--region`).
    #[command(flatten)]
    pub session: SessionArgs,
    /// Log in to this access-portal URL without a config file (needs --region).
    #[arg(long, value_name = "URL", conflicts_with = "sso_session")]
    pub start_url: Option<String>,
    /// Which login, and whether a browser is opened.
    #[command(flatten)]
    pub flow: LoginFlowArgs,
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Use this HOME instead of a new temporary directory (a `[sso-session ssooidc-demo]`
    /// section is added to its .aws/config).
    #[arg(long, value_name = "DIR")]
    pub home: Option<std::path::PathBuf>,
    /// Seconds after which the emulator approves the login by itself (the browser login: after
    /// which the demo opens the URL itself when no browser can be opened).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub approve_after: u64,
    /// Do not open a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Show the device-code login instead of the browser login.
    #[arg(long)]
    pub use_device_code: bool,
}

/// `token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The session.
    #[command(flatten)]
    pub session: SessionArgs,
    /// Logging in when the session cannot be refreshed.
    #[command(flatten)]
    pub auto_login: AutoLoginArgs,
    /// `text`: the token alone; `json`: {"accessToken": ..., "expiresAt": ...}.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// `--login`, for the commands that need a usable SSO session.
#[derive(Debug, Args, Clone, Default)]
pub struct AutoLoginArgs {
    /// When the SSO session cannot be refreshed, log in and go on (also the profile's
    /// `sso_auto_login = true`). However many processes need it at once, one logs in and the
    /// others wait for it (and fail with it).
    #[arg(long)]
    pub login: bool,
    /// The login --login starts uses the device-code flow (a code to confirm in a browser on
    /// any device) instead of the browser login.
    #[arg(long)]
    pub use_device_code: bool,
}

/// `logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Only this sso-session: its token, and the cached credentials of the profiles using it
    /// (default: every cached token and every SSO entry of ~/.aws/cli/cache).
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
}

/// `credentials`.
#[derive(Debug, Args)]
pub struct CredentialsArgs {
    /// The session (or `--profile`).
    #[command(flatten)]
    pub session: SessionArgs,
    /// Logging in when the session cannot be refreshed.
    #[command(flatten)]
    pub auto_login: AutoLoginArgs,
    /// The account (default: the profile's sso_account_id).
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// The role (default: the profile's sso_role_name).
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// Print `export AWS_ACCESS_KEY_ID=...` lines for a shell (`eval "$(ssooidc credentials
    /// --export)"`) instead of JSON.
    #[arg(long, conflicts_with = "output")]
    pub export: bool,
    /// `json`: the credential_process JSON; `env`: KEY=value lines, as in a .env file.
    #[arg(long, value_enum, default_value_t = CredentialsFormat::Json)]
    pub output: CredentialsFormat,
}

/// Output formats of `credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CredentialsFormat {
    /// The credential_process JSON (Version, AccessKeyId, SecretAccessKey, SessionToken,
    /// Expiration).
    #[value(alias = "process")]
    Json,
    /// KEY=value lines.
    Env,
}

/// `exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Give the command a local credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI and
    /// AWS_CONTAINER_AUTHORIZATION_TOKEN) instead of the keys: the SDKs ask it for fresh
    /// credentials whenever theirs come close to expiry, for as long as the SSO session lasts.
    #[arg(long)]
    pub server: bool,
    /// Run even inside another `ssooidc exec` (SSOOIDC_PROFILE is set), replacing its
    /// credentials.
    #[arg(long)]
    pub allow_nested: bool,
    /// Logging in when the session cannot be refreshed.
    #[command(flatten)]
    pub auto_login: AutoLoginArgs,
    /// The command and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND",
        value_parser = clap::value_parser!(std::ffi::OsString)
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 (default: a free one).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,
    /// Logging in when the session cannot be refreshed (at the start, or when the session
    /// ends while serving).
    #[command(flatten)]
    pub auto_login: AutoLoginArgs,
    /// `exec --server`'s helper: serve until the process with this id is no longer this
    /// one's parent.
    #[arg(long, hide = true, value_name = "PID")]
    pub until_parent_exits: Option<u32>,
}

/// `console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Where the browser goes once signed in (an https URL). Default: the console's home in
    /// the profile's region.
    #[arg(long, value_name = "URL", conflicts_with = "service")]
    pub destination: Option<String>,
    /// Go to this service's console (s3, ec2, cloudwatch, ...) in the profile's region.
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Print the sign-in URL instead of opening a browser (it signs in whoever opens it within
    /// 15 minutes).
    #[arg(long)]
    pub print: bool,
}

/// `accounts`.
#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// The session (or `--profile`).
    #[command(flatten)]
    pub session: SessionArgs,
    /// `table` or `json` ({"accountList": [...]}, as `aws sso list-accounts`).
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

/// `roles`.
#[derive(Debug, Args)]
pub struct RolesArgs {
    /// The session (or `--profile`).
    #[command(flatten)]
    pub session: SessionArgs,
    /// The account whose roles to list.
    #[arg(long, value_name = "ID")]
    pub account_id: String,
    /// `table` or `json` ({"roleList": [...]}, as `aws sso list-account-roles`).
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

/// Output formats of the lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// JSON.
    Json,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Plain text.
    Text,
    /// JSON.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every secret the command line takes, each with a value of its own.
    const SECRETS: [&str; 8] = [
        "client-secret-value-0",
        "device-code-value-1",
        "auth-code-value-2",
        "refresh-token-value-3",
        "code-verifier-value-4",
        "assertion-jwt-value-5",
        "subject-token-value-6",
        "oauth-client-secret-value-7",
    ];

    fn parsed(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("ssooidc").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn assert_redacted(cli: &Cli) {
        let debug = format!("{cli:?} {cli:#?}");
        for secret in SECRETS {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn debug_of_the_command_line_shows_no_secret() {
        let [secret, device_code, code, refresh, verifier, assertion, subject, oauth] = SECRETS;
        let lines: [Vec<&str>; 6] = [
            vec![
                "start-device-authorization",
                "--client-id",
                "cid",
                "--client-secret",
                secret,
                "--start-url",
                "https://x.awsapps.com/start",
            ],
            vec![
                "create-token",
                "--client-id",
                "cid",
                "--client-secret",
                secret,
                "--grant-type",
                "refresh_token",
                "--device-code",
                device_code,
                "--code",
                code,
                "--refresh-token",
                refresh,
                "--code-verifier",
                verifier,
            ],
            vec![
                "create-token-with-iam",
                "--client-id",
                "arn:aws:sso::123456789012:application/x",
                "--grant-type",
                "authorization_code",
                "--code",
                code,
                "--refresh-token",
                refresh,
                "--assertion",
                assertion,
                "--subject-token",
                subject,
                "--code-verifier",
                verifier,
            ],
            vec![
                "oauth",
                "login",
                "--issuer",
                "https://id.example.com",
                "--client-id",
                "cid",
                "--client-secret",
                oauth,
            ],
            vec![
                "oauth",
                "token",
                "--issuer",
                "https://id.example.com",
                "--client-id",
                "cid",
                "--client-secret",
                oauth,
            ],
            vec![
                "oauth",
                "logout",
                "--issuer",
                "https://id.example.com",
                "--client-id",
                "cid",
            ],
        ];
        for line in &lines {
            assert_redacted(&parsed(line));
        }
    }

    /// `--endpoint-url` may carry a password (`https://user:pass@host`): `{:?}` shows the URL
    /// with the password redacted; the settings get the URL as typed.
    #[test]
    fn debug_of_an_endpoint_url_hides_its_password() {
        for (url, shown) in [
            (
                "https://someone:endpoint-password-value@oidc.example.com/x?y=1",
                "https://someone:<redacted>@oidc.example.com/x?y=1",
            ),
            (
                "https://someone:endpoint-password-value@127.0.0.1:8443",
                "https://someone:<redacted>@127.0.0.1:8443",
            ),
            (
                "http://:endpoint-password-value@localhost/p@th",
                "http://:<redacted>@localhost/p@th",
            ),
        ] {
            let cli = parsed(&["--endpoint-url", url, "token"]);
            let debug = format!("{cli:?} {cli:#?}");
            assert!(!debug.contains("endpoint-password-value"), "{debug}");
            assert!(debug.contains(shown), "{debug}");
            assert_eq!(cli.global.explicit().endpoint_url.as_deref(), Some(url));
        }
        let plain = parsed(&["--endpoint-url", "https://oidc.example.com/a@b", "token"]);
        assert!(format!("{plain:?}").contains("https://oidc.example.com/a@b"));
    }

    /// The commands still get the values as they were typed.
    #[test]
    fn secrets_keep_their_values() {
        let Command::CreateToken(args) = parsed(&[
            "create-token",
            "--client-id",
            "cid",
            "--client-secret",
            "-starts-with-a-hyphen",
            "--grant-type",
            "refresh_token",
            "--refresh-token",
            "rt",
        ])
        .command
        else {
            panic!("create-token")
        };
        assert_eq!(args.client_secret.expose(), "-starts-with-a-hyphen");
        assert_eq!(args.refresh_token.as_ref().map(Secret::expose), Some("rt"));
        assert!(args.device_code.is_none());
    }
}
