#!/usr/bin/env bash
# Install the toolkit with its test extras into ./.venv and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# the wire-protocol tests compile the pods' C codec on the host
if ! command -v gcc >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq gcc libc6-dev >/dev/null
fi
# the BLE tests run bleak against a fake BlueZ on a private D-Bus system bus
if ! command -v dbus-daemon >/dev/null 2>&1; then
    apt-get update -qq && (apt-get install -y -qq dbus-daemon >/dev/null 2>&1 || apt-get install -y -qq dbus >/dev/null)
fi
# the report's browser tests and gait report --format pdf drive the system's Chromium
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
bash scripts/install.sh test
exec .venv/bin/python -m pytest -q "$@"
