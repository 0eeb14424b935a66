package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
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
			[]string{"Hello, Alice!", "Hello, Bob!"},
		},
		{
			"failure.json", event(t, "failure.json"),
			`{"batchItemFailures": [{"itemIdentifier": "c80e8021-a70a-42c7-a470-796e1186f753"}]}`,
			[]string{"Hello, Alice!", "Hello, Carol!"},
		},
		{
			"no name", messages(t, `{"name": ""}`, `{}`, `{"name": "Zoë"}`),
			`{"batchItemFailures": [{"itemIdentifier": "1"}, {"itemIdentifier": "2"}]}`,
			[]string{"Hello, Zoë!"},
		},
		{
			"name not a string", messages(t, `{"name": 5}`, `{"name": "Zoë"}`),
			`{"batchItemFailures": [{"itemIdentifier": "1"}]}`,
			[]string{"Hello, Zoë!"},
		},
		{
			"body not an object", messages(t, `[]`, `null`, `{"name": "Zoë"}`),
			`{"batchItemFailures": [{"itemIdentifier": "1"}, {"itemIdentifier": "2"}]}`,
			[]string{"Hello, Zoë!"},
		},
		{"no records", messages(t), `{"batchItemFailures": []}`, nil},
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

// A batch in which every message failed fails the invocation.
func TestHandlerFails(t *testing.T) {
	tests := []struct {
		name    string
		payload string
	}{
		{"all-failed.json", event(t, "all-failed.json")},
		{"one message, no name", messages(t, `{}`)},
		{"every body not an object", messages(t, `[]`, `"Zoë"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			captureLogs(t)

			answer, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload))
			if err == nil {
				t.Fatalf("the invocation succeeded: %s", answer)
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

// messages is an SQS event with a message per body, their ids counting from 1.
func messages(t *testing.T, bodies ...string) string {
	event := events.SQSEvent{Records: []events.SQSMessage{}}
	for i, body := range bodies {
		event.Records = append(event.Records, events.SQSMessage{MessageId: strconv.Itoa(i + 1), Body: body})
	}
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	return string(payload)
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
