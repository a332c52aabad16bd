#!/usr/bin/env bash
# Rebuilds the reference outputs in outputs/ by running every case of
# cases.txt on both paths with the given dualpath binary.
#
#   tests/reference/regenerate.sh target/release/dualpath
#
# Only right when a change is meant to change the numbers (see README.md):
# otherwise the point of the fixtures is that they stay as they are.
#
# Needs jq, which pretty-prints the program's JSON (one number per line, so a
# change shows as a readable diff) and gathers both paths into one file per
# case. jq keeps every f64 (it prints the shortest decimal that reads back to
# the same double); running `cargo test --test proofs reference_cases` right after
# confirms it, since the test compares the fresh outputs with these files bit
# for bit.
set -euo pipefail
set -f # the arguments in cases.txt are split on whitespace, never globbed

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 PATH/TO/dualpath" >&2
  exit 2
fi
bin=$(realpath "$1")
cd "$(dirname "$0")"
command -v jq > /dev/null || { echo "$0: needs jq" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The input models of the grad cases (and of train-from-a-model-file): made
# with `train --save` on the matrix path, once. They are inputs, not outputs:
# kept when present, so that a change to training does not move the grad
# cases' starting point. Delete a file to make it again.
model() {
  local file=$1
  shift
  [ -e "$file" ] || "$bin" train "$@" --quiet --save "$file" > /dev/null
}
model models/coffee-tanh-sigmoid.json \
  --data coffee --layers 3:tanh,1:sigmoid --normalize --epochs 2 --seed 7
model models/binary-relu-tanh-sigmoid.json \
  --data data/binary.csv --layers 4:relu,2:tanh,1:sigmoid --normalize --epochs 20 --lr 0.05 --seed 4
model models/regression-relu-linear.json \
  --data data/regression.csv --loss mse --layers 3:relu,1:linear --normalize --epochs 20 --lr 0.05 --seed 6
model models/multi-sigmoid.json \
  --data data/multi.csv --target t1,t2 --layers 3:sigmoid,2:sigmoid --epochs 10 --lr 0.05 --seed 8

rm -f outputs/*.json
grep -Ev '^[[:space:]]*(#|$)' cases.txt | while read -r name command args; do
  for path in sequential matrix; do
    case $command in
      grad)
        # shellcheck disable=SC2086 # $args is meant to split into arguments
        "$bin" grad $args --path "$path" > "$tmp/$path.json"
        ;;
      train)
        # shellcheck disable=SC2086
        "$bin" train $args --path "$path" --quiet \
          --save "$tmp/$path.model.json" --history "$tmp/$path.history.json" > /dev/null
        jq -n --slurpfile history "$tmp/$path.history.json" --slurpfile model "$tmp/$path.model.json" \
          '{history: $history[0], model: $model[0]}' > "$tmp/$path.json"
        ;;
      *)
        echo "$0: $name: unknown command $command" >&2
        exit 2
        ;;
    esac
  done
  jq -n --arg case "$name" --arg args "$command $args" \
    --slurpfile sequential "$tmp/sequential.json" --slurpfile matrix "$tmp/matrix.json" \
    '{case: $case, args: $args, sequential: $sequential[0], matrix: $matrix[0]}' \
    > "outputs/$name.json"
  echo "outputs/$name.json"
done
