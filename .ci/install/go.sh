#!/usr/bin/env bash
# The Go family's tests (tests/family_go.rs) need a go command (any release that can fetch
# toolchains: 1.21 or newer) and the toolchain the generated go.mod asks for, which is newer
# than the machine's Go. Like the generated README, they set GOTOOLCHAIN to the release
# templates/go/family.yaml names; fetching it here (from the Go module proxy, about 76 MB)
# makes a missing one fail early, with this message.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v go >/dev/null; then
  echo "go must be on PATH (Go 1.21 or newer)" >&2
  exit 1
fi
toolchain=$(sed -n 's/^ *go_toolchain: *//p' templates/go/family.yaml)
if [ -z "$toolchain" ]; then
  echo "templates/go/family.yaml names no go_toolchain" >&2
  exit 1
fi
echo "machine: $(go env GOVERSION) at $(command -v go)"
GOTOOLCHAIN=$toolchain go version
