//! `ssooidc-emulator`: runs the AWS SSO OIDC emulator until Ctrl-C. See `--help`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use ssooidc_emulator::{
    parse_duration, Approval, Config, Emulator, FaultRule, OAuthClientConfig, OAuthMode,
    OAuthQuirks, PortalAccount, RefreshTokenPolicy, NINETY_DAYS,
};

/// A local emulator of the AWS SSO OIDC service (IAM Identity Center OIDC) and of the SSO portal
/// for the tokens it issues.
///
/// Prints its base URL on the first line of stdout, then serves until Ctrl-C. Point a client at
/// it with AWS_ENDPOINT_URL_SSO_OIDC=<base URL> (or --endpoint-url), and the portal's
/// (GetRoleCredentials, ListAccounts, ListAccountRoles, Logout) with AWS_ENDPOINT_URL_SSO=<base
/// URL>. The role credentials it issues also work on its sign-in federation endpoint
/// (AWS_ENDPOINT_URL_SIGNIN) and STS GetCallerIdentity, signature verified
/// (AWS_ENDPOINT_URL_STS). People approve device codes at <base URL>/device.
///
/// All lifetimes and intervals are protocol seconds (the numbers on the wire); --second sets how
/// long one of them really lasts.
#[derive(Debug, Parser)]
#[command(name = "ssooidc-emulator", version, after_help = FAULT_HELP)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,

    /// Port to bind; 0 picks a free one.
    #[arg(long, short, default_value_t = 0)]
    port: u16,

    /// Region embedded in client ids.
    #[arg(long, default_value = "us-east-1")]
    region: String,

    /// `interval` of StartDeviceAuthorization: seconds a client must wait between polls.
    #[arg(long, value_name = "SECS", default_value_t = 1)]
    interval: u32,

    /// `expiresIn` of StartDeviceAuthorization: lifetime of device, user and authorization codes.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    expires_in: u32,

    /// Seconds added to a device code's required interval with each slow_down.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    slow_down_increment: u32,

    /// Real length of one protocol second (time scale), e.g. 1s, 10ms; 0 stops time (nothing
    /// expires, no slow_down from timing).
    #[arg(long, alias = "time-scale", value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    second: Duration,

    /// `expiresIn` of access tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    token_lifetime: u32,

    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = NINETY_DAYS)]
    refresh_token_lifetime: u32,

    /// Lifetime of client registrations (clientSecretExpiresAt - clientIdIssuedAt), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = NINETY_DAYS)]
    registration_lifetime: u32,

    /// When CreateToken returns a refresh token.
    #[arg(long, value_enum, default_value_t = RefreshPolicy::WhenScoped)]
    refresh_tokens: RefreshPolicy,

    /// Keep refresh tokens valid after use (no rotation; refreshes then return no new one).
    #[arg(long)]
    no_rotate_refresh_tokens: bool,

    /// Approve each device code automatically after answering N polls with
    /// authorization_pending (0: at the first poll); /authorize redirects with a code at once.
    #[arg(long, value_name = "N", group = "decision")]
    approve_after_polls: Option<u32>,

    /// Approve each device code automatically this long (real time) after it was issued, e.g.
    /// 3s; /authorize redirects with a code at once.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, group = "decision")]
    approve_after: Option<Duration>,

    /// Deny every device code at its first poll, and every /authorize request.
    #[arg(long, group = "decision")]
    deny: bool,

    /// Deny each device code after answering N polls with authorization_pending.
    #[arg(long, value_name = "N", group = "decision")]
    deny_after_polls: Option<u32>,

    /// Send errors without the x-amzn-ErrorType header (clients must fall back to the body's
    /// OAuth `error` member).
    #[arg(long)]
    no_error_type_header: bool,

    /// Inject a fault; repeatable. Syntax below.
    #[arg(long, value_name = "RULE", value_parser = parse_rule)]
    fault: Vec<FaultRule>,

    /// Largest accepted request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
    max_body_bytes: usize,

    /// Base URL to use in verificationUri (default: http:// + the request's Host header).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,

    /// An account of the SSO portal, ID[:NAME]=ROLE[,ROLE...]; repeatable. Default:
    /// 111122223333:Development=ReadOnly,AdministratorAccess and 444455556666:Production=ReadOnly.
    #[arg(long = "account", value_name = "ACCOUNT")]
    accounts: Vec<PortalAccount>,

    /// Lifetime of the portal's role credentials, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    role_credentials_lifetime: u32,

    /// Accounts or roles per page of the portal's lists.
    #[arg(long, value_name = "N", default_value_t = 20)]
    page_size: u32,

    /// Do not log requests to stderr.
    #[arg(long, short)]
    quiet: bool,

    /// Serve the standard OAuth 2.0 mode too: discovery at /.well-known/openid-configuration,
    /// form-encoded /oauth2/device_authorization and /oauth2/token, for the --oauth-client
    /// clients (default: the public client emulator-cli).
    #[arg(long)]
    oauth: bool,

    /// A client of the standard mode: ID (public), ID:SECRET (client_secret_basic) or
    /// ID:SECRET:METHOD (none, client_secret_post, client_secret_basic); repeatable. Implies
    /// --oauth.
    #[arg(long, value_name = "CLIENT", value_parser = OAuthClientConfig::parse)]
    oauth_client: Vec<OAuthClientConfig>,

    /// A provider deviation the standard mode shows; repeatable: verification-url,
    /// slow-down-interval, error-status-200, error-status-401, error-status-403,
    /// error-status-428, lifetimes-as-strings, form-encoded, no-interval,
    /// no-verification-uri-complete. Implies --oauth.
    #[arg(long, value_name = "QUIRK", value_parser = parse_quirk)]
    oauth_quirk: Vec<String>,

    /// The issuer the standard mode's metadata claims (default: the base URL). Implies --oauth.
    #[arg(long, value_name = "URL")]
    oauth_issuer: Option<String>,
}

fn parse_quirk(s: &str) -> Result<String, String> {
    OAuthQuirks::default().set(s).map(|()| s.to_owned())
}

const FAULT_HELP: &str = "\
Fault rules (--fault), syntax TARGET[#N[+]]=ACTION:
  TARGET  RegisterClient | StartDeviceAuthorization | CreateToken | CreateTokenWithIAM |
          Authorize | Device | GetRoleCredentials | ListAccounts | ListAccountRoles | Logout |
          Discovery | GetSigninToken | FederationLogin | GetCallerIdentity | VerifySession | *
          (case-insensitive;
          the standard mode's device and token endpoints count as StartDeviceAuthorization and
          CreateToken)
  #N      only the N-th request to TARGET (1-based); #N+ the N-th and all later; none: every
  ACTION  an error shape name (SlowDownException, AuthorizationPendingException,
          InternalServerException, ...): that error, encoded as the service does
          a status code such as 503: that status with an empty body
          delay:DURATION (e.g. delay:500ms): wait, then answer normally
          hang: never answer (until the emulator stops)
          drop: process, send the headers and half the body, then cut the connection
          close: close the connection without answering or processing
Examples:
  --fault 'CreateToken#3=SlowDownException'   --fault 'RegisterClient#1=hang'
  --fault 'StartDeviceAuthorization=503'      --fault 'CreateToken#2=drop'
  --fault 'CreateToken#1=delay:500ms'         --fault '*#5+=close'";

fn parse_rule(s: &str) -> Result<FaultRule, String> {
    s.parse()
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RefreshPolicy {
    /// Only to clients that registered scopes (as the real service appears to).
    WhenScoped,
    /// Always.
    Always,
    /// Never.
    Never,
}

fn config(args: Args) -> Config {
    let mut c = Config::default();
    c.host = args.host;
    c.port = args.port;
    c.region = args.region;
    c.interval = args.interval;
    c.expires_in = args.expires_in;
    c.slow_down_increment = args.slow_down_increment;
    c.second = args.second;
    c.access_token_lifetime = args.token_lifetime;
    c.refresh_token_lifetime = args.refresh_token_lifetime;
    c.registration_lifetime = args.registration_lifetime;
    c.refresh_tokens = match args.refresh_tokens {
        RefreshPolicy::WhenScoped => RefreshTokenPolicy::WhenScoped,
        RefreshPolicy::Always => RefreshTokenPolicy::Always,
        RefreshPolicy::Never => RefreshTokenPolicy::Never,
    };
    c.rotate_refresh_tokens = !args.no_rotate_refresh_tokens;
    c.approval = if let Some(n) = args.approve_after_polls {
        Approval::ApproveAfterPolls(n)
    } else if let Some(d) = args.approve_after {
        Approval::ApproveAfterDelay(d)
    } else if args.deny {
        Approval::DenyAfterPolls(0)
    } else if let Some(n) = args.deny_after_polls {
        Approval::DenyAfterPolls(n)
    } else {
        Approval::Manual
    };
    c.error_type_header = !args.no_error_type_header;
    c.faults = args.fault;
    c.max_body_bytes = args.max_body_bytes;
    c.public_url = args.public_url;
    c.log_requests = !args.quiet;
    if !args.accounts.is_empty() {
        c.accounts = args.accounts;
    }
    c.role_credentials_lifetime = args.role_credentials_lifetime;
    c = c.page_size(args.page_size);
    if args.oauth
        || !args.oauth_client.is_empty()
        || !args.oauth_quirk.is_empty()
        || args.oauth_issuer.is_some()
    {
        let mut mode = if args.oauth_client.is_empty() {
            OAuthMode::default()
        } else {
            OAuthMode::with_clients(args.oauth_client)
        };
        let mut quirks = OAuthQuirks::default();
        for quirk in &args.oauth_quirk {
            // Checked by the argument parser.
            let _ = quirks.set(quirk);
        }
        mode = mode.quirks(quirks);
        if let Some(issuer) = args.oauth_issuer {
            mode = mode.issuer(issuer);
        }
        c.oauth = Some(mode);
    }
    c
}

fn main() -> ExitCode {
    let args = Args::parse();
    let emulator = match Emulator::start(config(args)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ssooidc-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ssooidc-emulator: cannot wait for Ctrl-C: {e}");
            return ExitCode::FAILURE;
        }
    };
    let waited = runtime.block_on(async {
        let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
        // Poll once so the handler is installed before anyone learns the URL and could signal.
        tokio::select! {
            biased;
            r = &mut ctrl_c => return r,
            () = std::future::ready(()) => {}
        }
        println!("{}", emulator.base_url());
        eprintln!(
            "ssooidc-emulator: listening. Point a client at it with\n  \
             export AWS_ENDPOINT_URL_SSO_OIDC={0} AWS_ENDPOINT_URL_SSO={0}\n\
             Verification page: {0}/device   Stop with Ctrl-C.",
            emulator.base_url()
        );
        ctrl_c.await
    });
    if let Err(e) = waited {
        eprintln!("ssooidc-emulator: cannot wait for Ctrl-C ({e}); stopping");
    }
    emulator.stop();
    eprintln!("ssooidc-emulator: stopped");
    ExitCode::SUCCESS
}
