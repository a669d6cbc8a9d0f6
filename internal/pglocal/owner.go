package pglocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// credential is the OS user the server runs as when we are root; nil means
// "the current user".
type credential struct{ uid, gid uint32 }

func serverOwner() (*credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := lookupUser("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a 'postgres' OS user for the server (apt-get install -y postgresql creates it): %w", err)
	}
	return u, nil
}

func lookupUser(name string) (*credential, error) {
	// /etc/passwd directly: os/user may need cgo NSS and we only need ids.
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[0] != name {
			continue
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad /etc/passwd entry for %s", name)
		}
		return &credential{uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("no user %q", name)
}

func (o *credential) chown(path string) error {
	if o == nil {
		return nil
	}
	if err := os.Chown(path, int(o.uid), int(o.gid)); err != nil {
		return fmt.Errorf("give %s to the postgres user: %w", path, err)
	}
	return nil
}

// prepareDir creates dir, proves it is writable, and when the server runs as
// another user makes sure that user can reach and write it.
func prepareDir(dir string, owner *credential) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, err)
	}
	probe := filepath.Join(dir, ".write-test")
	if err := os.WriteFile(probe, nil, 0o600); err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, errors.Unwrap(err))
	}
	os.Remove(probe)
	if owner == nil {
		return nil
	}
	if err := owner.chown(dir); err != nil {
		return err
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		ok := fi.Mode().Perm()&0o001 != 0 ||
			(st.Uid == owner.uid && fi.Mode().Perm()&0o100 != 0) ||
			(st.Gid == owner.gid && fi.Mode().Perm()&0o010 != 0)
		if !ok {
			return fmt.Errorf("the postgres user cannot reach %s: %s is not searchable (chmod o+x %s)", dir, p, p)
		}
		if p == "/" || p == "." {
			return nil
		}
	}
}

// stopLeftover stops a server still running on dataDir from an earlier run
// whose parent was killed. A stale pid file whose process is gone, or is not
// a postgres, is removed.
func stopLeftover(ctx context.Context, dataDir string, log *slog.Logger) error {
	pidPath := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("read %s: %w", pidPath, err)
	}
	lines := strings.SplitN(string(b), "\n", 2)
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 {
		return os.Remove(pidPath)
	}
	if !isPostgres(pid, dataDir) {
		log.Info("removing stale postmaster.pid", "pid", pid)
		return os.Remove(pidPath)
	}
	log.Warn("stopping a postgres left running by an earlier run", "pid", pid)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL} {
		_ = syscall.Kill(pid, sig)
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if syscall.Kill(pid, 0) != nil {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return fmt.Errorf("could not stop the postgres (pid %d) left running on %s", pid, dataDir)
}

func isPostgres(pid int, dataDir string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := bytes.Split(cmdline, []byte{0})
	return len(args) > 0 && filepath.Base(string(args[0])) == "postgres" && bytes.Contains(cmdline, []byte(dataDir))
}
