package migrations

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"ariga.io/atlas/sql/migrate"
)

// fsDir is a read-only migrate.Dir over an fs.FS (the embedded FS). Files
// are the *.sql files at its root, in lexical order, exactly as Atlas's
// LocalDir reads them, so atlas.sum written by either matches.
type fsDir struct{ fsys fs.FS }

var _ migrate.Dir = fsDir{}

// Open implements fs.FS.
func (d fsDir) Open(name string) (fs.File, error) { return d.fsys.Open(name) }

// WriteFile implements migrate.Dir; an embedded directory cannot be written.
func (d fsDir) WriteFile(name string, _ []byte) error {
	return fmt.Errorf("migrations: write %s: %w", name, errors.ErrUnsupported)
}

// Files implements migrate.Dir.
func (d fsDir) Files() ([]migrate.File, error) {
	names, err := fs.Glob(d.fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	files := make([]migrate.File, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(d.fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", n, err)
		}
		files = append(files, migrate.NewLocalFile(n, b))
	}
	return files, nil
}

// Checksum implements migrate.Dir.
func (d fsDir) Checksum() (migrate.HashFile, error) {
	files, err := d.Files()
	if err != nil {
		return nil, err
	}
	return migrate.NewHashFile(files)
}

// Embedded returns the migration directory compiled into the binary.
func Embedded() migrate.Dir { return fsDir{fsys: FS} }

// OpenDir returns the on-disk migration directory at path.
func OpenDir(path string) (migrate.Dir, error) {
	d, err := migrate.NewLocalDir(path)
	if err != nil {
		return nil, fmt.Errorf("open migration directory: %w", err)
	}
	return d, nil
}

// Hash recomputes atlas.sum of the on-disk directory at path, the
// equivalent of `atlas migrate hash`: run it after adding or editing a
// hand-written migration file, never after a file was applied anywhere.
func Hash(path string) error {
	d, err := OpenDir(path)
	if err != nil {
		return err
	}
	sum, err := d.Checksum()
	if err != nil {
		return fmt.Errorf("hash %s: %w", path, err)
	}
	if err := migrate.WriteSumFile(d, sum); err != nil {
		return fmt.Errorf("write %s/%s: %w", path, migrate.HashFileName, err)
	}
	return nil
}

// verifiedFiles checks dir against its atlas.sum and returns its files. A
// tampered directory is refused with an error naming the offending file.
func verifiedFiles(dir migrate.Dir) ([]migrate.File, error) {
	if err := migrate.Validate(dir); err != nil {
		return nil, sumError(err)
	}
	files, err := dir.Files()
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	seen := make(map[string]string, len(files))
	for _, f := range files {
		if prev, ok := seen[f.Version()]; ok {
			return nil, fmt.Errorf("migrations %s and %s share version %s", prev, f.Name(), f.Version())
		}
		seen[f.Version()] = f.Name()
	}
	return files, nil
}

// ErrTampered is wrapped by every error about a migration directory that
// does not match its atlas.sum.
var ErrTampered = errors.New("migration directory does not match atlas.sum")

func sumError(err error) error {
	var ce *migrate.ChecksumError
	switch {
	case errors.As(err, &ce):
		return fmt.Errorf("%w: file %s was %s (line %d of atlas.sum)", ErrTampered, ce.File, ce.Reason, ce.Line)
	case errors.Is(err, migrate.ErrChecksumNotFound):
		return fmt.Errorf("%w: atlas.sum is missing", ErrTampered)
	case errors.Is(err, migrate.ErrChecksumMismatch), errors.Is(err, migrate.ErrChecksumFormat):
		return fmt.Errorf("%w: atlas.sum itself was edited or is malformed: %w", ErrTampered, err)
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("read migration directory: %w", err)
	}
	return fmt.Errorf("validate migration directory: %w", err)
}
