package analyst

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// spoolRecord is one line of the spool: an analyst query that started
// ("start", written before any of its answer leaves) or ended ("end",
// with its outcome).
type spoolRecord struct {
	Kind  string     `json:"k"`
	Entry AuditEntry `json:"e"`
}

const (
	spoolStart = "start"
	spoolEnd   = "end"
)

// spool is the audit log's local append-only file: every record is
// written and fsynced before the call returns, so an entry survives a
// crash of the process before it reached PostgreSQL. It holds only what
// PostgreSQL does not have yet: after each write to PostgreSQL the file
// is replaced (write, fsync, rename, fsync of the directory) by what is
// left. Not safe for concurrent use (AuditLog serialises it).
type spool struct {
	path string
	f    *os.File
}

// openSpool reads the records of the file at path (a last line torn by a
// crash is ignored: its write never returned) and opens it for appends,
// owner-only.
func openSpool(path string) (*spool, []spoolRecord, error) {
	recs, err := readSpool(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("audit spool: %w", err)
	}
	return &spool{path: path, f: f}, recs, nil
}

func readSpool(path string) ([]spoolRecord, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("audit spool: %w", err)
	}
	var recs []spoolRecord
	rd := bufio.NewReader(bytes.NewReader(b))
	for {
		line, err := rd.ReadBytes('\n')
		if errors.Is(err, io.EOF) { // no newline: a torn last write
			return recs, nil
		}
		var r spoolRecord
		if jerr := json.Unmarshal(line, &r); jerr != nil || r.Entry.ID == "" {
			return nil, fmt.Errorf("audit spool %s: unreadable record %q", path, bytes.TrimSpace(line))
		}
		recs = append(recs, r)
	}
}

// append writes r and fsyncs.
func (s *spool) append(r spoolRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := s.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	return nil
}

// replace makes recs the whole spool, atomically.
func (s *spool) replace(recs []spoolRecord) error {
	var buf bytes.Buffer
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf.Write(append(b, '\n'))
	}
	tmp := s.path + ".tmp"
	if err := writeSynced(tmp, buf.Bytes()); err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	if d, err := os.Open(filepath.Dir(s.path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	old := s.f
	s.f = f
	return old.Close()
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *spool) close() error { return s.f.Close() }
