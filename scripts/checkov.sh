#!/usr/bin/env bash
# Static security checks of terraform/ with checkov. checkov pins many libraries that clash
# with the project's own, so it lives in its own venv (.venv-checkov, made on first use).
# Exits non-zero on any failed check; accepted findings carry a
# `#checkov:skip=CKV_...:reason` comment on the resource instead.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=".venv-checkov"

if [ ! -x "$VENV/bin/checkov" ]; then
  echo "checkov.sh: creating $VENV (pip install checkov)" >&2
  "$PYTHON" -m venv "$VENV"
  # A nested .gitignore keeps the venv out of git and out of `ruff check .`.
  printf '*\n' > "$VENV/.gitignore"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "checkov>=3.2,<4"
fi

# --skip-download: no network here, and the guideline links are not needed to pass or fail.
exec "$VENV/bin/checkov" -d terraform --framework terraform --quiet --compact --skip-download \
  --config-file scripts/.checkov.yaml "$@"
