#!/bin/sh
# Install Debian's Chromium for the browser tests (pytest -m browser) unless it is already there.
# Idempotent and quiet: prints nothing when Chromium is present or the install succeeds, and the
# apt log when it fails. Fonts are named because --no-install-recommends would leave them out,
# and without them every glyph in the screenshots is a box.
set -eu

# The same variable the test fixture reads (tests/integration/browser.py).
CHROMIUM=${CEOP_TEST_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! {
    $SUDO apt-get update -qq &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-liberation fonts-dejavu-core
} >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-chromium: apt-get could not install chromium" >&2
    exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "install-chromium: chromium installed but $CHROMIUM is missing" >&2
    exit 1
fi
