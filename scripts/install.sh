#!/usr/bin/env bash
# Install the toolkit into ./.venv (with extras, e.g. "test": bash scripts/install.sh test)
# and compile its kernels (gait warmup).
# Needs only python3 (3.11 or later); on Debian and Ubuntu, whose python3 comes without
# venv, it installs python3-venv through apt-get when run as root, and otherwise says how.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    else
        echo "install.sh: python3 cannot make virtual environments here; install python3-venv" \
             "(sudo apt-get install python3-venv) and run this again" >&2
        exit 2
    fi
fi
# a .venv left half-made by an earlier attempt (no pip in it) is made again
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    rm -rf .venv
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras:+[$extras]}"
# compile the analysis kernels now, once, so the first analysis starts at once
.venv/bin/gait warmup
