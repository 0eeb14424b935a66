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

  def test_greets_the_name_in_the_sample_event
    assert_equal({ message: 'Hello, Lambda!' }, App.handler(event: event('event.json'), context: nil))
    assert_logged 'Greeting Lambda'
  end

  def test_fails_on_the_event_whose_name_is_not_a_string
    assert_raises(ArgumentError) { App.handler(event: event('failure.json'), context: nil) }
    assert_logged
  end

  {
    'not_an_object' => 'Lambda',
    'no_name' => {},
    'an_empty_name' => { 'name' => '' }
  }.each do |label, payload|
    define_method("test_fails_on_an_event_with_#{label}") do
      assert_raises(ArgumentError) { App.handler(event: payload, context: nil) }
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
