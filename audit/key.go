package audit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// KeySize is the length in bytes of a checkpoint signing key.
const KeySize = 32

// LoadKey reads a signing key: a file holding KeySize bytes as hex.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("audit key %s: want %d bytes as hex", path, KeySize)
	}
	return key, nil
}

// LoadOrCreateKey reads the key at path, or creates a new random one there
// (mode 0600) when the file does not exist. created reports the latter.
func LoadOrCreateKey(path string) (key []byte, created bool, err error) {
	key, err = LoadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) { // created concurrently: use that one
			key, err = LoadKey(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return nil, false, fmt.Errorf("audit key %s: %w", path, err)
	}
	return key, true, nil
}

// KeyID names a key without revealing it: the first 8 bytes of its
// SHA-256, as hex. Checkpoints carry it so a verification with the wrong
// key says so.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}
