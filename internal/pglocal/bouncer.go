package pglocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BouncerConfig says how to run PgBouncer in transaction mode in front of
// a local cluster (tests and benchmarks; deploy/ has the production
// configuration).
type BouncerConfig struct {
	// Dir holds pgbouncer.ini, the auth file, the log and the pid file.
	// Created when missing. Required.
	Dir string
	// Server is the cluster PgBouncer connects to. Required.
	Server *Cluster
	// Users maps each login PgBouncer accepts to its password (plain text
	// or a SCRAM-SHA-256 secret as stored in pg_authid).
	Users map[string]string
	// PoolSize is the server connections per database and user. Default 20.
	PoolSize int
	// TLS, when the cluster runs with TLS: PgBouncer verifies the server
	// (verify-full against the cluster's CA) and requires TLS of its
	// clients, with the cluster's server certificate.
	TLS bool
	// Bin is the pgbouncer executable. Default: PATH, then /usr/sbin.
	Bin string
}

// Bouncer is a running PgBouncer.
type Bouncer struct {
	cfg  BouncerConfig
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// StartBouncer writes the configuration (pool_mode = transaction, SCRAM
// authentication, 127.0.0.1 on a free port) and starts PgBouncer, as the
// postgres OS user when we are root (PgBouncer refuses root), and waits
// until it accepts connections.
func StartBouncer(ctx context.Context, cfg BouncerConfig) (*Bouncer, error) {
	if cfg.Dir == "" || cfg.Server == nil {
		return nil, errors.New("pglocal: BouncerConfig.Dir and Server are required")
	}
	if cfg.PoolSize == 0 {
		cfg.PoolSize = 20
	}
	bin, err := findBouncer(cfg.Bin)
	if err != nil {
		return nil, err
	}
	owner, err := serverOwner()
	if err != nil {
		return nil, err
	}
	if err := prepareDir(cfg.Dir, owner); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	b := &Bouncer{cfg: cfg, port: l.Addr().(*net.TCPAddr).Port, done: make(chan struct{})}
	l.Close()
	ini, err := b.writeConfig(owner)
	if err != nil {
		return nil, err
	}
	b.cmd = exec.Command(bin, ini)
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if owner != nil {
		b.cmd.SysProcAttr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
	}
	if err := b.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	if err := b.waitReady(ctx); err != nil {
		_ = b.cmd.Process.Kill()
		<-b.done
		log, _ := os.ReadFile(filepath.Join(cfg.Dir, "pgbouncer.log"))
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	return b, nil
}

func findBouncer(bin string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/pgbouncer"); err == nil {
		return "/usr/sbin/pgbouncer", nil
	}
	return "", errors.New("pgbouncer not found (apt-get install -y pgbouncer)")
}

// writeConfig writes the auth file and pgbouncer.ini, readable by the
// server's OS user only, and returns the ini's path.
func (b *Bouncer) writeConfig(owner *credential) (string, error) {
	users := make([]string, 0, len(b.cfg.Users))
	for u := range b.cfg.Users {
		users = append(users, u)
	}
	sort.Strings(users)
	var auth strings.Builder
	for _, u := range users {
		fmt.Fprintf(&auth, "%q %q\n", u, b.cfg.Users[u])
	}
	authPath := filepath.Join(b.cfg.Dir, "userlist.txt")
	srv := b.cfg.Server
	ini := fmt.Sprintf(`[databases]
* = host=127.0.0.1 port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = scram-sha-256
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 1000
max_db_connections = 0
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
log_connections = 0
log_disconnections = 0
`, srv.Port(), b.port, authPath, b.cfg.PoolSize, filepath.Join(b.cfg.Dir, "pgbouncer.log"), filepath.Join(b.cfg.Dir, "pgbouncer.pid"))
	if b.cfg.TLS {
		if srv.CAFile() == "" {
			return "", errors.New("pglocal: BouncerConfig.TLS needs a cluster started with TLS")
		}
		ini += fmt.Sprintf("server_tls_sslmode = verify-full\nserver_tls_ca_file = %s\n"+
			"client_tls_sslmode = require\nclient_tls_cert_file = %s\nclient_tls_key_file = %s\n",
			srv.CAFile(), srv.serverCertFile(), srv.serverKeyFile())
	}
	iniPath := filepath.Join(b.cfg.Dir, "pgbouncer.ini")
	for path, content := range map[string]string{authPath: auth.String(), iniPath: ini} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
		if err := owner.chown(path); err != nil {
			return "", err
		}
	}
	return iniPath, nil
}

func (b *Bouncer) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port))
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-b.done:
			return errors.New("pgbouncer exited during start-up; log follows")
		case <-ctx.Done():
			return fmt.Errorf("pgbouncer did not listen on %s in time: %w", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Port is the port PgBouncer listens on (127.0.0.1).
func (b *Bouncer) Port() int { return b.port }

// URL is a connection URL through PgBouncer for user on database db;
// with TLS it verifies PgBouncer against the cluster's CA.
func (b *Bouncer) URL(usr, password, db string) string {
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(usr, password),
		Host:   net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)),
		Path:   "/" + db,
	}
	u.RawQuery = b.cfg.Server.sslQuery()
	return u.String()
}

// Stop shuts PgBouncer down (SIGTERM, then SIGKILL after ctx or 5 s).
func (b *Bouncer) Stop(ctx context.Context) error {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
	_ = b.cmd.Process.Kill()
	<-b.done
	return errors.New("pgbouncer did not stop in time; killed")
}
