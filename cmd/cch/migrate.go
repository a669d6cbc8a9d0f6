package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"

	"github.com/carcarehub/cch/migrations"
)

func init() {
	register(command{name: "migrate", summary: "schema lifecycle: bootstrap | apply | status | diff NAME | lint | drift | hash",
		new: func(stdout, stderr io.Writer) runner { return &migrateCmd{stdout: stdout, stderr: stderr} }})
}

var migrateVerbs = []string{"bootstrap", "apply", "status", "diff", "lint", "drift", "hash"}

// migrateConfig is the configuration of `cch migrate VERB`.
type migrateConfig struct {
	Verb        string // apply | status | diff | lint | drift | hash
	DatabaseURL string // --database-url: target database. Required for apply, status, drift.
	Dir         string // --dir: migration directory. Default: embedded for apply/status, "migrations" otherwise.
	Schema      string // --schema: desired schema (Atlas HCL). Default "schema.hcl".
	DevURL      string // --dev-url: server for scratch databases. Default: a private local cluster.
	Name        string // --name or `diff NAME`: the new migration's name. Required for diff.
	Latest      int    // --latest: lint the last N files. Default 1.
	Base        string // --base: lint files with a version after this one (wins over --latest).
	// Passwords of the login roles (bootstrap only; "" leaves a role's as it is):
	// --owner-password, --app-password, --replicator-password, --worker-password.
	OwnerPassword, AppPassword, ReplicatorPassword, WorkerPassword string
}

// passwords maps each login role to the password given for it.
func (c *migrateConfig) passwords() map[string]string {
	out := map[string]string{}
	for role, p := range map[string]string{"cch_owner": c.OwnerPassword, "cch_app": c.AppPassword,
		"cch_replicator": c.ReplicatorPassword, "cch_worker": c.WorkerPassword} {
		if p != "" {
			out[role] = p
		}
	}
	return out
}

var migrationName = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)

func (c *migrateConfig) validate() error {
	var errs []error
	switch c.Verb {
	case "bootstrap", "apply", "status", "drift":
		if c.DatabaseURL == "" {
			errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required"))
		}
	case "diff":
		if !migrationName.MatchString(c.Name) {
			errs = append(errs, fmt.Errorf("migration name %q: want lower-case letters, digits and _ (cch migrate diff NAME)", c.Name))
		}
	}
	if c.Latest < 1 {
		errs = append(errs, fmt.Errorf("--latest %d: must be at least 1", c.Latest))
	}
	return errors.Join(errs...)
}

type migrateCmd struct {
	stdout, stderr io.Writer
	cfg            migrateConfig
}

func (m *migrateCmd) Parse(args []string) error {
	if len(args) == 0 || !slices.Contains(migrateVerbs, args[0]) {
		fmt.Fprintf(m.stderr, "Usage: cch migrate {%s} [flags]\n", strings.Join(migrateVerbs, "|"))
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return fmt.Errorf("want a verb: %s", strings.Join(migrateVerbs, ", "))
	}
	m.cfg.Verb, args = args[0], args[1:]
	if m.cfg.Verb == "diff" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		m.cfg.Name, args = args[0], args[1:]
	}
	f := newFlags("migrate "+m.cfg.Verb, m.stderr)
	f.String(&m.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL of the database to migrate (owner role)")
	f.String(&m.cfg.Dir, "dir", "", "migration directory (default: embedded for apply/status, migrations otherwise)")
	f.String(&m.cfg.Schema, "schema", "schema.hcl", "desired schema in Atlas HCL (diff, drift)")
	f.String(&m.cfg.DevURL, "dev-url", "", "database URL on a server for scratch databases (default: a private local cluster)")
	f.String(&m.cfg.Name, "name", m.cfg.Name, "name of the new migration (diff; or cch migrate diff NAME)")
	f.Int(&m.cfg.Latest, "latest", 1, "lint the last N migration files")
	f.String(&m.cfg.Base, "base", "", "lint every file with a version after BASE (wins over --latest)")
	f.String(&m.cfg.OwnerPassword, "owner-password", "", "bootstrap: set the login password of cch_owner (empty: leave it)")
	f.String(&m.cfg.AppPassword, "app-password", "", "bootstrap: set the login password of cch_app (empty: leave it)")
	f.String(&m.cfg.ReplicatorPassword, "replicator-password", "", "bootstrap: set the login password of cch_replicator (empty: leave it)")
	f.String(&m.cfg.WorkerPassword, "worker-password", "", "bootstrap: set the login password of cch_worker (empty: leave it)")
	return f.Parse(args, m.cfg.validate)
}

func (m *migrateCmd) Run(ctx context.Context) error {
	log := slog.New(slog.NewTextHandler(m.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	switch m.cfg.Verb {
	case "bootstrap":
		return m.bootstrap(ctx, log)
	case "apply":
		return m.apply(ctx, log)
	case "status":
		return m.status(ctx)
	case "diff":
		return m.diff(ctx, log)
	case "lint":
		return m.lint(ctx, log)
	case "drift":
		return m.drift(ctx)
	case "hash":
		if err := migrations.Hash(m.dirPath()); err != nil {
			return err
		}
		fmt.Fprintf(m.stdout, "wrote %s/%s\n", m.dirPath(), migrate.HashFileName)
		return nil
	}
	return fmt.Errorf("unknown verb %q", m.cfg.Verb)
}

func (m *migrateCmd) Close() error { return nil }

// dir is the directory apply and status use: embedded unless --dir.
func (m *migrateCmd) dir() (migrate.Dir, error) {
	if m.cfg.Dir == "" {
		return migrations.Embedded(), nil
	}
	return migrations.OpenDir(m.cfg.Dir)
}

// dirPath is the on-disk directory diff, lint and hash use.
func (m *migrateCmd) dirPath() string {
	if m.cfg.Dir == "" {
		return "migrations"
	}
	return m.cfg.Dir
}

func (m *migrateCmd) apply(ctx context.Context, log *slog.Logger) error {
	dir, err := m.dir()
	if err != nil {
		return err
	}
	applied, err := migrations.ApplyDir(ctx, m.cfg.DatabaseURL, dir, log)
	for _, name := range applied {
		fmt.Fprintf(m.stdout, "applied %s\n", name)
	}
	if err != nil {
		return err
	}
	st, err := migrations.StatusDir(ctx, m.cfg.DatabaseURL, dir)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(m.stdout, "already current at version %s\n", orNone(st.Current))
		return nil
	}
	fmt.Fprintf(m.stdout, "applied %d file(s); now at version %s\n", len(applied), orNone(st.Current))
	return nil
}

// bootstrap runs the superuser step: bootstrap files, roles, the owner's
// privileges, the publication, passwords.
func (m *migrateCmd) bootstrap(ctx context.Context, log *slog.Logger) error {
	dir, err := m.dir()
	if err != nil {
		return err
	}
	passwords := m.cfg.passwords()
	applied, err := migrations.Bootstrap(ctx, m.cfg.DatabaseURL, dir, migrations.BootstrapOptions{Passwords: passwords, Log: log})
	for _, name := range applied {
		fmt.Fprintf(m.stdout, "applied %s\n", name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "bootstrap done (%d file(s) applied, %d password(s) set); now run cch migrate apply as cch_owner\n", len(applied), len(passwords))
	return nil
}

func (m *migrateCmd) status(ctx context.Context) error {
	dir, err := m.dir()
	if err != nil {
		return err
	}
	st, err := migrations.StatusDir(ctx, m.cfg.DatabaseURL, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "current version: %s\napplied: %d\npending: %d\n", orNone(st.Current), len(st.Applied), len(st.Pending))
	for _, name := range st.Pending {
		fmt.Fprintf(m.stdout, "  pending %s\n", name)
	}
	return nil
}

func (m *migrateCmd) diff(ctx context.Context, log *slog.Logger) error {
	file, err := migrations.Diff(ctx, migrations.DiffOptions{
		Name: m.cfg.Name, Dir: m.dirPath(), SchemaFile: m.cfg.Schema, DevURL: m.cfg.DevURL, Log: log,
	})
	if err != nil {
		return err
	}
	if file == "" {
		fmt.Fprintf(m.stdout, "no changes: %s matches %s\n", m.cfg.Schema, m.dirPath())
		return nil
	}
	fmt.Fprintf(m.stdout, "wrote %s and %s/%s\n", file, m.dirPath(), migrate.HashFileName)
	return nil
}

func (m *migrateCmd) lint(ctx context.Context, log *slog.Logger) error {
	rep, err := migrations.Lint(ctx, migrations.LintOptions{
		Dir: m.dirPath(), Latest: m.cfg.Latest, Base: m.cfg.Base, DevURL: m.cfg.DevURL, Log: log,
	})
	if err != nil {
		return err
	}
	for _, f := range rep.Findings {
		fmt.Fprintln(m.stdout, f)
	}
	fmt.Fprintf(m.stdout, "linted %d file(s), %d finding(s): %s\n", len(rep.Files), len(rep.Findings), strings.Join(rep.Files, ", "))
	return rep.Err()
}

func (m *migrateCmd) drift(ctx context.Context) error {
	diffs, err := migrations.Drift(ctx, m.cfg.DatabaseURL, m.cfg.Schema)
	if err != nil {
		return err
	}
	if len(diffs) == 0 {
		fmt.Fprintf(m.stdout, "no drift: the database matches %s\n", m.cfg.Schema)
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintln(m.stdout, d)
	}
	return fmt.Errorf("%d difference(s) between the database and %s", len(diffs), m.cfg.Schema)
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}
