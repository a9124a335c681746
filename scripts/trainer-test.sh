#!/usr/bin/env bash
# Trainer contract test (npm run test:trainer): builds a small synthetic release with the TypeScript builders, then
# checks it with the real consumers (HF datasets, TRL DPOTrainer/KTOTrainer, the DRIFT recipe) on CPU.
# Creates or reuses the venv .venv-trainer, installing only from this machine's package mirror; nothing is fetched
# from any model hub.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-trainer
PKGS=(torch trl transformers datasets tokenizers accelerate pyarrow)
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import torch, trl, transformers, datasets, tokenizers' 2>/dev/null; then
  echo "trainer-test: installing ${PKGS[*]} into $VENV from the local mirror" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple \
    --find-links /opt/wheels "${PKGS[@]}" >&2
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/trainer-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RELEASE_DIR=$(DOTENV_CONFIG_QUIET=true node --import tsx tests/trainer/make-release.ts "$WORK/releases")
echo "trainer-test: release at $RELEASE_DIR" >&2
export RELEASE_DIR HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HOME="$WORK/hf" \
  TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=2 PYTHONWARNINGS=ignore \
  HF_DATASETS_DISABLE_PROGRESS_BARS=1 TQDM_DISABLE=1
"$VENV/bin/python" tests/trainer/test_trainer_contract.py
