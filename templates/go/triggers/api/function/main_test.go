package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHandler(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "events", "event.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		event string
		want  string
	}{
		{"event.json", string(sample), "Hello, Lambda!"},
		{"null query parameters", `{"queryStringParameters": null}`, "Hello, world!"},
		{"no query parameters", `{}`, "Hello, world!"},
		{"empty name", `{"queryStringParameters": {"name": ""}}`, "Hello, world!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var request events.APIGatewayProxyRequest
			if err := json.Unmarshal([]byte(tt.event), &request); err != nil {
				t.Fatalf("decoding the event: %v", err)
			}

			response, err := handler(t.Context(), request)
			if err != nil {
				t.Fatalf("handler: %v", err)
			}

			if response.StatusCode != http.StatusOK {
				t.Errorf("status code = %d, want %d", response.StatusCode, http.StatusOK)
			}
			wantHeaders := map[string]string{"Content-Type": "application/json"}
			if !maps.Equal(response.Headers, wantHeaders) {
				t.Errorf("headers = %v, want %v", response.Headers, wantHeaders)
			}
			var body map[string]string
			if err := json.Unmarshal([]byte(response.Body), &body); err != nil {
				t.Fatalf("body %q is not a JSON object of strings: %v", response.Body, err)
			}
			wantBody := map[string]string{"message": tt.want}
			if !maps.Equal(body, wantBody) {
				t.Errorf("body = %v, want %v", body, wantBody)
			}
		})
	}
}
