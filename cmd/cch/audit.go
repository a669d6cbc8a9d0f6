package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/audit"
	"github.com/carcarehub/cch/warehouse"
)

func init() {
	register(command{name: "audit", summary: "audit log: verify (hash chain and signed checkpoints; non-zero exit when broken) | checkpoint (sign and export chain heads)",
		new: func(stdout, stderr io.Writer) runner { return &auditCmd{stdout: stdout, stderr: stderr} }})
}

const auditUsage = "Usage: cch audit {verify|checkpoint} --database-url URL [--organisation-id N] [--role ROLE] [--audit-key FILE --checkpoints FILE] [verify: --warehouse DUCKDB_FILE]"

// auditConfig is the configuration of `cch audit verify|checkpoint`.
type auditConfig struct {
	Verb           string // verify | checkpoint
	DatabaseURL    string // --database-url: required. A superuser (or BYPASSRLS) URL sees every organisation.
	OrganisationID int    // --organisation-id: one organisation only; also sets app.organisation_id for RLS. Default 0 = all visible.
	Role           string // --role: SET ROLE first (e.g. cch_auditor when connecting as cch_app). Default: none.
	AuditKey       string // --audit-key: HMAC key file, outside the database. checkpoint: required (created if missing); verify: with --checkpoints.
	Checkpoints    string // --checkpoints: append-only checkpoint file. checkpoint: required; verify: optional (then the chain must hold its newest checkpoints).
	Warehouse      string // --warehouse: verify only: the warehouse's DuckDB file (opened read-only: the warehouse stopped, or a copy); the chain must also hold the newest checkpoints the warehouse recorded. Needs --audit-key.
}

func (c *auditConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required"))
	}
	if c.OrganisationID < 0 {
		errs = append(errs, fmt.Errorf("--organisation-id %d: must not be negative", c.OrganisationID))
	}
	switch {
	case c.Verb == "checkpoint" && (c.AuditKey == "" || c.Checkpoints == ""):
		errs = append(errs, errors.New("checkpoint needs --audit-key (CCH_AUDIT_KEY) and --checkpoints (CCH_CHECKPOINTS)"))
	case c.Verb == "checkpoint" && c.Warehouse != "":
		errs = append(errs, errors.New("--warehouse is for verify (the warehouse records its own checkpoints: cch warehouse --audit-key)"))
	case c.Warehouse != "" && c.AuditKey == "":
		errs = append(errs, errors.New("--warehouse needs --audit-key (CCH_AUDIT_KEY)"))
	case c.Warehouse == "" && (c.AuditKey == "") != (c.Checkpoints == ""):
		errs = append(errs, errors.New("--audit-key and --checkpoints go together"))
	}
	return errors.Join(errs...)
}

// errChainBroken makes `cch audit verify` exit non-zero after it printed the
// first broken link or the first checkpoint the chain no longer holds.
var errChainBroken = errors.New("audit chain broken")

type auditCmd struct {
	stdout, stderr io.Writer
	cfg            auditConfig
	conn           *pgx.Conn
}

func (a *auditCmd) Parse(args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint") {
		fmt.Fprintln(a.stderr, auditUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errors.New("want a verb: verify, checkpoint")
	}
	a.cfg.Verb = args[0]
	f := newFlags("audit "+a.cfg.Verb, a.stderr)
	f.String(&a.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL of the database to check")
	f.Int(&a.cfg.OrganisationID, "organisation-id", 0, "only this organisation (0: every organisation the login can see)")
	f.String(&a.cfg.Role, "role", "", "role to SET first, e.g. cch_auditor")
	f.String(&a.cfg.AuditKey, "audit-key", "", "checkpoint signing key file (hex, kept outside the database; checkpoint creates it if missing)")
	f.String(&a.cfg.Checkpoints, "checkpoints", "", "append-only file of signed chain-head checkpoints")
	f.String(&a.cfg.Warehouse, "warehouse", "", "verify: the warehouse's DuckDB file, whose recorded checkpoints the chain must hold too (opened read-only: stop the warehouse or give a copy)")
	return f.Parse(args[1:], a.cfg.validate)
}

// Run verifies the chain (and its checkpoints) or writes a checkpoint.
func (a *auditCmd) Run(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, a.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	a.conn = conn
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := a.setContext(ctx, tx); err != nil {
		return err
	}
	if a.cfg.Verb == "checkpoint" {
		return a.checkpoint(ctx, tx)
	}
	return a.verify(ctx, tx)
}

// setContext applies --organisation-id and --role for row-level security.
func (a *auditCmd) setContext(ctx context.Context, tx pgx.Tx) error {
	if a.cfg.OrganisationID > 0 {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.organisation_id', $1, true)", strconv.Itoa(a.cfg.OrganisationID)); err != nil {
			return fmt.Errorf("set organisation: %w", err)
		}
	}
	if a.cfg.Role != "" {
		if _, err := tx.Exec(ctx, "SELECT set_config('role', $1, true)", a.cfg.Role); err != nil {
			return fmt.Errorf("set role %s: %w", a.cfg.Role, err)
		}
	}
	return nil
}

// checkpoint signs the current chain heads and appends them to the file.
func (a *auditCmd) checkpoint(ctx context.Context, tx pgx.Tx) error {
	cps, created, err := audit.WriteCheckpoint(ctx, tx, a.cfg.AuditKey, a.cfg.Checkpoints, int64(a.cfg.OrganisationID))
	if created {
		fmt.Fprintf(a.stderr, "created audit key %s: keep it outside the database and back it up\n", a.cfg.AuditKey)
	}
	if err != nil {
		return err
	}
	for _, c := range cps {
		fmt.Fprintf(a.stdout, "checkpoint: organisation %d at entry %d\n", c.OrganisationID, c.EntryID)
	}
	fmt.Fprintf(a.stdout, "OK: %d chain head(s) signed and appended to %s\n", len(cps), a.cfg.Checkpoints)
	return nil
}

// verify checks the hash chain with audit.verify_chain, then (with
// --checkpoints) that every chain still holds its newest checkpoint, and
// prints OK or the first problem.
func (a *auditCmd) verify(ctx context.Context, tx pgx.Tx) error {
	var org *int64
	if a.cfg.OrganisationID > 0 {
		id := int64(a.cfg.OrganisationID)
		org = &id
	}
	var entries int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM audit.staff_audit_log WHERE $1::bigint IS NULL OR organisation_id = $1", org).Scan(&entries); err != nil {
		return fmt.Errorf("count audit entries: %w", err)
	}
	var (
		orgID, entryID int64
		problem        string
	)
	err := tx.QueryRow(ctx, "SELECT organisation_id, entry_id, problem FROM audit.verify_chain($1)", org).Scan(&orgID, &entryID, &problem)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return fmt.Errorf("verify audit chain: %w", err)
	default:
		fmt.Fprintf(a.stdout, "BROKEN: organisation %d, entry %d: %s\n", orgID, entryID, problem)
		return fmt.Errorf("%w at organisation %d entry %d", errChainBroken, orgID, entryID)
	}
	held, err := a.verifyCheckpoints(ctx, tx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "OK: audit chain intact (%d entries checked)%s\n", entries, held)
	return nil
}

// verifyCheckpoints checks the newest checkpoints of --checkpoints and
// of --warehouse, each on its own; it returns a note for the OK line, or
// errChainBroken after printing the first problem.
func (a *auditCmd) verifyCheckpoints(ctx context.Context, tx pgx.Tx) (string, error) {
	if a.cfg.Checkpoints == "" && a.cfg.Warehouse == "" {
		return "; no checkpoint file or warehouse given: deletion of the newest entries is not detectable", nil
	}
	key, err := audit.LoadKey(a.cfg.AuditKey)
	if err != nil {
		return "", err
	}
	var notes []string
	for _, src := range a.checkpointSources() {
		cps, err := src.read(ctx, key)
		if errors.Is(err, audit.ErrSignature) || err != nil && src.name == "the checkpoint file" {
			fmt.Fprintf(a.stdout, "BROKEN: %v\n", err)
			return "", fmt.Errorf("%w: %w", errChainBroken, err)
		} else if err != nil {
			return "", err
		}
		problems, err := audit.Verify(ctx, tx, cps, int64(a.cfg.OrganisationID))
		if err != nil {
			return "", err
		}
		if len(problems) > 0 {
			p := problems[0]
			fmt.Fprintf(a.stdout, "BROKEN: %s (checkpoint of %s)\n", p, src.name)
			return "", fmt.Errorf("%w at organisation %d entry %d: the log no longer holds its checkpoint in %s", errChainBroken, p.OrganisationID, p.EntryID, src.name)
		}
		n := len(cps)
		if a.cfg.OrganisationID > 0 {
			n = 0
			if _, ok := cps[int64(a.cfg.OrganisationID)]; ok {
				n = 1
			}
		}
		notes = append(notes, fmt.Sprintf("holds the newest checkpoint of %d organisation(s) in %s", n, src.name))
	}
	return "; " + strings.Join(notes, "; "), nil
}

// checkpointSource is one place signed checkpoints are kept.
type checkpointSource struct {
	name string
	read func(ctx context.Context, key []byte) (map[int64]audit.Checkpoint, error)
}

// checkpointSources are the checkpoint file and the warehouse, as given.
func (a *auditCmd) checkpointSources() []checkpointSource {
	var out []checkpointSource
	if a.cfg.Checkpoints != "" {
		out = append(out, checkpointSource{"the checkpoint file", func(_ context.Context, key []byte) (map[int64]audit.Checkpoint, error) {
			return audit.ReadLatest(a.cfg.Checkpoints, key)
		}})
	}
	if a.cfg.Warehouse != "" {
		out = append(out, checkpointSource{"the warehouse", func(ctx context.Context, key []byte) (map[int64]audit.Checkpoint, error) {
			db, err := warehouse.Open(ctx, a.cfg.Warehouse, warehouse.Options{ReadOnly: true, MemoryLimit: "256MB"})
			if err != nil {
				return nil, fmt.Errorf("open the warehouse read-only (is cch warehouse still running on it? verify a stopped warehouse or a copy): %w", err)
			}
			defer db.Close()
			return audit.ReadWarehouse(ctx, db, key)
		}})
	}
	return out
}

func (a *auditCmd) Close() error {
	if a.conn == nil {
		return nil
	}
	return a.conn.Close(context.Background())
}
