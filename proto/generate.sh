#!/usr/bin/env bash
# Regenerates the committed Python code from proto/ (make proto), or, with --check, fails
# when the committed code differs from what the .proto files generate (make proto-check).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-$here/../.venv/bin/python}
out=$here/gen/python
mode=${1:-write}

generate() {
  local dest=$1
  mkdir -p "$dest"
  local include
  include=$("$py" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')
  (cd "$here" && find quanhub -name '*.proto' -print0 | sort -z | xargs -0 \
    "$py" -m grpc_tools.protoc -I . -I "$include" \
      --plugin=protoc-gen-mypy="$(dirname "$py")/protoc-gen-mypy" \
      --python_out="$dest" --mypy_out="$dest")
}

if [ "$mode" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  generate "$tmp"
  if ! diff -r "$tmp" "$out" >/dev/null; then
    echo "proto drift: generated code in proto/gen/python differs from proto/; run 'make proto'" >&2
    diff -r "$tmp" "$out" | head -n 40 >&2 || true
    exit 1
  fi
  echo "proto: generated code matches proto/"
else
  rm -rf "$out/quanhub"
  generate "$out"
  echo "proto: regenerated $out"
fi
