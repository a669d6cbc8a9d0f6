package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestArchiveCutoff(t *testing.T) {
	now := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24mo":  time.Date(2024, 12, 4, 17, 0, 0, 0, time.UTC),
		"400d":  now.AddDate(0, 0, -400),
		"9000h": now.Add(-9000 * time.Hour),
	} {
		if got, err := cutoff(in, now); err != nil || !got.Equal(want) {
			t.Errorf("cutoff(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0mo", "-3mo", "10d", "1h", "soon"} {
		if _, err := cutoff(bad, now); err == nil {
			t.Errorf("cutoff(%q) accepted", bad)
		}
	}
}

func TestBackupRestoreArchiveParse(t *testing.T) {
	for _, env := range []string{"CCH_DATABASE_URL", "CCH_DIR", "CCH_FROM", "CCH_TO", "CCH_INTO", "CCH_OLDER_THAN"} {
		t.Setenv(env, "")
	}
	var out bytes.Buffer
	tests := []struct {
		name    string
		r       runner
		args    []string
		wantErr string
	}{
		{"backup", &backupCmd{stdout: &out, stderr: &out}, []string{"--database-url", "u", "--dir", "d"}, ""},
		{"backup needs a url and a dir", &backupCmd{stdout: &out, stderr: &out}, nil, "--dir"},
		{"backup keeps one", &backupCmd{stdout: &out, stderr: &out}, []string{"--database-url", "u", "--dir", "d", "--keep", "0"}, "--keep"},
		{"restore to an LSN", &restoreCmd{stdout: &out, stderr: &out}, []string{"--from", "b", "--to", "0/3000148", "--into", "n"}, ""},
		{"restore to a time", &restoreCmd{stdout: &out, stderr: &out}, []string{"--from", "b", "--to", "2026-12-04T17:00:00Z", "--into", "n"}, ""},
		{"restore to nonsense", &restoreCmd{stdout: &out, stderr: &out}, []string{"--from", "b", "--to", "yesterday", "--into", "n"}, "neither"},
		{"archive", &archiveCmd{stdout: &out, stderr: &out}, []string{"--database-url", "u", "--dir", "d", "--older-than", "24mo"}, ""},
		{"archive erase", &archiveCmd{stdout: &out, stderr: &out}, []string{"erase", "--dir", "d", "--customer", "7"}, ""},
		{"archive erase needs a customer", &archiveCmd{stdout: &out, stderr: &out}, []string{"erase", "--dir", "d"}, "--customer"},
		{"archive keeps a month", &archiveCmd{stdout: &out, stderr: &out}, []string{"--database-url", "u", "--dir", "d", "--older-than", "3d"}, "at least a month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Parse(tt.args)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
