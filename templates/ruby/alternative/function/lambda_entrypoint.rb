# frozen_string_literal: true

# The image's ENTRYPOINT, run by ruby itself (so it needs no executable bit): hands the
# handler the image's CMD names to the runtime interface client, which reads it only from
# _HANDLER and loads it relative to the working directory, /var/task. Bundler puts the gems
# Gemfile.lock pins, the client among them, on the load path.
ENV['_HANDLER'] = ARGV.fetch(0) { abort "usage: ruby #{__FILE__} HANDLER, e.g. app.App.handler" }
require 'bundler/setup'
load Gem.bin_path('aws_lambda_ric', 'aws_lambda_ric')
