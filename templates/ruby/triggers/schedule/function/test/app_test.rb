# frozen_string_literal: true

require 'json'
require 'minitest/autorun'
require 'stringio'
require_relative '../app'

# Unit tests for App.handler, run against the sample events in ../events.
class AppTest < Minitest::Test
  EVENTS = File.expand_path('../../events', __dir__)

  def setup
    @log = StringIO.new
    App::LOGGER.reopen(@log)
  end

  def teardown
    App::LOGGER.reopen($stdout)
  end

  def test_runs_the_job_of_the_sample_input
    assert_nil App.handler(event: event('event.json'), context: nil)
    assert_logged 'Running hourly-report for 2026-11-27T12:00:00Z'
  end

  def test_fails_on_the_input_without_a_job
    assert_raises(ArgumentError) { App.handler(event: event('failure.json'), context: nil) }
    assert_logged
  end

  {
    'not_an_object' => 'hourly-report',
    'an_empty_job' => { 'job' => '' },
    'a_number_for_a_job' => { 'job' => 1 }
  }.each do |label, input|
    define_method("test_fails_on_an_input_with_#{label}") do
      assert_raises(ArgumentError) { App.handler(event: input, context: nil) }
    end
  end

  private

  def event(file)
    JSON.parse(File.read(File.join(EVENTS, file)))
  end

  def assert_logged(*texts)
    lines = @log.string.lines.grep(/ INFO -- : /)

    assert_equal texts.size, lines.size, @log.string
    texts.zip(lines).each { |text, line| assert_includes line, text }
  end
end
