package pitr

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Retention keeps the newest base backups and the WAL from the oldest kept
// backup's first segment on; timeline history files stay.
func TestPruneKeepsNewestBasesAndTheWALTheyNeed(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, start := range []string{"000000010000000000000002", "000000010000000000000005", "000000010000000000000009"} {
		b := Base{Name: "b" + string(rune('0'+i)), StartWAL: start, StartedAt: t0.Add(time.Duration(i) * time.Hour)}
		if err := os.MkdirAll(b.Dir(dir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := writeJSON(filepath.Join(b.Dir(dir), ManifestFile), b); err != nil {
			t.Fatal(err)
		}
	}
	wal := filepath.Join(dir, "wal")
	if err := os.MkdirAll(wal, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"000000010000000000000002", "000000010000000000000004", "000000010000000000000005",
		"000000020000000000000006", "000000020000000000000007.partial", "00000002.history"} {
		if err := os.WriteFile(filepath.Join(wal, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := Prune(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"base/b0", "wal/000000010000000000000002", "wal/000000010000000000000004"}
	if !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	bases, _ := ListBases(dir)
	if len(bases) != 2 || bases[0].Name != "b1" || bases[1].Name != "b2" {
		t.Errorf("kept %+v, want b1 and b2", bases)
	}
	if _, err := Prune(dir, 0); err == nil {
		t.Error("Prune kept no base backup")
	}
}

func TestParseTarget(t *testing.T) {
	if tg, err := ParseTarget("0/3000148"); err != nil || tg.LSN == 0 {
		t.Errorf("LSN: %+v %v", tg, err)
	}
	if tg, err := ParseTarget("2026-12-04T17:00:00.5Z"); err != nil || tg.Time.IsZero() || tg.String() != "2026-12-04T17:00:00.5Z" {
		t.Errorf("time: %+v %v", tg, err)
	}
	for _, bad := range []string{"", "yesterday", "0/0", "2026-12-04"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
