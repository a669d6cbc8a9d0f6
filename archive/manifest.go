package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ManifestFile lists every archived partition of a directory.
const ManifestFile = "manifest.json"

// Entry is one archived partition in the manifest.
type Entry struct {
	Partition   string      `json:"partition"`
	Parent      string      `json:"parent"`
	MonthStart  time.Time   `json:"month_start"`
	MonthEnd    time.Time   `json:"month_end"`
	File        string      `json:"file"` // relative to the directory
	Rows        int64       `json:"rows"`
	Bytes       int64       `json:"bytes"`
	SHA256      string      `json:"sha256"`
	Columns     []column    `json:"columns"`
	Fingerprint fingerprint `json:"fingerprint"`
	ArchivedAt  time.Time   `json:"archived_at"`
	// SubjectColumn and Subjects: the customers whose rows the file holds
	// and how to find them (see subjectRules); empty for tables naming none.
	SubjectColumn string    `json:"subject_column,omitempty"`
	Subjects      []Subject `json:"subjects,omitempty"`
	// ArchivedSHA256 is the checksum the file had when archived (the one
	// cch_partition.archived_partition records), set once an erasure
	// rewrote it; SHA256 and Bytes are then the rewritten file's.
	ArchivedSHA256 string `json:"archived_sha256,omitempty"`
}

// Manifest is the content of ManifestFile.
type Manifest struct {
	Partitions []Entry   `json:"partitions"`
	Erasures   []Erasure `json:"erasures,omitempty"`
}

// Erasure records one run of Erase.
type Erasure struct {
	CustomerID int64     `json:"customer_id"`
	At         time.Time `json:"at"`
	Files      []string  `json:"files"`
}

// ReadManifest reads dir's manifest (empty when there is none).
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	} else if err != nil {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	return m, nil
}

// appendManifest records e (replacing an earlier entry of the same file,
// left by a run that failed before the drop) and writes the manifest
// atomically.
func appendManifest(dir string, e Entry) error {
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	kept := m.Partitions[:0]
	for _, old := range m.Partitions {
		if old.File != e.File {
			kept = append(kept, old)
		}
	}
	m.Partitions = append(kept, e)
	return writeManifest(dir, m)
}

// archivedSums are the checksums under which the file rel (now sum) may
// be recorded in cch_partition.archived_partition: sum itself, and the
// checksum it was archived with when an erasure rewrote it since.
func archivedSums(dir, rel, sum string) ([]string, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	sums := []string{sum}
	for _, e := range m.Partitions {
		if e.File == rel && e.SHA256 == sum && e.ArchivedSHA256 != "" {
			sums = append(sums, e.ArchivedSHA256)
		}
	}
	return sums, nil
}

// writeManifest writes m atomically.
func writeManifest(dir string, m Manifest) error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o644); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}

// VerifyFiles re-reads every file of dir's manifest and compares its size
// and SHA-256 with the manifest; it returns the first mismatch.
func VerifyFiles(dir string) (int, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return 0, err
	}
	for _, e := range m.Partitions {
		sum, size, err := sha256File(filepath.Join(dir, e.File))
		if err != nil {
			return 0, err
		}
		if sum != e.SHA256 || size != e.Bytes {
			return 0, fmt.Errorf("%s: sha256 %s (%d bytes), manifest %s (%d bytes)", e.File, sum, size, e.SHA256, e.Bytes)
		}
	}
	return len(m.Partitions), nil
}
