package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/carcarehub/cch/migrations"
)

func init() {
	register(command{name: "reporting", summary: "create or drop a staff member's reporting login for BI tools on the standby (grant|revoke)",
		new: func(stdout, stderr io.Writer) runner { return &reportingCmd{stdout: stdout, stderr: stderr} }})
}

// reportingConfig is the configuration of `cch reporting grant|revoke`.
type reportingConfig struct {
	Verb        string // grant | revoke (first argument)
	DatabaseURL string // --database-url: a superuser URL of the primary (it creates a login). Required.
	StaffID     int64  // --staff: staff member. Required.
	Role        string // --role: business role the login acts in. Required.
	Password    string // --password: the login's password (grant; empty: keep it, or none).
}

type reportingCmd struct {
	stdout, stderr io.Writer
	cfg            reportingConfig
}

func (r *reportingCmd) Parse(args []string) error {
	if len(args) == 0 || (args[0] != "grant" && args[0] != "revoke") {
		return errors.New("usage: cch reporting grant --staff ID --role ROLE [--password PW] | cch reporting revoke --staff ID --role ROLE")
	}
	r.cfg.Verb = args[0]
	f := newFlags("reporting "+r.cfg.Verb, r.stderr)
	var staff int
	f.String(&r.cfg.DatabaseURL, "database-url", "", "superuser URL of the primary (creating a login needs one)")
	f.Int(&staff, "staff", 0, "staff id")
	f.String(&r.cfg.Role, "role", "", "business role: "+strings.Join(migrations.ReportingRoles, ", "))
	f.String(&r.cfg.Password, "password", "", "grant: the login's password (empty: keep it)")
	return f.Parse(args[1:], func() error {
		r.cfg.StaffID = int64(staff)
		return r.cfg.validate()
	})
}

func (c *reportingConfig) validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url (CCH_DATABASE_URL) is required"))
	}
	if c.StaffID <= 0 {
		errs = append(errs, errors.New("--staff must be a positive staff id"))
	}
	if !slices.Contains(migrations.ReportingRoles, c.Role) {
		errs = append(errs, fmt.Errorf("--role %q is not a business role", c.Role))
	}
	return errors.Join(errs...)
}

func (r *reportingCmd) Run(ctx context.Context) error {
	if r.cfg.Verb == "revoke" {
		if err := migrations.RevokeReporting(ctx, r.cfg.DatabaseURL, r.cfg.StaffID, r.cfg.Role); err != nil {
			return err
		}
		fmt.Fprintf(r.stdout, "dropped %s\n", migrations.ReportingLogin(r.cfg.StaffID, r.cfg.Role))
		return nil
	}
	login, err := migrations.GrantReporting(ctx, r.cfg.DatabaseURL, r.cfg.StaffID, r.cfg.Role, r.cfg.Password)
	if err != nil {
		return err
	}
	fmt.Fprintln(r.stdout, login)
	return nil
}

func (r *reportingCmd) Close() error { return nil }
