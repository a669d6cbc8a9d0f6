package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestWorkerConfig: defaults parse; every problem is reported at once.
func TestWorkerConfig(t *testing.T) {
	t.Setenv("CCH_DATABASE_URL", "")
	w := &workerCmd{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	if err := w.Parse([]string{"--database-url", "postgres://x/y"}); err != nil {
		t.Fatal(err)
	}
	if w.cfg.PartitionsAhead != 3 || w.cfg.HTTP != "127.0.0.1:8082" || w.cfg.MaxConns != 4 {
		t.Fatalf("defaults %+v", w.cfg)
	}
	w = &workerCmd{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	err := w.Parse([]string{"--webhook-url", "http://hook", "--partitions-ahead", "0", "--notify-interval", "0s"})
	for _, want := range []string{"--database-url", "--webhook-secret", "--partitions-ahead", "--notify-interval"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}
