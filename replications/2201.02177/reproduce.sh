#!/usr/bin/env bash
# Self-contained: its own environment with the pinned packages of requirements.txt, relative paths
# only, the full replication and the check.
set -euo pipefail
cd "$(dirname "$0")"
SEEDS="${SEEDS:-3}"
CONFIG="${CONFIG:-default}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
fi
for seed in $(seq 0 $((SEEDS - 1))); do
  .venv/bin/python train.py --config "config/$CONFIG.toml" --seed="$seed" --out_dir="runs/reproduce-$CONFIG-s$seed"
done
.venv/bin/python check.py runs/reproduce-"$CONFIG"-s*
