#!/usr/bin/env bash
# A release of nnc for Linux x86_64 that needs neither Swift nor libyaml on the
# target machine: the Swift runtime and Foundation linked in (--static-swift-stdlib),
# libyaml linked from its static archive, portable code (NNC_PORTABLE=1: no
# -target-cpu). Writes dist/nnc-VERSION-linux-x86_64.tar.gz holding
#   nnc-VERSION/nnc                       the binary
#   nnc-VERSION/nnc_NNCRuntime.resources  the shipped data sets (found beside the binary)
#   nnc-VERSION/LICENSE, README.md        when present
# Usage: scripts/release.sh [OUTPUT_DIR]   (prints the tarball's path last)
# Check it with scripts/release-check.sh TARBALL.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
version=$(sed -nE 's/.*static let version = "([^"]+)".*/\1/p' Sources/nnc/NNC.swift)
[ -n "$version" ] || { echo "release: no version in Sources/nnc/NNC.swift" >&2; exit 2; }
[ "$(uname -m)" = x86_64 ] || { echo "release: this script builds linux-x86_64 only" >&2; exit 2; }

# libyaml, statically: a pkg-config file whose -L folder holds only libyaml.a,
# so that the -lyaml of the CYAML module finds the archive before the shared library.
archive=$(for dir in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
    [ -f "$dir/libyaml.a" ] && echo "$dir/libyaml.a" && break; done || true)
[ -n "$archive" ] || { echo "release: libyaml.a not found (apt-get install libyaml-dev)" >&2; exit 2; }
pc=$(mktemp -d)
trap 'rm -rf "$pc"' EXIT
mkdir "$pc/lib"
ln -s "$archive" "$pc/lib/libyaml.a"
# The same for the C++ runtime that the static Swift runtime needs (-lstdc++ in
# static-stdlib-args.lnk), and for the unwinder: -lgcc_s finds libgcc_eh.a,
# which is what -static-libgcc links. Then only the C library stays shared.
for lib in libstdc++.a libgcc_eh.a; do
    file=$(g++ -print-file-name=$lib 2>/dev/null || clang++ -print-file-name=$lib 2>/dev/null || true)
    [ -f "$file" ] || continue
    if [ $lib = libgcc_eh.a ]; then ln -s "$file" "$pc/lib/libgcc_s.a"; else ln -s "$file" "$pc/lib/$lib"; fi
done
cflags=$(pkg-config --cflags yaml-0.1 2>/dev/null || true)
cat > "$pc/yaml-0.1.pc" <<PC
Name: yaml-0.1 (static, for nnc releases)
Description: libyaml from $archive
Version: $(pkg-config --modversion yaml-0.1 2>/dev/null || echo 0.2)
Libs: -L$pc/lib -lyaml
Cflags: $cflags
PC

# A scratch path of its own: the flags differ from a normal release build.
flags=(-c release --product nnc --scratch-path .build/static --static-swift-stdlib -Xlinker -L"$pc/lib")
NNC_PORTABLE=1 PKG_CONFIG_PATH="$pc" swift build "${flags[@]}"
bin=$(NNC_PORTABLE=1 PKG_CONFIG_PATH="$pc" swift build "${flags[@]}" --show-bin-path)

name=nnc-$version
stage=$(mktemp -d)
trap 'rm -rf "$pc" "$stage"' EXIT
mkdir "$stage/$name"
cp "$bin/nnc" "$stage/$name/"
strip "$stage/$name/nnc" 2>/dev/null || true
for bundle in "$bin"/*.resources; do [ -d "$bundle" ] && cp -R "$bundle" "$stage/$name/"; done
for doc in LICENSE README.md; do [ -f "$doc" ] && cp "$doc" "$stage/$name/"; done
mkdir -p "$out"
tarball="$out/$name-linux-x86_64.tar.gz"
tar -C "$stage" -czf "$tarball" --owner=0 --group=0 --sort=name "$name"
echo "$tarball"
