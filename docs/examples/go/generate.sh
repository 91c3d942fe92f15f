#!/usr/bin/env bash
# Generates the Go code for the partner contract from ../../../proto (the same .proto files
# the hub is built from). Needs protoc-gen-go:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.10
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
py=${PYTHON:-$root/.venv/bin/python}
include=$("$py" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')
plugin=${PROTOC_GEN_GO:-$(go env GOPATH)/bin/protoc-gen-go}
mkdir -p "$here/gen"
(cd "$root/proto" && "$py" -m grpc_tools.protoc -I . -I "$include" \
  --plugin=protoc-gen-go="$plugin" --go_out="$here/gen" --go_opt=paths=source_relative \
  --go_opt=Mquanhub/ingest/v1/ingest.proto=quanhub.dev/examples/gen/quanhub/ingest/v1 \
  quanhub/ingest/v1/ingest.proto)
echo "generated $here/gen/quanhub/ingest/v1/ingest.pb.go"
