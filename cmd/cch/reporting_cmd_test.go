package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestReportingParse(t *testing.T) {
	t.Setenv("CCH_DATABASE_URL", "")
	tests := []struct {
		name    string
		args    []string
		want    reportingConfig
		wantErr string
	}{
		{"grant", []string{"grant", "--database-url", "postgres://x/y", "--staff", "42", "--role", "manager", "--password", "pw"},
			reportingConfig{Verb: "grant", DatabaseURL: "postgres://x/y", StaffID: 42, Role: "manager", Password: "pw"}, ""},
		{"revoke", []string{"revoke", "--database-url", "postgres://x/y", "--staff", "42", "--role", "auditor"},
			reportingConfig{Verb: "revoke", DatabaseURL: "postgres://x/y", StaffID: 42, Role: "auditor"}, ""},
		{"needs url", []string{"grant", "--staff", "1", "--role", "manager"}, reportingConfig{}, "--database-url"},
		{"needs staff", []string{"grant", "--database-url", "postgres://x/y", "--role", "manager"}, reportingConfig{}, "--staff"},
		{"unknown role", []string{"grant", "--database-url", "postgres://x/y", "--staff", "1", "--role", "owner"}, reportingConfig{}, "not a business role"},
		{"no verb", nil, reportingConfig{}, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &reportingCmd{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
			err := r.Parse(tt.args)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr == "" && r.cfg != tt.want:
				t.Fatalf("config = %+v, want %+v", r.cfg, tt.want)
			}
		})
	}
}
