#!/usr/bin/env bash
# The test suite, quietly: runs `swift test` (building first), prints only what needs
# reading — compile errors, failures, skip notes — and ends with the real count:
#   N passed, N failed, N skipped
# Arguments go to swift test (e.g. --filter RunTerminalTests). Exit status: swift test's.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build
log=.build/test.log
echo "swift test $* (full log: $log)"
swift test "$@" > "$log" 2>&1
status=$?
# Compile errors, failed assertions and crashes, as swift test printed them.
grep -E '(^|: )error: |^Test Case .* failed|Fatal error|Segmentation fault|Illegal instruction' "$log" | grep -v ' skipped' | awk '!seen[$0]++' || true
# Skip notes, one line each: "skipped Suite.test: why".
sed -nE 's/^.*: ([A-Za-z0-9_]+\.[A-Za-z0-9_]+) : Test skipped - (.*)$/skipped \1: \2/p' "$log"
# XCTest's grand total is the last "Executed" line (all tests are XCTest; Swift Testing runs none).
total=$(grep -E 'Executed [0-9]+ tests?, with' "$log" | tail -1)
executed=$(sed -nE 's/.*Executed ([0-9]+) tests?.*/\1/p' <<< "$total")
skipped=$(sed -nE 's/.*with ([0-9]+) tests? skipped.*/\1/p' <<< "$total")
failed=$(grep -cE "^Test Case .* failed" "$log")   # tests, not assertions
executed=${executed:-0}; skipped=${skipped:-0}; failed=${failed:-0}
if [ -z "$total" ] && [ "$status" -ne 0 ]; then failed=1; echo "swift test failed before running tests (exit $status; see $log)"; fi
echo "$((executed - skipped - failed)) passed, $failed failed, $skipped skipped"
exit "$status"
