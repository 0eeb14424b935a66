#!/usr/bin/env bash
# git, for the tests of `git init` (tests/git.rs, tests/signals.rs, tests/settings.rs). The
# tests that kill runs at random points also need sh, cp, mv, rm and rmdir (coreutils).
set -euo pipefail
if ! command -v git >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git
fi
git --version
