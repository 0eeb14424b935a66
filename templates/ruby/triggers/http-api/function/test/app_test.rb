# frozen_string_literal: true

require 'json'
require 'minitest/autorun'
require_relative '../app'

# Unit tests for App.handler, run against the sample event in ../events.
class AppTest < Minitest::Test
  EVENT = File.expand_path('../../events/event.json', __dir__)

  def test_answers_the_sample_event
    event = JSON.parse(File.read(EVENT))

    response = App.handler(event:, context: nil)

    assert_equal 200, response[:statusCode]
    assert_equal({ 'Content-Type' => 'application/json' }, response[:headers])
    assert_equal({ 'message' => 'Hello, Lambda!' }, JSON.parse(response[:body]))
  end

  {
    'no_query_string' => nil,
    'no_name' => {},
    'an_empty_name' => { 'name' => '' }
  }.each do |label, params|
    define_method("test_greets_the_world_given_#{label}") do
      response = App.handler(event: { 'queryStringParameters' => params }, context: nil)

      assert_equal({ 'message' => 'Hello, world!' }, JSON.parse(response[:body]))
    end
  end
end
