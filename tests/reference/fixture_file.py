"""Writing a generated fixture, or checking the committed one against a fresh run: the last
step the generators in this folder share (settings_matrix.py, wire_fixtures.py,
config_headers.py)."""

import difflib
import os
import sys


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
