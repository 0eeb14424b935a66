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

  def test_greets_the_name_in_the_sample_notification
    assert_nil App.handler(event: event('event.json'), context: nil)
    assert_logged 'Hello, Lambda!'
  end

  def test_fails_on_a_message_that_is_not_json
    assert_raises(JSON::ParserError) { App.handler(event: event('failure.json'), context: nil) }
    assert_logged
  end

  {
    'a_json_array' => '["Lambda"]',
    'no_name' => '{}',
    'an_empty_name' => '{"name": ""}',
    'a_number_for_a_name' => '{"name": 42}'
  }.each do |label, message|
    define_method("test_fails_on_a_message_with_#{label}") do
      notification = { 'Records' => [{ 'Sns' => { 'Message' => message } }] }

      assert_raises(ArgumentError) { App.handler(event: notification, context: nil) }
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
