package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/export"
)

func init() {
	register(command{name: "export", summary: "Parquet export of one organisation with a manifest (export parquet); find or remove a data subject in past exports (export subject)",
		new: func(stdout, stderr io.Writer) runner { return &exportCmd{stdout: stdout, stderr: stderr} }})
}

// exportConfig is the configuration of `cch export parquet` and `cch
// export subject`.
type exportConfig struct {
	DuckDB       string // --duckdb: warehouse file; a running warehouse on it does the export, else it is opened read-only. Default .cch/warehouse.duckdb.
	Out          string // --out: output directory, created; must be empty. Required (parquet).
	MemoryLimit  string // --memory-limit: DuckDB memory_limit. Default 1GB.
	Organisation int    // --organisation: the organisation to export. Required unless --all-organisations.
	AllOrgs      bool   // --all-organisations: export every organisation (an operator's explicit choice). Default false.
	Role         string // --role: export what this business role sees of the organisation (its PostgreSQL grants and policies), through a running warehouse. Default: every row and column.
	Staff        int    // --staff: the staff member the role export is for; required for roles whose rows are their own (technician, chauffeur).
	Dir          string // --dir: a past export (subject). Required (subject).
	Customer     int    // --customer: the data subject's customer id (subject). Required (subject).
	Rewrite      bool   // --rewrite: rewrite the files without the subject's rows (subject). Default false: list them.
}

func (c *exportConfig) validateParquet() error {
	var errs []error
	if c.DuckDB == "" {
		errs = append(errs, errors.New("--duckdb is required"))
	}
	if c.Out == "" {
		errs = append(errs, errors.New("--out is required"))
	}
	if (c.Organisation > 0) == c.AllOrgs {
		errs = append(errs, errors.New("give --organisation ID, or --all-organisations to export every organisation"))
	}
	if _, ok := oltp.Roles[c.Role]; c.Role != "" && !ok {
		errs = append(errs, fmt.Errorf("--role %q is not a business role", c.Role))
	}
	if c.Role != "" && c.AllOrgs {
		errs = append(errs, errors.New("--role exports one organisation: give --organisation"))
	}
	if c.Staff != 0 && c.Role == "" {
		errs = append(errs, errors.New("--staff needs --role"))
	}
	return errors.Join(errs...)
}

func (c *exportConfig) validateSubject() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("--dir is required"))
	}
	if c.Customer <= 0 {
		errs = append(errs, errors.New("--customer is required"))
	}
	return errors.Join(errs...)
}

type exportCmd struct {
	stdout, stderr io.Writer
	cfg            exportConfig
	subject        bool
	db             *warehouse.DB
}

func (c *exportCmd) Parse(args []string) error {
	if len(args) == 0 || (args[0] != "parquet" && args[0] != "subject") {
		fmt.Fprintln(c.stderr, "Usage: cch export parquet --out DIR (--organisation ID [--role ROLE [--staff ID]] | --all-organisations) [--duckdb FILE]\n"+
			"       cch export subject --dir DIR --customer ID [--rewrite]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errors.New("want parquet or subject")
	}
	f := newFlags("export "+args[0], c.stderr)
	f.String(&c.cfg.MemoryLimit, "memory-limit", "1GB", "DuckDB memory_limit")
	if c.subject = args[0] == "subject"; c.subject {
		f.String(&c.cfg.Dir, "dir", "", "a past export (its manifest.json lists each relation's subject columns)")
		f.Int(&c.cfg.Customer, "customer", 0, "the data subject's customer id")
		f.Bool(&c.cfg.Rewrite, "rewrite", false, "rewrite the files without the subject's rows and update the manifest")
		return f.Parse(args[1:], c.cfg.validateSubject)
	}
	f.String(&c.cfg.DuckDB, "duckdb", ".cch/warehouse.duckdb", "DuckDB warehouse file (a running warehouse on it does the export; else opened read-only)")
	f.String(&c.cfg.Out, "out", "", "output directory (created; must be empty)")
	f.Int(&c.cfg.Organisation, "organisation", 0, "the organisation to export (required unless --all-organisations)")
	f.Bool(&c.cfg.AllOrgs, "all-organisations", false, "export every organisation (operators only)")
	f.String(&c.cfg.Role, "role", "", "export what this business role sees in PostgreSQL (needs the running warehouse)")
	f.Int(&c.cfg.Staff, "staff", 0, "the staff member a --role export is for (required for technician and chauffeur)")
	return f.Parse(args[1:], c.cfg.validateParquet)
}

func (c *exportCmd) Run(ctx context.Context) error {
	if c.subject {
		return c.runSubject(ctx)
	}
	out, err := filepath.Abs(c.cfg.Out)
	if err != nil {
		return err
	}
	opts := export.Options{Organisation: int64(c.cfg.Organisation), AllOrganisations: c.cfg.AllOrgs,
		Role: c.cfg.Role, StaffID: int64(c.cfg.Staff)}
	via := "the running warehouse"
	m, err := export.Remote(ctx, export.SocketPath(c.cfg.DuckDB), export.Request{Out: out, Options: opts})
	if errors.Is(err, export.ErrNoServer) && c.cfg.Role != "" {
		return errors.New("--role exports through a running warehouse (cch dev, or cch warehouse --api-database-url): it keeps the roles' views of PostgreSQL's grants")
	}
	if errors.Is(err, export.ErrNoServer) {
		via = "the file, read-only"
		c.db, err = warehouse.Open(ctx, c.cfg.DuckDB, warehouse.Options{ReadOnly: true, MemoryLimit: c.cfg.MemoryLimit})
		if err != nil {
			return err
		}
		m, err = export.Parquet(ctx, c.db.DB, c.cfg.DuckDB, out, opts)
	}
	if err != nil {
		return err
	}
	files := 0
	for _, r := range m.Relations {
		files += len(r.Files)
	}
	fmt.Fprintf(c.stdout, "exported %d relations (%d files, applied LSN %s) to %s through %s; manifest.json lists checksums\n",
		len(m.Relations), files, m.AppliedLSN, out, via)
	return nil
}

// runSubject lists (or, with --rewrite, removes) the rows of one customer
// in a past export.
func (c *exportCmd) runSubject(ctx context.Context) error {
	var err error
	if c.db, err = warehouse.Open(ctx, ":memory:", warehouse.Options{MemoryLimit: c.cfg.MemoryLimit}); err != nil {
		return err
	}
	find := export.FindSubject
	if c.cfg.Rewrite {
		find = export.RewriteSubject
	}
	files, err := find(ctx, c.db.DB, c.cfg.Dir, int64(c.cfg.Customer))
	if err != nil {
		return err
	}
	verb := "holds"
	if c.cfg.Rewrite {
		verb = "rewritten without"
	}
	for _, f := range files {
		fmt.Fprintf(c.stdout, "%s\t%s\t%d rows\n", f.Relation, f.Path, f.Rows)
	}
	fmt.Fprintf(c.stdout, "%d files %s customer %d\n", len(files), verb, c.cfg.Customer)
	return nil
}

func (c *exportCmd) Close() error {
	if c.db != nil {
		return c.db.Close()
	}
	return nil
}
