#!/usr/bin/env bash
# Prepare a machine to execute the TypeScript notebooks in notebooks/ headless.
#
#   bash scripts/setup-notebooks.sh
#
# 1. Debian packages: jupyter-nbconvert (nbconvert + nbclient + jupyter_client)
#    and python3-ipykernel. Installed with apt-get when missing (needs root).
# 2. The tslab kernel spec ("tslab", TypeScript), from the npm package tslab in
#    node_modules, installed into a prefix inside the repository
#    (build/jupyter/share/jupyter/kernels/tslab), not into the user's or the
#    system's Jupyter: nothing outside the checkout changes, and the spec points
#    at this checkout's node_modules/.bin/tslab by absolute path, because
#    Jupyter starts kernels without npm's PATH. scripts/run-notebooks.sh sets
#    JUPYTER_PATH to that prefix.
#
# The system python is used on purpose (/usr/bin/python3): the Debian jupyter
# packages live there, whatever `python3` on PATH is (pyenv, a venv, ...).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=/usr/bin/python3

if ! command -v jupyter-nbconvert >/dev/null 2>&1 || ! "$python" -c 'import ipykernel, nbclient' >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-notebooks: missing Debian packages; run: sudo apt-get update && sudo apt-get install -y jupyter-nbconvert python3-ipykernel" >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y jupyter-nbconvert python3-ipykernel
fi

if [ ! -x "$root/node_modules/.bin/tslab" ]; then
  echo "setup-notebooks: node_modules/.bin/tslab not found; run npm ci (tslab is a devDependency)" >&2
  exit 1
fi

node "$root/node_modules/tslab/bin/tslab" install \
  --python="$python" \
  --binary="$root/node_modules/.bin/tslab" \
  --prefix="$root/build/jupyter"
echo "setup-notebooks: tslab kernel spec in $root/build/jupyter/share/jupyter/kernels/tslab"
