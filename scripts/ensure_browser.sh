#!/usr/bin/env bash
# The browser tests drive Debian's chromium with Playwright (no browser download is possible or
# needed). Install it when missing: as root with apt-get (CI), else with sudo, else say how.
set -euo pipefail
if [ -n "${PAPERLAB_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
echo "Installing Debian's chromium for the browser tests..." >&2
if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "Error: the browser tests need Chromium: run \`sudo apt-get install chromium\` (or set PAPERLAB_CHROMIUM)" >&2
    exit 1
fi
