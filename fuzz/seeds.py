#!/usr/bin/env python3
"""Writes the seed corpora of the byte-framed fuzz targets into fuzz/corpus/<target>/ from the
spec's vectors (shared/spec/aws-sso-oidc.md sections 6.1, 6.3, 6.4, 8.1-8.5 and 8.8), the SSO
portal's (docs/protocol/portal.md#vectors, docs/protocol/caches.md#role-credential-cache) and the
test fixtures. Run it again after changing a vector; the files are committed.

The response framing is the one documented in fuzz/src/lib.rs: status (2 bytes, big-endian,
minus 100), header count, per header a selector (0 x-amzn-errortype, 1 x-amzn-requestid,
2 content-type, 3 x-amz-request-id) with a length-prefixed value, then the raw body.

The sanitiser and browser-URL targets (terminal_text, browser_url) are seeded with the hostile
strings of issue 17; callback_parse with loopback requests and request targets.

The targets with `arbitrary` inputs (device_machine, refresh_machine, authcode_machine,
endpoint, emulator_request) are seeded with a minimized handful of what the fuzzer found
instead.
"""

import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CORAL = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
REQUEST_ID = "8d2e1d3a-6f5b-4c4e-9b7a-2f1e0d9c8b7a"

SUCCESSES = [
    '{"authorizationEndpoint":null,"clientId":"ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ","clientIdIssuedAt":1767552707,"clientSecret":"eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.eyJzZXJpYWxpemVkIjoi...","clientSecretExpiresAt":1775328707,"tokenEndpoint":null}',
    '{"deviceCode":"MCicoYO9Oyl33l8b_iFkAdjZprJRa6pFaWuy92kIcdELERSbqKU6tDX2FadykkoGDOlVc0ZuoZ6e53sf5rONNw","expiresIn":600,"interval":1,"userCode":"GPNW-SHFH","verificationUri":"https://d-1234567890.awsapps.com/start/#/device","verificationUriComplete":"https://d-1234567890.awsapps.com/start/#/device?user_code=GPNW-SHFH"}',
    '{"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://x/","verificationUriComplete":"https://x/?user_code=ABCD-EFGH","expiresIn":600}',
    '{"accessToken":"aoaAAAAAGexample","expiresIn":3600,"refreshToken":"aorvJYubGexample","tokenType":"Bearer"}',
    '{"accessToken":"at","expiresIn":28800,"idToken":null,"tokenType":"Bearer"}',
    '{"accessToken":"at","tokenType":"Bearer","expiresIn":3600,"refreshToken":"rt","idToken":"eyJhbGciOi...","issuedTokenType":"urn:ietf:params:oauth:token-type:refresh_token","scope":["openid","aws","sts:identity_context"],"awsAdditionalDetails":{"identityContext":"EXAMPLEIDENTITYCONTEXT"}}',
]

# (status, x-amzn-errortype or None, body): spec 8.5 E1-E15 and I1-I8.
ERRORS = [
    (400, "AuthorizationPendingException" + CORAL, '{"error":"authorization_pending","error_description":"Authorization is still pending"}'),
    (400, "SlowDownException" + CORAL, '{"error":"slow_down","error_description":"Client is polling too frequently"}'),
    (400, "ExpiredTokenException" + CORAL, '{"error":"expired_token","error_description":"Device code has expired"}'),
    (400, "AccessDeniedException" + CORAL, '{"error":"access_denied","error_description":"User denied the request"}'),
    (400, "AccessDeniedException" + CORAL, '{"error":"access_denied","reason":"KMS_AccessDeniedException","error_description":"KMS key access denied"}'),
    (401, "InvalidClientException" + CORAL, '{"error":"invalid_client","error_description":"Invalid client secret"}'),
    (400, "InvalidGrantException" + CORAL, '{"error":"invalid_grant","error_description":"Invalid grant provided"}'),
    (400, "InvalidRequestException" + CORAL, '{"error":"invalid_request","reason":"KMS_DisabledException","error_description":"KMS key is disabled"}'),
    (400, "InvalidRequestRegionException" + CORAL, '{"error":"invalid_request","error_description":"Token was issued in another region","endpoint":"https://oidc.us-west-2.amazonaws.com","region":"us-west-2"}'),
    (400, "InvalidScopeException" + CORAL, '{"error":"invalid_scope","error_description":"Invalid scope requested"}'),
    (400, "InvalidClientMetadataException" + CORAL, '{"error":"invalid_client_metadata","error_description":"Unsupported client type"}'),
    (400, "InvalidRedirectUriException" + CORAL, '{"error":"invalid_redirect_uri","error_description":"Redirect URI not allowed"}'),
    (400, "UnauthorizedClientException" + CORAL, '{"error":"unauthorized_client","error_description":"Client not authorized for this grant"}'),
    (400, "UnsupportedGrantTypeException" + CORAL, '{"error":"unsupported_grant_type","error_description":"Unsupported grant type"}'),
    (500, "InternalServerException" + CORAL, '{"error":"server_error","error_description":"An internal error occurred"}'),
    (400, None, '{"__type":"com.amazonaws.ssooidc#SlowDownException","error":"slow_down"}'),
    (400, None, '{"code":"ExpiredTokenException","error":"expired_token","error_description":"x"}'),
    (401, "InvalidClientException", '{"error":"invalid_client"}'),
    (400, "com.amazonaws.ssooidc#SlowDownException:http://x/", "{}"),
    (400, "AuthorizationPendingException", '{"__type":"Other","code":"Other2"}'),
    (400, None, '{"error":"invalid_grant","error_description":"x"}'),
    (500, None, '{"error":"server_error","error_description":"boom"}'),
    (400, None, "not json"),
    (503, None, "<html>busy</html>"),
    (429, None, ""),
    (200, None, '{"error":"authorization_pending"}'),
]

CONFIGS = [
    """# Comments go on their own lines. botocore's parser does not strip inline "# ..." after a value.
# Use "[default]" for the default profile.
[profile dev]
# sso-session (token provider) form:
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = ReadOnly
# region for ordinary service calls; NOT used for OIDC:
region = us-west-2

# sso-session sections exist only in ~/.aws/config, never in ~/.aws/credentials
[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
# region of the OIDC and portal endpoints:
sso_region = us-east-1
sso_registration_scopes = sso:account:access

# legacy, non-refreshable form (no sso_session):
[profile legacy]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly
""",
    """[default]
sso_session = my-sso

[profile local]
sso_session = my-sso
services = local-oidc
endpoint_url = http://127.0.0.1:9
ignore_configured_endpoint_urls = false

[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access, codewhisperer:completions ,,

[services local-oidc]
sso_oidc =
  endpoint_url = http://127.0.0.1:4566
""",
    "[profile p]\nsso_session = s\nsso_region = us-west-2\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n",
    "[profile p]\nsso_session = nope\n[profile q]\nregion = x\n[profile r]\nsso_start_url = https://x\n[sso-session s]\nsso_region = us-east-1\n",
    "[profile gov]\nsso_start_url: https://start.us-gov-home.awsapps.com/directory/d-1\nsso_region: us-gov-west-1\nsso_account_id: 1\nsso_role_name: R\n  continued\n; comment\n",
    "[profile a]\nsso_region = x\nnot a setting\n",
]

TOKENS = [
    '{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "aoaAAAAA...", "expiresAt": "2026-01-15T18:30:00Z", "clientId": "ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ", "clientSecret": "eyJraWQiOi...", "registrationExpiresAt": "2026-04-15T10:00:00Z", "refreshToken": "aorvJYub..."}',
    '{"accessToken":"a","expiresAt":"2024-01-01T00:00:00.000Z","zeta":{"n":1},"alpha":[true]}',
    '{"accessToken":"a","expiresAt":"2021-12-07T01:19:12UTC","region":null,"n":1.5e3,"u":"\\u00e9\\ud83d\\ude00"}',
    '{"clientId": "cid", "clientSecret": "sec", "expiresAt": "2026-04-04T18:51:47Z", "scopes": ["sso:account:access"]}',
    '{"clientId":"c","clientSecret":"s","expiresAt":"2026-01-01T01:00:00Z","grantTypes":["authorization_code","refresh_token"],"scopes":["sso:account:access"]}',
    '{"accessToken":"a","expiresAt":"2022-02-23T21:56:47+00:00","clientId":"c","clientSecret":"s","expiresAt2":"x"}',
]

PORTAL = ":http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"

# The SSO portal (docs/protocol/portal.md#vectors): answers, then errors.
PORTAL_SUCCESSES = [
    '{"roleCredentials":{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE==","expiration":1768503600000}}',
    '{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":-62167219200001}}',
    '{"nextToken":"p2","accountList":[{"accountId":"111122223333","accountName":"Development","emailAddress":"dev@example.com"},{"accountId":"444455556666"}]}',
    '{"roleList":[{"roleName":"ReadOnly","accountId":"111122223333"}],"nextToken":null}',
    '{"accountList":null,"nextToken":""}',
    "",
]
PORTAL_ERRORS = [
    (401, "UnauthorizedException" + PORTAL, '{"message":"Session token not found or invalid"}'),
    (429, "TooManyRequestsException" + PORTAL, '{"message":"Rate exceeded"}'),
    (404, "ResourceNotFoundException", '{"message":"Not found"}'),
    (400, "InvalidRequestException" + PORTAL, '{"message":"1 validation error detected"}'),
    (403, "ForbiddenException", '{"message":"No access"}'),
    (429, None, '{"message":"Rate exceeded"}'),
]

# ~/.aws/cli/cache entries (docs/protocol/caches.md#role-credential-cache) and lock records.
ROLE_CACHE = [
    '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE==", "Expiration": "2026-01-15T19:00:00Z", "AccountId": "123456789012"}}',
    '{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2022-02-23T21:56:47+00:00"}, "AssumedRoleUser": {}, "ProviderType": "assume-role"}',
    '{"lastRefreshAttempt": 1700000000}',
    "1700000000",
]

TIMESTAMPS = [
    "2021-12-07T01:19:12Z",
    "2021-12-07T01:19:12.000Z",
    "2021-12-07T01:19:12+00:00",
    "2021-12-07T01:19:12UTC",
    "2021-12-07T01:19:12 UTC",
    "2021-12-07t01:19:12z",
    "2021-12-07 01:19:12Z",
    "2021-12-07T03:19:12+02:00",
    " 2021-12-07T01:19:12Z\n",
    "2024-01-01T00:00:00.000Z",
    "2022-02-23T21:56:47+00:00",
    "2026-04-04T18:51:47Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
]

# Strings from servers and files that reach a terminal (issue 17, finding 9).
TERMINAL_TEXTS = [
    "ABCD-EFGH",
    "https://d-1234567890.awsapps.com/start/#/device",
    "AB\x1b]0;pwned\x07CD",
    "https://x/\x1b[2J\x1b[H\x1b[31mred",
    "nope\nSuccessfully logged into Start URL: https://fake\r",
    "\u009b31m\u202eevil\u2066x\u2069\u2028\u061c",
    "caf\u00e9 \u65e5\u672c \u2713\t\x7f\x00",
]

# verificationUriComplete values (issue 17, findings 8 and 15).
BROWSER_URLS = [
    "https://d-1234567890.awsapps.com/start/#/device?user_code=GPNW-SHFH",
    "https://us-east-1.signin.aws/platform/authorize?request_uri=abc%20d",
    "http://127.0.0.1:54321/oauth/callback?code=c&state=s",
    "http://[::1]:80/x",
    "http://localhost:4566/device",
    "HTTPS://user@host.example/",
    "--new-window=/tmp/x",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://evil.localhost/",
    "http://127.0.0.1.evil.com/",
    "https://x/\x1b[2J",
]


# What reaches the browser login's loopback listener (docs/protocol/authorization-code.md#callback):
# whole requests as a browser sends them, and bare request targets.
STATE = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"
CALLBACK_TARGETS = [
    f"/oauth/callback?code=the-code&state={STATE}",
    f"/oauth/callback?error=access_denied&error_description=User+denied+the%20request&state={STATE}",
    "/oauth/callback?error=invalid_scope",
    "/oauth/callback?code=the-code&state=00000000-0000-4000-8000-000000000000",
    f"/oauth/callback?state={STATE}&code=a%2Bb+c&code=second",
    "/favicon.ico",
    "/",
]
CALLBACKS = [
    f"GET {t} HTTP/1.1\r\nHost: 127.0.0.1:54321\r\nUser-Agent: Mozilla/5.0\r\n"
    "Accept: text/html\r\nConnection: keep-alive\r\n\r\n"
    for t in CALLBACK_TARGETS
] + CALLBACK_TARGETS + [
    "POST /oauth/callback HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    f"GET /oauth/callback?code=c&state={STATE} HTTP/1.0\r\n\r\n",
    "GET /oauth/callback?code=",
    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
]


# The standard OAuth 2.0 dialect (RFC 8628, RFC 6749 and the providers' rules of
# docs/protocol/oauth.md): (status, content type, body).
OAUTH = [
    (200, "application/json", '{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT","expires_in":1800,"interval":5}'),
    (200, "application/json", '{"device_code":"4/4-GMMhmHCX","user_code":"GQVQ-JKEC","verification_url":"https://www.google.com/device","expires_in":1800,"interval":5}'),
    (200, "application/json", '{"user_code":"DM5JYTAC8","device_code":"DAQABAAEAAAD","verification_url":"https://microsoft.com/devicelogin","expires_in":"900","interval":"5"}'),
    (200, "application/json;charset=UTF-8", '{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value"}'),
    (200, "application/json", '{"access_token":"a","token_type":"Bearer","expires_in":3599,"scope":"openid offline_access","id_token":"eyJ.x.y","refresh_token":"r"}'),
    (200, "application/json", '{"token_type":"Bearer","scope":"user_impersonation","expires_in":"3599","ext_expires_in":"3599","access_token":"eyJ0eXAi","refresh_token":"0.AAAA"}'),
    (200, "application/json", '{"access_token":"a","token_type":"Bearer","scope":["openid","aws"]}'),
    (200, "application/x-www-form-urlencoded; charset=utf-8", "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer"),
    (200, "application/x-www-form-urlencoded", "device_code=3584d&user_code=WDJB-MJHT&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice&expires_in=900&interval=5"),
    (200, "application/x-www-form-urlencoded", "error=authorization_pending&error_description=The+authorization+request+is+still+pending."),
    (200, "application/json", '{"error":"slow_down","error_description":"Too many requests","interval":10}'),
    (400, "application/json", '{"error":"authorization_pending"}'),
    (400, "application/json", '{"error":"slow_down"}'),
    (400, "application/json", '{"error":"access_denied"}'),
    (400, "application/json", '{"error":"expired_token"}'),
    (400, "application/json;charset=UTF-8", '{"error":"invalid_request"}'),
    (401, "application/json", '{"error":"invalid_client","error_description":"client authentication failed"}'),
    (400, "application/json", '{"error":"invalid_grant","error_description":"Token is not active"}'),
    (428, "application/json", '{"error":"authorization_pending"}'),
    (403, "application/json", '{"error":"access_denied","error_description":"user declined"}'),
    (200, "application/json", '{"error":"incorrect_device_code","error_description":"The device_code provided is not valid.","error_uri":"https://docs.github.com"}'),
    (503, "text/html", "<html>busy</html>"),
]

# (configured issuer, discovery document).
DISCOVERY = [
    ("https://server.example.com", '{"issuer":"https://server.example.com","authorization_endpoint":"https://server.example.com/authorize","token_endpoint":"https://server.example.com/token","token_endpoint_auth_methods_supported":["client_secret_basic","private_key_jwt"],"scopes_supported":["openid","profile","email","address","phone","offline_access"],"response_types_supported":["code","code token"]}'),
    ("https://sso.example.com/realms/dev", '{"issuer":"https://sso.example.com/realms/dev","device_authorization_endpoint":"https://sso.example.com/realms/dev/protocol/openid-connect/auth/device","token_endpoint":"https://sso.example.com/realms/dev/protocol/openid-connect/token","grant_types_supported":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:device_code"]}'),
    ("https://accounts.google.com", '{"issuer":"https://accounts.google.com","device_authorization_endpoint":"https://oauth2.googleapis.com/device/code","token_endpoint":"https://oauth2.googleapis.com/token"}'),
    ("https://tenant.eu.auth0.com/", '{"issuer":"https://tenant.eu.auth0.com/","device_authorization_endpoint":"https://tenant.eu.auth0.com/oauth/device/code","token_endpoint":"https://tenant.eu.auth0.com/oauth/token","token_endpoint_auth_methods_supported":["client_secret_post"]}'),
    ("https://idp.example.com", '{"issuer":"https://attacker.example","device_authorization_endpoint":"https://attacker.example/d","token_endpoint":"https://attacker.example/t"}'),
    ("http://127.0.0.1:8080", '{"issuer":"http://127.0.0.1:8080","device_authorization_endpoint":"http://127.0.0.1:8080/device/auth","token_endpoint":"http://127.0.0.1:8080/token"}'),
    ("https://idp.example.com", '{"issuer":"https://idp.example.com","device_authorization_endpoint":"http://idp.example.com/d","token_endpoint":"https://idp.example.com/t"}'),
]


# Files of the `ssooidc oauth` cache (cache_files target).
OAUTH_CACHE = [
    '{"provider":"https://idp.example.com","client_id":"cli","scopes":["openid","offline_access"],"access_token":"at","token_type":"Bearer","expires_at":"2026-01-04T19:51:47Z","refresh_token":"rt","scope":"openid offline_access","id_token":"eyJ.x.y"}',
    '{"provider":"https://github.com/login/oauth/access_token","client_id":"Iv1.b507a08c87ecfe98","scopes":[],"access_token":"gho_x","token_type":"bearer","future":{"x":1.5}}',
]


def framed(status, headers, body):
    out = bytearray((status - 100).to_bytes(2, "big"))
    out.append(len(headers))
    for selector, value in headers:
        value = value.encode()
        out.append(selector)
        out.append(len(value))
        out += value
    out += body.encode()
    return bytes(out)


def write(target, contents):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for data in contents:
        if isinstance(data, str):
            data = data.encode()
        name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def framed_answers(successes, errors):
    """Each success as a 200 and each (status, x-amzn-errortype or None, body) error, framed."""
    out = [framed(200, [(2, "application/json"), (1, REQUEST_ID)], b) for b in successes]
    for status, error_type, body in errors:
        headers = [(2, "application/json"), (1, REQUEST_ID)]
        if error_type:
            headers.insert(0, (0, error_type))
        out.append(framed(status, headers, body))
    return out


def main():
    responses = framed_answers(SUCCESSES, ERRORS)
    for target in [
        "register_client",
        "start_device_authorization",
        "create_token",
        "create_token_with_iam",
        "error_decode",
    ]:
        write(target, responses)
    portal = framed_answers(PORTAL_SUCCESSES, PORTAL_ERRORS)
    write("portal", portal + [framed(200, [], b) for b in ROLE_CACHE])
    oauth = [framed(status, [(2, content_type)], body) for status, content_type, body in OAUTH]
    write("oauth_responses", oauth)
    discovery = []
    for issuer, document in DISCOVERY:
        prefix = bytes([len(issuer)]) + issuer.encode()
        discovery.append(prefix + framed(200, [(2, "application/json")], document))
        discovery.append(prefix + framed(404, [], "not found"))
    write("oauth_discovery", discovery)
    write("config_parse", CONFIGS)
    # The config text, NUL, then edits of three bytes: (what, section, key and value).
    edits = bytes([0, 0x81, 0x00, 0, 0x82, 0x11, 1, 0x81, 0x20, 2, 0x01, 0x00, 0, 0x83, 0x44])
    write("config_edit", [c.encode() + b"\0" + edits for c in CONFIGS] + [c.replace("\n", "\r\n").encode() + b"\0" + edits[:6] for c in CONFIGS[:2]])
    write("cache_files", TOKENS + OAUTH_CACHE)
    write("timestamp", TIMESTAMPS)
    write("terminal_text", TERMINAL_TEXTS)
    write("browser_url", BROWSER_URLS)
    write("callback_parse", CALLBACKS)


if __name__ == "__main__":
    main()
