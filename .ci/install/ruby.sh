#!/usr/bin/env bash
# The Ruby family's tests (tests/family_ruby.rs): Debian's Ruby 3.1, whose libruby ships
# minitest 5 as a bundled gem (no ruby-minitest package needed), RuboCop 1.39, and Bundler
# (`bundle`), which installs the alternative base's gems from stand-ins the test builds.
# rubygems.org is out of reach in CI, so no real gem is installed with gem or Bundler.
set -euo pipefail
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ruby rubocop ruby-bundler
ruby -e 'require "minitest"; puts "ruby #{RUBY_VERSION}, minitest #{Minitest::VERSION}"'
rubocop --version
bundle --version
