package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// fakeS3 answers HeadObject from its heads (by key) and records the keys it was asked for.
type fakeS3 struct {
	heads map[string]s3.HeadObjectOutput
	asked []string
}

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if aws.ToString(in.Bucket) != "example-bucket" {
		return nil, errors.New("no such bucket: " + aws.ToString(in.Bucket))
	}
	f.asked = append(f.asked, aws.ToString(in.Key))
	head, ok := f.heads[aws.ToString(in.Key)]
	if !ok {
		return nil, &types.NotFound{}
	}
	return &head, nil
}

func head(size int64, contentType string) s3.HeadObjectOutput {
	return s3.HeadObjectOutput{ContentLength: aws.Int64(size), ContentType: aws.String(contentType)}
}

func TestHandler(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		heads   map[string]s3.HeadObjectOutput
		logs    []string
	}{
		{
			"event.json", event(t, "event.json"),
			map[string]s3.HeadObjectOutput{
				"uploads/hello world.txt": head(11, "text/plain"),
				"uploads/café.txt":        head(5, "text/plain"),
			},
			[]string{
				"New object s3://example-bucket/uploads/hello world.txt (11 bytes) of type text/plain",
				"New object s3://example-bucket/uploads/café.txt (5 bytes) of type text/plain",
			},
		},
		{
			"what the head says", upload(t, "uploads/a.json"),
			map[string]s3.HeadObjectOutput{"uploads/a.json": head(4096, "application/json")},
			[]string{"New object s3://example-bucket/uploads/a.json (4096 bytes) of type application/json"},
		},
		{
			"plus and percent signs", upload(t, "uploads/1%2B1%3D2%25+x.txt"),
			map[string]s3.HeadObjectOutput{"uploads/1+1=2% x.txt": head(0, "text/plain")},
			[]string{"New object s3://example-bucket/uploads/1+1=2% x.txt (0 bytes) of type text/plain"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureLogs(t)
			client := &fakeS3{heads: tt.heads}

			if _, err := lambda.NewHandler(handler(client)).Invoke(t.Context(), []byte(tt.payload)); err != nil {
				t.Fatalf("handler: %v", err)
			}

			if len(client.asked) != len(tt.logs) {
				t.Errorf("asked for %q, want one head per object", client.asked)
			}
			for _, line := range tt.logs {
				if !strings.Contains(logs.String(), line) {
					t.Errorf("no %q in the logs:\n%s", line, logs)
				}
			}
		})
	}
}

func TestHandlerFailsOnAnObjectGone(t *testing.T) {
	client := &fakeS3{}
	_, err := lambda.NewHandler(handler(client)).Invoke(t.Context(), []byte(upload(t, "uploads/gone.txt")))
	var notFound *types.NotFound
	if !errors.As(err, &notFound) {
		t.Fatalf("got %v, want NotFound", err)
	}
	if !reflect.DeepEqual(client.asked, []string{"uploads/gone.txt"}) {
		t.Errorf("asked for %q", client.asked)
	}
}

func TestHandlerFailsOnAMalformedKey(t *testing.T) {
	_, err := lambda.NewHandler(handler(&fakeS3{})).Invoke(t.Context(), []byte(upload(t, "uploads/%zz")))
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
func upload(t *testing.T, key string) string {
	var record events.S3EventRecord
	record.S3.Bucket.Name = "example-bucket"
	record.S3.Object.Key = key
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
