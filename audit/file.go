package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// fileMu serialises AppendFile calls of this process.
var fileMu sync.Mutex

// AppendFile appends cps to the checkpoint file at path (JSON, one
// checkpoint per line; created with mode 0600), in one write, and syncs
// it, under an exclusive file lock (flock) shared with other processes
// appending to it. The file is only ever appended to.
func AppendFile(path string, cps []Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, c := range cps {
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("encode checkpoint: %w", err)
		}
	}
	fileMu.Lock()
	defer fileMu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	// Other processes (several workers) append to the same file: an
	// exclusive lock keeps each round's lines whole and together.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint file %s: lock: %w", path, err)
	}
	_, werr := f.Write(buf.Bytes())
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	return nil
}

// ReadLatest reads the checkpoint file at path and returns, per
// organisation, its newest checkpoint (highest entry id). Every line must
// carry a valid signature under key: an edited, forged or differently
// keyed line is an error naming the line.
func ReadLatest(path string, key []byte) (map[int64]Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint file: %w", err)
	}
	defer f.Close()
	latest := map[int64]Checkpoint{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("checkpoint file %s line %d: %w", path, line, err)
		}
		if !c.Valid(key) {
			return nil, fmt.Errorf("checkpoint file %s line %d: signature does not verify (key %s, file says %s): the file was edited or another key is in use",
				path, line, KeyID(key), c.KeyID)
		}
		if prev, ok := latest[c.OrganisationID]; !ok || c.EntryID >= prev.EntryID {
			latest[c.OrganisationID] = c
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	return latest, nil
}

// WriteCheckpoint is one checkpoint round, for `cch audit checkpoint` and
// periodic workers: it loads the key at keyFile (creating it when missing;
// createdKey reports that), signs the chain heads visible on db (of
// organisation org when org > 0) and appends them to checkpointFile.
func WriteCheckpoint(ctx context.Context, db DB, keyFile, checkpointFile string, org int64) (cps []Checkpoint, createdKey bool, err error) {
	key, createdKey, err := LoadOrCreateKey(keyFile)
	if err != nil {
		return nil, false, err
	}
	if cps, err = Take(ctx, db, key, org); err != nil {
		return nil, createdKey, err
	}
	return cps, createdKey, AppendFile(checkpointFile, cps)
}
