#!/usr/bin/env bash
# tools/gpu-check/gpu-check.sh [MODEL_DIR] — on a machine with an NVIDIA GPU and CUDA 12: checks that onnxruntime-node's
# CUDA provider is installed and loads, then runs bench:encoder on the CPU and on CUDA side by side with the CLAP-size
# benchmark model (default models/clap-size-random, built by tools/clap-size-model/build.sh; random weights, so only
# speed means anything) and prints CUDA's speed-up for each setting. Run from the repo root after `npm ci && npm run build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-models/clap-size-random}
say() { echo "gpu-check: $*"; }

if command -v nvidia-smi >/dev/null 2>&1; then
  say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
else
  say "no nvidia-smi here: no NVIDIA GPU or driver; the CUDA half cannot run"; exit 1
fi
if ! ls node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so >/dev/null 2>&1; then
  say "onnxruntime-node has no CUDA provider; install it once (needs network):"
  say "  node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12"
  exit 1
fi
if [ ! -d "$model" ]; then
  say "$model is missing; building it (tools/clap-size-model/build.sh)"
  tools/clap-size-model/build.sh "$model"
fi
say "CPU and CUDA side by side on $model (tags meaningless, speed only)"
BENCH_DEMO=0 BENCH_MODEL="$model" BENCH_DEVICE=cpu,cuda BENCH_FEATURES=js,graph BENCH_BATCH="${BENCH_BATCH:-8,32}" \
  BENCH_WINDOWS="${BENCH_WINDOWS:-64}" npx tsx tools/bench/encoder.bench.ts
