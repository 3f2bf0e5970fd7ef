#!/bin/sh
# Install Debian's Graphviz (`dot`) for the diagrams (the web lays workflows out with it) and
# the tests that measure them, unless it is already there. Idempotent and quiet like
# install-chromium.sh: prints nothing when `dot` is present or the install succeeds, and the
# apt log when it fails. Under CI=true a missing `dot` fails the diagram tests, never skips.
set -eu

command -v dot >/dev/null 2>&1 && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! {
    $SUDO apt-get update -qq &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        graphviz fonts-liberation
} >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-graphviz: apt-get could not install graphviz" >&2
    exit 1
fi

if ! command -v dot >/dev/null 2>&1; then
    echo "install-graphviz: graphviz installed but dot is not on PATH" >&2
    exit 1
fi
