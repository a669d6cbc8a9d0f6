package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5"
)

func init() {
	register(command{name: "audit", summary: "audit log: verify (hash chain; first broken link, non-zero exit)",
		new: func(stdout, stderr io.Writer) runner { return &auditCmd{stdout: stdout, stderr: stderr} }})
}

// auditConfig is the configuration of `cch audit verify`.
type auditConfig struct {
	DatabaseURL    string // --database-url: required. A superuser (or BYPASSRLS) URL checks every organisation.
	OrganisationID int    // --organisation-id: check one organisation only; also sets app.organisation_id for RLS. Default 0 = all visible.
	Role           string // --role: SET ROLE first (e.g. cch_auditor when connecting as cch_app). Default: none.
}

func (c *auditConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required"))
	}
	if c.OrganisationID < 0 {
		errs = append(errs, fmt.Errorf("--organisation-id %d: must not be negative", c.OrganisationID))
	}
	return errors.Join(errs...)
}

// errChainBroken makes `cch audit verify` exit non-zero after it printed the
// first broken link.
var errChainBroken = errors.New("audit chain broken")

type auditCmd struct {
	stdout, stderr io.Writer
	cfg            auditConfig
	conn           *pgx.Conn
}

func (a *auditCmd) Parse(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(a.stderr, "Usage: cch audit verify --database-url URL [--organisation-id N] [--role ROLE]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errors.New("want a verb: verify")
	}
	f := newFlags("audit verify", a.stderr)
	f.String(&a.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL of the database to check")
	f.Int(&a.cfg.OrganisationID, "organisation-id", 0, "check only this organisation (0: every organisation the login can see)")
	f.String(&a.cfg.Role, "role", "", "role to SET before checking, e.g. cch_auditor")
	return f.Parse(args[1:], a.cfg.validate)
}

// Run checks the hash chain with audit.verify_chain and prints OK or the
// first broken link.
func (a *auditCmd) Run(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, a.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	a.conn = conn
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var org *int64
	if a.cfg.OrganisationID > 0 {
		id := int64(a.cfg.OrganisationID)
		org = &id
		if _, err := tx.Exec(ctx, "SELECT set_config('app.organisation_id', $1, true)", strconv.FormatInt(id, 10)); err != nil {
			return fmt.Errorf("set organisation: %w", err)
		}
	}
	if a.cfg.Role != "" {
		if _, err := tx.Exec(ctx, "SELECT set_config('role', $1, true)", a.cfg.Role); err != nil {
			return fmt.Errorf("set role %s: %w", a.cfg.Role, err)
		}
	}
	var entries int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM audit.staff_audit_log WHERE $1::bigint IS NULL OR organisation_id = $1", org).Scan(&entries); err != nil {
		return fmt.Errorf("count audit entries: %w", err)
	}
	var (
		orgID, entryID int64
		problem        string
	)
	err = tx.QueryRow(ctx, "SELECT organisation_id, entry_id, problem FROM audit.verify_chain($1)", org).Scan(&orgID, &entryID, &problem)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		fmt.Fprintf(a.stdout, "OK: audit chain intact (%d entries checked)\n", entries)
		return nil
	case err != nil:
		return fmt.Errorf("verify audit chain: %w", err)
	}
	fmt.Fprintf(a.stdout, "BROKEN: organisation %d, entry %d: %s\n", orgID, entryID, problem)
	return fmt.Errorf("%w at organisation %d entry %d", errChainBroken, orgID, entryID)
}

func (a *auditCmd) Close() error {
	if a.conn == nil {
		return nil
	}
	return a.conn.Close(context.Background())
}
