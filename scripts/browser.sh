#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed at /usr/bin/chromium for the browser tests
# (test/browser/), which drive it with playwright-core: the project never downloads a browser
# build of its own. Installs the `chromium` package with apt-get when it is missing (with sudo
# only when not root), and fails with a clear message when that cannot be done.
set -euo pipefail
chromium=/usr/bin/chromium

if [ -x "$chromium" ]; then exit 0; fi

if [ "$(id -u)" -eq 0 ]; then as_root=()
elif command -v sudo >/dev/null 2>&1; then as_root=(sudo -n)
else
  echo "browser.sh: $chromium is missing and this user is not root and has no sudo; install Debian's chromium package (apt-get install chromium) and run again" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser.sh: $chromium is missing and there is no apt-get here; install Chromium so that $chromium exists (the browser tests need it)" >&2
  exit 1
fi

echo "browser.sh: installing Debian's chromium package for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's package lists may be missing or stale: update them once when the first try fails.
if ! "${as_root[@]}" apt-get install -y --no-install-recommends chromium >&2; then
  "${as_root[@]}" apt-get update >&2 || true
  if ! "${as_root[@]}" apt-get install -y --no-install-recommends chromium >&2; then
    echo "browser.sh: could not install Debian's chromium package (apt-get install -y chromium failed above); the browser tests need $chromium" >&2
    exit 1
  fi
fi
if [ ! -x "$chromium" ]; then
  echo "browser.sh: the chromium package installed but $chromium is not there" >&2
  exit 1
fi
echo "browser.sh: $("$chromium" --version 2>/dev/null || echo chromium) installed" >&2
