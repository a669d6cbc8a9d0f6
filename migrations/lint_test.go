package migrations_test

import (
	"context"
	"errors"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

func TestLint(t *testing.T) {
	base := map[string]string{
		"20260101000000_init.sql": "CREATE SCHEMA core;\nCREATE TABLE core.customer (id bigint PRIMARY KEY, email text, phone text);\n",
	}
	tests := []struct {
		name     string
		file     string
		wantCode string // "" = no findings
		wantErr  bool   // LintReport.Err fails
	}{
		{"drop column", "ALTER TABLE core.customer DROP COLUMN phone;\n", "DS103", true},
		{"drop column nolint stmt", "-- keep the function body below intact; $$ quoting too\nCREATE FUNCTION core.f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n\n-- atlas:nolint destructive\nALTER TABLE core.customer DROP COLUMN phone;\n", "DS103", false},
		{"drop table nolint file", "-- atlas:nolint\n\nDROP TABLE core.customer;\n", "DS102", false},
		{"unique index is data dependent", "CREATE UNIQUE INDEX customer_email_key ON core.customer (email);\n", "MF101", false},
		{"additive", "ALTER TABLE core.customer ADD COLUMN name text;\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"20260102000000_change.sql": tt.file}
			for k, v := range base {
				files[k] = v
			}
			rep, err := migrations.Lint(context.Background(), migrations.LintOptions{
				Dir: writeDir(t, files), Latest: 1, DevURL: pgtest.NewDatabase(t), Log: testLogger(t),
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("report: %+v", rep)
			if len(rep.Files) != 1 || rep.Files[0] != "20260102000000_change.sql" {
				t.Fatalf("linted %v, want only the latest file", rep.Files)
			}
			switch {
			case tt.wantCode == "" && len(rep.Findings) != 0:
				t.Fatalf("findings %v, want none", rep.Findings)
			case tt.wantCode != "" && (len(rep.Findings) == 0 || rep.Findings[0].Code != tt.wantCode):
				t.Fatalf("findings %v, want %s", rep.Findings, tt.wantCode)
			}
			if err := rep.Err(); (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, migrations.ErrDestructive)) {
				t.Fatalf("report err = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}
