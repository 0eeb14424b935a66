#!/usr/bin/env bash
# The Go family's tests (tests/family_go.rs) need the go toolchain (go, gofmt), 1.26 or
# newer: the generated go.mod says `go 1.26.0`. The CI machine has it already, so this only
# checks; the tests fetch the generated modules through the Go module proxy themselves.
set -euo pipefail
if ! command -v go >/dev/null || ! command -v gofmt >/dev/null; then
  echo "go and gofmt must be on PATH (Go 1.26 or newer)" >&2
  exit 1
fi
version=$(go env GOVERSION)   # e.g. go1.26.8
minor=$(echo "$version" | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "$minor" -lt 26 ]; then
  echo "$version is too old: the generated projects need Go 1.26 or newer" >&2
  exit 1
fi
echo "$version at $(command -v go)"
