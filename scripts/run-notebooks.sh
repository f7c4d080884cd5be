#!/usr/bin/env bash
# Execute every notebook in notebooks/ headless; exit non-zero if a cell fails
# (nbconvert's default: a cell error aborts the notebook with CellExecutionError).
#
#   bash scripts/run-notebooks.sh [notebooks/x.ipynb ...]
#
# Executed copies go to build/notebooks/ (the sources in notebooks/ stay
# without outputs). Runs scripts/setup-notebooks.sh first if the kernel spec
# is missing, and builds the package if build/ is missing (the notebooks
# import ../build/src/{index,render,compare}.js, the package's entries).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export JUPYTER_PATH="$root/build/jupyter/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

if [ ! -f "$root/build/jupyter/share/jupyter/kernels/tslab/kernel.json" ]; then
  bash "$root/scripts/setup-notebooks.sh"
fi
if [ ! -f "$root/build/src/index.js" ] || [ ! -f "$root/build/src/render.js" ] || [ ! -f "$root/build/src/compare.js" ]; then
  npx tsc -p tsconfig.json
fi

out="$root/build/notebooks"
mkdir -p "$out"
if [ "$#" -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/*.ipynb); fi
failed=0
for notebook in "${notebooks[@]}"; do
  name="$(basename "$notebook" .ipynb)"
  echo "run-notebooks: $notebook"
  start=$(date +%s)
  if jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
      --ExecutePreprocessor.kernel_name=tslab "$notebook" --output-dir "$out" --output "$name"; then
    echo "run-notebooks: $notebook ok ($(( $(date +%s) - start )) s) -> build/notebooks/$name.ipynb"
  else
    echo "run-notebooks: $notebook FAILED" >&2
    failed=1
  fi
done
exit "$failed"
