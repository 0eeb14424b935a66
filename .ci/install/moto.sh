#!/usr/bin/env bash
# moto's server (a local stand-in for AWS) and the AWS CLI v1 beside it, for tests/trigger_events.rs:
# it runs each generated README's `aws` commands after `sam deploy` against moto. Their own
# virtual environment keeps their pins apart from SAM's and the linters'.
set -euo pipefail
if [ ! -x /opt/moto/bin/moto_server ] || ! /opt/moto/bin/aws --version 2>&1 | grep -q '^aws-cli/1\.46\.2 '; then
  python3 -m venv /opt/moto
  /opt/moto/bin/pip install --quiet --disable-pip-version-check 'moto[server]==5.2.5' awscli==1.46.2
fi
/opt/moto/bin/aws --version
