"""Writing a generated fixture, or checking the committed one against a fresh run: the last
step the generators in this folder share (settings_matrix.py, wire_fixtures.py, proxy_rules.py,
config_headers.py): finding the pinned botocore, the command line, and the last step."""

import argparse
import difflib
import json
import os
import subprocess
import sys


def find_python(repo_root, botocore_version):
    """The interpreter with the pinned botocore: the reference venv's ($REFERENCE_VENV, else
    target/reference-venv), else the one running this. Exits saying how to make the venv when
    neither has it."""
    venv = os.environ.get("REFERENCE_VENV", os.path.join(repo_root, "target", "reference-venv"))
    candidates = [os.path.join(venv, "bin", "python"), sys.executable]
    probe = "import botocore; print(botocore.__version__)"
    for python in candidates:
        if not os.path.exists(python):
            continue
        proc = subprocess.run([python, "-I", "-c", probe], capture_output=True, text=True,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        if proc.returncode == 0 and proc.stdout.strip() == botocore_version:
            return python
    sys.exit(f"no Python with botocore {botocore_version} (tried {', '.join(candidates)}): "
             "run `bash tests/reference/setup.sh`")


def one_line_per_case(document):
    """A fixture's text, deterministic and compact: `generator`, `botocore` and `python`, then
    `cases`, one line per case (keys sorted), so a diff names the case."""
    def one(value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    lines = ["{"]
    for key in ("generator", "botocore", "python"):
        lines.append(f" {one(key)}:{one(document[key])},")
    lines.append(' "cases":[')
    cases = document["cases"]
    lines.extend(f"  {one(c)}{',' if i + 1 < len(cases) else ''}" for i, c in enumerate(cases))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_or_check(output, text, *, repo_root, generator, check, counts):
    """Writes `text` to `output`, or with `check` compares it with the committed file and
    prints a diff. Returns the process exit code: 1 when the committed file is stale."""
    rel = os.path.relpath(output, repo_root)
    if check:
        try:
            with open(output, encoding="utf-8") as f:
                committed = f.read()
        except FileNotFoundError:
            committed = ""
        if committed != text:
            sys.stdout.writelines(difflib.unified_diff(
                committed.splitlines(True), text.splitlines(True),
                fromfile=f"{rel} (committed)", tofile=f"{rel} (fresh run)"))
            print(f"\n{rel} is out of date: rerun {generator}", file=sys.stderr)
            return 1
        print(f"{rel} is up to date ({counts})")
        return 0
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {rel} ({counts})")
    return 0


def generator_main(doc, generate, *, output, repo_root, generator, counts):
    """The command line every generator here has: no option writes the fixture, `--check`
    compares the committed one with a fresh run. `generate()` gives the fixture's text and
    `counts()` what it holds, for the message. (The generators' hidden `--child` runs inside
    the botocore venv with `python -I` and is handled before this module is imported.)"""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the committed fixture differs from a fresh run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    text = generate()
    return write_or_check(output, text, repo_root=repo_root, generator=generator,
                          check=opts.check, counts=counts())
