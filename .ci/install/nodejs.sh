#!/usr/bin/env bash
# Node.js family: the generated projects' unit tests need node (>= 20) and npm, which the
# CI machine already has; their packages come from the npm registry through npm's own cache.
#
# The end-to-end test (tests/e2e_nodejs.rs, under aws-lambda-rie: .ci/install/rie.sh, and root
# for its sandbox) also builds aws-lambda-ric 3.3.0, which compiles curl, aws-lambda-cpp and a
# node-gyp addon: the build tools the generated Dockerfiles install in their build stage come
# from Debian here. node-gyp would download Node's headers from
# nodejs.org (out of reach); the test points it (npm_config_nodedir) at the headers the
# host's Node.js installed under <prefix>/include/node, so they must be there.
set -euo pipefail
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Node.js $node_major is too old for the generated projects' tests (need 20 or newer)" >&2
  exit 1
fi
echo "node $(node --version), npm $(npm --version)"

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  autoconf automake cmake g++ libtool make python3 xz-utils
prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ ! -f "$prefix/include/node/node_api.h" ]; then
  echo "no Node.js headers under $prefix/include/node: node-gyp would fetch them from nodejs.org" >&2
  exit 1
fi
echo "Node.js headers: $prefix/include/node"
