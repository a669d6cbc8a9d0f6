package migrations

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// ReportingRoles are the business roles a reporting login may act in.
var ReportingRoles = []string{"technician", "receptionist", "finance", "manager", "dispatcher", "chauffeur", "auditor"}

// ReportingLogin is the name of the reporting login of staff member
// staffID acting in role: core.app_setting derives the session's request
// context from this name, never from settings the session could change.
func ReportingLogin(staffID int64, role string) string {
	return fmt.Sprintf("cch_reporting_%d_%s", staffID, role)
}

// ErrNotReportable reports a staff member who is unknown, inactive or
// does not hold the role.
var ErrNotReportable = errors.New("the staff member is not active in that role")

// GrantReporting creates (or updates) the reporting login of a staff
// member in one business role on the database at superuserURL (creating
// roles needs a superuser) and returns its name. The login is a member of
// cch_<role> (inherited: that role's grants and row-level security) and
// of cch_reporting, of nothing else, so SET ROLE cannot reach another
// business role; its sessions default to read-only. password is set when
// not empty.
func GrantReporting(ctx context.Context, superuserURL string, staffID int64, role, password string) (login string, err error) {
	if !slices.Contains(ReportingRoles, role) {
		return "", fmt.Errorf("reporting: unknown role %q", role)
	}
	conn, err := connect(ctx, superuserURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if super, err := isSuperuser(ctx, conn); err != nil {
		return "", err
	} else if !super {
		return "", errors.New("reporting: the database URL must name a superuser (it creates a login)")
	}
	var held bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core.staff s JOIN core.staff_role sr ON sr.staff_id = s.id
		AND sr.organisation_id = s.organisation_id WHERE s.id = $1 AND s.active AND sr.role::text = $2)`, staffID, role).Scan(&held); err != nil {
		return "", fmt.Errorf("reporting: look up staff %d: %w", staffID, err)
	}
	if !held {
		return "", fmt.Errorf("reporting: staff %d as %s: %w", staffID, role, ErrNotReportable)
	}
	login = ReportingLogin(staffID, role)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT set_config('cch.reporting_login', $1::text, true), set_config('cch.reporting_role', $2::text, true),
		set_config('cch.reporting_password', $3::text, true)`, login, "cch_"+role, password); err != nil {
		return "", fmt.Errorf("reporting: grant %s: %w", login, err)
	}
	if _, err := tx.Exec(ctx, grantReportingSQL); err != nil {
		return "", fmt.Errorf("reporting: grant %s: %w", login, err)
	}
	return login, tx.Commit(ctx)
}

// RevokeReporting drops the reporting login of a staff member in role;
// its open sessions keep running until they end (the context they derive
// then reads as no rows only if the staff member has also lost the role).
func RevokeReporting(ctx context.Context, superuserURL string, staffID int64, role string) error {
	conn, err := connect(ctx, superuserURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var stmt string
	if err := conn.QueryRow(ctx, "SELECT format('DROP ROLE IF EXISTS %I', $1::text)", ReportingLogin(staffID, role)).Scan(&stmt); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("reporting: revoke: %w", err)
	}
	return nil
}

// grantReportingSQL reads the login, its business role and the password
// (empty: keep it) from transaction-local settings (DO takes no parameters).
const grantReportingSQL = `
DO $$
DECLARE
  login constant text := current_setting('cch.reporting_login');
  business constant text := current_setting('cch.reporting_role');
  pw constant text := current_setting('cch.reporting_password');
  r text;
BEGIN
  IF to_regrole(login) IS NULL THEN
    EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', login);
  ELSE
    EXECUTE format('ALTER ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', login);
  END IF;
  IF pw <> '' THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', login, pw);
  END IF;
  FOR r IN SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
           WHERE m.member = login::regrole AND g.rolname NOT IN (business, 'cch_reporting')
  LOOP
    EXECUTE format('REVOKE %I FROM %I', r, login);
  END LOOP;
  EXECUTE format('GRANT %I, cch_reporting TO %I', business, login);
  EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', login);
END
$$;`
