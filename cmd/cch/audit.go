package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/audit"
)

func init() {
	register(command{name: "audit", summary: "audit log: verify (hash chain and signed checkpoints; non-zero exit when broken) | checkpoint (sign and export chain heads)",
		new: func(stdout, stderr io.Writer) runner { return &auditCmd{stdout: stdout, stderr: stderr} }})
}

const auditUsage = "Usage: cch audit {verify|checkpoint} --database-url URL [--organisation-id N] [--role ROLE] [--audit-key FILE --checkpoints FILE]"

// auditConfig is the configuration of `cch audit verify|checkpoint`.
type auditConfig struct {
	Verb           string // verify | checkpoint
	DatabaseURL    string // --database-url: required. A superuser (or BYPASSRLS) URL sees every organisation.
	OrganisationID int    // --organisation-id: one organisation only; also sets app.organisation_id for RLS. Default 0 = all visible.
	Role           string // --role: SET ROLE first (e.g. cch_auditor when connecting as cch_app). Default: none.
	AuditKey       string // --audit-key: HMAC key file, outside the database. checkpoint: required (created if missing); verify: with --checkpoints.
	Checkpoints    string // --checkpoints: append-only checkpoint file. checkpoint: required; verify: optional (then the chain must hold its newest checkpoints).
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
	case (c.AuditKey == "") != (c.Checkpoints == ""):
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

// verifyCheckpoints checks the newest checkpoints of --checkpoints; it
// returns a note for the OK line, or errChainBroken after printing the
// first problem.
func (a *auditCmd) verifyCheckpoints(ctx context.Context, tx pgx.Tx) (string, error) {
	if a.cfg.Checkpoints == "" {
		return "; no checkpoint file given: deletion of the newest entries is not detectable", nil
	}
	key, err := audit.LoadKey(a.cfg.AuditKey)
	if err != nil {
		return "", err
	}
	cps, err := audit.ReadLatest(a.cfg.Checkpoints, key)
	if err != nil {
		fmt.Fprintf(a.stdout, "BROKEN: %v\n", err)
		return "", fmt.Errorf("%w: %w", errChainBroken, err)
	}
	problems, err := audit.Verify(ctx, tx, cps, int64(a.cfg.OrganisationID))
	if err != nil {
		return "", err
	}
	if len(problems) > 0 {
		p := problems[0]
		fmt.Fprintf(a.stdout, "BROKEN: %s\n", p)
		return "", fmt.Errorf("%w at organisation %d entry %d: the log no longer holds its checkpoint", errChainBroken, p.OrganisationID, p.EntryID)
	}
	n := len(cps)
	if a.cfg.OrganisationID > 0 {
		n = 0
		if _, ok := cps[int64(a.cfg.OrganisationID)]; ok {
			n = 1
		}
	}
	return fmt.Sprintf("; holds the newest checkpoint of %d organisation(s)", n), nil
}

func (a *auditCmd) Close() error {
	if a.conn == nil {
		return nil
	}
	return a.conn.Close(context.Background())
}
