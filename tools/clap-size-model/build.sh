#!/usr/bin/env bash
# Builds the CLAP-size benchmark model (random weights; see README.md) into OUT_DIR (default models/clap-size-random).
# A Python virtual environment with torch and transformers from PyPI is made once under .bench/clap-size-venv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/models/clap-size-random}
venv=${CLAP_SIZE_VENV:-$root/.bench/clap-size-venv}
demo=$root/models/clap-demo
[ -d "$demo" ] || { echo "clap-size-model: $demo is missing; run npm run build first (its tokenizer files are copied)" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
  echo "clap-size-model: making $venv (torch, transformers, onnx from PyPI; a few GB, once)"
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
"$venv/bin/python" "$here/export_clap_size.py" "$out" --tokenizer-from "$demo"
