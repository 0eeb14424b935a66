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
		log     string
	}{
		{"event.json", event(t, "event.json"), "Hello, Lambda!"},
		{"another name", greetingRequestedEvent(t, `{"name": "Zoë"}`), "Hello, Zoë!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)

			if _, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload)); err != nil {
				t.Fatalf("handler: %v", err)
			}

			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("no %q in the logs:\n%s", tt.log, logs)
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
		{"empty name", greetingRequestedEvent(t, `{"name": ""}`)},
		{"name not a string", greetingRequestedEvent(t, `{"name": 5}`)},
		{"detail not an object", greetingRequestedEvent(t, `"Lambda"`)},
		{"no detail", `{"id": "1", "detail-type": "Greeting requested"}`},
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

// greetingRequestedEvent is a "Greeting requested" event with detail, a JSON value.
func greetingRequestedEvent(t *testing.T, detail string) string {
	payload, err := json.Marshal(events.EventBridgeEvent{
		ID:         "1",
		DetailType: "Greeting requested",
		Detail:     json.RawMessage(detail),
	})
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
