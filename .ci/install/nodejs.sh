#!/usr/bin/env bash
# Node.js family: the generated projects' unit tests need node (>= 20) and npm, which the
# CI machine already has; their packages come from the npm registry through npm's own cache.
set -euo pipefail
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Node.js $node_major is too old for the generated projects' tests (need 20 or newer)" >&2
  exit 1
fi
echo "node $(node --version), npm $(npm --version)"
