#!/usr/bin/env python3
"""`aws configure export-credentials`: what the AWS CLI v2's own formatters print.

The AWS CLI v2 is not on PyPI (the `awscli` package there is v1, which has no
export-credentials), so nothing of it is installed or vendored: this script reads the one file
that holds the formatters, `awscli/customizations/configure/exportcreds.py` of aws/aws-cli at
the pinned commit below, from a checkout you point it at, checks its SHA-256, and runs its
`convert_botocore_credentials` and every class of its `SUPPORTED_FORMATS` (the formatters and
the conversion are the file's own code, unchanged; only its two imports of the CLI's command
framework, unused by them, are stubbed). The credentials are made by botocore 1.44.8 (the
reference venv, see setup.sh) the way its providers make them: SSO role credentials through
`SSOCredentialFetcher` with a `GetRoleCredentials` answer, `credential_process` output through
`ProcessProvider`, static keys as `Credentials`. So the expiry text is botocore's datetime
written by the AWS CLI's `isoformat()`.

    git clone https://github.com/aws/aws-cli && git -C aws-cli checkout 73fb33bb171a
    bash tests/reference/setup.sh
    AWS_CLI_SOURCE=aws-cli target/reference-venv/bin/python tests/reference/export_credentials.py
    AWS_CLI_SOURCE=aws-cli python3 tests/reference/export_credentials.py --check

AWS_CLI_SOURCE is the checkout's folder (or the exportcreds.py file itself). The output is
core/tests/fixtures/aws_cli/export_credentials.json, read by core/tests/export_credentials.rs
and adapters/cli/tests/handoff/export.rs. README.md next to this file explains it.
"""

import hashlib
import json
import os
import subprocess
import sys

BOTOCORE_VERSION = "1.44.8"
AWS_CLI_COMMIT = "73fb33bb171ace3e9eaa03308f76e5de50c21393"
EXPORTCREDS_PATH = "awscli/customizations/configure/exportcreds.py"
EXPORTCREDS_SHA256 = "6755804719174d312e6ee04c5dec4a77cc727ad51b0977690be10c8adff6885e"
GENERATOR = "tests/reference/export_credentials.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(REPO_ROOT, "core", "tests", "fixtures", "aws_cli", "export_credentials.json")

# ---------------------------------------------------------------------------
# The credentials: (name, about, source, input). `source` says which botocore provider makes
# them; `input` is what that provider reads: the portal's GetRoleCredentials answer (a JSON
# text), a credential_process's standard output (a JSON text), or static keys.
# ---------------------------------------------------------------------------

CASES = []


def case(name, about, source, given):
    CASES.append({"name": name, "about": about, "source": source, "input": given})


SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE/+token+with/slashes==" * 3

case("sso", "SSO role credentials from the portal (expiration in ms, with a fraction that the "
     "cache format drops)", "sso",
     json.dumps({"roleCredentials": {"accessKeyId": "ASIAEXAMPLESSO", "secretAccessKey": SECRET,
                                     "sessionToken": TOKEN, "expiration": 4_071_337_200_123}}))
case("process-temporary", "credential_process output with a session token and an Expiration",
     "process",
     json.dumps({"Version": 1, "AccessKeyId": "ASIAEXAMPLEPROC", "SecretAccessKey": SECRET,
                 "SessionToken": TOKEN, "Expiration": "2099-01-15T19:00:00Z"}))
case("process-long-term", "credential_process output with long-term keys only", "process",
     json.dumps({"Version": 1, "AccessKeyId": "AKIAEXAMPLEPROC", "SecretAccessKey": SECRET}))
case("static", "keys of the credentials file: no session token, no expiry", "static",
     {"access_key_id": "AKIAEXAMPLESTATIC", "secret_access_key": SECRET, "session_token": None})
case("static-with-token", "keys with a session token and no expiry (AWS_SESSION_TOKEN)",
     "static",
     {"access_key_id": "ASIAEXAMPLEENV", "secret_access_key": SECRET, "session_token": TOKEN})
case("unusual-characters", "a secret with non-ASCII characters and shell syntax: the AWS CLI "
     "prints it as it is (ssooidc escapes the JSON alike and refuses the line formats)",
     "process",
     json.dumps({"Version": 1, "AccessKeyId": "AKIAEXAMPLEODD",
                 "SecretAccessKey": "s\u00e9cret\u20ac\U0001f600$(id)\"x"}))


# ---------------------------------------------------------------------------
# Child: runs inside the reference venv, with the exportcreds.py text on stdin.
# ---------------------------------------------------------------------------


def child_main():
    import io
    import types

    import botocore
    from botocore.credentials import (Credentials, DeferredRefreshableCredentials,
                                      ProcessProvider, SSOCredentialFetcher)

    given = json.load(sys.stdin)
    # The two imports of exportcreds.py that the formatters do not use: the CLI's command
    # framework. Stubbed so that the file's own code runs unchanged.
    for name in ("awscli", "awscli.customizations"):
        sys.modules[name] = types.ModuleType(name)
    commands = types.ModuleType("awscli.customizations.commands")
    commands.BasicCommand = object
    exceptions = types.ModuleType("awscli.customizations.exceptions")
    exceptions.ConfigurationError = Exception
    sys.modules["awscli.customizations.commands"] = commands
    sys.modules["awscli.customizations.exceptions"] = exceptions
    exportcreds = types.ModuleType("exportcreds")
    exec(compile(given["source"], EXPORTCREDS_PATH, "exec"), exportcreds.__dict__)

    def sso(answer):
        class Client:
            def get_role_credentials(self, **kwargs):
                return json.loads(answer)

        fetcher = SSOCredentialFetcher(
            "https://d-1234567890.awsapps.com/start", "us-east-1", "ReadOnly", "111122223333",
            lambda *args, **kwargs: Client(), token_loader=lambda url: {"accessToken": "t", "expiresAt": "2099-12-31T00:00:00Z"},
            cache={})
        # What SSOProvider.load returns.
        return DeferredRefreshableCredentials(method="sso",
                                              refresh_using=fetcher.fetch_credentials)

    def process(output):
        class Popen:
            def __init__(self, *args, **kwargs):
                self.returncode = 0

            def communicate(self):
                return output.encode("utf-8"), b""

        config = {"profiles": {"p": {"credential_process": "creds"}}}
        return ProcessProvider("p", lambda: config, popen=Popen).load()

    def static(keys):
        return Credentials(keys["access_key_id"], keys["secret_access_key"],
                           keys["session_token"], method="shared-credentials-file")

    make = {"sso": sso, "process": process, "static": static}
    results = []
    for c in given["cases"]:
        creds = exportcreds.convert_botocore_credentials(make[c["source"]](c["input"]))
        outputs = {}
        for name, formatter in exportcreds.SUPPORTED_FORMATS.items():
            stream = io.StringIO()
            formatter(stream).display_credentials(creds)
            outputs[name] = stream.getvalue()
        results.append(outputs)
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)


# ---------------------------------------------------------------------------
# Parent.
# ---------------------------------------------------------------------------


def exportcreds_source():
    """The pinned exportcreds.py, from $AWS_CLI_SOURCE (a checkout, or the file)."""
    where = os.environ.get("AWS_CLI_SOURCE")
    if not where:
        sys.exit(f"set AWS_CLI_SOURCE to a checkout of aws/aws-cli at {AWS_CLI_COMMIT[:12]} "
                 f"(or to its {EXPORTCREDS_PATH})")
    path = os.path.join(where, EXPORTCREDS_PATH) if os.path.isdir(where) else where
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != EXPORTCREDS_SHA256:
        sys.exit(f"{path} is not {EXPORTCREDS_PATH} of aws/aws-cli {AWS_CLI_COMMIT[:12]} "
                 f"(SHA-256 {digest}, expected {EXPORTCREDS_SHA256})")
    return data.decode("utf-8")


def generate():
    from fixture_file import find_python
    python = find_python(REPO_ROOT, BOTOCORE_VERSION)
    given = json.dumps({"source": exportcreds_source(), "cases": CASES})
    proc = subprocess.run([python, "-I", os.path.abspath(__file__), "--child"], input=given,
                          capture_output=True, text=True,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    if proc.returncode != 0:
        sys.exit(f"child failed ({proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout)
    if result["botocore"] != BOTOCORE_VERSION:
        sys.exit(f"expected botocore {BOTOCORE_VERSION}: rerun setup.sh")
    cases = [dict(c, expected=expected) for c, expected in zip(CASES, result["results"])]
    document = {"generator": GENERATOR, "aws_cli_commit": AWS_CLI_COMMIT,
                "exportcreds_sha256": EXPORTCREDS_SHA256, "botocore": BOTOCORE_VERSION,
                "cases": cases}
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main():
    if "--child" in sys.argv[1:]:
        child_main()
        return 0
    from fixture_file import generator_main
    return generator_main(__doc__, generate, output=OUTPUT, repo_root=REPO_ROOT,
                          generator=GENERATOR, counts=lambda: f"{len(CASES)} cases")


if __name__ == "__main__":
    sys.exit(main())
