package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		log     string
	}{
		{"event.json", event(t, "event.json"), "Running hourly-report for 2026-11-27T12:00:00Z"},
		{"an offset", `{"job": "cleanup", "scheduledTime": "2026-11-27T13:00:00+01:00"}`, "Running cleanup for 2026-11-27T13:00:00+01:00"},
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
		{"empty job", `{"job": "", "scheduledTime": "2026-11-27T12:00:00Z"}`},
		{"job not a string", `{"job": 5, "scheduledTime": "2026-11-27T12:00:00Z"}`},
		{"malformed time", `{"job": "hourly-report", "scheduledTime": "noon"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)

			_, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload))
			if err == nil {
				t.Fatal("the invocation succeeded")
			}

			if strings.Contains(logs.String(), "Running") {
				t.Errorf("a job ran:\n%s", logs)
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

// captureLogs sends what the test logs through slog's default logger to the returned buffer.
func captureLogs(t *testing.T) *bytes.Buffer {
	var logs bytes.Buffer
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(previous) })
	return &logs
}
