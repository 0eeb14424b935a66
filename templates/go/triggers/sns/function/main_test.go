package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		logs    []string
	}{
		{"event.json", event(t, "event.json"), []string{"Hello, Lambda!"}},
		{"another name", notification(t, `{"name": "Zoë"}`), []string{"Hello, Zoë!"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)

			if _, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload)); err != nil {
				t.Fatalf("handler: %v", err)
			}

			for _, line := range tt.logs {
				if !strings.Contains(logs.String(), line) {
					t.Errorf("no %q in the logs:\n%s", line, logs)
				}
			}
		})
	}
}

func TestHandlerFails(t *testing.T) {
	tests := []struct {
		name    string
		payload string
	}{
		{"failure.json", event(t, "failure.json")},
		{"no name", notification(t, `{}`)},
		{"empty name", notification(t, `{"name": ""}`)},
		{"name not a string", notification(t, `{"name": 5}`)},
		{"message not an object", notification(t, `[]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)

			_, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload))
			if err == nil {
				t.Fatal("the invocation succeeded")
			}

			if strings.Contains(logs.String(), "Hello") {
				t.Errorf("a greeting was logged:\n%s", logs)
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

// notification is an SNS event carrying message.
func notification(t *testing.T, message string) string {
	event := events.SNSEvent{Records: []events.SNSEventRecord{
		{SNS: events.SNSEntity{MessageID: "1", Message: message}},
	}}
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
