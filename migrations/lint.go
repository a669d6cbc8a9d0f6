package migrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	_ "ariga.io/atlas/sql/postgres/postgrescheck" // registers the Postgres analyzers
	"ariga.io/atlas/sql/sqlcheck"
	"ariga.io/atlas/sql/sqlclient"
)

// LintOptions configures Lint. The zero value of every field is a
// sensible default.
type LintOptions struct {
	// Dir is the on-disk migration directory. Default "migrations".
	Dir string
	// Latest lints the last N files. Default 1 (when Base is empty too).
	Latest int
	// Base lints every file whose version sorts after Base (e.g. the last
	// version on the main branch); it wins over Latest.
	Base string
	// DevURL: see DiffOptions.DevURL.
	DevURL string
	// Log receives progress. Default: discard.
	Log *slog.Logger
}

// Finding is one diagnostic of one of Atlas's analyzers.
type Finding struct {
	File     string // migration file name
	Line     int    // 1-based line of the statement in the file
	Analyzer string // "destructive", "data_depend", "conditional_drop", "incompatible"
	Code     string // e.g. DS103
	Text     string
	Ignored  bool // silenced by an atlas:nolint directive
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s:%d: %s %s: %s", f.File, f.Line, f.Analyzer, f.Code, f.Text)
	if f.Ignored {
		s += " (nolint)"
	}
	return s
}

// LintReport is what Lint found.
type LintReport struct {
	Files    []string // the linted files
	Findings []Finding
}

// ErrDestructive is returned by LintReport.Err when a destructive change is
// not silenced by an atlas:nolint directive.
var ErrDestructive = errors.New("destructive change")

// Err reports the destructive findings that no nolint directive silences.
func (r LintReport) Err() error {
	var errs []error
	for _, f := range r.Findings {
		if f.Analyzer == "destructive" && !f.Ignored {
			errs = append(errs, fmt.Errorf("%w: %s", ErrDestructive, f))
		}
	}
	return errors.Join(errs...)
}

// Lint replays the directory on a scratch database up to the files to lint,
// then runs those files statement by statement, inspecting the schema after
// each, and hands the resulting changes to Atlas's Postgres analyzers
// (destructive, data_depend, conditional_drop, incompatible). A failing
// analysis is an error; findings are in the report (see LintReport.Err).
func Lint(ctx context.Context, opts LintOptions) (LintReport, error) {
	if opts.Dir == "" {
		opts.Dir = "migrations"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	dir, err := OpenDir(opts.Dir)
	if err != nil {
		return LintReport{}, err
	}
	files, err := verifiedFiles(dir)
	if err != nil {
		return LintReport{}, err
	}
	before, target := splitForLint(files, opts)
	srv, err := openServer(ctx, opts.DevURL, opts.Log)
	if err != nil {
		return LintReport{}, err
	}
	defer srv.close(context.WithoutCancel(ctx))
	dev, drop, err := srv.newDatabase(ctx, "cch_lint")
	if err != nil {
		return LintReport{}, err
	}
	defer drop(context.WithoutCancel(ctx))
	if _, err := applyFiles(ctx, dev.url, before, opts.Log); err != nil {
		return LintReport{}, fmt.Errorf("replay files before the linted ones: %w", err)
	}
	rep := LintReport{}
	for _, f := range target {
		rep.Files = append(rep.Files, f.Name())
		found, err := lintFile(ctx, dev, f)
		if err != nil {
			return rep, err
		}
		rep.Findings = append(rep.Findings, found...)
	}
	return rep, nil
}

// splitForLint returns the files to replay and the files to lint.
func splitForLint(files []migrate.File, opts LintOptions) (before, target []migrate.File) {
	i := len(files)
	switch {
	case opts.Base != "":
		i = slices.IndexFunc(files, func(f migrate.File) bool { return f.Version() > opts.Base })
		if i < 0 {
			i = len(files)
		}
	default:
		n := max(opts.Latest, 1)
		i = max(len(files)-n, 0)
	}
	return files[:i], files[i:]
}

// lintFile executes f on dev statement by statement and analyzes it.
func lintFile(ctx context.Context, dev *scratchDB, f migrate.File) ([]Finding, error) {
	sf, stmts, err := replayFile(ctx, dev, f)
	if err != nil {
		return nil, err
	}
	azs, err := sqlcheck.AnalyzerFor(postgres.DriverName, nil)
	if err != nil {
		return nil, fmt.Errorf("load analyzers: %w", err)
	}
	client := &sqlclient.Client{Name: postgres.DriverName, DB: dev.db, Driver: dev.drv}
	var found []Finding
	for _, az := range azs {
		name := fmt.Sprintf("%T", az)
		if na, ok := az.(sqlcheck.NamedAnalyzer); ok {
			name = na.Name()
		}
		var reports []sqlcheck.Report
		pass := &sqlcheck.Pass{File: sf, Dev: client, Reporter: sqlcheck.ReportWriterFunc(func(r sqlcheck.Report) {
			reports = append(reports, r)
		})}
		// Analyzers configured to "error" return an error when they report:
		// the report is the finding, so only a report-less error counts.
		if err := az.Analyze(ctx, pass); err != nil && len(reports) == 0 {
			return nil, fmt.Errorf("lint %s: %s: %w", f.Name(), name, err)
		}
		for _, r := range reports {
			for _, d := range r.Diagnostics {
				found = append(found, finding(f, stmts, name, r, d))
			}
		}
	}
	return found, nil
}

func finding(f migrate.File, stmts []*migrate.Stmt, analyzer string, r sqlcheck.Report, d sqlcheck.Diagnostic) Finding {
	text := d.Text
	if text == "" {
		text = r.Text
	}
	fd := Finding{File: f.Name(), Line: 1 + strings.Count(string(f.Bytes()[:min(d.Pos, len(f.Bytes()))]), "\n"),
		Analyzer: analyzer, Code: d.Code, Text: text}
	var directives []string
	if lf, ok := f.(*migrate.LocalFile); ok {
		directives = lf.Directive("nolint")
	}
	for _, s := range stmts {
		if s.Pos == d.Pos {
			directives = append(directives, s.Directive("nolint")...)
		}
	}
	for _, dir := range directives {
		args := strings.Fields(dir)
		if len(args) == 0 || slices.Contains(args, analyzer) || slices.Contains(args, d.Code) {
			fd.Ignored = true
		}
	}
	return fd
}

// replayFile runs f's statements one by one on dev and records the schema
// changes each one makes, as Atlas's analyzers expect.
func replayFile(ctx context.Context, dev *scratchDB, f migrate.File) (*sqlcheck.File, []*migrate.Stmt, error) {
	stmts, err := migrate.FileStmtDecls(dev.drv, f)
	if err != nil {
		return nil, nil, fmt.Errorf("lint %s: split statements: %w", f.Name(), err)
	}
	from, err := dev.drv.InspectRealm(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("lint %s: inspect: %w", f.Name(), err)
	}
	sf := &sqlcheck.File{File: f, From: from, To: from}
	for _, s := range stmts {
		if _, err := dev.db.ExecContext(ctx, s.Text); err != nil {
			return nil, nil, fmt.Errorf("lint %s: line %d: %w", f.Name(), 1+strings.Count(string(f.Bytes()[:s.Pos]), "\n"), err)
		}
		if !inspectable(s.Text) {
			continue
		}
		after, err := dev.drv.InspectRealm(ctx, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("lint %s: inspect: %w", f.Name(), err)
		}
		changes, err := dev.drv.RealmDiff(sf.To, after)
		if err != nil {
			return nil, nil, fmt.Errorf("lint %s: diff: %w", f.Name(), err)
		}
		if len(changes) > 0 {
			sf.Changes = append(sf.Changes, &sqlcheck.Change{Stmt: s, Changes: changes})
		}
		sf.To = after
	}
	if sf.Sum, err = dev.drv.RealmDiff(sf.From, sf.To); err != nil {
		return nil, nil, fmt.Errorf("lint %s: diff: %w", f.Name(), err)
	}
	return sf, stmts, nil
}

// noSchemaChange lists statement prefixes that never change what Atlas
// inspects (tables, columns, indexes, keys, checks, enums): the schema is
// not re-inspected after them, which keeps linting hand-written files full
// of grants, policies and functions fast.
var noSchemaChange = []string{
	"GRANT ", "REVOKE ", "CREATE POLICY ", "ALTER POLICY ", "DROP POLICY ",
	"CREATE FUNCTION ", "CREATE OR REPLACE FUNCTION ", "CREATE PROCEDURE ", "CREATE OR REPLACE PROCEDURE ",
	"CREATE TRIGGER ", "CREATE OR REPLACE TRIGGER ", "CREATE ROLE ", "ALTER ROLE ",
	"CREATE PUBLICATION ", "ALTER PUBLICATION ", "INSERT ", "SELECT ", "SET ", "ALTER DEFAULT PRIVILEGES ",
}

func inspectable(stmt string) bool {
	up := strings.ToUpper(strings.Join(strings.Fields(stmt), " "))
	return !slices.ContainsFunc(noSchemaChange, func(p string) bool { return strings.HasPrefix(up, p) })
}
