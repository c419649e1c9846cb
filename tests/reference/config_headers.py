#!/usr/bin/env python3
"""Section headers of ~/.aws/config: which profiles and sso-sessions botocore itself sees.

botocore 1.44.8 (the reference venv, see setup.sh) reads each config text of the table below
the way a Session reads ~/.aws/config: `botocore.configloader.load_config` (Python's
`configparser.RawConfigParser`, then `build_profile_map`, which splits a header such as
`[profile "my dev"]` into words as a shell does, with `shlex.split`). For every text it records
the sections `raw_config_parse` sees (the names a credentials file's profiles have), the
profiles, sso-sessions and services sections `load_config` builds, each with its keys and
values, or the error it raises.

    bash tests/reference/setup.sh
    target/reference-venv/bin/python tests/reference/config_headers.py   # (re)write the fixture
    python3 tests/reference/config_headers.py --check                    # compare, exit 1 on a diff

The output is core/tests/fixtures/botocore/config_headers.json, read by
core/tests/config_headers.rs. README.md next to this file explains it.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

BOTOCORE_VERSION = "1.44.8"
GENERATOR = "tests/reference/config_headers.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(REPO_ROOT, "core", "tests", "fixtures", "botocore", "config_headers.json")

# ---------------------------------------------------------------------------
# The config texts: (name, about, text). Each text is written byte for byte (UTF-8).
# ---------------------------------------------------------------------------

CASES = []


def case(name, about, text):
    CASES.append({"name": name, "about": about, "text": text})


SSO = "sso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n"

# Quotes: the name is one shell word, quotes removed.
case("quoted-profile", "double quotes around a profile name",
     '[profile "dev"]\nregion = eu-west-1\n')
case("single-quoted-profile", "single quotes around a profile name",
     "[profile 'dev']\nregion = eu-west-1\n")
case("quoted-profile-with-space", "a quoted profile name with a space in it",
     '[profile "my dev"]\nregion = eu-west-1\n')
case("quoted-sso-session-with-space", "the issue's example: a quoted sso-session name with a "
     "space, named by a profile",
     '[profile dev]\nsso_session = my prod\nsso_account_id = 111122223333\n'
     'sso_role_name = ReadOnly\n\n[sso-session "my prod"]\n' + SSO)
case("quoted-services", "a quoted services name",
     '[services "local"]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:4566\n')
case("quoted-default-profile", "[profile \"default\"] is the default profile",
     '[profile "default"]\nregion = eu-west-1\n')
case("quoted-empty-profile", "an empty quoted name is a profile named \"\"",
     '[profile ""]\nregion = eu-west-1\n')
case("unclosed-quote", "a quote that is not closed: not a profile (shlex raises)",
     '[profile "dev]\nregion = eu-west-1\n[profile ok]\nregion = us-east-1\n')
case("quotes-inside-a-word", "quoted parts join the word around them",
     '[profile de"v x"y]\nregion = eu-west-1\n')
case("quoted-then-more-words", "three words: not a profile",
     '[profile "my dev" extra]\nregion = eu-west-1\n')
case("escaped-space", "a backslash escapes a space outside quotes",
     "[profile dev\\ x]\nregion = eu-west-1\n")
case("backslashes", "a backslash is dropped outside quotes, kept inside single quotes and "
     "before other characters inside double quotes",
     "[profile d\\ev]\nregion = a\n[profile 'd\\ev2']\nregion = b\n"
     "[profile \"d\\ev3\"]\nregion = c\n[profile \"d\\\"q\\\\\"]\nregion = d\n")
case("trailing-backslash", "a backslash at the end: not a profile (shlex raises)",
     "[profile dev\\]\nregion = eu-west-1\n")
case("hash-in-name", "a # in a header is part of the name, not a comment",
     "[profile dev#1]\nregion = eu-west-1\n")
case("quoted-whole-header", "quotes around the whole header: not a profile",
     '["profile dev"]\nregion = eu-west-1\n')

# Spaces and tabs.
case("two-spaces", "two spaces between the kind and the name",
     "[profile  dev]\nregion = eu-west-1\n")
case("space-before-bracket", "a space before the closing bracket",
     "[profile dev ]\nregion = eu-west-1\n[sso-session s ]\n" + SSO)
case("space-after-bracket", "a space after the opening bracket: the header no longer starts "
     "with `profile`",
     "[ profile dev]\nregion = eu-west-1\n[ sso-session s]\n" + SSO)
case("spaces-around-default", "[ default ] is not the default profile",
     "[ default ]\nregion = eu-west-1\n")
case("default-with-a-name", "[default x] is neither the default profile nor a profile",
     "[default x]\nregion = eu-west-1\n")
case("tab-separated", "a tab between the kind and the name",
     '[profile\tdev]\nregion = eu-west-1\n[sso-session\t"my prod"]\n' + SSO)
case("tab-after-bracket", "a tab after the opening bracket",
     "[\tprofile dev]\nregion = eu-west-1\n")
case("three-words", "a name with a space and no quotes: three words, not a profile",
     "[profile my dev]\nregion = eu-west-1\n")
case("no-break-space", "a no-break space is no separator for shlex: one word, not a profile",
     "[profile\u00a0dev]\nregion = eu-west-1\n")
case("indented-header", "an indented header line (no setting above it to continue)",
     "  [profile dev]\nregion = eu-west-1\n")
case("header-inside-a-value", "an indented header under a setting continues its value",
     "[profile a]\nk = v\n  [profile b]\nregion = eu-west-1\n")

# Trailing text after the closing bracket.
case("trailing-comment", "a comment after the header is ignored",
     "[profile dev] # the dev account\nregion = eu-west-1\n"
     "[sso-session s] ; shared\n" + SSO)
case("trailing-words", "any text after the header's last ] is ignored",
     "[profile dev] extra words\nregion = eu-west-1\n")
case("two-closing-brackets", "the header ends at the last ]",
     "[profile dev]]\nregion = eu-west-1\n")
case("bracket-in-trailing-comment", "a ] in a trailing comment extends the header",
     "[profile dev] # see [x]\nregion = eu-west-1\n")
case("brackets-in-name", "brackets inside the name",
     "[profile [dev]]\nregion = eu-west-1\n")
case("header-with-a-setting-after", "a setting on the header line is ignored",
     "[profile dev] region = eu-west-1\nsso_region = us-east-1\n")

# The kind prefix.
case("kind-prefixes", "botocore checks the first word only by prefix",
     "[profiles dev]\nregion = a\n[profilex x]\nregion = b\n[sso-sessions s]\n" + SSO
     + "[servicesx local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:4566\n")
case("kind-without-space", "[profile-dev] and [profiledev] are one word: not profiles",
     "[profile-dev]\nregion = a\n[profiledev]\nregion = b\n")
case("kind-case", "the kind is case-sensitive; the name keeps its case",
     "[Profile dev]\nregion = a\n[PROFILE dev2]\nregion = b\n[profile Dev]\nregion = c\n")
case("non-ascii-name", "a name that is not ASCII",
     "[profile développeur]\nregion = eu-west-1\n[sso-session 日本]\n" + SSO)

# Duplicates.
case("duplicate-header", "the same header twice is an error",
     "[profile dev]\nregion = a\n[profile dev]\nregion = b\n")
case("duplicate-default", "[default] twice is an error",
     "[default]\nregion = a\n[default]\nregion = b\n")
case("same-name-different-spacing", "two headers that name one profile: the later wins whole",
     "[profile dev]\nregion = a\noutput = json\n[profile  dev]\nregion = b\n")
case("same-name-quoted-later", "[profile dev] then [profile \"dev\"]: the later wins",
     '[profile dev]\nregion = a\n[profile "dev"]\nregion = b\n')
case("same-name-quoted-first", "[profile \"dev\"] then [profile dev]: the later wins",
     '[profile "dev"]\nregion = a\n[profile dev]\nregion = b\n')
case("same-sso-session-quoted", "two headers that name one sso-session: the later wins",
     '[sso-session "s"]\nsso_region = eu-west-1\n[sso-session s]\n' + SSO)
case("same-sso-session-quoted-later", "the same, in the other order",
     '[sso-session s]\n' + SSO + '[sso-session "s"]\nsso_region = eu-west-1\n')
case("default-then-profile-default", "[default] then [profile default]: the later wins",
     "[default]\nregion = a\n[profile default]\nregion = b\n")
case("profile-default-then-default", "[profile default] then [default]: the later wins",
     "[profile default]\nregion = a\n[default]\nregion = b\n")
case("duplicate-after-trailing-text", "headers that differ only after the ] are duplicates",
     "[profile dev]\nregion = a\n[profile dev] # again\nregion = b\n")

# Headers with no name.
case("empty-header", "[] is no header: an error",
     "[profile dev]\nregion = a\n[]\nregion = b\n")
case("empty-header-first", "[] on the first line: an error",
     "[]\nregion = a\n")
case("blank-header", "[ ] is a section named by a space: not a profile",
     "[ ]\nregion = a\n[profile dev]\nregion = b\n")
case("kind-without-name", "[profile], [profile ] and [sso-session] name nothing",
     "[profile]\nregion = a\n[profile ]\nregion = b\n[sso-session]\n" + SSO)
case("empty-quotes-header", "[\"\"] is a section named by two quotes: not a profile",
     '[""]\nregion = a\n')
case("unclosed-header", "a [ without its ]: an error",
     "[profile dev\nregion = a\n")

# configparser's own special section.
case("configparser-defaults", "[DEFAULT] gives its keys to every section that lacks them",
     "[DEFAULT]\nregion = eu-west-1\noutput = json\n[profile dev]\nregion = us-east-1\n"
     "[sso-session s]\n" + SSO + "[default]\n")
case("configparser-defaults-last", "[DEFAULT] at the end still applies to every section",
     "[profile dev]\nsso_session = s\n[DEFAULT]\nregion = eu-west-1\n")
case("configparser-defaults-twice", "[DEFAULT] twice is not an error; its keys add up",
     "[DEFAULT]\nregion = eu-west-1\n[profile dev]\n[DEFAULT]\noutput = json\n")
case("configparser-defaults-twice-same-key", "a key set in both [DEFAULT] sections: an error",
     "[DEFAULT]\nregion = eu-west-1\n[profile dev]\n[DEFAULT]\nregion = us-east-1\n")
case("configparser-defaults-only", "[DEFAULT] alone: no section at all",
     "[DEFAULT]\nregion = eu-west-1\n")

# Deliberate differences (see core/tests/config_headers.rs).
case("bom-before-first-header", "a byte-order mark before the first header",
     "\ufeff[profile dev]\nregion = eu-west-1\n")
case("unclosed-header-as-setting", "a line that opens a header and has a : or =",
     "[profile dev]\nregion = a\n[profile x: y\n[] = z\n")


# ---------------------------------------------------------------------------
# Child: runs inside the reference venv.
# ---------------------------------------------------------------------------


def child_main():
    import botocore
    from botocore import configloader

    specs = json.load(sys.stdin)
    results = []
    work = tempfile.mkdtemp(prefix="config-headers-")
    try:
        for spec in specs:
            path = os.path.join(work, "config")
            with open(path, "wb") as f:
                f.write(spec["text"].encode("utf-8"))
            try:
                sections = list(configloader.raw_config_parse(path))
                loaded = configloader.load_config(path)
                expected = {
                    "sections": sections,
                    "profiles": loaded["profiles"],
                    "sso_sessions": loaded["sso_sessions"],
                    "services": loaded["services"],
                }
            except Exception as e:  # noqa: BLE001 - the error is the answer
                error = {"kind": type(e).__name__,
                         "message": str(e).replace(path, "{CONFIG}")}
                # botocore's ConfigParseError keeps configparser's own error as `error`.
                cause = getattr(e, "kwargs", {}).get("error")
                if cause is not None:
                    error["cause"] = type(cause).__name__
                expected = {"error": error}
            results.append(expected)
    finally:
        shutil.rmtree(work, ignore_errors=True)
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
    home = tempfile.mkdtemp(prefix="config-headers-home-")
    try:
        # A clean environment: no AWS_* variables, no locale (Python reads files as UTF-8),
        # an empty HOME.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home}
        proc = subprocess.run([python, "-I", os.path.abspath(__file__), "--child"],
                              input=json.dumps(CASES), capture_output=True, text=True, env=env,
                              cwd=home, timeout=120)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit(f"child failed ({proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout)
    if result["botocore"] != BOTOCORE_VERSION:
        sys.exit(f"expected botocore {BOTOCORE_VERSION}: rerun setup.sh")
    cases = [dict(c, expected=expected) for c, expected in zip(CASES, result["results"])]
    from fixture_file import one_line_per_case
    return one_line_per_case({"generator": GENERATOR, "botocore": BOTOCORE_VERSION,
                 "python": result["python"], "cases": cases})


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
