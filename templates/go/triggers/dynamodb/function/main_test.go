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
	}{
		{
			"event.json", event(t, "event.json"),
			`{"batchItemFailures": []}`,
			[]string{"Hello, Alice!", "Hello, Alicia!", "Removed 2"},
		},
		{
			"failure.json", event(t, "failure.json"),
			`{"batchItemFailures": [{"itemIdentifier": "4421584500000000017450439092"}]}`,
			[]string{"Hello, Alice!", "Hello, Carol!"},
		},
		{
			"no name", records(
				`{"eventName": "INSERT", "dynamodb": {"NewImage": {"id": {"S": "1"}}, "SequenceNumber": "100"}}`,
				`{"eventName": "MODIFY", "dynamodb": {"NewImage": {"name": {"S": ""}}, "SequenceNumber": "200"}}`,
				`{"eventName": "MODIFY", "dynamodb": {"NewImage": {"name": {"S": "Zoë"}}, "SequenceNumber": "300"}}`,
			),
			`{"batchItemFailures": [{"itemIdentifier": "100"}, {"itemIdentifier": "200"}]}`,
			[]string{"Hello, Zoë!"},
		},
		{
			"removed item without a string id", records(
				`{"eventName": "REMOVE", "dynamodb": {"Keys": {"id": {"N": "2"}}, "SequenceNumber": "100"}}`,
			),
			`{"batchItemFailures": [{"itemIdentifier": "100"}]}`,
			nil,
		},
		{"no records", records(), `{"batchItemFailures": []}`, nil},
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
