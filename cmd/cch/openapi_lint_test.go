package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The linters' versions: pinned so a new rule never breaks an unchanged
// document, and both run on Debian 12's Node.js 18.
const (
	redoclyVersion  = "1.34.20"
	spectralVersion = "6.16.3"
)

// TestOpenAPILintsClean lints /openapi.json with Redocly (its recommended
// rules) and Spectral (spectral:oas), failing on any finding, warnings
// included. The linters are installed with npm into a cache directory
// (CCH_NPM_DIR, default the user cache) on first use.
func TestOpenAPILintsClean(t *testing.T) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("npm is needed to lint the OpenAPI document (.ci/run installs it)")
		}
		t.Skip("npm is not installed: the OpenAPI document is not linted (install Node.js and npm to lint it)")
	}
	dir := lintToolsDir(t, npm)
	srv := openAPIServer(t)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	work := t.TempDir()
	doc := filepath.Join(work, "openapi.json")
	ruleset := filepath.Join(work, ".spectral.yaml")
	if err := os.WriteFile(doc, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ruleset, []byte("extends: [\"spectral:oas\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "node_modules", ".bin")
	// Redocly exits 0 on warnings: its JSON report's totals count them.
	out, _ := lintCmd(t, work, filepath.Join(bin, "redocly"), "lint", "--format", "json", doc).Output()
	var report struct {
		Totals   struct{ Errors, Warnings int } `json:"totals"`
		Problems []json.RawMessage              `json:"problems"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
	if report.Totals.Errors+report.Totals.Warnings > 0 {
		t.Errorf("redocly lint: %d errors, %d warnings:\n%s", report.Totals.Errors, report.Totals.Warnings, out)
	}
	if out, err := lintCmd(t, work, filepath.Join(bin, "spectral"), "lint", "--ruleset", ruleset, "--fail-severity", "hint", doc).CombinedOutput(); err != nil {
		t.Errorf("spectral lint: %v\n%s", err, out)
	}
}

func lintCmd(t *testing.T, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	return cmd
}

// lintToolsDir installs the pinned linters (once) and returns their prefix.
func lintToolsDir(t *testing.T, npm string) string {
	t.Helper()
	dir := os.Getenv("CCH_NPM_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir = filepath.Join(cache, "cch", "openapi-lint-"+redoclyVersion+"-"+spectralVersion)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "spectral")); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "redocly")); err == nil {
			return dir
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pkgs := []string{"@redocly/cli@" + redoclyVersion, "@stoplight/spectral-cli@" + spectralVersion}
	cmd := exec.CommandContext(t.Context(), npm, append([]string{"install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", dir}, pkgs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install %v: %v\n%s", pkgs, err, out)
	}
	return dir
}
