package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

func init() {
	register(command{name: "token", summary: "create, revoke or rotate API bearer tokens (create|revoke|rotate)",
		new: func(stdout, stderr io.Writer) runner { return &tokenCmd{stdout: stdout, stderr: stderr} }})
}

// tokenConfig is the configuration of `cch token create|revoke|rotate`.
type tokenConfig struct {
	Verb        string        // create | revoke | rotate (first argument)
	DatabaseURL string        // --database-url: an owner/administrator URL. Required (rotate: default the database_url of DATA_DIR/dev.json).
	DataDir     string        // --data-dir: the cch dev data dir whose demo tokens rotate replaces (rotate). Default ./.cch.
	StaffID     int64         // --staff: staff member (create). Required for create.
	Role        string        // --role: business role (create). Required for create.
	TTL         time.Duration // --ttl: lifetime (create). Default 720h.
	Label       string        // --label: free text (create). Default "".
	TokenID     int64         // --id: token id (revoke). Required for revoke.
}

type tokenCmd struct {
	stdout, stderr io.Writer
	cfg            tokenConfig
}

func (t *tokenCmd) Parse(args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke" && args[0] != "rotate") {
		return errors.New("usage: cch token create --staff ID --role ROLE | cch token revoke --id ID | cch token rotate [--data-dir DIR]")
	}
	t.cfg.Verb = args[0]
	f := newFlags("token "+t.cfg.Verb, t.stderr)
	var staff, id int
	f.String(&t.cfg.DatabaseURL, "database-url", "", "PostgreSQL URL with rights on core.api_token (the owner)")
	f.Int(&staff, "staff", 0, "staff id (create)")
	f.String(&t.cfg.Role, "role", "", "business role: manager, technician, receptionist, finance, dispatcher, chauffeur, auditor (create)")
	f.Duration(&t.cfg.TTL, "ttl", 720*time.Hour, "token lifetime (create)")
	f.String(&t.cfg.Label, "label", "", "label shown in token listings (create)")
	f.Int(&id, "id", 0, "token id (revoke)")
	f.String(&t.cfg.DataDir, "data-dir", ".cch", "cch dev data dir: rotate revokes its demo tokens and writes new ones to DATA_DIR/tokens.json (rotate)")
	return f.Parse(args[1:], func() error {
		if t.cfg.Verb == "rotate" && t.cfg.DatabaseURL == "" {
			t.cfg.DatabaseURL = devDatabaseURL(t.cfg.DataDir)
		}
		t.cfg.StaffID, t.cfg.TokenID = int64(staff), int64(id)
		return t.cfg.validate()
	})
}

func (c *tokenConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required (rotate: or a running cch dev's --data-dir)"))
	}
	switch c.Verb {
	case "create":
		if c.StaffID <= 0 {
			errs = append(errs, errors.New("--staff must be a positive staff id"))
		}
		if _, ok := oltp.Roles[c.Role]; !ok {
			errs = append(errs, fmt.Errorf("--role %q is not a business role", c.Role))
		}
		if c.TTL <= 0 || c.TTL > 366*24*time.Hour {
			errs = append(errs, errors.New("--ttl must be positive and at most 8784h"))
		}
	case "revoke":
		if c.TokenID <= 0 {
			errs = append(errs, errors.New("--id must be a positive token id"))
		}
	}
	return errors.Join(errs...)
}

func (t *tokenCmd) Run(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, t.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if t.cfg.Verb == "rotate" {
		path := filepath.Join(t.cfg.DataDir, "tokens.json")
		tokens, err := ensureDemoTokens(ctx, conn, path, true)
		if err != nil {
			return err
		}
		fmt.Fprintf(t.stdout, "rotated %d demo tokens; the new ones are in %s\n", len(tokens), path)
		return nil
	}
	if t.cfg.Verb == "revoke" {
		tag, err := conn.Exec(ctx, `UPDATE core.api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, t.cfg.TokenID)
		if err != nil {
			return fmt.Errorf("revoke: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("token %d does not exist or is already revoked", t.cfg.TokenID)
		}
		fmt.Fprintf(t.stdout, "revoked token %d\n", t.cfg.TokenID)
		return nil
	}
	token, id, err := oltp.IssueToken(ctx, conn, t.cfg.StaffID, t.cfg.Role, t.cfg.TTL, t.cfg.Label)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.stderr, "token %d for staff %d as %s, expires in %s (shown once):\n", id, t.cfg.StaffID, t.cfg.Role, t.cfg.TTL)
	fmt.Fprintln(t.stdout, token)
	return nil
}

func (t *tokenCmd) Close() error { return nil }

// devDatabaseURL is the owner URL a running cch dev wrote to
// DATA_DIR/dev.json, or "" when there is none.
func devDatabaseURL(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, "dev.json"))
	if err != nil {
		return ""
	}
	var info devInfo
	if json.Unmarshal(b, &info) != nil {
		return ""
	}
	return info.DatabaseURL
}
