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

  def test_raises_when_every_message_of_the_batch_failed
    error = assert_raises(App::BatchFailedError) { App.handler(event: event('all-failed.json'), context: nil) }

    assert_includes error.message, 'all 2 messages'
  end

  def test_reports_nothing_for_an_empty_batch
    assert_equal({ batchItemFailures: [] }, App.handler(event: { 'Records' => [] }, context: nil))
  end

  # A message without a body makes JSON.parse raise a TypeError, not a parse error.
  def test_reports_a_message_that_raises_anything
    records = [{ 'messageId' => 'm1' }, { 'messageId' => 'm2', 'body' => '{"name": "Dan"}' }]

    response = App.handler(event: { 'Records' => records }, context: nil)

    assert_equal({ batchItemFailures: [{ itemIdentifier: 'm1' }] }, response)
    assert_logged 'Hello, Dan!'
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
