#!/usr/bin/env python3
"""Wire and cache-file fixtures: the expected answers come from botocore itself.

botocore 1.44.8 (the reference venv, see setup.sh) is asked, with every request
intercepted by a `before-send` handler and sockets disabled:

* **requests**: what it sends for each operation of `sso-oidc` and `sso` in a few
  regions and partitions (method, URL, body bytes, the headers that matter; for
  CreateTokenWithIAM the SigV4 headers with fixed credentials and a fixed time);
* **answers**: what it makes of a set of responses (status, headers, body): the error
  code and message and whether its standard retry mode would retry, or the parsed
  output;
* **caches**: the token cache file its `SSOTokenProvider` writes when it refreshes a
  token (fixed clock), and the SHA-1 cache keys of `SSOTokenLoader`.

    bash tests/reference/setup.sh
    target/reference-venv/bin/python tests/reference/wire_fixtures.py   # (re)write the fixture
    python3 tests/reference/wire_fixtures.py --check                    # compare, exit 1 on a diff

The output is core/tests/fixtures/botocore/wire.json, read by
core/tests/botocore_wire.rs. README.md next to this file explains it.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

BOTOCORE_VERSION = "1.44.8"
GENERATOR = "tests/reference/wire_fixtures.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(REPO_ROOT, "core", "tests", "fixtures", "botocore", "wire.json")

# The fixed time every signature and cache file uses: 2026-01-15T12:00:00Z.
FIXED_NOW = (2026, 1, 15, 12, 0, 0)
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN/+="

APP_ARN = "arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token"
BEARER = "aoaAAAAAGexampleAccessToken"

# ---------------------------------------------------------------------------
# Requests: (name, service, operation, params, region, fips, credentials)
# credentials: None (unsigned), "keys", "session" (keys + session token).
# ---------------------------------------------------------------------------

REQUESTS = []


def request(name, service, operation, params, region="us-east-1", fips=False, credentials=None):
    REQUESTS.append({"name": name, "service": service, "operation": operation, "params": params,
                     "region": region, "fips": fips, "credentials": credentials})


REGISTER_DEVICE = {"clientName": "botocore-client-my-sso", "clientType": "public",
                   "scopes": ["sso:account:access"]}
REGISTER_PKCE = {"clientName": "botocore-client-my-sso", "clientType": "public",
                 "scopes": ["sso:account:access"],
                 "redirectUris": ["http://127.0.0.1:54321/oauth/callback"],
                 "grantTypes": ["authorization_code", "refresh_token"],
                 "issuerUrl": "https://d-1234567890.awsapps.com/start",
                 "entitledApplicationArn": APP_ARN}
START = {"clientId": "cid", "clientSecret": "csec",
         "startUrl": "https://d-1234567890.awsapps.com/start"}
TOKEN_DEVICE = {"clientId": "cid", "clientSecret": "csec", "grantType": DEVICE, "deviceCode": "dc"}
TOKEN_REFRESH = {"clientId": "cid", "clientSecret": "csec", "grantType": "refresh_token",
                 "refreshToken": "rt"}
TOKEN_CODE = {"clientId": "cid", "clientSecret": "csec", "grantType": "authorization_code",
              "code": "authcode", "redirectUri": "http://127.0.0.1:54321/oauth/callback",
              "codeVerifier": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"}
IAM_JWT = {"clientId": APP_ARN, "grantType": JWT_BEARER, "assertion": "eyJ0eXAiOiJKV1Qi.e30.sig"}
IAM_EXCHANGE = {"clientId": APP_ARN, "grantType": TOKEN_EXCHANGE, "subjectToken": "st",
                "subjectTokenType": ACCESS_TOKEN_TYPE, "requestedTokenType": REFRESH_TOKEN_TYPE,
                "scope": ["openid", "aws"]}
IAM_REFRESH = {"clientId": APP_ARN, "grantType": "refresh_token", "refreshToken": "rt"}
IAM_CODE = {"clientId": APP_ARN, "grantType": "authorization_code", "code": "authcode",
            "redirectUri": "https://app.example.com/callback", "codeVerifier": "verifier-1"}

for region, fips, tag in [("us-east-1", False, "us-east-1"), ("us-east-1", True, "fips"),
                          ("cn-north-1", False, "cn"), ("us-gov-west-1", False, "gov")]:
    request(f"{tag}-register-client", "sso-oidc", "RegisterClient", REGISTER_DEVICE, region, fips)
    request(f"{tag}-create-token-with-iam-jwt-bearer", "sso-oidc", "CreateTokenWithIAM", IAM_JWT,
            region, fips, "keys")
    request(f"{tag}-get-role-credentials", "sso", "GetRoleCredentials",
            {"roleName": "ReadOnly", "accountId": "123456789012", "accessToken": BEARER}, region, fips)

request("register-client-minimal", "sso-oidc", "RegisterClient",
        {"clientName": "n", "clientType": "public"})
request("register-client-pkce", "sso-oidc", "RegisterClient", REGISTER_PKCE)
request("start-device-authorization", "sso-oidc", "StartDeviceAuthorization", START)
request("create-token-device-code", "sso-oidc", "CreateToken", TOKEN_DEVICE)
request("create-token-refresh-token", "sso-oidc", "CreateToken", TOKEN_REFRESH)
request("create-token-authorization-code", "sso-oidc", "CreateToken", TOKEN_CODE)
request("create-token-with-scope", "sso-oidc", "CreateToken",
        dict(TOKEN_REFRESH, scope=["sso:account:access", "openid"]))
request("create-token-non-ascii", "sso-oidc", "CreateToken",
        {"clientId": "cïd", "clientSecret": "c\"s\\ec\u2603\U0001F600", "grantType": DEVICE,
         "deviceCode": "d/c+=\n"})
request("create-token-with-iam-jwt-bearer-session-token", "sso-oidc", "CreateTokenWithIAM",
        IAM_JWT, credentials="session")
request("create-token-with-iam-token-exchange", "sso-oidc", "CreateTokenWithIAM", IAM_EXCHANGE,
        credentials="keys")
request("create-token-with-iam-refresh-token", "sso-oidc", "CreateTokenWithIAM", IAM_REFRESH,
        credentials="session")
request("create-token-with-iam-authorization-code", "sso-oidc", "CreateTokenWithIAM", IAM_CODE,
        region="eu-west-1", credentials="keys")
request("list-accounts", "sso", "ListAccounts", {"accessToken": BEARER})
request("list-accounts-page", "sso", "ListAccounts",
        {"accessToken": BEARER, "nextToken": "AAMA-EFRSURBSGh/ZW5+dA==", "maxResults": 50})
request("list-account-roles", "sso", "ListAccountRoles",
        {"accessToken": BEARER, "accountId": "123456789012"})
request("list-account-roles-page", "sso", "ListAccountRoles",
        {"accessToken": BEARER, "accountId": "123456789012", "nextToken": "n t&x=1", "maxResults": 1})
request("get-role-credentials-odd-role", "sso", "GetRoleCredentials",
        {"roleName": "Admin+Role/é", "accountId": "123456789012", "accessToken": BEARER})
request("logout", "sso", "Logout", {"accessToken": BEARER})

# ---------------------------------------------------------------------------
# Answers: (name, service, operation, status, headers, body)
# ---------------------------------------------------------------------------

ANSWERS = []


def answer(name, service, operation, status, headers, body):
    ANSWERS.append({"name": name, "service": service, "operation": operation, "status": status,
                    "headers": headers, "body": body})


JSON = {"Content-Type": "application/json", "x-amzn-RequestId": "rid-1"}
CORAL = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"

# shape, OAuth error, status, an operation that lists it, extra body members
OIDC_ERRORS = [
    ("AccessDeniedException", "access_denied", 400, "CreateToken", {"reason": "KMS_AccessDeniedException"}),
    ("AuthorizationPendingException", "authorization_pending", 400, "CreateToken", {}),
    ("ExpiredTokenException", "expired_token", 400, "CreateToken", {}),
    ("InternalServerException", "server_error", 500, "CreateToken", {}),
    ("InvalidClientException", "invalid_client", 401, "StartDeviceAuthorization", {}),
    ("InvalidClientMetadataException", "invalid_client_metadata", 400, "RegisterClient", {}),
    ("InvalidGrantException", "invalid_grant", 400, "CreateToken", {}),
    ("InvalidRedirectUriException", "invalid_redirect_uri", 400, "RegisterClient", {}),
    ("InvalidRequestException", "invalid_request", 400, "CreateToken", {"reason": "KMS_NotFoundException"}),
    ("InvalidRequestRegionException", "invalid_request", 400, "CreateTokenWithIAM",
     {"endpoint": "https://oidc.eu-west-1.amazonaws.com", "region": "eu-west-1"}),
    ("InvalidScopeException", "invalid_scope", 400, "CreateToken", {}),
    ("SlowDownException", "slow_down", 400, "CreateToken", {}),
    ("UnauthorizedClientException", "unauthorized_client", 400, "CreateToken", {}),
    ("UnsupportedGrantTypeException", "unsupported_grant_type", 400, "CreateToken", {}),
]
for shape, oauth, status, operation, extra in OIDC_ERRORS:
    body = json.dumps(dict({"error": oauth, "error_description": f"{shape} described"}, **extra),
                      separators=(",", ":"))
    answer(f"oidc-{shape}-header", "sso-oidc", operation, status,
           dict(JSON, **{"x-amzn-ErrorType": shape + CORAL}), body)
    answer(f"oidc-{shape}-oauth-only", "sso-oidc", operation, status, JSON, body)

PORTAL_ERRORS = [
    ("InvalidRequestException", 400), ("UnauthorizedException", 401),
    ("ResourceNotFoundException", 404), ("TooManyRequestsException", 429),
]
for shape, status in PORTAL_ERRORS:
    body = json.dumps({"message": f"{shape} message"}, separators=(",", ":"))
    answer(f"sso-{shape}-header", "sso", "GetRoleCredentials", status,
           dict(JSON, **{"x-amzn-ErrorType": shape}), body)
    answer(f"sso-{shape}-no-header", "sso", "GetRoleCredentials", status, JSON, body)

answer("oidc-type-in-body", "sso-oidc", "CreateToken", 400, JSON,
       '{"__type":"com.amazonaws.ssooidc#SlowDownException","error":"slow_down"}')
answer("oidc-code-in-body", "sso-oidc", "CreateToken", 400, JSON,
       '{"code":"InvalidGrantException","error_description":"bad grant"}')
answer("oidc-unmodelled-header", "sso-oidc", "CreateToken", 400,
       dict(JSON, **{"x-amzn-ErrorType": "ValidationException" + CORAL}),
       '{"message":"1 validation error"}')
answer("oidc-throttling-429", "sso-oidc", "CreateToken", 429,
       dict(JSON, **{"x-amzn-ErrorType": "ThrottlingException"}), '{"message":"Rate exceeded"}')
answer("oidc-429-empty-body", "sso-oidc", "StartDeviceAuthorization", 429, {}, "")
answer("sso-429-unmodelled", "sso", "ListAccounts", 429, JSON, '{"message":"Too Many Requests"}')
answer("oidc-503-html", "sso-oidc", "CreateToken", 503, {"Content-Type": "text/html"},
       "<html><body><h1>503 Service Unavailable</h1></body></html>")
answer("oidc-502-empty", "sso-oidc", "RegisterClient", 502, {}, "")
answer("sso-500-html", "sso", "GetRoleCredentials", 500, {"Content-Type": "text/html"},
       "<html>Internal Server Error</html>")
answer("oidc-504-json-server-error", "sso-oidc", "CreateToken", 504, JSON,
       '{"error":"server_error","error_description":"gateway"}')
answer("oidc-request-timeout", "sso-oidc", "CreateToken", 408,
       dict(JSON, **{"x-amzn-ErrorType": "RequestTimeoutException"}), '{"message":"timeout"}')
answer("oidc-403-html", "sso-oidc", "CreateToken", 403, {"Content-Type": "text/html"},
       "<html>Forbidden</html>")

answer("ok-register-client", "sso-oidc", "RegisterClient", 200, JSON,
       '{"authorizationEndpoint":null,"clientId":"ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ",'
       '"clientIdIssuedAt":1767552707,"clientSecret":"eyJraWQiOiJrZXktMTU2NDAyODA5OSJ9.e30.sig",'
       '"clientSecretExpiresAt":1775328707,"tokenEndpoint":null}')
answer("ok-start-device-authorization", "sso-oidc", "StartDeviceAuthorization", 200, JSON,
       '{"deviceCode":"MCicoYO9Oyl33l8b","expiresIn":600,"interval":1,"userCode":"GPNW-SHFH",'
       '"verificationUri":"https://d-1234567890.awsapps.com/start/#/device",'
       '"verificationUriComplete":"https://d-1234567890.awsapps.com/start/#/device?user_code=GPNW-SHFH"}')
answer("ok-start-device-authorization-nulls", "sso-oidc", "StartDeviceAuthorization", 200, JSON,
       '{"deviceCode":"dc","userCode":"U","verificationUri":"https://x/","interval":null,'
       '"verificationUriComplete":null,"newMember":{"a":[1,2]}}')
answer("ok-create-token", "sso-oidc", "CreateToken", 200, JSON,
       '{"accessToken":"aoaAAAAAGexample","expiresIn":3600,"refreshToken":"aorvJYubGexample",'
       '"tokenType":"Bearer"}')
answer("ok-create-token-no-refresh", "sso-oidc", "CreateToken", 200, JSON,
       '{"accessToken":"at","expiresIn":28800,"idToken":null,"tokenType":"Bearer"}')
answer("ok-create-token-with-iam", "sso-oidc", "CreateTokenWithIAM", 200, JSON,
       '{"accessToken":"at","tokenType":"Bearer","expiresIn":3600,"refreshToken":"rt",'
       '"idToken":"eyJhbGciOi.e30.sig","issuedTokenType":"urn:ietf:params:oauth:token-type:refresh_token",'
       '"scope":["openid","aws","sts:identity_context"],'
       '"awsAdditionalDetails":{"identityContext":"EXAMPLEIDENTITYCONTEXT"}}')
answer("ok-get-role-credentials", "sso", "GetRoleCredentials", 200, JSON,
       '{"roleCredentials":{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"secret",'
       '"sessionToken":"token","expiration":1768482000000}}')
answer("ok-list-accounts", "sso", "ListAccounts", 200, JSON,
       '{"nextToken":"page2","accountList":[{"accountId":"123456789012","accountName":"prod",'
       '"emailAddress":"prod@example.com"},{"accountId":"210987654321"}]}')
answer("ok-list-accounts-last-page", "sso", "ListAccounts", 200, JSON,
       '{"nextToken":null,"accountList":[]}')
answer("ok-list-account-roles", "sso", "ListAccountRoles", 200, JSON,
       '{"roleList":[{"roleName":"ReadOnly","accountId":"123456789012"},{"roleName":"Admin"}]}')
answer("ok-logout", "sso", "Logout", 200, {}, "")
answer("ok-logout-json", "sso", "Logout", 200, JSON, "{}")
answer("oidc-200-oauth-error", "sso-oidc", "CreateToken", 200, JSON,
       '{"error":"authorization_pending","error_description":"pending"}')

# ---------------------------------------------------------------------------
# Caches
# ---------------------------------------------------------------------------

CACHE_KEYS = ["my-sso", "dev", "sso session with spaces", "séssion-ü", "🚀",
              "https://d-1234567890.awsapps.com/start",
              "https://d-1234567890.awsapps.com/start/", "https://d-1234567890.awsapps.com/start#/"]

# The token file botocore's SSOTokenProvider refreshes, before and after.
CACHED_TOKEN = {
    "startUrl": "https://d-1234567890.awsapps.com/start",
    "region": "us-east-1",
    "accessToken": "old-access-token",
    "expiresAt": "2026-01-15T12:05:00Z",
    "clientId": "ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ",
    "clientSecret": "eyJraWQiOiJrZXktMTU2NDAyODA5OSJ9.e30.sig",
    "registrationExpiresAt": "2026-04-04T18:51:47Z",
    "refreshToken": "old-refresh-token",
}
REFRESH_ANSWERS = {
    "with-refresh-token": '{"accessToken":"new-access-token","expiresIn":28800,'
                          '"refreshToken":"new-refresh-token","tokenType":"Bearer"}',
    "without-refresh-token": '{"accessToken":"new-access-token-2","expiresIn":3600,'
                             '"tokenType":"Bearer","idToken":null}',
}

# ---------------------------------------------------------------------------
# Child: runs inside the reference venv.
# ---------------------------------------------------------------------------


def child_main():
    import socket

    def _no_network(*args, **kwargs):
        raise OSError("network disabled in wire_fixtures.py")

    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network
    socket.create_connection = _no_network

    import datetime
    import hashlib

    import botocore
    import botocore.auth
    import botocore.session
    import botocore.tokens
    import botocore.utils
    from botocore import UNSIGNED
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config
    from botocore.exceptions import ClientError
    from botocore.retries import standard

    fixed = datetime.datetime(*FIXED_NOW)
    # botocore.auth reads the clock through get_current_datetime (imported from compat).
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: (
        fixed if remove_tzinfo else fixed.replace(tzinfo=datetime.timezone.utc))

    class _Body:
        def __init__(self, data):
            self._data = data

        def stream(self, **kwargs):
            yield self._data

        def read(self, *a, **k):
            return self._data

    sent = []
    reply = {"status": 200, "headers": {"Content-Type": "application/json"}, "body": b"{}"}

    def on_send(request, **kwargs):
        sent.append(request)
        return AWSResponse(request.url, reply["status"], reply["headers"], _Body(reply["body"]))

    def text(value):
        return value.decode("utf-8") if isinstance(value, bytes) else value

    session = botocore.session.Session()
    out = {"botocore": botocore.__version__, "requests": [], "answers": [], "cache": {}}

    # --- Requests ---------------------------------------------------------
    header_names = ["Content-Type", "x-amz-sso_bearer_token", "X-Amz-Date",
                    "X-Amz-Security-Token", "Authorization"]
    for spec in REQUESTS:
        kwargs = {"region_name": spec["region"],
                  "config": Config(retries={"total_max_attempts": 1},
                                   use_fips_endpoint=spec["fips"])}
        if spec["credentials"] is None:
            kwargs["config"] = kwargs["config"].merge(Config(signature_version=UNSIGNED))
        else:
            kwargs["aws_access_key_id"] = ACCESS_KEY
            kwargs["aws_secret_access_key"] = SECRET_KEY
            if spec["credentials"] == "session":
                kwargs["aws_session_token"] = SESSION_TOKEN
        client = session.create_client(spec["service"], **kwargs)
        client.meta.events.register("before-send", on_send)
        sent.clear()
        reply.update(status=200, headers={"Content-Type": "application/json"}, body=b"{}")
        method = botocore.xform_name(spec["operation"])
        # botocore writes the body members in the order the caller passes them; pass
        # them in the model's member order, the order core's structs declare them in.
        members = list(client.meta.service_model.operation_model(spec["operation"]).input_shape.members)
        params = {m: spec["params"][m] for m in members if m in spec["params"]}
        assert len(params) == len(spec["params"]), spec["name"]
        getattr(client, method)(**params)
        req = sent[-1]
        from urllib.parse import urlsplit

        url = urlsplit(req.url)
        body = req.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {}
        for h in header_names:
            v = req.headers.get(h)
            headers[h] = None if v is None else text(v)
        entry = dict(spec)
        entry["expected"] = {
            "method": req.method,
            "url": req.url,
            "host": url.netloc,
            "path": url.path,
            "query": url.query or None,
            "body": body.decode("utf-8"),
            # The same JSON without botocore's spaces and \u escapes (see README).
            "body_compact": (json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
                             if body else ""),
            "headers": headers,
            "signing_region": None,
        }
        if headers["Authorization"]:
            scope = headers["Authorization"].split("Credential=", 1)[1].split(",", 1)[0].split("/")
            entry["expected"]["signing_region"] = scope[2]
        out["requests"].append(entry)

    # --- Answers ----------------------------------------------------------
    clients = {}
    for spec in ANSWERS:
        service = spec["service"]
        if service not in clients:
            c = session.create_client(service, region_name="us-east-1",
                                      config=Config(signature_version=UNSIGNED,
                                                    retries={"total_max_attempts": 1}))
            c.meta.events.register("before-send", on_send)
            clients[service] = c
        client = clients[service]
        op_model = client.meta.service_model.operation_model(spec["operation"])
        params = {}
        for member in op_model.input_shape.required_members if op_model.input_shape else []:
            params[member] = "x"
        reply.update(status=spec["status"], headers=spec["headers"], body=spec["body"].encode())
        expected = {}
        try:
            result = getattr(client, botocore.xform_name(spec["operation"]))(**params)
            result.pop("ResponseMetadata", None)
            expected["output"] = json.loads(json.dumps(result, default=lambda o: o.isoformat()))
            expected["error"] = None
        except ClientError as exc:
            err = exc.response.get("Error", {})
            http_response = AWSResponse("https://x/", spec["status"], spec["headers"],
                                        _Body(spec["body"].encode()))
            context = standard.RetryContext(attempt_number=1, operation_model=op_model,
                                            parsed_response=exc.response,
                                            http_response=http_response)
            retryable = standard.StandardRetryConditions(max_attempts=3).is_retryable(context)
            throttling = standard.ThrottlingErrorDetector(None).is_throttling_error_from_context(context)
            expected["output"] = None
            expected["error"] = {
                "code": err.get("Code"),
                "message": err.get("Message"),
                "retry": ("throttling" if throttling else "transient") if retryable else "never",
            }
        entry = dict(spec)
        entry["expected"] = expected
        out["answers"].append(entry)

    # --- Caches -----------------------------------------------------------
    loader = botocore.utils.SSOTokenLoader(cache={})
    out["cache"]["keys"] = [{"name": k, "key": loader._generate_cache_key(k, None)}
                            for k in CACHE_KEYS]
    for item in out["cache"]["keys"]:
        assert item["key"] == hashlib.sha1(item["name"].encode()).hexdigest()

    refreshes = []
    for tag, body in REFRESH_ANSWERS.items():
        home = tempfile.mkdtemp(prefix="wire-fixtures-")
        try:
            config = os.path.join(home, "config")
            with open(config, "w") as f:
                f.write("[profile dev]\nsso_session = my-sso\n\n[sso-session my-sso]\n"
                        f"sso_start_url = {CACHED_TOKEN['startUrl']}\nsso_region = us-east-1\n"
                        "sso_registration_scopes = sso:account:access\n")
            cache_dir = os.path.join(home, "cache")
            tsession = botocore.session.Session(profile="dev")
            tsession.set_config_variable("config_file", config)
            tsession.register("before-send", on_send)
            cache = botocore.utils.JSONFileCache(cache_dir, dumps_func=botocore.tokens._sso_json_dumps)
            key = loader._generate_cache_key(None, "my-sso")
            before = json.dumps(CACHED_TOKEN)
            os.makedirs(cache_dir)
            with open(os.path.join(cache_dir, key + ".json"), "w") as f:
                f.write(before)
            provider = botocore.tokens.SSOTokenProvider(
                tsession, cache=cache,
                time_fetcher=lambda: fixed.replace(tzinfo=datetime.timezone.utc))
            sent.clear()
            reply.update(status=200, headers={"Content-Type": "application/json"}, body=body.encode())
            token = provider.load_token().get_frozen_token()
            with open(os.path.join(cache_dir, key + ".json"), encoding="utf-8") as f:
                after = f.read()
            req = sent[-1]
            refreshes.append({
                "name": tag,
                "key": key,
                "before": before,
                "answer": body,
                "request_body": req.body.decode() if isinstance(req.body, bytes) else req.body,
                "url": req.url,
                "token": token.token,
                "after": after,
            })
        finally:
            shutil.rmtree(home, ignore_errors=True)
    out["cache"]["now"] = "%04d-%02d-%02dT%02d:%02d:%02dZ" % FIXED_NOW
    out["cache"]["refresh"] = refreshes
    json.dump(out, sys.stdout)


# ---------------------------------------------------------------------------
# Parent
# ---------------------------------------------------------------------------


def check_tables():
    for table in (REQUESTS, ANSWERS):
        names = [c["name"] for c in table]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            sys.exit(f"duplicate case names: {dupes}")


def generate():
    check_tables()
    from fixture_file import find_python  # the parent only (see main)
    python = find_python(REPO_ROOT, BOTOCORE_VERSION)
    home = tempfile.mkdtemp(prefix="wire-fixtures-home-")
    try:
        # A clean environment: no AWS_* variables, an empty HOME (no ~/.aws).
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home}
        proc = subprocess.run([python, "-I", os.path.abspath(__file__), "--child"],
                              capture_output=True, text=True, env=env, cwd=home, timeout=300)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit(f"child failed ({proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout)
    if result.pop("botocore") != BOTOCORE_VERSION:
        sys.exit(f"expected botocore {BOTOCORE_VERSION}: rerun setup.sh")
    document = {"generator": GENERATOR, "botocore": BOTOCORE_VERSION,
                "now": result["cache"].pop("now"),
                "credentials": {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY,
                                "session_token": SESSION_TOKEN},
                "requests": result["requests"], "answers": result["answers"],
                "cache": result["cache"]}
    return dump(document)


def dump(document):
    """Deterministic and compact: one line per case, so a diff names the case."""
    def one(value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = ["{"]
    keys = list(document)
    for i, key in enumerate(keys):
        value = document[key]
        end = "," if i + 1 < len(keys) else ""
        if isinstance(value, list):
            lines.append(f" {one(key)}:[")
            lines.extend(f"  {one(item)}{',' if j + 1 < len(value) else ''}"
                         for j, item in enumerate(value))
            lines.append(f" ]{end}")
        elif isinstance(value, dict) and key == "cache":
            lines.append(f" {one(key)}:{{")
            sub = list(value)
            for j, name in enumerate(sub):
                items = value[name]
                lines.append(f"  {one(name)}:[")
                lines.extend(f"   {one(item)}{',' if k + 1 < len(items) else ''}"
                             for k, item in enumerate(items))
                lines.append(f"  ]{',' if j + 1 < len(sub) else ''}")
            lines.append(f" }}{end}")
        else:
            lines.append(f" {one(key)}:{one(value)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    if "--child" in sys.argv[1:]:
        child_main()
        return 0
    # Imported here, not at the top: the child runs with `python -I`, which does not put this
    # folder on the path, and it never gets this far.
    from fixture_file import generator_main
    return generator_main(__doc__, generate, output=OUTPUT, repo_root=REPO_ROOT,
                          generator=GENERATOR, counts=lambda: f"{len(REQUESTS)} requests, {len(ANSWERS)} answers")


if __name__ == "__main__":
    sys.exit(main())
