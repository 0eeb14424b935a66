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

  def test_processes_every_message_of_the_sample_event
    response = App.handler(event: event('event.json'), context: nil)

    assert_equal({ batchItemFailures: [] }, response)
    assert_logged 'Hello, Alice!', 'Hello, Bob!'
  end

  def test_reports_only_the_message_that_is_not_json
    response = App.handler(event: event('failure.json'), context: nil)

    assert_equal({ batchItemFailures: [{ itemIdentifier: 'c80e8021-a70a-42c7-a470-796e1186f753' }] }, response)
    assert_logged 'Hello, Alice!', 'Hello, Carol!'
  end

  {
    'a_json_array' => '["Alice"]',
    'no_name' => '{}',
    'an_empty_name' => '{"name": ""}',
    'a_number_for_a_name' => '{"name": 42}'
  }.each do |label, body|
    define_method("test_reports_a_message_with_#{label}") do
      records = [{ 'messageId' => 'm1', 'body' => body }, { 'messageId' => 'm2', 'body' => '{"name": "Dan"}' }]

      response = App.handler(event: { 'Records' => records }, context: nil)

      assert_equal({ batchItemFailures: [{ itemIdentifier: 'm1' }] }, response)
      assert_logged 'Hello, Dan!'
    end
  end

  private

  def event(file)
    JSON.parse(File.read(File.join(EVENTS, file)))
  end

  def assert_logged(*texts)
    greetings = @log.string.lines.grep(/ INFO -- : Hello, /)

    assert_equal texts.size, greetings.size, @log.string
    texts.zip(greetings).each { |text, line| assert_includes line, text }
  end
end
