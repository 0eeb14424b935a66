package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"event.json", event(t, "event.json"), `{"message": "Hello, Lambda!"}`},
		{"another name", `{"name": "Zoë", "extra": true}`, `{"message": "Hello, Zoë!"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload))
			if err != nil {
				t.Fatalf("handler: %v", err)
			}

			var got, want any
			if err := json.Unmarshal(answer, &got); err != nil {
				t.Fatalf("answer %s: %v", answer, err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("answer = %s, want %s", answer, tt.want)
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
		{"no name", `{}`},
		{"empty name", `{"name": ""}`},
		{"not an object", `"Lambda"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if answer, err := lambda.NewHandler(handler).Invoke(t.Context(), []byte(tt.payload)); err == nil {
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
