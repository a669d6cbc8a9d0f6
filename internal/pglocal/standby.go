package pglocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// StandbyName is the application_name a standby streams under: what the
// primary's synchronous_standby_names names (see RequireSyncStandby).
const StandbyName = "cch_standby"

// StartStandby starts a hot standby of primary under cfg.Dir: on first use
// it copies the primary with pg_basebackup (as the server's OS user,
// streaming the WAL it needs) and configures streaming replication under
// the application_name StandbyName with hot_standby_feedback (long reports
// on the standby do not have their rows vacuumed away); a later start
// resumes streaming. cfg.TLS gives the standby its own CA; it reaches the
// primary over the primary's TLS when that has it. The standby's
// superuser password is the primary's.
func StartStandby(ctx context.Context, primary *Cluster, cfg Config) (*Cluster, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pglocal: Config.Dir is required")
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = primary.cfg.Logger
	}
	cfg.BinDir = primary.cfg.BinDir
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("standby directory %s: %w", cfg.Dir, err)
	}
	cfg.Dir = dir
	owner, err := serverOwner()
	if err != nil {
		return nil, err
	}
	if err := prepareDir(dir, owner); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, dataDir: filepath.Join(dir, "data"), password: primary.password}
	if err := os.WriteFile(filepath.Join(dir, "superuser.password"), []byte(c.password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := c.ensureTLS(owner); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err != nil {
		if err := c.baseBackup(ctx, primary, owner); err != nil {
			return nil, err
		}
	}
	if err := stopLeftover(ctx, c.dataDir, cfg.Logger); err != nil {
		return nil, err
	}
	if c.port, err = choosePort(dir, cfg.Port); err != nil {
		return nil, err
	}
	if err := c.start(ctx, owner); err != nil {
		return nil, fmt.Errorf("standby: %w", err)
	}
	return c, nil
}

// baseBackup copies the primary into c.dataDir and makes it a standby
// of it (standby.signal and primary_conninfo).
func (c *Cluster) baseBackup(ctx context.Context, primary *Cluster, owner *credential) error {
	if err := os.RemoveAll(c.dataDir); err != nil {
		return fmt.Errorf("remove half-copied %s: %w", c.dataDir, err)
	}
	conninfo := primary.conninfo(StandbyName)
	c.cfg.Logger.Info("copying the primary for a standby", "dir", c.dataDir, "primary_port", primary.port)
	cmd := exec.CommandContext(ctx, filepath.Join(c.cfg.BinDir, "pg_basebackup"),
		"-D", c.dataDir, "-d", conninfo, "-X", "stream", "-c", "fast", "--no-password")
	cmd.Dir = c.cfg.Dir
	if owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: owner.uid, Gid: owner.gid}}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_basebackup: %w\n%s", err, bytes.TrimSpace(out))
	}
	signal := filepath.Join(c.dataDir, "standby.signal")
	if err := os.WriteFile(signal, nil, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", signal, err)
	}
	if err := owner.chown(signal); err != nil {
		return err
	}
	auto := filepath.Join(c.dataDir, "postgresql.auto.conf")
	f, err := os.OpenFile(auto, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("configure standby: %w", err)
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "primary_conninfo = '%s'\nhot_standby = on\nhot_standby_feedback = on\n", strings.ReplaceAll(conninfo, "'", "''"))
	return err
}

// conninfo is a keyword/value connection string to the server as the
// superuser for replication under application_name app.
func (c *Cluster) conninfo(app string) string {
	kv := []string{"host=127.0.0.1", "port=" + strconv.Itoa(c.port), "user=" + Superuser,
		"password=" + c.password, "application_name=" + app}
	if c.cfg.TLS {
		// No client certificate: without sslcert libpq would try
		// ~/.postgresql, and root's is not the server user's to read.
		kv = append(kv, "sslmode=verify-full", "sslrootcert="+c.CAFile(), "sslcert="+filepath.Join(c.tlsDir(), "no-client.crt"))
	} else {
		kv = append(kv, "sslmode=disable")
	}
	return strings.Join(kv, " ")
}

// RequireSyncStandby makes a commit on the primary wait until the standby
// named StandbyName has flushed it (synchronous_standby_names), or, with
// on false, stops waiting. A session or transaction may still lower
// synchronous_commit for itself.
func (c *Cluster) RequireSyncStandby(ctx context.Context, on bool) error {
	names := ""
	if on {
		names = StandbyName
	}
	return c.alterSystem(ctx, "synchronous_standby_names", names)
}

func (c *Cluster) alterSystem(ctx context.Context, name, value string) error {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to local cluster: %w", err)
	}
	defer conn.Close(ctx)
	var stmt string
	if err := conn.QueryRow(ctx, "SELECT format('ALTER SYSTEM SET %I = %L', $1::text, $2::text)", name, value).Scan(&stmt); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("reload configuration: %w", err)
	}
	return nil
}

// WaitStreaming waits until a standby named StandbyName streams from this
// primary (pg_stat_replication), in sync mode when sync is true.
func (c *Cluster) WaitStreaming(ctx context.Context, sync bool) error {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to local cluster: %w", err)
	}
	defer conn.Close(ctx)
	for {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_replication WHERE application_name = $1
			AND state = 'streaming' AND (NOT $2 OR sync_state = 'sync')`, StandbyName, sync).Scan(&n)
		if err != nil {
			return fmt.Errorf("pg_stat_replication: %w", err)
		}
		if n > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("standby %s is not streaming: %w", StandbyName, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Promote ends recovery on a standby (pg_promote) and waits until it
// accepts writes.
func (c *Cluster) Promote(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.SuperuserURL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to standby: %w", err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_promote(true, 60)").Scan(&ok); err != nil {
		return fmt.Errorf("promote: %w", err)
	}
	if !ok {
		return errors.New("promote: the standby did not leave recovery within 60 s")
	}
	return nil
}

// Crash stops the server at once, as a crash would (immediate shutdown:
// no checkpoint, every session cut; SIGKILL if that takes over 5 s), for
// failover drills.
func (c *Cluster) Crash() {
	c.stopOnce.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			_ = c.cmd.Process.Signal(syscall.SIGKILL)
			<-c.done
		}
	})
}
