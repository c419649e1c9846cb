#!/usr/bin/env bash
# Creates the Python venv that tests/reference/settings_matrix.py runs botocore in.
#
#   bash tests/reference/setup.sh
#
# The venv goes to target/reference-venv under the repository root, or to
# $REFERENCE_VENV if that is set. It holds exactly one pinned package from PyPI,
# botocore (plus the dependencies pip pulls in for it). Rerunning is cheap: when the
# venv already has the pinned version, nothing is downloaded.
set -euo pipefail

BOTOCORE_VERSION="1.44.8"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${REFERENCE_VENV:-$repo_root/target/reference-venv}"
python="${PYTHON:-python3}"

if [ -x "$venv/bin/python" ] &&
   "$venv/bin/python" -c "import botocore, sys; sys.exit(botocore.__version__ != '$BOTOCORE_VERSION')" 2>/dev/null; then
    echo "reference venv ready: $venv (botocore $BOTOCORE_VERSION)"
    exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "botocore==$BOTOCORE_VERSION"
"$venv/bin/python" -c "import botocore; assert botocore.__version__ == '$BOTOCORE_VERSION', botocore.__version__"
echo "reference venv ready: $venv (botocore $BOTOCORE_VERSION)"
