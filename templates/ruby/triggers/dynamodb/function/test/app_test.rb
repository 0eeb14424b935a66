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

  def test_reports_only_the_record_whose_name_is_not_a_string
    response = App.handler(event: event('failure.json'), context: nil)

    assert_equal({ batchItemFailures: [{ itemIdentifier: '4421584500000000017450439092' }] }, response)
    assert_logged 'Hello, Alice!', 'Hello, Carol!'
  end

  {
    'no_name' => { 'id' => { 'S' => '1' } },
    'an_empty_name' => { 'name' => { 'S' => '' } },
    'no_new_image' => nil
  }.each do |label, image|
    define_method("test_reports_a_modify_record_with_#{label}") do
      record = { 'eventName' => 'MODIFY', 'dynamodb' => { 'NewImage' => image, 'SequenceNumber' => '7' } }.compact

      response = App.handler(event: { 'Records' => [record] }, context: nil)

      assert_equal({ batchItemFailures: [{ itemIdentifier: '7' }] }, response)
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
