package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/carcarehub/cch/archive"
)

// archiveEraseConfig is the configuration of `cch archive erase`.
type archiveEraseConfig struct {
	Dir      string // --dir: the archive directory (manifest.json). Required.
	Customer int    // --customer: the erased customer's id. Required.
}

func (c *archiveEraseConfig) validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("--dir is required"))
	}
	if c.Customer <= 0 {
		errs = append(errs, errors.New("--customer is required (a customer id)"))
	}
	return errors.Join(errs...)
}

func (a *archiveCmd) parseErase(args []string) error {
	a.erase = &archiveEraseConfig{}
	f := newFlags("archive erase", a.stderr)
	f.String(&a.erase.Dir, "dir", "", "archive directory (cch archive --dir): its manifest lists the customers each file holds")
	f.Int(&a.erase.Customer, "customer", 0, "the erased customer's id: their archived rows get the erasure's scrub")
	return f.Parse(args, a.erase.validate)
}

// runErase rewrites the archived files holding the customer's rows with
// their PII cleared and prints each file and its new checksum.
func (a *archiveCmd) runErase(ctx context.Context) error {
	id := int64(a.erase.Customer)
	files, err := archive.Erase(ctx, a.erase.Dir, id)
	for _, f := range files {
		fmt.Fprintf(a.stdout, "rewrote %s\n", f)
	}
	if err != nil {
		return err
	}
	n, err := archive.VerifyFiles(a.erase.Dir)
	if err != nil {
		return fmt.Errorf("verify after erasure: %w", err)
	}
	fmt.Fprintf(a.stdout, "OK: customer %d erased from %d archived file(s); %d file(s) match the manifest\n", id, len(files), n)
	return nil
}
