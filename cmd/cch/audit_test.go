package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestAuditParse(t *testing.T) {
	t.Setenv("CCH_DATABASE_URL", "")
	tests := []struct {
		name    string
		args    []string
		want    auditConfig
		wantErr string
	}{
		{"verify", []string{"verify", "--database-url", "postgres://x/y"}, auditConfig{DatabaseURL: "postgres://x/y"}, ""},
		{"verify one organisation as auditor", []string{"verify", "--database-url", "postgres://x/y", "--organisation-id", "7", "--role", "cch_auditor"},
			auditConfig{DatabaseURL: "postgres://x/y", OrganisationID: 7, Role: "cch_auditor"}, ""},
		{"needs url", []string{"verify"}, auditConfig{}, "--database-url"},
		{"negative organisation", []string{"verify", "--database-url", "u", "--organisation-id", "-1"}, auditConfig{}, "must not be negative"},
		{"no verb", nil, auditConfig{}, "want a verb"},
		{"unknown verb", []string{"repair"}, auditConfig{}, "want a verb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &auditCmd{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
			err := a.Parse(tt.args)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr == "" && a.cfg != tt.want:
				t.Fatalf("config = %+v, want %+v", a.cfg, tt.want)
			}
		})
	}
}
