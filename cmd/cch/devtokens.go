package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// Demo tokens: one per business role, label demoTokenLabel, kept in
// DATA_DIR/tokens.json. They live demoTokenTTL and survive restarts of the
// same data dir; `cch token rotate --data-dir DIR` replaces them.
const (
	demoTokenLabel = "dev demo"
	demoTokenTTL   = 365 * 24 * time.Hour
	// demoTokenMinLeft: a token closer than this to expiry is replaced at start.
	demoTokenMinLeft = 7 * 24 * time.Hour
)

// ensureDemoTokens keeps every still-valid demo token of path (same id and
// secret, not revoked, not about to expire, the role it is filed under),
// issues tokens for the roles that lack one, revokes any other demo token
// and writes path (mode 0600). rotate replaces them all.
func ensureDemoTokens(ctx context.Context, conn *pgx.Conn, path string, rotate bool) (map[string]string, error) {
	tokens := map[string]string{}
	if !rotate {
		old, err := readTokens(path)
		if err != nil {
			return nil, err
		}
		for role, tok := range old {
			if ok, err := demoTokenValid(ctx, conn, role, tok); err != nil {
				return nil, err
			} else if ok {
				tokens[role] = tok
			}
		}
	}
	kept := []int64{}
	for _, tok := range tokens {
		id, _, _ := oltp.ParseToken(tok)
		kept = append(kept, id)
	}
	if _, err := conn.Exec(ctx, `UPDATE core.api_token SET revoked_at = now()
		WHERE label = $1 AND revoked_at IS NULL AND id <> ALL($2)`, demoTokenLabel, kept); err != nil {
		return nil, fmt.Errorf("revoke old demo tokens: %w", err)
	}
	if err := issueMissingDemoTokens(ctx, conn, tokens); err != nil {
		return nil, err
	}
	return tokens, writeJSON(path, tokens)
}

// readTokens reads a tokens file; a missing or unreadable one is empty.
func readTokens(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var tokens map[string]string
	if json.Unmarshal(b, &tokens) != nil {
		return nil, nil // rewritten below
	}
	return tokens, nil
}

// demoTokenValid reports whether tok is a live demo token of role with
// more than demoTokenMinLeft to go.
func demoTokenValid(ctx context.Context, conn *pgx.Conn, role, tok string) (bool, error) {
	if _, ok := oltp.Roles[role]; !ok {
		return false, nil
	}
	id, hash, err := oltp.ParseToken(tok)
	if err != nil {
		return false, nil
	}
	var ok bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core.api_token t JOIN core.staff s ON s.id = t.staff_id AND s.active
		WHERE t.id = $1 AND t.token_hash = $2 AND t.role = $3::core.business_role AND t.label = $4
		  AND t.revoked_at IS NULL AND t.expires_at > now() + make_interval(secs => $5))`,
		id, hash, role, demoTokenLabel, demoTokenMinLeft.Seconds()).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check demo token: %w", err)
	}
	return ok, nil
}

// issueMissingDemoTokens issues a token for every business role without
// one in tokens, to the first active staff member of the first
// organisation holding it.
func issueMissingDemoTokens(ctx context.Context, conn *pgx.Conn, tokens map[string]string) error {
	roles := make([]string, 0, len(oltp.Roles))
	for role := range oltp.Roles {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		if tokens[role] != "" {
			continue
		}
		var staff int64
		err := conn.QueryRow(ctx, `SELECT r.staff_id FROM core.staff_role r JOIN core.staff s ON s.id = r.staff_id AND s.active
			WHERE r.role = $1::core.business_role ORDER BY r.organisation_id, r.branch_id NULLS FIRST, r.staff_id LIMIT 1`, role).Scan(&staff)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		} else if err != nil {
			return fmt.Errorf("find a %s: %w", role, err)
		}
		if tokens[role], _, err = oltp.IssueToken(ctx, conn, staff, role, demoTokenTTL, demoTokenLabel); err != nil {
			return err
		}
	}
	return nil
}
