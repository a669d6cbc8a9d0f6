package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/export"
)

func init() {
	register(command{name: "export", summary: "export the warehouse as Hive-partitioned Parquet with a manifest (export parquet)",
		new: func(stdout, stderr io.Writer) runner { return &exportCmd{stdout: stdout, stderr: stderr} }})
}

// exportConfig is the configuration of `cch export parquet`.
type exportConfig struct {
	DuckDB      string // --duckdb: warehouse file, opened read-only (stop the warehouse or use a copy). Default .cch/warehouse.duckdb.
	Out         string // --out: output directory, created; must be empty. Required.
	MemoryLimit string // --memory-limit: DuckDB memory_limit. Default 1GB.
}

func (c *exportConfig) validate() error {
	var errs []error
	if c.DuckDB == "" {
		errs = append(errs, errors.New("--duckdb is required"))
	}
	if c.Out == "" {
		errs = append(errs, errors.New("--out is required"))
	}
	return errors.Join(errs...)
}

type exportCmd struct {
	stdout, stderr io.Writer
	cfg            exportConfig
	db             *warehouse.DB
}

func (c *exportCmd) Parse(args []string) error {
	if len(args) == 0 || args[0] != "parquet" {
		fmt.Fprintln(c.stderr, "Usage: cch export parquet --out DIR [--duckdb FILE]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errors.New("want a format: parquet")
	}
	f := newFlags("export parquet", c.stderr)
	f.String(&c.cfg.DuckDB, "duckdb", ".cch/warehouse.duckdb", "DuckDB warehouse file (opened read-only)")
	f.String(&c.cfg.Out, "out", "", "output directory (created; must be empty)")
	f.String(&c.cfg.MemoryLimit, "memory-limit", "1GB", "DuckDB memory_limit")
	return f.Parse(args[1:], c.cfg.validate)
}

func (c *exportCmd) Run(ctx context.Context) error {
	db, err := warehouse.Open(ctx, c.cfg.DuckDB, warehouse.Options{ReadOnly: true, MemoryLimit: c.cfg.MemoryLimit})
	if err != nil {
		return err
	}
	c.db = db
	m, err := export.Parquet(ctx, db.DB, c.cfg.DuckDB, c.cfg.Out)
	if err != nil {
		return err
	}
	files := 0
	for _, r := range m.Relations {
		files += len(r.Files)
	}
	fmt.Fprintf(c.stdout, "exported %d relations (%d files, applied LSN %s) to %s; manifest.json lists checksums\n",
		len(m.Relations), files, m.AppliedLSN, c.cfg.Out)
	return nil
}

func (c *exportCmd) Close() error {
	if c.db != nil {
		return c.db.Close()
	}
	return nil
}
