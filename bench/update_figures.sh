#!/usr/bin/env bash
# Copy the rendered figures and their CSVs from a plots run into
# bench/figures/ (committed, so README.md can show them) and regenerate
# the numbers in bench/README.md from those CSVs.
# usage: bench/update_figures.sh BUILD_DIR/plots
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: update_figures.sh BUILD_DIR/plots}
mkdir -p "$here/figures"
cp -f "$src"/*.png "$src"/*.svg "$src"/*.csv "$here/figures/"
bash "$here/readme.sh" "$here/figures"
