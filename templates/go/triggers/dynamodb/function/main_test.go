package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    string
		logs    []string
		skipped []string // greetings of records after a failed one: not processed
	}{
		{
			"event.json", event(t, "event.json"),
			`{"batchItemFailures": []}`,
			[]string{"Hello, Alice!", "Hello, Alicia!", "Removed 2"}, nil,
		},
		{
			"failure.json", event(t, "failure.json"),
			`{"batchItemFailures": [{"itemIdentifier": "4421584500000000017450439092"}, {"itemIdentifier": "4421584500000000017450439103"}]}`,
			[]string{"Hello, Alice!"}, []string{"Hello, Carol!"},
		},
		{
			"no name", records(
				`{"eventName": "INSERT", "dynamodb": {"NewImage": {"name": {"S": "Zoë"}}, "SequenceNumber": "100"}}`,
				`{"eventName": "MODIFY", "dynamodb": {"NewImage": {"name": {"S": ""}}, "SequenceNumber": "200"}}`,
				`{"eventName": "MODIFY", "dynamodb": {"NewImage": {"name": {"S": "Yann"}}, "SequenceNumber": "300"}}`,
			),
			`{"batchItemFailures": [{"itemIdentifier": "200"}, {"itemIdentifier": "300"}]}`,
			[]string{"Hello, Zoë!"}, []string{"Hello, Yann!"},
		},
		{
			"removed item without a string id", records(
				`{"eventName": "INSERT", "dynamodb": {"NewImage": {"name": {"S": "Zoë"}}, "SequenceNumber": "100"}}`,
				`{"eventName": "REMOVE", "dynamodb": {"Keys": {"id": {"N": "2"}}, "SequenceNumber": "200"}}`,
			),
			`{"batchItemFailures": [{"itemIdentifier": "200"}]}`,
			[]string{"Hello, Zoë!"}, nil,
		},
		{"no records", records(), `{"batchItemFailures": []}`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)

			answer, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload))
			if err != nil {
				t.Fatalf("handler: %v", err)
			}

			assertJSON(t, answer, tt.want)
			for _, line := range tt.logs {
				if !strings.Contains(logs.String(), line) {
					t.Errorf("no %q in the logs:\n%s", line, logs)
				}
			}
			for _, line := range tt.skipped {
				if strings.Contains(logs.String(), line) {
					t.Errorf("%q in the logs:\n%s", line, logs)
				}
			}
		})
	}
}

// A batch whose first record fails, so that every record is reported, fails the invocation.
func TestHandlerFails(t *testing.T) {
	tests := []struct {
		name    string
		payload string
	}{
		{"all-failed.json", event(t, "all-failed.json")},
		{"no name", records(`{"eventName": "INSERT", "dynamodb": {"NewImage": {}, "SequenceNumber": "100"}}`)},
		{"unknown event", records(
			`{"eventName": "UPSERT", "dynamodb": {"NewImage": {"name": {"S": "Zoë"}}, "SequenceNumber": "100"}}`,
			`{"eventName": "INSERT", "dynamodb": {"NewImage": {"name": {"S": "Yann"}}, "SequenceNumber": "200"}}`,
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)

			answer, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload))
			if err == nil {
				t.Fatalf("the invocation succeeded: %s", answer)
			}
			if strings.Contains(logs.String(), "Hello") {
				t.Errorf("a record after the failed one was processed:\n%s", logs)
			}
		})
	}
}

// event is the bundled event file name, from the project's events/.
func event(t *testing.T, name string) string {
	t.Helper()
	payload, err := os.ReadFile(filepath.Join("..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(payload)
}

// records is a stream event holding records, each a JSON object.
func records(records ...string) string {
	return `{"Records": [` + strings.Join(records, ", ") + `]}`
}

// captureLogs sends what the test logs through slog's default logger to the returned buffer.
func captureLogs(t *testing.T) *bytes.Buffer {
	var logs bytes.Buffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(previous) })
	return &logs
}

// assertJSON checks that answer is the same JSON value as want.
func assertJSON(t *testing.T, answer []byte, want string) {
	t.Helper()
	var got, wanted any
	if err := json.Unmarshal(answer, &got); err != nil {
		t.Fatalf("answer %s: %v", answer, err)
	}
	if err := json.Unmarshal([]byte(want), &wanted); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wanted) {
		t.Errorf("answer = %s, want %s", answer, want)
	}
}
