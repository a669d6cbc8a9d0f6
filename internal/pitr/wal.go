package pitr

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// DefaultSlot is the physical replication slot the WAL archive streams
// from: the server keeps WAL the archive has not received yet (up to
// max_slot_wal_keep_size), also while the archiver is down.
const DefaultSlot = "cch_backup"

// CreateSlot creates the archive's physical slot unless it exists.
func (t Tools) CreateSlot(ctx context.Context, url, slot string) error {
	cmd := exec.CommandContext(ctx, t.path("pg_receivewal"), "--dbname", url, "--slot", slot,
		"--create-slot", "--if-not-exists", "--no-password")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("create slot %s: %w: %s", slot, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Receiver is a running pg_receivewal writing into DIR/wal.
type Receiver struct {
	cmd  *exec.Cmd
	done chan error
}

// StartReceiver starts pg_receivewal on slot into DIR/wal, flushing every
// record as it arrives (--synchronous), so the archive is as current as a
// synchronous standby. The segment being written is named *.partial;
// Restore uses it too. Stop it with Stop.
func (t Tools) StartReceiver(url, backupDir, slot string, stderr io.Writer) (*Receiver, error) {
	walDir := filepath.Join(backupDir, "wal")
	if err := os.MkdirAll(walDir, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(t.path("pg_receivewal"), "--dbname", url, "--directory", walDir, "--slot", slot,
		"--synchronous", "--no-password", "--status-interval", "1")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGINT}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pg_receivewal: %w", err)
	}
	r := &Receiver{cmd: cmd, done: make(chan error, 1)}
	go func() { r.done <- cmd.Wait() }()
	return r, nil
}

// Done delivers pg_receivewal's exit.
func (r *Receiver) Done() <-chan error { return r.done }

// Stop asks pg_receivewal to finish (it flushes what it has) and waits.
func (r *Receiver) Stop() error {
	_ = r.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-r.done: // interrupted: its exit status says nothing more
		return nil
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
		return fmt.Errorf("pg_receivewal did not stop within 10s; killed")
	}
}
