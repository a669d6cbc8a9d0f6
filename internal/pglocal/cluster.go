package pglocal

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/deploy"
)

// Config says where and how to run a local cluster. The zero value of every
// field but Dir is a sensible default.
type Config struct {
	// Dir holds the cluster: data/ (PGDATA), postgres.log, the superuser
	// password and the last port. Created when missing. Required.
	Dir string
	// Port to listen on, 127.0.0.1 only. 0 reuses the port of the previous
	// start when it is free, else picks a free one.
	Port int
	// BinDir holds initdb and postgres. Empty searches (see FindBinDir).
	BinDir string
	// Fast trades durability for speed (fsync, synchronous_commit and
	// full_page_writes off): for throwaway test clusters only.
	Fast bool
	// StartTimeout bounds how long Start waits for the server to accept
	// connections. Default 60s.
	StartTimeout time.Duration
	// Logger receives progress messages. Default: discard.
	Logger *slog.Logger
	// TLS runs the server with ssl=on and a certificate from a CA it
	// generates under Dir/tls (see CAFile); URLs verify it (verify-full).
	TLS bool
}

// Superuser is the name of the cluster's bootstrap superuser.
const Superuser = "postgres"

// Cluster is a running local PostgreSQL server.
type Cluster struct {
	cfg      Config
	dataDir  string
	port     int
	password string
	cmd      *exec.Cmd
	done     chan struct{} // closed when the server process has exited
	waitErr  error
	stopOnce sync.Once
	stopErr  error
}

// Start initialises the cluster on first use, recovers from an earlier
// crash, starts the server and waits until it accepts connections.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pglocal: Config.Dir is required")
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	binDir, err := FindBinDir(cfg.BinDir)
	if err != nil {
		return nil, err
	}
	cfg.BinDir = binDir
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", cfg.Dir, err)
	}
	cfg.Dir = dir
	owner, err := serverOwner()
	if err != nil {
		return nil, err
	}
	if err := prepareDir(dir, owner); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, dataDir: filepath.Join(dir, "data")}
	if err := c.initdb(ctx, owner); err != nil {
		return nil, err
	}
	if err := c.ensureTLS(owner); err != nil {
		return nil, err
	}
	if err := stopLeftover(ctx, c.dataDir, cfg.Logger); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if c.port, err = choosePort(dir, cfg.Port); err != nil {
			return nil, err
		}
		if lastErr = c.start(ctx, owner); lastErr == nil {
			return c, nil
		}
		if cfg.Port != 0 || !strings.Contains(lastErr.Error(), "could not bind") {
			break
		}
	}
	return nil, lastErr
}

// Port is the TCP port the server listens on (127.0.0.1).
func (c *Cluster) Port() int { return c.port }

// DataDir is PGDATA.
func (c *Cluster) DataDir() string { return c.dataDir }

// Password is the superuser's password.
func (c *Cluster) Password() string { return c.password }

// URL returns a connection URL for user with password on database db.
func (c *Cluster) URL(usr, password, db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(usr, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + db,
		RawQuery: c.sslQuery(),
	}
	return u.String()
}

// SuperuserURL returns a superuser connection URL for database db.
func (c *Cluster) SuperuserURL(db string) string { return c.URL(Superuser, c.password, db) }

// CreateDatabase creates database name unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to local cluster: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops database name, terminating its sessions.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to local cluster: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// Done is closed when the server process has exited.
func (c *Cluster) Done() <-chan struct{} { return c.done }

// Stop shuts the server down (fast shutdown), escalating to immediate
// shutdown and then SIGKILL if ctx expires first. Safe to call more than once.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() { c.stopErr = c.stop(ctx) })
	return c.stopErr
}

func (c *Cluster) stop(ctx context.Context) error {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL} {
		_ = c.cmd.Process.Signal(sig)
		wait := 2 * time.Second
		if sig == syscall.SIGINT {
			wait = 20 * time.Second
		}
		select {
		case <-c.done:
			return nil
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	<-c.done
	return fmt.Errorf("postgres did not shut down in time; killed")
}

func (c *Cluster) start(ctx context.Context, owner *credential) error {
	logPath := filepath.Join(c.cfg.Dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", logPath, err)
	}
	logStart, _ := logFile.Seek(0, io.SeekEnd)
	args := []string{"-D", c.dataDir, "-c", "port=" + strconv.Itoa(c.port), "-c", "listen_addresses=127.0.0.1"}
	args = append(args, c.tlsArgs()...)
	if c.cfg.Fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(c.cfg.BinDir, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = c.cfg.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,           // Ctrl-C reaches us, not the server: we shut it down in order
		Pdeathsig: syscall.SIGINT, // parent killed → fast shutdown, never an orphan
	}
	if owner != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
	}
	c.cfg.Logger.Info("starting postgres", "data_dir", c.dataDir, "port", c.port)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start postgres: %w", err)
	}
	c.cmd = cmd
	c.done = make(chan struct{})
	go func() {
		c.waitErr = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	if err := c.waitReady(ctx); err != nil {
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("%w\n%s", err, tailLog(logPath, logStart))
	}
	return nil
}

func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.StartTimeout)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("postgres exited during start-up (%v); log follows", c.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections within %s: %w", c.cfg.StartTimeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tailLog(path string, from int64) string {
	b, err := os.ReadFile(path)
	if err != nil || from > int64(len(b)) {
		return ""
	}
	b = b[from:]
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// initdb creates PGDATA on first start. A directory left half-initialised
// by a crash (no PG_VERSION) is removed and created again.
func (c *Cluster) initdb(ctx context.Context, owner *credential) error {
	pwPath := filepath.Join(c.cfg.Dir, "superuser.password")
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err == nil {
		pw, err := os.ReadFile(pwPath)
		if err != nil {
			return fmt.Errorf("cluster exists but its password file is unreadable: %w", err)
		}
		c.password = strings.TrimSpace(string(pw))
		return nil
	}
	if err := os.RemoveAll(c.dataDir); err != nil {
		return fmt.Errorf("remove half-initialised %s: %w", c.dataDir, err)
	}
	buf := make([]byte, 24)
	if _, err := rand.Read(buf); err != nil {
		return err
	}
	c.password = hex.EncodeToString(buf)
	if err := os.WriteFile(pwPath, []byte(c.password+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", pwPath, err)
	}
	// initdb reads the password from a file the server's user can read.
	tmpPw := filepath.Join(c.cfg.Dir, ".initdb.pw")
	if err := os.WriteFile(tmpPw, []byte(c.password+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmpPw, err)
	}
	defer os.Remove(tmpPw)
	if err := owner.chown(tmpPw); err != nil {
		return err
	}
	c.cfg.Logger.Info("initialising PostgreSQL cluster", "dir", c.dataDir)
	cmd := exec.CommandContext(ctx, filepath.Join(c.cfg.BinDir, "initdb"),
		"-D", c.dataDir, "-U", Superuser, "--pwfile", tmpPw, "-E", "UTF8", "--locale", "C.UTF-8",
		"--auth-host", "scram-sha-256", "--auth-local", "scram-sha-256", "--no-instructions")
	cmd.Dir = c.cfg.Dir
	if owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: owner.uid, Gid: owner.gid}}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, bytes.TrimSpace(out))
	}
	return appendConf(filepath.Join(c.dataDir, "postgresql.conf"))
}

// LocalSettings follow deploy/postgresql.conf in a local cluster's
// postgresql.conf (a later line wins): what a laptop or test machine needs
// differently from production. Port and listen address are passed on the
// command line at every start.
const LocalSettings = `
# --- Car Care Hub local cluster (internal/pglocal): overrides of the above ---
unix_socket_directories = ''
max_connections = 200
shared_buffers = '256MB'
max_slot_wal_keep_size = '4GB'      # a laptop's disk
statement_timeout = 0               # seeds, loads and benchmarks run longer statements
lock_timeout = 0
idle_in_transaction_session_timeout = 0
logging_collector = off
log_min_messages = warning
`

// settings are appended to postgresql.conf on initdb: deploy's settings,
// then the local overrides.
var settings = "\n# --- Car Care Hub (deploy/postgresql.conf) ---\n" + deploy.PostgreSQLConf + LocalSettings

func appendConf(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("configure cluster: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(settings); err != nil {
		return fmt.Errorf("configure cluster: %w", err)
	}
	return nil
}

// choosePort returns want when set, else the previous start's port when it
// is still free, else a free port. The choice is remembered in Dir/port.
func choosePort(dir string, want int) (int, error) {
	portPath := filepath.Join(dir, "port")
	if want == 0 {
		if b, err := os.ReadFile(portPath); err == nil {
			if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && portFree(p) {
				want = p
			}
		}
	}
	if want == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		want = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	if err := os.WriteFile(portPath, []byte(strconv.Itoa(want)+"\n"), 0o644); err != nil {
		return 0, fmt.Errorf("write %s: %w", portPath, err)
	}
	return want, nil
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
