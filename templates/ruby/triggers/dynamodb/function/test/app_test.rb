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

  def test_processes_every_record_of_the_sample_event
    response = App.handler(event: event('event.json'), context: nil)

    assert_equal({ batchItemFailures: [] }, response)
    assert_logged 'Hello, Alice!', 'Hello, Alicia!', 'Removed 2'
  end

  def test_stops_at_the_record_whose_name_is_not_a_string_and_reports_it_and_the_rest
    response = App.handler(event: event('failure.json'), context: nil)

    reported = %w[4421584500000000017450439092 4421584500000000017450439103]

    assert_equal({ batchItemFailures: reported.map { |n| { itemIdentifier: n } } }, response)
    assert_logged 'Hello, Alice!'
  end

  def test_raises_when_the_first_record_fails_as_every_record_is_reported
    error = assert_raises(App::BatchFailedError) { App.handler(event: event('all-failed.json'), context: nil) }

    assert_includes error.message, 'first record'
  end

  def test_reports_nothing_for_an_empty_batch
    assert_equal({ batchItemFailures: [] }, App.handler(event: { 'Records' => [] }, context: nil))
  end

  # A NewImage that is a string, not a map, makes dig raise a TypeError, not an ArgumentError.
  def test_stops_at_a_record_that_raises_anything
    response = App.handler(event: { 'Records' => [modify('6', { 'name' => { 'S' => 'Dan' } }), modify('7', 'Eve')] },
                           context: nil)

    assert_equal({ batchItemFailures: [{ itemIdentifier: '7' }] }, response)
    assert_logged 'Hello, Dan!'
  end

  {
    'no_name' => { 'id' => { 'S' => '1' } },
    'an_empty_name' => { 'name' => { 'S' => '' } },
    'no_new_image' => nil
  }.each do |label, image|
    define_method("test_reports_a_modify_record_with_#{label}") do
      records = [modify('6', { 'name' => { 'S' => 'Dan' } }), modify('7', image)]

      response = App.handler(event: { 'Records' => records }, context: nil)

      assert_equal({ batchItemFailures: [{ itemIdentifier: '7' }] }, response)
    end
  end

  private

  def modify(sequence_number, image)
    { 'eventName' => 'MODIFY', 'dynamodb' => { 'NewImage' => image, 'SequenceNumber' => sequence_number }.compact }
  end

  def event(file)
    JSON.parse(File.read(File.join(EVENTS, file)))
  end

  def assert_logged(*texts)
    lines = @log.string.lines.grep(/ INFO -- : /)

    assert_equal texts.size, lines.size, @log.string
    texts.zip(lines).each { |text, line| assert_includes line, text }
  end
end
