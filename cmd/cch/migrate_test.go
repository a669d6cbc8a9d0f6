package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrateParse(t *testing.T) {
	t.Setenv("CCH_DATABASE_URL", "")
	tests := []struct {
		name    string
		args    []string
		want    migrateConfig
		wantErr string
	}{
		{"diff positional name", []string{"diff", "add_bays"}, migrateConfig{Verb: "diff", Name: "add_bays", Schema: "schema.hcl", Latest: 1}, ""},
		{"diff --name", []string{"diff", "--name", "add_bays", "--dir", "d"}, migrateConfig{Verb: "diff", Name: "add_bays", Dir: "d", Schema: "schema.hcl", Latest: 1}, ""},
		{"diff without name", []string{"diff"}, migrateConfig{}, "migration name"},
		{"diff bad name", []string{"diff", "Add-Bays"}, migrateConfig{}, "migration name"},
		{"apply needs url", []string{"apply"}, migrateConfig{}, "--database-url"},
		{"apply", []string{"apply", "--database-url", "postgres://x/y"}, migrateConfig{Verb: "apply", DatabaseURL: "postgres://x/y", Schema: "schema.hcl", Latest: 1}, ""},
		{"lint base", []string{"lint", "--base", "20260101000000"}, migrateConfig{Verb: "lint", Base: "20260101000000", Schema: "schema.hcl", Latest: 1}, ""},
		{"no verb", nil, migrateConfig{}, "want a verb"},
		{"unknown verb", []string{"up"}, migrateConfig{}, "want a verb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			m := &migrateCmd{stdout: &bytes.Buffer{}, stderr: &stderr}
			err := m.Parse(tt.args)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr == "" && m.cfg != tt.want:
				t.Fatalf("config = %+v, want %+v", m.cfg, tt.want)
			}
		})
	}
}

func TestMigrateHash(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "20260101000000_init.sql"), []byte("SELECT 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	m := &migrateCmd{stdout: &stdout, stderr: &bytes.Buffer{}}
	if err := m.Parse([]string{"hash", "--dir", dir}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "atlas.sum"))
	if err != nil || !strings.Contains(string(sum), "20260101000000_init.sql h1:") {
		t.Fatalf("atlas.sum = %q, %v", sum, err)
	}
}
