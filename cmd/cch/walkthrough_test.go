package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeWalkthrough is the shell block after the walkthrough marker in
// README.md.
func readmeWalkthrough(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- walkthrough -->")
	if !ok {
		t.Fatal("README.md has no walkthrough marker")
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	script, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md: no sh block after the walkthrough marker")
	}
	return script
}

// TestReadmeWalkthrough runs the README's walk through the business
// against a fresh cch dev (demo seeded, simulator off so the change seen
// is the walkthrough's own): it books a free slot next Tuesday, checks the
// car in, does and invoices the work, takes payment and sees revenue this
// month change on the Overview. It fails when README and product drift.
func TestReadmeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo dataset")
	}
	for _, tool := range []string{"bash", "curl", "jq", "date"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	script := readmeWalkthrough(t)
	dataDir := tempDataDir(t)
	info, _, cancel, done := startDev(t, dataDir, true, "--simulate=0")
	defer func() { cancel(); <-done }()
	waitReady(t, info.HTTPURL, 8*time.Minute)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "CCH="+info.HTTPURL, "CCH_DATA_DIR="+dataDir, "CCH_BIN="+os.Args[0], "CCH_TEST_MAIN=1")
	cmd.Dir = filepath.Dir(dataDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README walkthrough failed: %v\n%s", err, out)
	}
	line := strings.TrimSpace(string(out))
	before, after, ok := strings.Cut(strings.TrimPrefix(line, "revenue this month: "), " -> ")
	if !ok || before == after {
		t.Fatalf("the Overview's revenue this month did not change: %q", line)
	}
	t.Log(line)
}
