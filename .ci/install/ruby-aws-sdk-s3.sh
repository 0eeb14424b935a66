#!/usr/bin/env bash
# The AWS SDK's S3 gem for the Ruby family's tests (tests/family_ruby.rs): the s3 trigger's
# handler requires it, in its Minitest suite and under the emulator against moto, and
# rubygems.org is out of reach, so Debian's package stands in for the gem the generated
# Gemfile names (a newer one: this version predates AWS_ENDPOINT_URL, which the test makes up
# for).
set -euo pipefail
if ! dpkg -s ruby-aws-sdk-s3 2>/dev/null | grep -q '^Version: 1\.117\.2-1$'; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ruby-aws-sdk-s3=1.117.2-1
fi
ruby -e 'require "aws-sdk-s3"; puts "aws-sdk-s3 #{Aws::S3::GEM_VERSION}"'
