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
		{
			"event.json", event(t, "event.json"),
			[]string{
				"New object s3://example-bucket/uploads/hello world.txt (11 bytes)",
				"New object s3://example-bucket/uploads/café.txt (5 bytes)",
			},
		},
		{
			"plus and percent signs", upload(t, "uploads/1%2B1%3D2%25.txt", 0),
			[]string{"New object s3://example-bucket/uploads/1+1=2%.txt (0 bytes)"},
		},
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

func TestHandlerFailsOnAMalformedKey(t *testing.T) {
	_, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(upload(t, "uploads/%zz", 1)))
	if err == nil {
		t.Fatal("the invocation succeeded")
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

// upload is an S3 event for one object in example-bucket, key as S3 encodes it.
func upload(t *testing.T, key string, size int64) string {
	var record events.S3EventRecord
	record.S3.Bucket.Name = "example-bucket"
	record.S3.Object.Key = key
	record.S3.Object.Size = size
	payload, err := json.Marshal(events.S3Event{Records: []events.S3EventRecord{record}})
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
