#!/usr/bin/env bash
# SAM CLI for tests/readme.rs: `sam validate` in a generated project reads its samconfig.toml
# (`[default.validate.parameters] lint = true`) and lints template.yaml, offline and without an
# AWS account. Its own virtual environment keeps its pins apart from the linters'.
set -euo pipefail
if [ ! -x /opt/sam/bin/sam ] || ! /opt/sam/bin/sam --version | grep -q ' 1\.170\.0$'; then
  python3 -m venv /opt/sam
  /opt/sam/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0
fi
ln -sf /opt/sam/bin/sam /usr/local/bin/sam
sam --version
