package warehouse

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Scrub makes dropped and overwritten values leave the DuckDB file: it
// checkpoints (the WAL is folded into the file and emptied, and the
// blocks the dropped data used become free), then overwrites every free
// block with random filler through a scratch table that is written,
// checkpointed and dropped again. DuckDB does not clear freed blocks, so
// without this an erased e-mail or a dropped secret column could be read
// from the file's free space. Cost: one write of the free space.
func (db *DB) Scrub(ctx context.Context) error {
	if err := db.checkpoint(ctx); err != nil {
		return err
	}
	var free, blockSize int64
	err := db.QueryRowContext(ctx, "SELECT free_blocks, block_size FROM pragma_database_size() WHERE database_name = current_database()").
		Scan(&free, &blockSize)
	if err != nil {
		return fmt.Errorf("free blocks: %w", err)
	}
	if free == 0 {
		return nil
	}
	// Random 64-bit integers do not compress: 8 bytes a value, 4 columns,
	// twice the free space to cover block headers and metadata.
	rows := 2 * free * blockSize / 32
	q := fmt.Sprintf(`CREATE OR REPLACE TABLE _cch.scrub AS SELECT
		CAST(random() * 9e18 AS BIGINT) a, CAST(random() * 9e18 AS BIGINT) b,
		CAST(random() * 9e18 AS BIGINT) c, CAST(random() * 9e18 AS BIGINT) d FROM range(%d)`, rows)
	for _, s := range []string{q, "CHECKPOINT", "DROP TABLE _cch.scrub", "CHECKPOINT"} {
		var err error
		if s == "CHECKPOINT" {
			err = db.checkpoint(ctx)
		} else {
			_, err = db.ExecContext(ctx, s)
		}
		if err != nil {
			return fmt.Errorf("scrub free blocks: %s: %w", s, err)
		}
	}
	return nil
}

// forceWait bounds how long a checkpoint waits for other transactions
// (analyst reads, a mart refresh) to finish.
const forceWait = 10 * time.Second

// checkpoint checkpoints the file. DuckDB refuses a CHECKPOINT while
// another transaction is open; FORCE CHECKPOINT waits for them to finish,
// here at most forceWait.
func (db *DB) checkpoint(ctx context.Context) error {
	_, err := db.ExecContext(ctx, "CHECKPOINT")
	if err == nil || !strings.Contains(err.Error(), "other write transactions") {
		return err
	}
	fctx, cancel := context.WithTimeout(ctx, forceWait)
	defer cancel()
	if _, err := db.ExecContext(fctx, "FORCE CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
