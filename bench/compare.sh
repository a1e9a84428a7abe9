#!/usr/bin/env bash
# nnc against every peer (torch eager, torch.compile, JAX jit, ONNX Runtime,
# NumPy for GEMM and Hopfield), alternated in one run: see bench/compare.py.
#   PY=/path/to/python-with-peers bench/compare.sh [threads...] [compare.py flags]
#   bench/compare.sh 1 2 --install            # first pip-install the peers into .venv-peers
#   bench/compare.sh 1 2 --base OLD/nnc       # before/after: nnc against an older binary
# Needs a release build (swift build -c release --product nnc).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=()
while [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; do threads+=("$1"); shift; done
t=$(IFS=,; echo "${threads[*]:-1,2}")
exec python3 bench/compare.py --threads "$t" --python "${PY:-python3}" "$@"
