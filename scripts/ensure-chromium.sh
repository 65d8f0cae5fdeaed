#!/usr/bin/env bash
# Make sure the browser tests can run: playwright-core drives the system Chromium (no browser
# download). Uses CHROMIUM_PATH when set, else /usr/bin/chromium; installs Debian's `chromium`
# package when running as root with apt-get; otherwise fails with an explanation.
set -euo pipefail

path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$path" ]]; then
  echo "ensure-chromium: found $path"
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  if [[ -x "$path" ]]; then
    echo "ensure-chromium: installed Debian's chromium at $path"
    exit 0
  fi
  echo "ensure-chromium: installed 'chromium' but found no executable at $path (set CHROMIUM_PATH)" >&2
  exit 1
fi
cat >&2 <<MSG
ensure-chromium: no Chromium at $path, and cannot install it (needs root and apt-get).
Install Debian's 'chromium' package (apt-get install chromium) or set CHROMIUM_PATH to a Chromium
executable; the browser tests of examples/http-server need it.
MSG
exit 1
