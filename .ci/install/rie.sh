#!/usr/bin/env bash
# The end-to-end tests (tests/support/rie.rs) run every generated project under AWS's Runtime
# Interface Emulator, built here from its Go module (pinned: the module has no tagged
# releases), in a sandbox made as root with unshare, mount, setpriv (util-linux, essential on
# Debian) and chroot (coreutils).
set -euo pipefail
version=v0.0.0-20261030222936-bef5c4ba774d
GOBIN=/usr/local/bin go install \
  "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$version"
command -v aws-lambda-rie unshare mount setpriv chroot
