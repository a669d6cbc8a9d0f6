package oltp_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/carcarehub/cch/oltp"
)

type sample struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int // 0 = accepted
	}{
		{"valid", `{"name":"a","count":2}`, 0},
		{"malformed", `{"name":`, http.StatusBadRequest},
		{"wrong type", `{"count":"two"}`, http.StatusBadRequest},
		{"unknown field", `{"name":"a","admin":true}`, http.StatusBadRequest},
		{"trailing data", `{"name":"a"} {"name":"b"}`, http.StatusBadRequest},
		{"empty", ``, http.StatusBadRequest},
		{"array", `[1,2]`, http.StatusBadRequest},
		{"NUL escape", `{"name":"a\u0000b"}`, http.StatusBadRequest},
		{"NUL escape after an escaped quote", `{"name":"\"\u0000"}`, http.StatusBadRequest},
		{"escaped backslash before u0000 is text", `{"name":"\\u0000"}`, 0},
		{"invalid UTF-8", "{\"name\":\"\xff\"}", http.StatusBadRequest},
		{"raw NUL", "{\"name\":\"a\x00\"}", http.StatusBadRequest},
		{"oversized", `{"name":"` + strings.Repeat("x", oltp.MaxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sample
			err := oltp.DecodeJSON(strings.NewReader(tt.body), &s)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var e *oltp.Error
			if !errors.As(err, &e) || e.Status != tt.status {
				t.Fatalf("err = %v, want status %d", err, tt.status)
			}
		})
	}
}

func TestParseToken(t *testing.T) {
	secret, hash := oltp.NewTokenSecret()
	id, got, err := oltp.ParseToken(oltp.FormatToken(42, secret))
	if err != nil || id != 42 || string(got) != string(hash) {
		t.Fatalf("round trip: id %d err %v", id, err)
	}
	for _, bad := range []string{"", "cch_", "cch_x_y", "cch_0_abc", "bearer", "cch_12_", "cch_-1_abc"} {
		if _, _, err := oltp.ParseToken(bad); err == nil {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
}
