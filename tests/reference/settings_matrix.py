#!/usr/bin/env python3
"""Settings-resolution matrix: the expected answers come from botocore itself.

For every case in CASES below, a fresh Python subprocess (the reference venv's
interpreter, see setup.sh) gets a clean environment -- PATH, a temporary HOME
holding the case's files, and the case's own variables, nothing else -- builds a
botocore session configured the way the AWS CLI v2 configures its own vendored
botocore, and records what botocore resolves: profile, region, retry settings,
the endpoint of a real (intercepted) RegisterClient request, the credentials and
the SigV4 scope of a real (intercepted) CreateTokenWithIAM request. No request
leaves the process: a `before-send` handler answers every request, and sockets
are disabled in the child.

    bash tests/reference/setup.sh
    target/reference-venv/bin/python tests/reference/settings_matrix.py          # (re)write the fixture
    python3 tests/reference/settings_matrix.py --check                           # compare, exit 1 on a diff

The output is core/tests/fixtures/settings/matrix.json. README.md next to this
file explains the fixture and every place where the generator makes PyPI
botocore behave like the AWS CLI v2.
"""

import concurrent.futures
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

BOTOCORE_VERSION = "1.44.8"
GENERATOR = "tests/reference/settings_matrix.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(REPO_ROOT, "core", "tests", "fixtures", "settings", "matrix.json")

# ---------------------------------------------------------------------------
# Building blocks for the case table
# ---------------------------------------------------------------------------

CONFIG = "~/.aws/config"
CREDENTIALS = "~/.aws/credentials"


def keys(section, akid, token=None):
    """A credentials-file / config-file section body with static keys."""
    text = f"[{section}]\naws_access_key_id = {akid}\naws_secret_access_key = SECRET{akid}\n"
    if token:
        text += f"aws_session_token = {token}\n"
    return text


# A credentials file with keys for the profiles most cases use, so that the
# signed request can be made and its credential scope recorded.
BASE_CREDENTIALS = keys("default", "AKIDDEFAULT") + keys("dev", "AKIDDEV") + keys("prod", "AKIDPROD")
ENV_KEYS = {"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "SECRETENV"}


def process_script(body):
    """A credential_process helper: a shell script that prints `body`."""
    return "#!/bin/sh\ncat <<'EOF'\n" + body + "\nEOF\n"


def process_config(script="creds.sh", section="default", extra=""):
    return f"[{section}]\nregion = us-east-1\ncredential_process = {{HOME}}/bin/{script}\n{extra}"


CASES = []


def case(name, about, files=None, env=None, args=None, home=True):
    full_args = {"profile": None, "region": None, "endpoint_url": None}
    full_args.update(args or {})
    CASES.append({
        "name": name,
        "about": about,
        "files": dict(files or {}),
        "env": dict(env or {}),
        "home": home,
        "args": full_args,
    })


# ---------------------------------------------------------------------------
# The cases. `files` keys are paths under the temporary HOME; `{HOME}` inside
# file contents or env values is replaced by that directory. args are the AWS
# CLI v2 global options --profile, --region and --endpoint-url.
# ---------------------------------------------------------------------------

# --- Region ----------------------------------------------------------------
case("region-arg", "--region is used even though the profile has a region.",
     files={CONFIG: "[default]\nregion = us-east-1\n", CREDENTIALS: BASE_CREDENTIALS},
     args={"region": "eu-central-1"})
case("region-aws-region-env-only", "AWS_REGION alone sets the region (AWS CLI v2 reads it).",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "ap-southeast-2"})
case("region-aws-default-region-env-only", "AWS_DEFAULT_REGION alone sets the region.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_DEFAULT_REGION": "ca-central-1"})
case("region-both-env-aws-region-wins", "With AWS_REGION and AWS_DEFAULT_REGION both set, AWS_REGION wins.",
     files={CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "us-west-1"})
case("region-profile-config", "The selected profile's `region` is used when nothing else sets one.",
     files={CONFIG: "[default]\nregion = eu-north-1\n", CREDENTIALS: BASE_CREDENTIALS})
case("region-default-region-env-beats-profile", "AWS_DEFAULT_REGION beats the profile's region.",
     files={CONFIG: "[default]\nregion = eu-north-1\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_DEFAULT_REGION": "us-west-2"})
case("region-aws-region-env-beats-profile", "AWS_REGION beats the profile's region.",
     files={CONFIG: "[default]\nregion = eu-north-1\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_REGION": "ap-south-1"})
case("region-arg-beats-env", "--region beats AWS_REGION and AWS_DEFAULT_REGION.",
     files={CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-1"}, args={"region": "sa-east-1"})
case("region-none", "No region anywhere: client creation fails.",
     files={CREDENTIALS: BASE_CREDENTIALS})
case("region-default-profile-when-none-selected", "With no profile selected, [default]'s region is used, not another profile's.",
     files={CONFIG: "[default]\nregion = us-east-2\n\n[profile dev]\nregion = eu-west-1\n", CREDENTIALS: BASE_CREDENTIALS})
case("region-named-profile-no-default-fallback", "A named profile without a region does not inherit [default]'s region.",
     files={CONFIG: "[default]\nregion = us-east-2\n\n[profile dev]\noutput = json\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_PROFILE": "dev"})
case("region-empty-aws-region-env", "AWS_REGION set to the empty string still counts as set and hides AWS_DEFAULT_REGION and the profile.",
     files={CONFIG: "[default]\nregion = eu-north-1\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-west-2"})
case("region-in-credentials-file", "The credentials file's sections are merged into the profiles, so `region` there counts and beats the config file.",
     files={CONFIG: "[default]\nregion = us-east-1\n", CREDENTIALS: keys("default", "AKIDFILE") + "region = eu-south-1\n"})
case("region-invalid-name", "A region that is not a valid host label is rejected when the client is created.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "us_east_1"})
case("region-inline-comment-is-part-of-value", "An inline `# comment` after a value is not stripped, so the region is invalid.",
     files={CONFIG: "[default]\nregion = us-east-1 # N. Virginia\n", CREDENTIALS: BASE_CREDENTIALS})
case("region-from-sso-session-is-not-used", "`sso_region` in the profile is not the client region.",
     files={CONFIG: "[default]\nsso_region = eu-west-1\n", CREDENTIALS: BASE_CREDENTIALS})

# --- Profile selection -----------------------------------------------------
PROFILES_CONFIG = ("[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n\n"
                   "[profile prod]\nregion = ap-northeast-1\n")
case("profile-arg", "--profile selects the profile.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, args={"profile": "dev"})
case("profile-aws-profile-env", "AWS_PROFILE selects the profile.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_PROFILE": "dev"})
case("profile-aws-default-profile-env", "AWS_DEFAULT_PROFILE selects the profile.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_DEFAULT_PROFILE": "prod"})
case("profile-both-env-aws-profile-wins", "With AWS_PROFILE and AWS_DEFAULT_PROFILE both set, AWS_PROFILE wins (AWS CLI v2 order).",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "prod"})
case("profile-arg-beats-env", "--profile beats AWS_PROFILE and AWS_DEFAULT_PROFILE.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "dev"}, args={"profile": "prod"})
case("profile-arg-missing", "--profile naming a profile that exists in neither file is an error.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, args={"profile": "nope"})
case("profile-env-missing", "AWS_PROFILE naming a missing profile is an error too.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_PROFILE": "nope"})
case("profile-default-both-forms", "[default] and [profile default] both present: which section's values are used.",
     files={CONFIG: "[default]\nregion = us-east-1\n\n[profile default]\nregion = eu-west-1\n",
            CREDENTIALS: BASE_CREDENTIALS})
case("profile-default-both-forms-reversed", "[profile default] written before [default]: order does not matter.",
     files={CONFIG: "[profile default]\nregion = eu-west-1\n\n[default]\nregion = us-east-1\n",
            CREDENTIALS: BASE_CREDENTIALS})
case("profile-default-both-forms-not-merged", "The later of [default] / [profile default] replaces the earlier one whole; keys are not merged.",
     files={CONFIG: "[default]\nregion = us-east-1\n\n[profile default]\noutput = json\n",
            CREDENTIALS: BASE_CREDENTIALS})
case("profile-env-empty", "AWS_PROFILE set to the empty string.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_PROFILE": ""})
case("profile-no-config-file", "No config file at all: env credentials and region still work, no profile selected.",
     env=dict(ENV_KEYS, AWS_REGION="us-east-1"))
case("profile-explicit-default-without-files", "AWS_PROFILE=default with no files: `default` is missing, which is an error.",
     env=dict(ENV_KEYS, AWS_REGION="us-east-1", AWS_PROFILE="default"))
case("profile-only-in-credentials-file", "A profile that exists only in the credentials file can be selected.",
     files={CREDENTIALS: keys("ci", "AKIDCI")}, env={"AWS_PROFILE": "ci", "AWS_REGION": "us-east-1"})
case("profile-prefix-in-credentials-file", "`[profile dev]` in the credentials file is a profile literally named `profile dev`.",
     files={CREDENTIALS: keys("profile dev", "AKIDPREFIXED"), CONFIG: "[profile dev]\nregion = eu-west-1\n"},
     env={"AWS_PROFILE": "dev"})
case("profile-section-extra-spaces", "Extra spaces inside `[profile   dev  ]` are ignored.",
     files={CONFIG: "[profile   dev  ]\nregion = eu-west-1\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_PROFILE": "dev"})
case("profile-without-prefix-in-config", "`[dev]` (no `profile ` prefix) in the config file is not a profile.",
     files={CONFIG: "[dev]\nregion = eu-west-1\n"}, env={"AWS_PROFILE": "dev"})

# --- Endpoint (spec 4.4) ----------------------------------------------------
EP_CONFIG = "[default]\nregion = us-east-1\n"
case("endpoint-arg", "--endpoint-url is used as is.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, args={"endpoint_url": "http://localhost:4566"})
case("endpoint-arg-with-path", "--endpoint-url with a path: the path prefixes the operation's path.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, args={"endpoint_url": "https://proxy.example.com/oidc/"})
case("endpoint-env-service", "AWS_ENDPOINT_URL_SSO_OIDC sets the endpoint.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9001"})
case("endpoint-env-global", "AWS_ENDPOINT_URL sets the endpoint.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9002"})
case("endpoint-env-both-service-wins", "AWS_ENDPOINT_URL_SSO_OIDC beats AWS_ENDPOINT_URL.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9001", "AWS_ENDPOINT_URL": "http://127.0.0.1:9002"})
case("endpoint-env-empty", "AWS_ENDPOINT_URL set to the empty string.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_ENDPOINT_URL": ""})
case("endpoint-env-without-scheme", "AWS_ENDPOINT_URL without a scheme.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_ENDPOINT_URL": "localhost:4566"})
case("endpoint-arg-without-scheme", "--endpoint-url without a scheme is rejected by the AWS CLI v2 itself.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, args={"endpoint_url": "127.0.0.1:4566"})
case("endpoint-services-section", "The profile's `services` section with an `sso_oidc` sub-section sets the endpoint.",
     files={CONFIG: "[default]\nregion = us-east-1\nservices = local\n\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9003\n",
            CREDENTIALS: BASE_CREDENTIALS})
case("endpoint-services-section-other-service", "A services section that only configures another service does not apply.",
     files={CONFIG: "[default]\nregion = us-east-1\nservices = local\n\n[services local]\nsso =\n  endpoint_url = http://127.0.0.1:9003\n",
            CREDENTIALS: BASE_CREDENTIALS})
case("endpoint-services-section-missing", "The profile names a services section that does not exist.",
     files={CONFIG: "[default]\nregion = us-east-1\nservices = nope\n", CREDENTIALS: BASE_CREDENTIALS})
case("endpoint-profile-endpoint-url", "`endpoint_url` in the profile sets the endpoint.",
     files={CONFIG: "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9004\n", CREDENTIALS: BASE_CREDENTIALS})
case("endpoint-services-beats-profile", "The services section beats the profile's endpoint_url.",
     files={CONFIG: "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9004\nservices = local\n\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9003\n",
            CREDENTIALS: BASE_CREDENTIALS})
case("endpoint-global-env-beats-services-config", "AWS_ENDPOINT_URL (global env) beats the service-specific config entry.",
     files={CONFIG: "[default]\nregion = us-east-1\nservices = local\n\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9003\n",
            CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9002"})
case("endpoint-arg-beats-env-and-config", "--endpoint-url beats the env and config endpoints.",
     files={CONFIG: "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9004\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9001"}, args={"endpoint_url": "http://localhost:4566"})
case("endpoint-ignore-env", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores env and config endpoints.",
     files={CONFIG: "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9004\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9001", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"})
case("endpoint-ignore-env-arg-still-used", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true does not ignore --endpoint-url.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9002", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
     args={"endpoint_url": "http://localhost:4566"})
case("endpoint-ignore-config", "ignore_configured_endpoint_urls = true in the profile ignores env and config endpoints.",
     files={CONFIG: "[default]\nregion = us-east-1\nignore_configured_endpoint_urls = true\nendpoint_url = http://127.0.0.1:9004\n",
            CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9002"})
case("endpoint-ignore-env-false-beats-config-true", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false overrides ignore_configured_endpoint_urls = true.",
     files={CONFIG: "[default]\nregion = us-east-1\nignore_configured_endpoint_urls = true\nendpoint_url = http://127.0.0.1:9004\n",
            CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"})
case("endpoint-fips-env", "AWS_USE_FIPS_ENDPOINT=true selects the FIPS endpoint.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_USE_FIPS_ENDPOINT": "true"})
case("endpoint-fips-env-mixed-case", "AWS_USE_FIPS_ENDPOINT=True (any case of `true`) is true.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_USE_FIPS_ENDPOINT": "True"})
case("endpoint-fips-env-one-is-false", "AWS_USE_FIPS_ENDPOINT=1 is not `true`, so FIPS stays off.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_USE_FIPS_ENDPOINT": "1"})
case("endpoint-fips-config", "use_fips_endpoint = true in the profile selects the FIPS endpoint.",
     files={CONFIG: "[default]\nregion = us-east-1\nuse_fips_endpoint = true\n", CREDENTIALS: BASE_CREDENTIALS})
case("endpoint-fips-env-false-beats-config", "AWS_USE_FIPS_ENDPOINT=false beats use_fips_endpoint = true.",
     files={CONFIG: "[default]\nregion = us-east-1\nuse_fips_endpoint = true\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_USE_FIPS_ENDPOINT": "false"})
case("endpoint-dualstack-env", "AWS_USE_DUALSTACK_ENDPOINT=true selects the dual-stack endpoint.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_USE_DUALSTACK_ENDPOINT": "true"})
case("endpoint-dualstack-config", "use_dualstack_endpoint = true in the profile selects the dual-stack endpoint.",
     files={CONFIG: "[default]\nregion = us-east-1\nuse_dualstack_endpoint = true\n", CREDENTIALS: BASE_CREDENTIALS})
case("endpoint-fips-and-dualstack", "FIPS and dual-stack together.",
     files={CONFIG: "[default]\nregion = us-east-1\nuse_fips_endpoint = true\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_USE_DUALSTACK_ENDPOINT": "true"})
case("endpoint-fips-with-arg", "FIPS with --endpoint-url: what botocore does (the rule set says error).",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_USE_FIPS_ENDPOINT": "true"}, args={"endpoint_url": "http://localhost:4566"})
case("endpoint-fips-with-env-endpoint", "FIPS with AWS_ENDPOINT_URL_SSO_OIDC: what botocore does.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9001"})
case("endpoint-dualstack-with-arg", "Dual-stack with --endpoint-url: what botocore does (the rule set says error).",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_USE_DUALSTACK_ENDPOINT": "true"}, args={"endpoint_url": "http://localhost:4566"})
case("endpoint-govcloud", "A GovCloud region.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "us-gov-west-1"})
case("endpoint-govcloud-fips", "GovCloud with FIPS: no `-fips` in the host.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "us-gov-east-1", "AWS_USE_FIPS_ENDPOINT": "true"})
case("endpoint-cn", "A China region uses amazonaws.com.cn.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "cn-north-1"})
case("endpoint-cn-dualstack", "A China region with dual-stack.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "cn-northwest-1", "AWS_USE_DUALSTACK_ENDPOINT": "true"})
case("endpoint-iso", "An ISO region.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "us-iso-east-1"})
case("endpoint-eusc", "The European Sovereign Cloud partition.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "eusc-de-east-1"})
case("endpoint-unknown-region", "A well-formed region in no partition falls back to the aws partition.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_REGION": "xx-fake-1"})
case("endpoint-arg-without-region", "--endpoint-url does not make a region optional.",
     files={CREDENTIALS: BASE_CREDENTIALS}, args={"endpoint_url": "http://localhost:4566"})

# --- Credentials -----------------------------------------------------------
R = {"AWS_REGION": "us-east-1"}
case("creds-env-keys", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
     env=dict(ENV_KEYS, **R))
case("creds-env-session-token", "Env keys with AWS_SESSION_TOKEN: the token is sent.",
     env=dict(ENV_KEYS, AWS_SESSION_TOKEN="TOKENENV", **R))
case("creds-env-security-token-alias", "AWS_SECURITY_TOKEN is an alias of AWS_SESSION_TOKEN.",
     env=dict(ENV_KEYS, AWS_SECURITY_TOKEN="TOKENLEGACY", **R))
case("creds-env-access-key-only", "Only AWS_ACCESS_KEY_ID set: partial credentials are an error.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env=dict(AWS_ACCESS_KEY_ID="AKIDENV", **R))
case("creds-env-secret-only", "Only AWS_SECRET_ACCESS_KEY set: env is skipped, the chain goes on.",
     files={CREDENTIALS: BASE_CREDENTIALS}, env=dict(AWS_SECRET_ACCESS_KEY="SECRETENV", **R))
case("creds-file-default", "The credentials file's [default] section.",
     files={CREDENTIALS: keys("default", "AKIDFILE")}, env=R)
case("creds-file-named-profile", "The credentials file's [dev] section (no `profile ` prefix) for profile dev.",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\n", CREDENTIALS: keys("dev", "AKIDFILEDEV")},
     env={"AWS_PROFILE": "dev"})
case("creds-file-session-token", "aws_session_token in the credentials file.",
     files={CREDENTIALS: keys("default", "AKIDFILE", token="TOKENFILE")}, env=R)
case("creds-both-files-same-profile", "Keys for the same profile in both files: the credentials file wins.",
     files={CONFIG: keys("profile dev", "AKIDCONFIG") + "region = eu-west-1\n", CREDENTIALS: keys("dev", "AKIDFILEDEV")},
     env={"AWS_PROFILE": "dev"})
case("creds-config-file-only", "Keys only in the config file.",
     files={CONFIG: keys("profile dev", "AKIDCONFIG") + "region = eu-west-1\n"}, env={"AWS_PROFILE": "dev"})
case("creds-config-file-partial", "Only aws_access_key_id in the config file.",
     files={CONFIG: "[default]\nregion = us-east-1\naws_access_key_id = AKIDCONFIG\n"})
case("creds-shared-credentials-file-env", "AWS_SHARED_CREDENTIALS_FILE points elsewhere; ~/.aws/credentials is not read.",
     files={CREDENTIALS: keys("default", "AKIDIGNORED"), "~/alt/creds": keys("default", "AKIDALT")},
     env=dict(AWS_SHARED_CREDENTIALS_FILE="~/alt/creds", **R))
case("creds-config-file-env", "AWS_CONFIG_FILE points elsewhere; ~/.aws/config is not read.",
     files={CONFIG: "[default]\nregion = us-west-2\n" + "aws_access_key_id = AKIDIGNORED\naws_secret_access_key = S\n",
            "~/alt/config": "[default]\nregion = eu-west-2\naws_access_key_id = AKIDALTCONFIG\naws_secret_access_key = S\n"},
     env={"AWS_CONFIG_FILE": "~/alt/config"})
case("creds-config-file-env-missing-file", "AWS_CONFIG_FILE naming a missing file is not an error; there is just no config.",
     files={CONFIG: "[default]\nregion = us-west-2\n"},
     env=dict(ENV_KEYS, AWS_CONFIG_FILE="~/nope/config"))
case("creds-config-file-env-var-expansion", "$VARIABLES in AWS_CONFIG_FILE are expanded.",
     files={"~/alt/config": "[default]\nregion = eu-west-2\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_CONFIG_FILE": "$HOME/alt/config"})
case("creds-env-beats-files", "Env keys beat both files for the default profile.",
     files={CONFIG: "[default]\nregion = us-east-1\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = S\n",
            CREDENTIALS: BASE_CREDENTIALS},
     env=ENV_KEYS)
case("creds-env-beats-aws-profile", "Env keys beat the profile selected by AWS_PROFILE.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env=dict(ENV_KEYS, AWS_PROFILE="dev"))
case("creds-profile-arg-skips-env", "--profile turns the env-keys provider off: the profile's keys are used.",
     files={CONFIG: PROFILES_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env=ENV_KEYS, args={"profile": "dev"})
case("creds-none", "No credentials anywhere: the unsigned call works, the signed one fails.",
     files={CONFIG: EP_CONFIG})
case("creds-legacy-boto-config", "A legacy ~/.boto file is still read, after every profile-based provider.",
     files={CONFIG: EP_CONFIG, "~/.boto": "[Credentials]\naws_access_key_id = AKIDBOTO\naws_secret_access_key = SECRETBOTO\n"})

# credential_process
VALID_PROCESS = '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "SECRETPROC", "SessionToken": "TOKENPROC", "Expiration": "2099-01-01T00:00:00Z"}'
case("process-valid-with-expiration", "credential_process printing Version 1 JSON with an Expiration.",
     files={CONFIG: process_config(), "~/bin/creds.sh": process_script(VALID_PROCESS)})
case("process-valid-without-expiration", "credential_process printing JSON without Expiration or SessionToken.",
     files={CONFIG: process_config(),
            "~/bin/creds.sh": process_script('{"Version": 1, "AccessKeyId": "AKIDPROCNOEXP", "SecretAccessKey": "SECRETPROC"}')})
case("process-expired", "credential_process whose Expiration is already past.",
     files={CONFIG: process_config(),
            "~/bin/creds.sh": process_script('{"Version": 1, "AccessKeyId": "AKIDPROCOLD", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2000-01-01T00:00:00Z"}')})
case("process-nonzero-exit", "credential_process exiting 1 with a message on stderr.",
     files={CONFIG: process_config(), "~/bin/creds.sh": "#!/bin/sh\necho 'helper: not logged in' >&2\nexit 1\n"})
case("process-malformed-json", "credential_process printing something that is not JSON.",
     files={CONFIG: process_config(), "~/bin/creds.sh": process_script('{"Version": 1, "AccessKeyId": ')})
case("process-version-2", "credential_process printing Version 2.",
     files={CONFIG: process_config(),
            "~/bin/creds.sh": process_script('{"Version": 2, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "S"}')})
case("process-missing-version", "credential_process printing JSON without Version.",
     files={CONFIG: process_config(),
            "~/bin/creds.sh": process_script('{"AccessKeyId": "AKIDPROC", "SecretAccessKey": "S"}')})
case("process-missing-secret", "credential_process printing JSON without SecretAccessKey.",
     files={CONFIG: process_config(),
            "~/bin/creds.sh": process_script('{"Version": 1, "AccessKeyId": "AKIDPROC"}')})
case("process-command-with-arguments", "The credential_process command line is split like a shell would (quotes kept together).",
     files={CONFIG: "[default]\nregion = us-east-1\ncredential_process = {HOME}/bin/echo-args.sh --name 'two words'\n",
            "~/bin/echo-args.sh": "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"AKID%s\", \"SecretAccessKey\": \"S\"}' \"$#\"\n"})
case("process-missing-program", "credential_process naming a program that does not exist.",
     files={CONFIG: "[default]\nregion = us-east-1\ncredential_process = {HOME}/bin/absent.sh\n"})
case("process-in-credentials-file", "credential_process written in the credentials file is honoured too.",
     files={CONFIG: "[default]\nregion = us-east-1\n",
            CREDENTIALS: "[default]\ncredential_process = {HOME}/bin/creds.sh\n",
            "~/bin/creds.sh": process_script(VALID_PROCESS)})
case("process-beats-config-keys", "credential_process and static keys in the same config profile: the process wins.",
     files={CONFIG: process_config(extra="aws_access_key_id = AKIDCONFIG\naws_secret_access_key = S\n"),
            "~/bin/creds.sh": process_script(VALID_PROCESS)})
case("process-loses-to-credentials-file", "credential_process in the config, keys in the credentials file: the file wins.",
     files={CONFIG: process_config(), CREDENTIALS: keys("default", "AKIDFILE"),
            "~/bin/creds.sh": process_script(VALID_PROCESS)})

# assume role, web identity, SSO (deferred: recorded without any network call)
case("assume-role-source-profile", "role_arn + source_profile: the assume-role provider (deferred).",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/Dev\nsource_profile = base\n",
            CREDENTIALS: keys("base", "AKIDBASE")},
     env={"AWS_PROFILE": "dev"})
case("assume-role-beats-static-keys", "role_arn in a profile that also has static keys: assume-role wins.",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/Dev\nsource_profile = base\n",
            CREDENTIALS: keys("base", "AKIDBASE") + keys("dev", "AKIDDEVSTATIC")},
     env={"AWS_PROFILE": "dev"})
case("assume-role-missing-source-profile", "source_profile naming a missing profile.",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/Dev\nsource_profile = nope\n"},
     env={"AWS_PROFILE": "dev"})
case("assume-role-no-source", "role_arn with neither source_profile nor credential_source nor web_identity_token_file.",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/Dev\n"},
     env={"AWS_PROFILE": "dev"})
case("web-identity-profile", "role_arn + web_identity_token_file in the profile (deferred).",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/Web\nweb_identity_token_file = {HOME}/token\n",
            "~/token": "eyJ.x.y\n"},
     env={"AWS_PROFILE": "dev"})
case("web-identity-env", "AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (deferred).",
     files={"~/token": "eyJ.x.y\n"},
     env={"AWS_REGION": "us-east-1", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/Web",
          "AWS_WEB_IDENTITY_TOKEN_FILE": "{HOME}/token"})
case("web-identity-env-loses-to-env-keys", "Env keys beat the env web-identity settings.",
     files={"~/token": "eyJ.x.y\n"},
     env=dict(ENV_KEYS, AWS_REGION="us-east-1", AWS_ROLE_ARN="arn:aws:iam::123456789012:role/Web",
              AWS_WEB_IDENTITY_TOKEN_FILE="{HOME}/token"))
SSO_SESSION = "[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
case("sso-profile", "sso_session + sso_account_id + sso_role_name: the SSO provider (deferred).",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n" + SSO_SESSION},
     env={"AWS_PROFILE": "dev"})
case("sso-legacy-profile", "Legacy SSO profile (sso_start_url and sso_region in the profile).",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"},
     env={"AWS_PROFILE": "dev"})
case("sso-profile-missing-session-section", "sso_session naming a section that does not exist.",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nsso_session = nope\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"},
     env={"AWS_PROFILE": "dev"})
case("sso-profile-missing-role-name", "sso_account_id without sso_role_name.",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nsso_session = corp\nsso_account_id = 111122223333\n\n" + SSO_SESSION},
     env={"AWS_PROFILE": "dev"})
case("sso-session-only-profile", "A profile with only sso_session (login profile, no account/role) has no credentials.",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nsso_session = corp\n\n" + SSO_SESSION},
     env={"AWS_PROFILE": "dev"})
case("sso-profile-loses-to-env-keys", "Env keys beat an SSO profile selected by AWS_PROFILE.",
     files={CONFIG: "[profile dev]\nregion = eu-west-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n" + SSO_SESSION},
     env=dict(ENV_KEYS, AWS_PROFILE="dev"))

# --- Retry -----------------------------------------------------------------
case("retry-defaults", "No retry settings: AWS CLI v2 defaults.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS})
case("retry-max-attempts-env", "AWS_MAX_ATTEMPTS sets the total number of attempts.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_MAX_ATTEMPTS": "7"})
case("retry-max-attempts-profile", "max_attempts in the profile.",
     files={CONFIG: "[default]\nregion = us-east-1\nmax_attempts = 5\n", CREDENTIALS: BASE_CREDENTIALS})
case("retry-mode-env-legacy", "AWS_RETRY_MODE=legacy: the AWS CLI v2 has no legacy mode.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_RETRY_MODE": "legacy"})
case("retry-mode-env-adaptive", "AWS_RETRY_MODE=adaptive.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_RETRY_MODE": "adaptive"})
case("retry-mode-env-standard", "AWS_RETRY_MODE=standard.",
     files={CONFIG: "[default]\nregion = us-east-1\nretry_mode = adaptive\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_RETRY_MODE": "standard"})
case("retry-mode-profile", "retry_mode in the profile.",
     files={CONFIG: "[default]\nregion = us-east-1\nretry_mode = adaptive\n", CREDENTIALS: BASE_CREDENTIALS})
case("retry-mode-profile-legacy", "retry_mode = legacy in the profile is rejected like the env value.",
     files={CONFIG: "[default]\nregion = us-east-1\nretry_mode = legacy\n", CREDENTIALS: BASE_CREDENTIALS})
case("retry-mode-uppercase", "AWS_RETRY_MODE=Standard: the value is case-sensitive.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_RETRY_MODE": "Standard"})
case("retry-env-beats-profile", "AWS_RETRY_MODE and AWS_MAX_ATTEMPTS beat the profile's values.",
     files={CONFIG: "[default]\nregion = us-east-1\nretry_mode = standard\nmax_attempts = 5\n", CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "2"})
case("retry-max-attempts-one", "AWS_MAX_ATTEMPTS=1 (no retries) is allowed.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_MAX_ATTEMPTS": "1"})
case("retry-max-attempts-zero", "AWS_MAX_ATTEMPTS=0 is rejected.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_MAX_ATTEMPTS": "0"})
case("retry-max-attempts-not-a-number", "max_attempts that is not an integer.",
     files={CONFIG: "[default]\nregion = us-east-1\nmax_attempts = three\n", CREDENTIALS: BASE_CREDENTIALS})
case("retry-defaults-mode-ignored", "AWS_DEFAULTS_MODE does not exist in the AWS CLI v2 and changes nothing.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: BASE_CREDENTIALS}, env={"AWS_DEFAULTS_MODE": "standard"})
case("retry-from-selected-profile", "Retry settings come from the selected profile, not [default].",
     files={CONFIG: "[default]\nregion = us-east-1\nmax_attempts = 9\nretry_mode = adaptive\n\n[profile dev]\nregion = eu-west-1\n",
            CREDENTIALS: BASE_CREDENTIALS},
     env={"AWS_PROFILE": "dev"})

# --- HOME ------------------------------------------------------------------
case("home-unset-config-file-absolute", "HOME unset, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE given as absolute paths.",
     files={"~/cfg/config": "[default]\nregion = eu-west-1\n", "~/cfg/credentials": keys("default", "AKIDABS")},
     env={"AWS_CONFIG_FILE": "{HOME}/cfg/config", "AWS_SHARED_CREDENTIALS_FILE": "{HOME}/cfg/credentials"},
     home=False)
case("home-unset-nothing", "HOME unset and nothing configured.",
     home=False)
case("home-unset-env-only", "HOME unset, everything from the environment.",
     env=dict(ENV_KEYS, AWS_REGION="us-east-1"), home=False)

# --- File syntax -------------------------------------------------------------
case("config-syntax-error", "A config file with a line outside any section.",
     files={CONFIG: "region = us-east-1\n[default]\nregion = us-east-1\n", CREDENTIALS: BASE_CREDENTIALS})
case("config-duplicate-key", "The same key twice in one section.",
     files={CONFIG: "[default]\nregion = us-east-1\nregion = eu-west-1\n", CREDENTIALS: BASE_CREDENTIALS})
case("config-duplicate-section", "The same section twice.",
     files={CONFIG: "[default]\nregion = us-east-1\n\n[default]\noutput = json\n", CREDENTIALS: BASE_CREDENTIALS})
case("credentials-syntax-error", "A credentials file with a line outside any section.",
     files={CONFIG: EP_CONFIG, CREDENTIALS: "aws_access_key_id = AKID\n"})
case("config-values-surrounding-spaces", "Spaces and tabs around keys and values are trimmed.",
     files={CONFIG: "[profile dev]\n   region   =   eu-west-1   \n\tmax_attempts\t=\t4\t\n",
            CREDENTIALS: "[dev]\n  aws_access_key_id =   AKIDSPACES  \naws_secret_access_key=S\n"},
     env={"AWS_PROFILE": "dev"})
case("config-colon-separator", "`key: value` works like `key = value`.",
     files={CONFIG: "[default]\nregion: eu-west-1\n", CREDENTIALS: BASE_CREDENTIALS})
case("config-key-case-insensitive", "Key names are case-insensitive (`Region`).",
     files={CONFIG: "[default]\nRegion = eu-west-1\n", CREDENTIALS: BASE_CREDENTIALS})
case("config-crlf-line-endings", "CRLF line endings are accepted.",
     files={CONFIG: "[default]\r\nregion = eu-west-1\r\n", CREDENTIALS: BASE_CREDENTIALS})
case("config-comment-lines", "`#` and `;` comment lines are ignored.",
     files={CONFIG: "# top\n[default]\n; a comment\nregion = eu-west-1\n# another\n", CREDENTIALS: BASE_CREDENTIALS})
case("config-empty-region-value", "`region =` with an empty value counts as set (to the empty string).",
     files={CONFIG: "[default]\nregion =\n", CREDENTIALS: BASE_CREDENTIALS})


# ---------------------------------------------------------------------------
# Child: runs inside the reference venv, one process per case.
# ---------------------------------------------------------------------------

CLIENT_ID = "arn:aws:sso::123456789012:application/ssoins-1/apl-1"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

# The AWS CLI v2 session-variable table entries that differ from PyPI botocore
# 1.44.8 (see README.md for the v2 source lines). The tuples are
# (config file key, env var(s), default, conversion).
def v2_session_variables():
    return {
        # v2: AWS_PROFILE is read before AWS_DEFAULT_PROFILE (PyPI: the reverse).
        "profile": (None, ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"], None, None),
        # v2: AWS_REGION, then AWS_DEFAULT_REGION (PyPI: AWS_DEFAULT_REGION only).
        "region": ("region", ["AWS_REGION", "AWS_DEFAULT_REGION"], None, None),
        # v2: max_attempts defaults to 3 (PyPI: no default; its standard retry handler
        # then falls back to 3 too, but client.meta.config does not show it).
        "max_attempts": ("max_attempts", "AWS_MAX_ATTEMPTS", 3, int),
        # v2 has no "defaults mode": AWS_DEFAULTS_MODE / defaults_mode are not read.
        "defaults_mode": (None, None, "legacy", None),
    }


def _error(exc):
    return {"kind": type(exc).__name__, "message": str(exc)}


def child_main():
    spec = json.load(sys.stdin)
    if not spec["home"]:
        # HOME is unset. Python's expanduser would then fall back to the password
        # database and could find the real user's ~/.aws; pretend the user has no
        # passwd entry so "~" stays unexpanded, as for a user without a home.
        import pwd

        def _no_passwd_entry(uid):
            raise KeyError(f"getpwuid(): uid not found: {uid}")

        pwd.getpwuid = _no_passwd_entry

    import socket

    def _no_network(*args, **kwargs):
        raise OSError("network disabled in settings_matrix.py")

    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network
    socket.create_connection = _no_network

    import botocore
    import botocore.config
    import botocore.credentials
    import botocore.exceptions
    import botocore.session
    from botocore import UNSIGNED
    from botocore.awsrequest import AWSResponse

    # AWS CLI v2's Config accepts only the retry modes "standard" and "adaptive",
    # and rejects fewer than one attempt (awscli/botocore/config.py). PyPI
    # botocore also accepts "legacy"; make it validate like v2.
    original_validate = botocore.config.Config._validate_retry_configuration

    def v2_validate_retry_configuration(self, retries):
        if retries is not None:
            for key, value in retries.items():
                if key == "mode" and value not in ("standard", "adaptive"):
                    raise botocore.exceptions.InvalidRetryModeError(
                        provided_retry_mode=value, valid_modes='"standard" or "adaptive"')
                if key == "total_max_attempts" and value < 1:
                    raise botocore.exceptions.InvalidMaxRetryAttemptsError(
                        provided_max_attempts=value, min_value="one")
        return original_validate(self, retries)

    botocore.config.Config._validate_retry_configuration = v2_validate_retry_configuration

    # No IMDS: the chain's last provider would ask 169.254.169.254 (see README).
    original_resolver = botocore.credentials.create_credential_resolver

    def resolver_without_imds(*a, **kw):
        resolver = original_resolver(*a, **kw)
        resolver.remove("iam-role")
        return resolver

    botocore.credentials.create_credential_resolver = resolver_without_imds

    class _Body:
        def __init__(self, data):
            self._data = data

        def stream(self, **kwargs):
            yield self._data

    sent = []

    def answer(request, **kwargs):
        sent.append({"url": request.url, "headers": {k: v for k, v in request.headers.items()}})
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, _Body(b"{}"))

    args = spec["args"]
    out = {
        "botocore": botocore.__version__,
        "profile": None, "region": None, "retry_mode": None, "max_attempts": None,
        "endpoint": None, "endpoint_error": None,
        "credentials_method": None, "access_key_id": None,
        "signing_region": None, "session_token": None,
        "credentials_error": None, "client_error": None,
        "use_fips_endpoint": None, "use_dualstack_endpoint": None,
    }

    if args["endpoint_url"] is not None:
        # awscli/customizations/globalargs.py _resolve_endpoint_url: the AWS CLI v2
        # rejects an --endpoint-url without a scheme before botocore sees it.
        from urllib.parse import urlparse

        if not urlparse(args["endpoint_url"]).scheme:
            out["client_error"] = {
                "kind": "ParamValidationError",
                "message": f'Bad value for --endpoint-url "{args["endpoint_url"]}": scheme is '
                           'missing.  Must be of the form http://<hostname>/ or https://<hostname>/',
            }
            json.dump(out, sys.stdout)
            return

    session = botocore.session.Session(session_vars=v2_session_variables(), profile=args["profile"])
    # The AWS CLI v2 maps --region onto the session too (clidriver.py
    # _handle_top_level_args) and passes it to create_client.
    if args["region"]:
        session.set_config_variable("region", args["region"])
    out["profile"] = session.profile

    def config_var(name, convert=None):
        try:
            value = session.get_config_variable(name)
        except Exception:
            return None
        return convert(value) if convert else value

    # Step 1: the client, unsigned (as the AWS CLI v2 creates its own sso-oidc
    # clients), so that credentials problems do not hide the endpoint.
    client = None
    try:
        client = session.create_client(
            "sso-oidc", region_name=args["region"], endpoint_url=args["endpoint_url"],
            config=botocore.config.Config(signature_version=UNSIGNED))
        client.meta.events.register("before-send", answer)
        out["region"] = client.meta.region_name
        retries = client.meta.config.retries
        out["retry_mode"] = retries.get("mode")
        out["max_attempts"] = retries.get("total_max_attempts")
    except Exception as exc:
        out["client_error"] = _error(exc)
        out["region"] = config_var("region")
        out["retry_mode"] = config_var("retry_mode")
        out["max_attempts"] = config_var("max_attempts")
    out["use_fips_endpoint"] = config_var("use_fips_endpoint", bool)
    out["use_dualstack_endpoint"] = config_var("use_dualstack_endpoint", bool)

    # Step 2: the unsigned request.
    if client is not None:
        try:
            sent.clear()
            client.register_client(clientName="x", clientType="public")
            url = sent[-1]["url"]
            assert url.endswith("/client/register"), url
            out["endpoint"] = url[: -len("/client/register")]
        except Exception as exc:
            out["endpoint_error"] = _error(exc)

    # Step 3: credentials, without triggering deferred (network) providers.
    credentials = None
    deferred = False
    try:
        credentials = session.get_credentials()
        if credentials is not None:
            out["credentials_method"] = credentials.method
            deferred = isinstance(credentials, botocore.credentials.DeferredRefreshableCredentials)
            if not deferred:
                out["access_key_id"] = credentials.get_frozen_credentials().access_key
    except Exception as exc:
        out["credentials_error"] = _error(exc)

    # Step 4: the signed request, with a normal (signing) client.
    if client is not None and out["credentials_error"] is None and not deferred:
        try:
            signer = session.create_client(
                "sso-oidc", region_name=args["region"], endpoint_url=args["endpoint_url"])
            signer.meta.events.register("before-send", answer)
            sent.clear()
            signer.create_token_with_iam(clientId=CLIENT_ID, grantType=JWT_BEARER, assertion="x")
            headers = sent[-1]["headers"]
            auth = headers["Authorization"]
            if isinstance(auth, bytes):
                auth = auth.decode()
            scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
            out["signing_region"] = scope[2]
            if out["access_key_id"] != scope[0]:
                raise SystemExit(f"signed with {scope[0]}, credentials said {out['access_key_id']}")
            out["session_token"] = "X-Amz-Security-Token" in headers
        except SystemExit:
            raise
        except Exception as exc:
            err = _error(exc)
            if err != out["endpoint_error"]:
                out["credentials_error"] = err

    json.dump(out, sys.stdout)


# ---------------------------------------------------------------------------
# Parent: writes the files, runs the children, assembles the fixture.
# ---------------------------------------------------------------------------

EXPECTED_FIELDS = [
    "profile", "region", "retry_mode", "max_attempts",
    "endpoint", "endpoint_error",
    "credentials_method", "access_key_id", "signing_region", "session_token", "credentials_error",
    "client_error",
    "use_fips_endpoint", "use_dualstack_endpoint",
]


def scrub(value, replacements):
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: scrub(v, replacements) for k, v in value.items()}
    return value


def run_case(python, spec):
    base = tempfile.mkdtemp(prefix="settings-matrix-")
    try:
        home = os.path.join(base, "home")
        cwd = os.path.join(base, "cwd")
        os.makedirs(home)
        os.makedirs(cwd)
        for rel, text in spec["files"].items():
            assert rel.startswith("~/"), rel
            path = os.path.join(home, rel[2:])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", newline="") as f:
                f.write(text.replace("{HOME}", home))
            if rel.startswith("~/bin/"):
                os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if spec["home"]:
            env["HOME"] = home
        for name, value in spec["env"].items():
            env[name] = value.replace("{HOME}", home)
        proc = subprocess.run(
            [python, "-I", os.path.abspath(__file__), "--child"],
            input=json.dumps(spec), capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"case {spec['name']}: child failed ({proc.returncode}):\n{proc.stderr}")
        result = json.loads(proc.stdout)
        replacements = [(home, "{HOME}")]
        real = os.path.realpath(home)
        if real != home:
            replacements.insert(0, (real, "{HOME}"))
        return scrub(result, replacements)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def check_case_table():
    names = [c["name"] for c in CASES]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        sys.exit(f"duplicate case names: {dupes}")
    for n in names:
        if n != n.lower() or " " in n or "_" in n:
            sys.exit(f"case name is not kebab-case: {n}")
    if os.path.exists("/etc/boto.cfg"):
        sys.exit("/etc/boto.cfg exists: botocore's BotoProvider would read it; remove it or run elsewhere")


def generate():
    check_case_table()
    from fixture_file import find_python  # the parent only (see main)
    python = find_python(REPO_ROOT, BOTOCORE_VERSION)
    workers = max(2, min(16, (os.cpu_count() or 2) * 2))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda spec: run_case(python, spec), CASES))
    versions = {r.pop("botocore") for r in results}
    if versions != {BOTOCORE_VERSION}:
        sys.exit(f"expected botocore {BOTOCORE_VERSION}, the venv has {sorted(versions)}: rerun setup.sh")
    cases = []
    for spec, result in zip(CASES, results):
        entry = dict(spec)
        entry["expected"] = {field: result[field] for field in EXPECTED_FIELDS}
        cases.append(entry)
    document = {"generator": GENERATOR, "botocore": BOTOCORE_VERSION, "cases": cases}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main():
    if "--child" in sys.argv[1:]:
        child_main()
        return 0
    # Imported here, not at the top: the child runs with `python -I`, which does not put this
    # folder on the path, and it never gets this far.
    from fixture_file import generator_main
    return generator_main(__doc__, generate, output=OUTPUT, repo_root=REPO_ROOT,
                          generator=GENERATOR, counts=lambda: f"{len(CASES)} cases")


if __name__ == "__main__":
    sys.exit(main())
