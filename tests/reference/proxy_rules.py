#!/usr/bin/env python3
"""Which proxy botocore sends a request through: the environment's proxy variables and the URL.

botocore 1.44.8 (the reference venv, see setup.sh) picks a request's proxy in two steps, both
run here as botocore runs them: `botocore.utils.get_environ_proxies(url)` (no proxy at all
when urllib's `proxy_bypass` says NO_PROXY covers the URL's host and port, else urllib's
`getproxies()`, the `*_proxy` variables) and `httpsession.ProxyConfiguration.proxy_url_for`
(the proxy of the URL's scheme, `http://` put before one that has none). For every case of the
table below (an environment, in order, and the request URLs) it records the proxy URL each
request goes through, or null for a direct connection.

    bash tests/reference/setup.sh
    target/reference-venv/bin/python tests/reference/proxy_rules.py   # (re)write the fixture
    python3 tests/reference/proxy_rules.py --check                    # compare, exit 1 on a diff

The output is core/tests/fixtures/botocore/proxy_rules.json, read by core/tests/proxy_rules.rs.
README.md next to this file explains it.
"""

import json
import os
import subprocess
import sys

BOTOCORE_VERSION = "1.44.8"
GENERATOR = "tests/reference/proxy_rules.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(REPO_ROOT, "core", "tests", "fixtures", "botocore", "proxy_rules.json")

# ---------------------------------------------------------------------------
# The cases: (name, about, env as [name, value] pairs in order, urls).
# ---------------------------------------------------------------------------

CASES = []

OIDC = "https://oidc.eu-west-1.amazonaws.com"
PORTAL = "https://portal.sso.eu-west-1.amazonaws.com"
LOCAL = "http://127.0.0.1:4566"
URLS = [OIDC, PORTAL, LOCAL, "http://emulator.example:4566", "https://[::1]:8443"]


def case(name, about, env, urls=None):
    CASES.append({"name": name, "about": about, "env": env, "urls": urls or URLS})


P = "http://proxy.corp:3128"
H = "http://plain.corp:8080"

# Which variable for which URL.
case("none", "no proxy variable: every request is direct", [])
case("https-proxy-only", "HTTPS_PROXY serves https URLs only", [["HTTPS_PROXY", P]])
case("http-proxy-only", "HTTP_PROXY serves http URLs only", [["HTTP_PROXY", H]])
case("both", "each scheme its own proxy", [["HTTPS_PROXY", P], ["HTTP_PROXY", H]])
case("all-proxy", "ALL_PROXY is not read", [["ALL_PROXY", P], ["all_proxy", P]])
case("lowercase", "https_proxy and http_proxy", [["https_proxy", P], ["http_proxy", H]])
case("lowercase-wins", "https_proxy wins over HTTPS_PROXY, whatever the order",
     [["https_proxy", P], ["HTTPS_PROXY", "http://upper.corp:1"],
      ["HTTP_PROXY", "http://upper.corp:2"], ["http_proxy", H]])
case("empty-lowercase-removes", "an empty https_proxy removes HTTPS_PROXY",
     [["HTTPS_PROXY", P], ["https_proxy", ""]])
case("empty-uppercase", "an empty HTTPS_PROXY is unset; https_proxy stands",
     [["https_proxy", P], ["HTTPS_PROXY", ""]])
case("mixed-case-name", "Https_Proxy counts (any case), after HTTPS_PROXY in order",
     [["HTTPS_PROXY", "http://upper.corp:1"], ["Https_Proxy", P]])
case("mixed-case-suffix-lowercase", "HTTPS_proxy ends in lowercase _proxy: it wins",
     [["https_proxy", "http://lower.corp:1"], ["HTTPS_proxy", P]])
case("cgi", "with REQUEST_METHOD set, HTTP_PROXY is ignored (CVE-2016-1000110)",
     [["REQUEST_METHOD", "GET"], ["HTTP_PROXY", H], ["HTTPS_PROXY", P]])
case("cgi-lowercase", "with REQUEST_METHOD set, http_proxy still counts",
     [["REQUEST_METHOD", "GET"], ["http_proxy", H]])

# The proxy URL as written.
case("no-scheme", "a proxy without a scheme gets http://", [["HTTPS_PROXY", "proxy.corp:3128"]])
case("scheme-relative", "//host:port gets http:", [["HTTPS_PROXY", "//proxy.corp:3128"]])
case("https-proxy-scheme", "an https:// proxy stays https://",
     [["HTTPS_PROXY", "https://proxy.corp:3129"]])
case("credentials", "credentials in the proxy URL are kept",
     [["HTTPS_PROXY", "http://me:s3cret@proxy.corp:3128"]])
case("uppercase-scheme", "HTTP:// is not recognised as a scheme: http:// goes before it",
     [["HTTPS_PROXY", "HTTP://proxy.corp:3128"]])

# NO_PROXY.
case("no-proxy-exact", "an exact host", [["HTTPS_PROXY", P], ["HTTP_PROXY", H],
                                          ["NO_PROXY", "oidc.eu-west-1.amazonaws.com"]])
case("no-proxy-domain", "a domain covers its subdomains",
     [["HTTPS_PROXY", P], ["NO_PROXY", "amazonaws.com"]],
     [OIDC, "https://amazonaws.com", "https://notamazonaws.com", "https://amazonaws.com.evil"])
case("no-proxy-leading-dot", "a leading dot (or two) is dropped",
     [["HTTPS_PROXY", P], ["NO_PROXY", "..amazonaws.com"]],
     [OIDC, "https://amazonaws.com", "https://notamazonaws.com"])
case("no-proxy-wildcard-label", "*.domain is not a pattern for urllib",
     [["HTTPS_PROXY", P], ["NO_PROXY", "*.amazonaws.com"]])
case("no-proxy-star", "* alone covers every host", [["HTTPS_PROXY", P], ["HTTP_PROXY", H],
                                                    ["NO_PROXY", "*"]])
case("no-proxy-star-in-list", "* in a list, or with spaces, is no wildcard",
     [["HTTPS_PROXY", P], ["HTTP_PROXY", H], ["NO_PROXY", "example.com,*"]])
case("no-proxy-star-spaced", "' *' is no wildcard",
     [["HTTPS_PROXY", P], ["NO_PROXY", " *"]])
case("no-proxy-list-spaces", "entries are trimmed; empty entries are skipped",
     [["HTTPS_PROXY", P], ["HTTP_PROXY", H], ["NO_PROXY", " example.com , ,127.0.0.1 ,"]])
case("no-proxy-case", "hosts and entries compare in any case",
     [["HTTPS_PROXY", P], ["NO_PROXY", "OIDC.EU-WEST-1.AmazonAWS.com"]],
     [OIDC, "https://OIDC.eu-west-1.amazonaws.com"])
case("no-proxy-lowercase-wins", "no_proxy wins over NO_PROXY",
     [["HTTPS_PROXY", P], ["NO_PROXY", "amazonaws.com"], ["no_proxy", "example.com"]])
case("no-proxy-port", "an entry with a port covers that port only; one without covers all",
     [["HTTPS_PROXY", P], ["HTTP_PROXY", H], ["NO_PROXY", "emulator.example:4566,amazonaws.com"]],
     ["http://emulator.example:4566", "http://emulator.example:4567", "http://emulator.example",
      "https://oidc.eu-west-1.amazonaws.com:443", "https://sub.emulator.example:4566"])
case("no-proxy-ip", "an IPv4 address is an exact host",
     [["HTTP_PROXY", H], ["NO_PROXY", "127.0.0.1"]],
     [LOCAL, "http://127.0.0.1", "http://127.0.0.10:4566", "http://10.127.0.0.1"])
case("no-proxy-ipv6-bracketed", "an IPv6 address in brackets", [["HTTPS_PROXY", P],
                                                               ["NO_PROXY", "[::1]"]])
case("no-proxy-ipv6-with-port", "an IPv6 address in brackets with a port",
     [["HTTPS_PROXY", P], ["NO_PROXY", "[::1]:8443"]],
     ["https://[::1]:8443", "https://[::1]:9443", "https://[::1]"])
case("no-proxy-localhost", "localhost covers localhost only",
     [["HTTP_PROXY", H], ["NO_PROXY", "localhost"]],
     ["http://localhost:4566", LOCAL, "http://localhost.example:4566"])
case("no-proxy-no-proxy-vars", "NO_PROXY alone changes nothing", [["NO_PROXY", "example.com"]])

# Deliberate differences (see core/tests/proxy_rules.rs).
case("no-proxy-cidr-v4", "a CIDR network (127.0.0.0/8): urllib ignores it",
     [["HTTPS_PROXY", P], ["HTTP_PROXY", H], ["NO_PROXY", "127.0.0.0/8"]],
     [LOCAL, "http://127.9.9.9", "http://128.0.0.1:4566", OIDC])
case("no-proxy-cidr-v6", "an IPv6 CIDR network: urllib ignores it",
     [["HTTPS_PROXY", P], ["NO_PROXY", "::1/128,fd00::/8"]],
     ["https://[::1]:8443", "https://[fd12::1]", "https://[fe80::1]", OIDC])
case("no-proxy-ipv6-bare", "an IPv6 address without brackets: urllib does not match [::1]",
     [["HTTPS_PROXY", P], ["NO_PROXY", "::1"]])


# ---------------------------------------------------------------------------
# Child: runs inside the reference venv.
# ---------------------------------------------------------------------------


def child_main():
    import botocore
    from botocore.httpsession import ProxyConfiguration
    from botocore.utils import get_environ_proxies

    specs = json.load(sys.stdin)
    results = []
    for spec in specs:
        os.environ.clear()
        for name, value in spec["env"]:
            os.environ[name] = value
        chosen = []
        for url in spec["urls"]:
            chosen.append(ProxyConfiguration(proxies=get_environ_proxies(url)).proxy_url_for(url))
        results.append(chosen)
    json.dump({"botocore": botocore.__version__,
               "python": "%d.%d" % sys.version_info[:2],
               "results": results}, sys.stdout)


# ---------------------------------------------------------------------------
# Parent.
# ---------------------------------------------------------------------------


def generate():
    names = [c["name"] for c in CASES]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        sys.exit(f"duplicate case names: {dupes}")
    from fixture_file import find_python  # the parent only (see main)
    python = find_python(REPO_ROOT, BOTOCORE_VERSION)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    proc = subprocess.run([python, "-I", os.path.abspath(__file__), "--child"],
                          input=json.dumps(CASES), capture_output=True, text=True, env=env,
                          timeout=120)
    if proc.returncode != 0:
        sys.exit(f"child failed ({proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout)
    if result["botocore"] != BOTOCORE_VERSION:
        sys.exit(f"expected botocore {BOTOCORE_VERSION}: rerun setup.sh")
    cases = [dict(c, expected=dict(zip(c["urls"], chosen)))
             for c, chosen in zip(CASES, result["results"])]
    for c in cases:
        del c["urls"]
    from fixture_file import one_line_per_case
    return one_line_per_case({"generator": GENERATOR, "botocore": BOTOCORE_VERSION,
                 "python": result["python"], "cases": cases})


def main():
    if "--child" in sys.argv[1:]:
        child_main()
        return 0
    from fixture_file import generator_main
    return generator_main(__doc__, generate, output=OUTPUT, repo_root=REPO_ROOT,
                          generator=GENERATOR, counts=lambda: f"{len(CASES)} cases")


if __name__ == "__main__":
    sys.exit(main())
