#!/usr/bin/env bash
# `buf breaking` against the published contract: the newest `contract-*` tag when there
# is one, else the commit that first published proto/ (contract v1). Every change since
# must be additive (buf's FILE rules), so services can be rolled one at a time.
# Usage: proto/breaking.sh [path to buf]
set -euo pipefail
buf=${1:-buf}
cd "$(dirname "$0")"
if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
    echo "proto/breaking.sh: a shallow clone has no published contract to compare with;" \
        "run 'git fetch --unshallow' first" >&2
    exit 1
fi
base=$(git describe --tags --abbrev=0 --match 'contract-*' 2>/dev/null || true)
if [[ -z $base ]]; then
    base=$(git log --diff-filter=A --format=%H -- quanhub/ingest/v1/ingest.proto | tail -1)
fi
if [[ -z $base ]]; then
    echo "proto/breaking.sh: no published contract found in git history" >&2
    exit 1
fi
base=$(git rev-parse "$base^{commit}")
"$buf" breaking --against "$(git rev-parse --show-toplevel)/.git#ref=$base,subdir=proto"
echo "proto: no breaking change against ${base:0:12}"
