#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (test/service-routes/docs-browser.test.ts, test/client/browser.test.ts) and npm run e2e. Playwright's
# own browser downloads cannot run here; playwright-core drives the system's /usr/bin/chromium instead.
# Does nothing when Chromium is already there; says why and exits 0 when it cannot be installed, and the
# browser test then skips with that reason.
set -u
if [ -x /usr/bin/chromium ]; then
  echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null) is installed."
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: cannot install Chromium here (needs root and apt-get); the browser test will be skipped."
  exit 0
fi
echo "install-browser: installing Debian's chromium…"
if apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; then
  echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null) installed."
else
  echo "install-browser: apt-get could not install chromium; the browser test will be skipped."
fi
exit 0
