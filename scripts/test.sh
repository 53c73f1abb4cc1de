#!/usr/bin/env bash
# Install into .venv (when needed) and run the whole test suite:
# ruff, mypy, the layering contracts and pytest. Exit non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' -e './emulator[pytest]'

echo "== ruff"
.venv/bin/ruff check gitops_vela emulator tests bench
.venv/bin/ruff format --check gitops_vela emulator tests bench
echo "== mypy"
.venv/bin/mypy
echo "== layers (import-linter)"
.venv/bin/lint-imports
echo "== pytest"
set +e
# Two workers by default (TEST_WORKERS=0 runs in one process, e.g. to debug a test).
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
rc=$?
set -e
# pytest exits 5 when it collected no tests: that is a failure for CI.
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
