#!/usr/bin/env bash
# Checks a release tarball from scripts/release.sh out of the toolchain's reach:
# unpacks it, runs the binary under `env -i PATH=/usr/bin:/bin` (no Swift, no
# LD_LIBRARY_PATH) on a spec and a bad spec, and asserts that ldd lists only
# parts of the C library (and the kernel's vdso). Prints what ldd found.
# Usage: scripts/release-check.sh dist/nnc-VERSION-linux-x86_64.tar.gz
set -euo pipefail
tarball=${1:?usage: release-check.sh TARBALL}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
bin=$(find "$work" -maxdepth 2 -type f -name nnc | head -1)
[ -x "$bin" ] || { echo "release-check: no nnc in $tarball" >&2; exit 1; }
cp "$repo/specs/xor-mlp.yaml" "$work/ok.yaml"
printf 'nnc: 1\nmodel: {input: [2], layers: [{dense: {unit: 2}}]}\n' > "$work/bad.yaml"

fail=0
clean() { env -i PATH=/usr/bin:/bin HOME="$work" "$@"; }
version=$(clean "$bin" --version) || { echo "release-check: --version failed"; fail=1; }
echo "version: ${version:-?}"
clean "$bin" check "$work/ok.yaml" 2>/dev/null || { echo "release-check: check of a good spec failed"; fail=1; }
status=0; clean "$bin" check "$work/bad.yaml" 2>/dev/null || status=$?
[ "$status" = 1 ] || { echo "release-check: check of a bad spec exited $status, not 1"; fail=1; }
# A built-in data set comes from the resource bundle beside the binary.
clean "$bin" run --quiet --epochs 1 "$work/ok.yaml" > /dev/null || { echo "release-check: run failed"; fail=1; }

echo "ldd $(basename "$bin"):"
ldd "$bin" | sed 's/^/  /'
# Allowed: the C library's parts, the dynamic loader and the vdso.
unexpected=$(ldd "$bin" | awk '{print $1}' |
    grep -vE '^(linux-vdso\.so|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|libutil\.so|/lib64/ld-linux-x86-64\.so|ld-linux-x86-64\.so)' || true)
if [ -n "$unexpected" ]; then echo "release-check: not part of the C library: $unexpected"; fail=1; fi
echo "size: $(wc -c < "$tarball") bytes ($(basename "$tarball")), binary $(wc -c < "$bin") bytes"
[ "$fail" = 0 ] && echo "release-check: OK" || echo "release-check: FAILED"
exit "$fail"
