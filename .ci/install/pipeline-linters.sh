#!/usr/bin/env bash
# The linters a generated CI/CD pipeline must pass (tests/pipeline.rs): actionlint (a Go
# module), zizmor (GitHub Actions security audits) and check-jsonschema, whose vendored
# GitHub workflow and GitLab CI schemas work offline. Pinned; safe to run again.
set -euo pipefail
python3 -m pip install --quiet --disable-pip-version-check \
  zizmor==1.32.0 check-jsonschema==0.39.0
GOBIN=/usr/local/bin go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
