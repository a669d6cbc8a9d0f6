package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/carcarehub/cch/internal/pglocal"
)

// startStandby starts the dev cluster's hot standby under DATA_DIR/pg-standby
// (a copy of the primary on first use) and returns the API login's URL on
// it (dev.json's replica_url, where the API sends list and report reads).
// BI tools use reporting logins there (cch reporting grant).
func (d *devCmd) startStandby(ctx context.Context, dataDir string) (replica string, err error) {
	d.standby, err = pglocal.StartStandby(ctx, d.cluster, pglocal.Config{Dir: filepath.Join(dataDir, "pg-standby"), Logger: d.log, TLS: d.cfg.TLS})
	if err != nil {
		return "", err
	}
	secrets, err := loadSecrets(filepath.Join(dataDir, "secrets.json"))
	if err != nil {
		return "", err
	}
	if err := d.cluster.WaitStreaming(ctx, false); err != nil {
		return "", err
	}
	d.log.Info("hot standby streaming", "port", d.standby.Port())
	return d.standby.URL("cch_app", secrets["cch_app"], devDatabase), nil
}

// watchStandby fails when the standby exits while the platform runs.
func (d *devCmd) watchStandby(ctx context.Context, dataDir string) error {
	if d.standby == nil {
		<-ctx.Done()
		return nil
	}
	select {
	case <-d.standby.Done():
		return errors.New("hot standby exited unexpectedly; see " + filepath.Join(dataDir, "pg-standby", "postgres.log"))
	case <-ctx.Done():
		return nil
	}
}

// stopStandby stops the standby, if one runs.
func (d *devCmd) stopStandby(ctx context.Context) error {
	if d.standby == nil {
		return nil
	}
	if err := d.standby.Stop(ctx); err != nil {
		return fmt.Errorf("standby: %w", err)
	}
	return nil
}
