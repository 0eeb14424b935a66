# frozen_string_literal: true

require 'json'
require 'minitest/autorun'
require 'stringio'
require_relative '../app'

# Unit tests for App.handler, run against the sample events in ../events, with an S3 client
# that answers from stubs instead of the network.
class AppTest < Minitest::Test
  EVENTS = File.expand_path('../../events', __dir__)

  def setup
    @log = StringIO.new
    App::LOGGER.reopen(@log)
    @s3 = Aws::S3::Client.new(stub_responses: true)
    App.s3 = @s3
  end

  def teardown
    App::LOGGER.reopen($stdout)
    App.s3 = nil
  end

  def test_logs_each_object_of_the_sample_event_by_its_decoded_key
    heads 'uploads/hello world.txt' => [11, 'text/plain'], 'uploads/café.txt' => [5, 'text/plain']

    assert_nil App.handler(event: event('event.json'), context: nil)
    assert_logged 'New object s3://example-bucket/uploads/hello world.txt (11 bytes) of type text/plain',
                  'New object s3://example-bucket/uploads/café.txt (5 bytes) of type text/plain'
  end

  def test_logs_what_the_head_says
    heads 'a.json' => [4096, 'application/json']

    App.handler(event: upload('a.json'), context: nil)

    assert_logged 'New object s3://b/a.json (4096 bytes) of type application/json'
  end

  def test_an_object_gone_fails_the_invocation
    heads({})

    assert_raises(Aws::S3::Errors::NotFound) { App.handler(event: upload('gone.txt'), context: nil) }
  end

  {
    'a+b.txt' => 'a b.txt',
    'a%2Bb.txt' => 'a+b.txt',
    '100%25.txt' => '100%.txt',
    'na%C3%AFve+%E2%9C%93' => 'naïve ✓'
  }.each_with_index do |(encoded, key), index|
    define_method("test_decodes_key_#{index}") do
      heads key => [0, 'text/plain']

      App.handler(event: upload(encoded), context: nil)

      asked = @s3.api_requests.map { |request| request[:params] }

      assert_equal [{ bucket: 'b', key: }], asked
    end
  end

  private

  # HeadObject answers by key: [size, content type], NotFound for any other key.
  def heads(by_key)
    @s3.stub_responses(:head_object, lambda { |context|
      size, type = by_key[context.params[:key]]
      size ? { content_length: size, content_type: type } : 'NotFound'
    })
  end

  def event(file)
    JSON.parse(File.read(File.join(EVENTS, file)))
  end

  # An event for one object in bucket b, its key as S3 encodes it.
  def upload(key)
    { 'Records' => [{ 's3' => { 'bucket' => { 'name' => 'b' }, 'object' => { 'key' => key, 'size' => 0 } } }] }
  end

  def assert_logged(*texts)
    lines = @log.string.lines.grep(/ INFO -- : /)

    assert_equal texts.size, lines.size, @log.string
    texts.zip(lines).each { |text, line| assert_includes line, text }
  end
end
