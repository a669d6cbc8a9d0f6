package pglocal

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RecoverConfig says which prepared data directory to recover.
type RecoverConfig struct {
	// Dir is a cluster directory in Start's layout: Dir/data is PGDATA
	// (a base backup with recovery.signal and the recovery settings in
	// postgresql.auto.conf); Dir/postgres.log receives the server's log.
	Dir string
	// BinDir holds postgres. Empty searches (see FindBinDir).
	BinDir string
	// Timeout bounds the whole recovery. Default 30 minutes.
	Timeout time.Duration
	// Logger receives progress messages. Default: discard.
	Logger *slog.Logger
}

// Recover gives Dir to the server's OS user, starts the server on a free
// loopback port, waits until it has replayed WAL up to its recovery target
// and promoted itself (recovery.signal removed), and shuts it down cleanly.
// The directory can then be started with Start (which needs the superuser's
// password in Dir/superuser.password). A server that exits during recovery
// (say, the target lies beyond the archived WAL) fails with its log's tail.
func Recover(ctx context.Context, cfg RecoverConfig) error {
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	binDir, err := FindBinDir(cfg.BinDir)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return err
	}
	owner, err := serverOwner()
	if err != nil {
		return err
	}
	if err := prepareDir(dir, owner); err != nil {
		return err
	}
	if err := chownTree(dir, owner); err != nil {
		return err
	}
	dataDir := filepath.Join(dir, "data")
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return err
	}
	port, err := choosePort(dir, 0)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	return runRecovery(ctx, cfg.Logger, binDir, dir, dataDir, port, owner)
}

// runRecovery starts the server and waits for the end of recovery.
func runRecovery(ctx context.Context, log *slog.Logger, binDir, dir, dataDir string, port int, owner *credential) error {
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logStart, _ := logFile.Seek(0, io.SeekEnd)
	cmd := exec.Command(filepath.Join(binDir, "postgres"), "-D", dataDir,
		"-c", "port="+strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=")
	cmd.Stdout, cmd.Stderr, cmd.Dir = logFile, logFile, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGINT}
	if owner != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
	}
	log.Info("recovering", "data_dir", dataDir, "port", port)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !recovered(ctx, binDir, dataDir) {
		select {
		case err := <-done:
			return fmt.Errorf("postgres exited during recovery (%v); log follows\n%s", err, tailLog(logPath, logStart))
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			<-done
			return fmt.Errorf("recovery did not finish: %w\n%s", ctx.Err(), tailLog(logPath, logStart))
		case <-tick.C:
		}
	}
	// Promoted and past the end-of-recovery checkpoint: a fast shutdown writes a shutdown checkpoint.
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
		if clusterState(ctx, binDir, dataDir) != "shut down" {
			return fmt.Errorf("postgres did not shut down cleanly after recovery (state %q)\n%s", clusterState(ctx, binDir, dataDir), tailLog(logPath, 0))
		}
		return nil
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("postgres did not shut down after recovery")
	}
}

// recovered reports whether the server left recovery: recovery.signal is
// gone and pg_control says "in production" (the end-of-recovery checkpoint
// is written). Neither alone will do: a base backup's pg_control says "in
// production" before recovery starts, and recovery.signal is removed before
// that checkpoint; a shutdown in between leaves a cluster whose next start
// replays all the WAL it holds, past the target.
func recovered(ctx context.Context, binDir, dataDir string) bool {
	if _, err := os.Stat(filepath.Join(dataDir, "recovery.signal")); err == nil {
		return false
	}
	return clusterState(ctx, binDir, dataDir) == "in production"
}

// clusterState is pg_controldata's "Database cluster state", or "".
func clusterState(ctx context.Context, binDir, dataDir string) string {
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "pg_controldata"), "-D", dataDir)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		if state, ok := strings.CutPrefix(line, "Database cluster state:"); ok {
			return strings.TrimSpace(state)
		}
	}
	return ""
}

// chownTree gives every file under dir to owner (no-op when nil).
func chownTree(dir string, owner *credential) error {
	if owner == nil {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return owner.chown(p)
	})
}
