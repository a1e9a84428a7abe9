#!/usr/bin/env bash
# Renders report.html of five kinds of network with headless Chromium (Debian: apt-get install
# chromium) at 1280 and 390 px wide, and checks that no PNG is blank (one colour).
#   scripts/screenshots.sh [OUTDIR]      (default: .build/screenshots; needs a built nnc)
# Prints one line per PNG; exits 1 if a PNG is missing or blank, 2 without chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/screenshots}
nnc=${NNC:-.build/release/nnc}
[ -x "$nnc" ] || nnc=.build/debug/nnc
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then echo "chromium not found (apt-get install chromium)"; exit 2; fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
# name:spec:overrides — a classifier, an autoencoder, a Hopfield net, an LSTM, a perceptron (plus a CNN, PCA, McCulloch–Pitts).
runs="classifier:iris-softmax: autoencoder:autoencoder-denoising:--epochs=5 hopfield:hopfield: lstm:lstm-reber:--epochs=3
      perceptron:perceptron-blobs: cnn:digits-cnn:--epochs=2 pca:pca-digits: mcculloch-pitts:mcculloch-pitts-xor:"
status=0
for entry in $runs; do
    IFS=: read -r name spec extra <<< "$entry"
    "$nnc" run "specs/$spec.yaml" --quiet --out "$out/$name" ${extra/=/ } > /dev/null
    for width in 1280 390; do
        png="$out/$name-$width.png"
        # A tall window: the whole page (or its first screens) in one picture.
        timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
            --user-data-dir="$out/.chromium" --window-size="$width,2400" --screenshot="$png" \
            "file://$out/$name/report.html" > /dev/null 2>&1 || true
        if [ ! -s "$png" ]; then echo "$png: missing"; status=1; continue; fi
        verdict=$(python3 scripts/png-blank.py "$png")
        echo "$png: $verdict"
        case $verdict in *BLANK*) status=1;; esac
    done
done
rm -rf "$out/.chromium"
exit $status
