package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestMain lets a test re-execute this binary as `cch …`: with
// CCH_TEST_MAIN=1 the binary behaves as the real command.
func TestMain(m *testing.M) {
	if os.Getenv("CCH_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func tempDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cch-dev-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // the server may run as the postgres user
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, ".cch")
}

func waitDevJSON(t *testing.T, dataDir string, notBefore time.Time, done <-chan error) devInfo {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("cch dev exited early: %v", err)
		default:
		}
		path := filepath.Join(dataDir, "dev.json")
		if fi, err := os.Stat(path); err == nil && fi.ModTime().After(notBefore) {
			b, err := os.ReadFile(path)
			var info devInfo
			if err == nil && json.Unmarshal(b, &info) == nil && info.HTTPURL != "" {
				return info
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("dev.json not written in time")
	return devInfo{}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, base string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for getStatus(t, base+"/readyz") != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz not 200 within %s", base, within)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// startDev runs `cch dev` in-process, the way main does.
func startDev(t *testing.T, dataDir string, seed bool, extra ...string) (devInfo, *devCmd, context.CancelFunc, <-chan error) {
	t.Helper()
	var out bytes.Buffer
	d := &devCmd{stdout: &out, stderr: &out}
	if err := d.Parse(append([]string{"--data-dir", dataDir, "--http", "127.0.0.1:0", "--demo=" + strconv.FormatBool(seed)}, extra...)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	started := time.Now().Add(-time.Second)
	go func() { done <- errorsJoin(d.Run(ctx), d.Close()) }()
	return waitDevJSON(t, dataDir, started, done), d, cancel, done
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func TestDevServesAndStopsCleanly(t *testing.T) {
	dataDir := tempDataDir(t)
	info, d, cancel, done := startDev(t, dataDir, false)
	if got := getStatus(t, info.HTTPURL+"/healthz"); got != 200 {
		t.Fatalf("/healthz = %d", got)
	}
	waitReady(t, info.HTTPURL, time.Minute)
	if got := getStatus(t, info.HTTPURL+"/metrics"); got != 200 {
		t.Fatalf("/metrics = %d", got)
	}
	if info.PID != os.Getpid() || info.DatabaseURL == "" || info.AppDatabaseURL == "" {
		t.Errorf("dev.json incomplete: %+v", info)
	}
	start := time.Now()
	cancel()
	if err := <-done; err != nil && !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("run: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("stop took %s, want < 10s", took)
	}
	select {
	case <-d.cluster.Done():
	default:
		t.Fatal("postgres still running after stop")
	}
	// A second start reuses the same data directory.
	info2, _, cancel2, done2 := startDev(t, dataDir, false)
	defer func() { cancel2(); <-done2 }()
	if info2.DatabaseURL != info.DatabaseURL {
		t.Errorf("second start changed the database URL: %s vs %s", info2.DatabaseURL, info.DatabaseURL)
	}
}

func TestDevBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out bytes.Buffer
	code := run([]string{"dev", "--data-dir", tempDataDir(t), "--http", ln.Addr().String()}, &out, &out)
	if code == 0 || !strings.Contains(out.String(), "address already in use") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
	if strings.Count(strings.TrimSpace(out.String()), "\n") > 0 || strings.Contains(out.String(), "panic") {
		t.Errorf("want one clear error line, got %q", out.String())
	}
}

func TestDevUnwritableDataDir(t *testing.T) {
	var out bytes.Buffer
	code := run([]string{"dev", "--data-dir", "/proc/cch-not-writable", "--http", "127.0.0.1:0"}, &out, &out)
	if code == 0 || !strings.Contains(out.String(), "not writable") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
}

func TestDevMissingPostgresBinaries(t *testing.T) {
	var out bytes.Buffer
	code := run([]string{"dev", "--data-dir", tempDataDir(t), "--http", "127.0.0.1:0", "--pg-bin", t.TempDir()}, &out, &out)
	if code == 0 || !strings.Contains(out.String(), "apt-get install -y postgresql") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
	if strings.Count(strings.TrimSpace(out.String()), "\n") > 0 {
		t.Errorf("want one clear error line, got %q", out.String())
	}
}

func TestConfigErrorsReportedTogether(t *testing.T) {
	var out bytes.Buffer
	t.Setenv("CCH_PG_PORT", "not-a-number")
	code := run([]string{"dev", "--http", "nonsense", "--log-level", "loud"}, &out, &out)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"CCH_PG_PORT", "--http", "--log-level"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q: %s", want, out.String())
		}
	}
}

// TestDevRecoversAfterKill9 runs `cch dev` as a child process, kills it
// with SIGKILL and starts it again on the same data directory.
func TestDevRecoversAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two clusters")
	}
	dataDir := tempDataDir(t)
	startChild := func() (*exec.Cmd, devInfo, <-chan error) {
		cmd := exec.Command(os.Args[0], "dev", "--data-dir", dataDir, "--http", "127.0.0.1:0", "--demo=false")
		cmd.Env = append(os.Environ(), "CCH_TEST_MAIN=1")
		os.Remove(filepath.Join(dataDir, "dev.json")) // a killed run leaves its own behind
		started := time.Now().Add(-time.Second)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		info := waitDevJSON(t, dataDir, started, done)
		if info.PID != cmd.Process.Pid {
			t.Fatalf("dev.json pid %d, child %d", info.PID, cmd.Process.Pid)
		}
		return cmd, info, done
	}
	first, info, firstDone := startChild()
	if got := getStatus(t, info.HTTPURL+"/healthz"); got != 200 {
		t.Fatalf("/healthz = %d", got)
	}
	pidFile := filepath.Join(dataDir, "pg", "data", "postmaster.pid")
	b, _ := os.ReadFile(pidFile)
	pgPid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	first.Process.Kill()
	<-firstDone
	second, info2, secondDone := startChild()
	defer func() { second.Process.Signal(syscall.SIGTERM); <-secondDone }()
	waitReady(t, info2.HTTPURL, time.Minute)
	if syscall.Kill(pgPid, 0) == nil {
		if cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pgPid) + "/cmdline"); bytes.Contains(cmdline, []byte(dataDir)) {
			t.Errorf("the killed run's postgres (pid %d) is still alive", pgPid)
		}
	}
}

// TestDevSeedsDemoAndTokens: the first start seeds the demo business and
// writes one working token per role; the API answers with them.
func TestDevSeedsDemoAndTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo dataset")
	}
	dataDir := tempDataDir(t)
	interruptSeed(t, dataDir)
	info, _, cancel, done := startDev(t, dataDir, true)
	defer func() { cancel(); <-done }()
	// Seeding runs in the background: /healthz answers at once, /readyz
	// once the demo data, tokens and warehouse are in place.
	if got := getStatus(t, info.HTTPURL+"/healthz"); got != 200 {
		t.Fatalf("/healthz during seeding = %d", got)
	}
	waitReady(t, info.HTTPURL, 8*time.Minute)
	b, err := os.ReadFile(filepath.Join(dataDir, "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tokens map[string]string
	if err := json.Unmarshal(b, &tokens); err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 7 {
		t.Fatalf("tokens for %d roles, want 7: %v", len(tokens), tokens)
	}
	req, _ := http.NewRequest("GET", info.HTTPURL+"/v1/customers?limit=5", nil)
	req.Header.Set("Authorization", "Bearer "+tokens["manager"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(page.Items) != 5 {
		t.Fatalf("GET /v1/customers as manager: %d, %d items", resp.StatusCode, len(page.Items))
	}
	// The demo is anchored to today: revenue this month, bookings ahead,
	// slots next Tuesday; the simulator (on by default) moves the Overview.
	figures := overviewFigures(t, info.HTTPURL, tokens["manager"])
	if figures["bookings_ahead"] == "0" || figures["revenue_year"] == "£0" {
		t.Errorf("overview of a demo loaded today: %v", figures)
	}
	if time.Now().Day() > 1 && figures["revenue_month"] == "£0" {
		t.Errorf("no revenue this month: %v", figures)
	}
	tuesday := time.Now().AddDate(0, 0, 1)
	for tuesday.Weekday() != time.Tuesday {
		tuesday = tuesday.AddDate(0, 0, 1)
	}
	if !bankHolidayFree(tuesday) {
		tuesday = tuesday.AddDate(0, 0, 7)
	}
	req, _ = http.NewRequest("GET", info.HTTPURL+"/v1/availability?branch_id=1&duration_minutes=60&date="+tuesday.Format(time.DateOnly), nil)
	req.Header.Set("Authorization", "Bearer "+tokens["receptionist"])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var av struct {
		Slots []json.RawMessage `json:"slots"`
	}
	json.NewDecoder(resp.Body).Decode(&av)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(av.Slots) == 0 {
		t.Errorf("availability next Tuesday %s: %d, %d slots", tuesday.Format(time.DateOnly), resp.StatusCode, len(av.Slots))
	}
	for start := time.Now(); maps.Equal(figures, overviewFigures(t, info.HTTPURL, tokens["manager"])); time.Sleep(250 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the simulator changed no overview figure within 10 s: %v", figures)
		}
	}
}

// bankHolidayFree: day is not one of the winter bank holidays a Tuesday
// can be (Christmas, Boxing Day and New Year's Day, with substitutes);
// other bank holidays fall on Mondays and Fridays.
func bankHolidayFree(day time.Time) bool {
	return !(day.Month() == time.December && day.Day() >= 25 && day.Day() <= 28 || day.Month() == time.January && day.Day() <= 3)
}

// interruptSeed starts `cch dev` as a child, kills it with SIGKILL while the
// demo data is loading, and leaves the half-seeded data directory behind.
func interruptSeed(t *testing.T, dataDir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "dev", "--data-dir", dataDir, "--http", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "CCH_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitDevJSON(t, dataDir, time.Now().Add(-time.Second), done)
	pw, _ := os.ReadFile(filepath.Join(dataDir, "pg", "superuser.password"))
	port, _ := os.ReadFile(filepath.Join(dataDir, "pg", "port"))
	conn, err := pgx.Connect(t.Context(), fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%s/cch?sslmode=disable",
		strings.TrimSpace(string(pw)), strings.TrimSpace(string(port))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var started int
		conn.QueryRow(t.Context(), `SELECT count(*) FROM public.cch_dev_state WHERE key = 'started'`).Scan(&started)
		if started == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("demo seed never started")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // let some phases commit
	cmd.Process.Kill()
	<-done
}

// TestDevAsOrdinaryUser: run by an ordinary user (nobody, when the tests
// run as root), `cch dev` runs Postgres as that same user and serves.
func TestDevAsOrdinaryUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("already an ordinary user: every other dev test covers this case")
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		t.Skip("runuser is not installed")
	}
	dir, err := os.MkdirTemp("", "cch-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "cch.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	dataDir := filepath.Join(dir, "data")
	os.Mkdir(dataDir, 0o755)
	if err := exec.Command("chown", "nobody", dataDir).Run(); err != nil {
		t.Skip("cannot hand a directory to nobody:", err)
	}
	cmd := exec.Command(runuser, "-u", "nobody", "--", bin, "dev", "--data-dir", filepath.Join(dataDir, ".cch"), "--http", "127.0.0.1:0", "--demo=false")
	cmd.Env = append(os.Environ(), "CCH_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { cmd.Process.Signal(syscall.SIGTERM); <-done }()
	info := waitDevJSON(t, filepath.Join(dataDir, ".cch"), time.Now().Add(-time.Second), done)
	waitReady(t, info.HTTPURL, time.Minute)
	b, _ := os.ReadFile(filepath.Join(dataDir, ".cch", "pg", "data", "postmaster.pid"))
	pid := strings.SplitN(string(b), "\n", 2)[0]
	status, _ := os.ReadFile("/proc/" + pid + "/status")
	nobody, _ := exec.Command("id", "-u", "nobody").Output()
	if !strings.Contains(string(status), "Uid:\t"+strings.TrimSpace(string(nobody))+"\t") {
		t.Errorf("postgres (pid %s) does not run as nobody:\n%s", pid, status)
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

// TestDevTLS: with --tls every URL in dev.json verifies the server
// against the cluster's CA, the cluster refuses connections without TLS,
// and the API's, the worker's and the replication connections all use it.
func TestDevTLS(t *testing.T) {
	dataDir := tempDataDir(t)
	info, d, cancel, done := startDev(t, dataDir, false, "--tls")
	defer func() { cancel(); <-done }()
	waitReady(t, info.HTTPURL, time.Minute)
	for _, u := range []string{info.DatabaseURL, info.AppDatabaseURL} {
		if !strings.Contains(u, "sslmode=verify-full") || !strings.Contains(u, "sslrootcert=") {
			t.Fatalf("dev.json URL %s does not verify the server", u)
		}
	}
	ctx := context.Background()
	if _, err := pgx.Connect(ctx, strings.Replace(info.DatabaseURL, "sslmode=verify-full", "sslmode=disable", 1)); err == nil {
		t.Fatal("connected without TLS")
	}
	conn, err := pgx.Connect(ctx, d.cluster.SuperuserURL(devDatabase))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var plain, walsenders int
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT s.ssl), count(*) FILTER (WHERE a.backend_type = 'walsender')
		FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.client_port IS NOT NULL`).Scan(&plain, &walsenders); err != nil {
		t.Fatal(err)
	}
	if plain != 0 || walsenders == 0 {
		t.Fatalf("%d client connections without TLS, %d replication connections; want 0 and at least 1", plain, walsenders)
	}
}
