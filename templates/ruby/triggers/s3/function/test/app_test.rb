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

  def test_logs_each_object_of_the_sample_event_by_its_decoded_key
    assert_nil App.handler(event: event('event.json'), context: nil)
    assert_logged 'New object s3://example-bucket/uploads/hello world.txt (11 bytes)',
                  'New object s3://example-bucket/uploads/café.txt (5 bytes)'
  end

  {
    'a+b.txt' => 'a b.txt',
    'a%2Bb.txt' => 'a+b.txt',
    '100%25.txt' => '100%.txt',
    'na%C3%AFve+%E2%9C%93' => 'naïve ✓'
  }.each_with_index do |(encoded, key), index|
    define_method("test_decodes_key_#{index}") do
      record = { 's3' => { 'bucket' => { 'name' => 'b' }, 'object' => { 'key' => encoded, 'size' => 0 } } }

      App.handler(event: { 'Records' => [record] }, context: nil)

      assert_logged "New object s3://b/#{key} (0 bytes)"
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
