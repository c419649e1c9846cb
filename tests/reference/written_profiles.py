#!/usr/bin/env python3
"""The profiles `ssooidc configure sso` and `ssooidc configure populate` write, as botocore reads
them.

The input is core/tests/fixtures/botocore/written_profiles.config: the config file those two
commands wrote in adapters/cli/tests/profiles.rs (which checks that it still is), a hand-written
file with CRLF line endings, comments and a quoted profile, then an sso-session whose name has a
space and the profiles made for it. botocore 1.44.8 (the reference venv, see setup.sh) opens a
Session on it for every profile, as the AWS CLI does for `--profile NAME`, and records the
profile's `region` (`get_config_variable`) and, for an SSO profile, what botocore's
`SSOProvider` loads to get its credentials (start URL, SSO region, account, role, session).

    bash tests/reference/setup.sh
    target/reference-venv/bin/python tests/reference/written_profiles.py   # (re)write the fixture
    python3 tests/reference/written_profiles.py --check                    # compare, exit 1 on a diff

The output is core/tests/fixtures/botocore/written_profiles.json, read by
adapters/cli/tests/profiles.rs.
"""

import json
import os
import subprocess
import sys
import tempfile
import shutil

BOTOCORE_VERSION = "1.44.8"
GENERATOR = "tests/reference/written_profiles.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO_ROOT, "core", "tests", "fixtures", "botocore")
INPUT = os.path.join(FIXTURES, "written_profiles.config")
OUTPUT = os.path.join(FIXTURES, "written_profiles.json")


def child_main():
    import botocore
    import botocore.session
    from botocore.credentials import SSOProvider

    path = sys.stdin.read().strip()
    names = sorted(botocore.session.Session().full_config["profiles"])
    profiles = {}
    for name in names:
        session = botocore.session.Session(profile=name)
        entry = {"region": session.get_config_variable("region")}
        provider = SSOProvider(
            load_config=lambda s=session: s.full_config,
            client_creator=session.create_client,
            profile_name=name,
            cache={},
            token_cache={},
        )
        # What `load()` reads before it fetches anything: None for a profile without SSO.
        loaded = provider._load_sso_config()
        if loaded:
            entry["sso"] = {k: loaded.get(k) for k in (
                "sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name")}
        profiles[name] = entry
    json.dump({"botocore": botocore.__version__,
               "python": "%d.%d" % sys.version_info[:2],
               "config": os.path.basename(path),
               "profiles": profiles}, sys.stdout)


def generate():
    from fixture_file import find_python  # the parent only (see main)
    python = find_python(REPO_ROOT, BOTOCORE_VERSION)
    home = tempfile.mkdtemp(prefix="written-profiles-home-")
    try:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
               "AWS_CONFIG_FILE": INPUT,
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none")}
        proc = subprocess.run([python, "-I", os.path.abspath(__file__), "--child"],
                              input=INPUT, capture_output=True, text=True, env=env,
                              cwd=home, timeout=120)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit(f"child failed ({proc.returncode}):\n{proc.stderr}")
    result = json.loads(proc.stdout)
    if result["botocore"] != BOTOCORE_VERSION:
        sys.exit(f"expected botocore {BOTOCORE_VERSION}: rerun setup.sh")
    result["generator"] = GENERATOR
    return json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main():
    if "--child" in sys.argv[1:]:
        child_main()
        return 0
    from fixture_file import generator_main
    return generator_main(__doc__, generate, output=OUTPUT, repo_root=REPO_ROOT,
                          generator=GENERATOR, counts=lambda: "every profile")


if __name__ == "__main__":
    sys.exit(main())
