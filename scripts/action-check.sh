#!/usr/bin/env bash
# The shell steps of action.yml (the composite GitHub Action), one subcommand each,
# so that .ci/run runs the very same code (`selftest`):
#
#   action-check.sh key       prints key=... : the build cache's key (OS, arch, Swift, nnc's sources)
#   action-check.sh build     builds nnc (release) in the action's folder; prints nnc=PATH
#   action-check.sh check     nnc check --format github on $NNC_PATHS (annotations on the
#                             pull request); with $NNC_SARIF also writes SARIF there; exits
#                             as nnc check does (0 clean, 1 errors, 2 unreadable)
#   action-check.sh selftest  the steps above on this repository's specs and fixtures
#
# Inputs come through the environment (never interpolated into the script):
# NNC_PATHS (whitespace-separated; folders and shell globs allowed; default "."),
# NNC_WERROR (true: warnings fail), NNC_SARIF (a file, or empty), NNC_BIN (nnc to use).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${GITHUB_OUTPUT:-/dev/stdout}

key() {
    local swift sources
    swift=$(swift --version 2>/dev/null | head -1 | tr -cd '[:alnum:].-' || echo none)
    sources=$(cd "$root" && { ls Package.swift Package.resolved 2>/dev/null || true; find Sources -type f; } |
        LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
    echo "key=nnc-$(uname -s)-$(uname -m)-$swift-$sources" >> "$out"
}

build() {
    if ! pkg-config --exists yaml-0.1 2>/dev/null; then
        echo "installing libyaml-dev" >&2
        if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libyaml-dev pkg-config >&2
        else sudo apt-get update -qq && sudo apt-get install -y -qq libyaml-dev pkg-config >&2; fi
    fi
    (cd "$root" && swift build -c release --product nnc >&2)
    echo "nnc=$(cd "$root" && swift build -c release --product nnc --show-bin-path)/nnc" >> "$out"
}

check() {
    local nnc=${NNC_BIN:-$root/.build/release/nnc} status=0 paths=() flags=()
    # Unquoted on purpose: split on whitespace and expand globs.
    for p in ${NNC_PATHS:-.}; do paths+=("$p"); done
    [ "${NNC_WERROR:-false}" = true ] && flags+=(--werror)
    "$nnc" check --format github "${flags[@]}" "${paths[@]}" || status=$?
    if [ -n "${NNC_SARIF:-}" ]; then
        "$nnc" check --format sarif "${flags[@]}" "${paths[@]}" > "$NNC_SARIF" || true
    fi
    case $status in
        0) echo "nnc check: no errors" >&2 ;;
        1) echo "nnc check: the specs have errors (see the annotations)" >&2 ;;
        *) echo "nnc check: a path could not be read (exit $status)" >&2 ;;
    esac
    return "$status"
}

selftest() {
    local tmp fails=0
    cd "$root"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    expect() {  # expect STATUS NAME COMMAND...: runs it, stdout to $tmp/out
        local want=$1 name=$2 got=0; shift 2
        "$@" > "$tmp/out" 2> "$tmp/err" || got=$?
        if [ "$got" = "$want" ]; then echo "  ok: $name"; else echo "  FAILED: $name (exit $got, expected $want)"; cat "$tmp/err"; fails=$((fails + 1)); fi
    }
    expect 0 "key" env GITHUB_OUTPUT="$tmp/key" "$0" key
    grep -qE '^key=nnc-Linux-[a-z0-9_]+-.+-[0-9a-f]{16}$' "$tmp/key" || { echo "  FAILED: key format: $(cat "$tmp/key")"; fails=$((fails + 1)); }
    expect 0 "build" env GITHUB_OUTPUT="$tmp/build" "$0" build
    local nnc; nnc=$(sed -n 's/^nnc=//p' "$tmp/build")
    [ -x "$nnc" ] || { echo "  FAILED: build gave no nnc ($nnc)"; fails=$((fails + 1)); }
    expect 0 "check specs" env NNC_BIN="$nnc" NNC_PATHS="specs bench" "$0" check
    grep -q '^::error' "$tmp/out" && { echo "  FAILED: annotations for clean specs"; fails=$((fails + 1)); }
    local bad=Tests/NNCCLITests/Fixtures
    expect 1 "check bad specs, with SARIF" env NNC_BIN="$nnc" NNC_PATHS="$bad/mistakes.yaml $bad/shape-*.yaml" NNC_SARIF="$tmp/out.sarif" "$0" check
    [ "$(grep -c '^::error file=Tests/NNCCLITests/Fixtures/' "$tmp/out")" = 4 ] || { echo "  FAILED: expected 4 ::error lines"; cat "$tmp/out"; fails=$((fails + 1)); }
    python3 -c 'import json,sys; log=json.load(open(sys.argv[1])); assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 4' "$tmp/out.sarif" \
        && echo "  ok: SARIF written" || { echo "  FAILED: SARIF"; fails=$((fails + 1)); }
    expect 0 "warnings pass" env NNC_BIN="$nnc" NNC_PATHS="$bad/clean-warning.yaml" "$0" check
    expect 1 "warnings fail with werror" env NNC_BIN="$nnc" NNC_PATHS="$bad/clean-warning.yaml" NNC_WERROR=true "$0" check
    expect 2 "a missing path" env NNC_BIN="$nnc" NNC_PATHS="no-such-folder" "$0" check
    echo "action selftest: $fails failed"
    return "$fails"
}

# `check` runs where the workflow runs (the paths are the user's); the rest in the repository.
case ${1:-} in
    key) key ;;
    build) build ;;
    check) check ;;
    selftest) selftest ;;
    *) echo "usage: action-check.sh key|build|check|selftest" >&2; exit 2 ;;
esac
