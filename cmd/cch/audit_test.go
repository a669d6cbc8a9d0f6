package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestAuditParse(t *testing.T) {
	t.Setenv("CCH_DATABASE_URL", "")
	t.Setenv("CCH_AUDIT_KEY", "")
	t.Setenv("CCH_CHECKPOINTS", "")
	t.Setenv("CCH_WAREHOUSE", "")
	tests := []struct {
		name    string
		args    []string
		want    auditConfig
		wantErr string
	}{
		{"verify", []string{"verify", "--database-url", "postgres://x/y"}, auditConfig{Verb: "verify", DatabaseURL: "postgres://x/y"}, ""},
		{"verify one organisation as auditor", []string{"verify", "--database-url", "postgres://x/y", "--organisation-id", "7", "--role", "cch_auditor"},
			auditConfig{Verb: "verify", DatabaseURL: "postgres://x/y", OrganisationID: 7, Role: "cch_auditor"}, ""},
		{"verify against checkpoints", []string{"verify", "--database-url", "u", "--audit-key", "k", "--checkpoints", "c"},
			auditConfig{Verb: "verify", DatabaseURL: "u", AuditKey: "k", Checkpoints: "c"}, ""},
		{"checkpoint", []string{"checkpoint", "--database-url", "u", "--audit-key", "k", "--checkpoints", "c"},
			auditConfig{Verb: "checkpoint", DatabaseURL: "u", AuditKey: "k", Checkpoints: "c"}, ""},
		{"verify against the warehouse", []string{"verify", "--database-url", "u", "--audit-key", "k", "--warehouse", "w.duckdb"},
			auditConfig{Verb: "verify", DatabaseURL: "u", AuditKey: "k", Warehouse: "w.duckdb"}, ""},
		{"verify against both", []string{"verify", "--database-url", "u", "--audit-key", "k", "--checkpoints", "c", "--warehouse", "w.duckdb"},
			auditConfig{Verb: "verify", DatabaseURL: "u", AuditKey: "k", Checkpoints: "c", Warehouse: "w.duckdb"}, ""},
		{"the warehouse needs the key", []string{"verify", "--database-url", "u", "--warehouse", "w.duckdb"}, auditConfig{}, "--warehouse needs --audit-key"},
		{"checkpoint does not write the warehouse", []string{"checkpoint", "--database-url", "u", "--audit-key", "k", "--checkpoints", "c", "--warehouse", "w"},
			auditConfig{}, "--warehouse is for verify"},
		{"checkpoint needs key and file", []string{"checkpoint", "--database-url", "u"}, auditConfig{}, "checkpoint needs --audit-key"},
		{"checkpoints need the key", []string{"verify", "--database-url", "u", "--checkpoints", "c"}, auditConfig{}, "go together"},
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
