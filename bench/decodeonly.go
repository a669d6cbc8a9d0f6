package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/carcarehub/cch/cdc"
)

// decodeResult is what the decode-only consumer saw.
type decodeResult struct {
	rows    int
	end     cdc.LSN // end of the commit that completed the wanted rows
	elapsed time.Duration
}

// decodeOnly is the baseline consumer: the same replication options as
// cdc.Stream (protocol v2, streaming, same session settings, binary tuple
// data when binary — as the pipeline's session chose — else text),
// pglogrepl receive, the pure cdc.Decoder and Assembler, and no sink. It
// reads slot from `from` until `want` row changes have been decoded and
// acknowledges their position, so the next call continues after them.
func decodeOnly(ctx context.Context, url, slot, publication string, binary bool, from cdc.LSN, want int) (decodeResult, error) {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return decodeResult{}, err
	}
	for k, v := range map[string]string{"application_name": "cch-bench-decode", "TimeZone": "UTC", "DateStyle": "ISO, MDY",
		"IntervalStyle": "postgres", "extra_float_digits": "3", "bytea_output": "hex", "replication": "database"} {
		cfg.RuntimeParams[k] = v
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return decodeResult{}, fmt.Errorf("decode-only connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	start := time.Now()
	args := []string{"proto_version '2'", fmt.Sprintf("publication_names '%s'", publication), "streaming 'on'"}
	if binary {
		args = append(args, "binary 'true'")
	}
	if err := pglogrepl.StartReplication(ctx, conn, slot, pglogrepl.LSN(from), pglogrepl.StartReplicationOptions{PluginArgs: args}); err != nil {
		return decodeResult{}, fmt.Errorf("decode-only start: %w", err)
	}
	res, err := decodeLoop(ctx, conn, want)
	res.elapsed = time.Since(start)
	if err != nil {
		return res, err
	}
	p := pglogrepl.LSN(res.end)
	err = pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: p, WALFlushPosition: p, WALApplyPosition: p})
	return res, err
}

func decodeLoop(ctx context.Context, conn *pgconn.PgConn, want int) (decodeResult, error) {
	dec, asm := cdc.NewDecoder(), cdc.NewAssembler()
	var res decodeResult
	nextStatus := time.Now().Add(time.Second)
	for res.rows < want {
		if time.Now().After(nextStatus) {
			p := pglogrepl.LSN(res.end)
			if err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: p, WALFlushPosition: p, WALApplyPosition: p}); err != nil {
				return res, err
			}
			nextStatus = time.Now().Add(time.Second)
		}
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		msg, err := conn.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && (pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded)) {
				continue
			}
			return res, fmt.Errorf("decode-only receive: %w", err)
		}
		cd, ok := msg.(*pgproto3.CopyData)
		if !ok || len(cd.Data) == 0 {
			if e, ok := msg.(*pgproto3.ErrorResponse); ok {
				return res, pgconn.ErrorResponseToPgError(e)
			}
			continue
		}
		if cd.Data[0] != pglogrepl.XLogDataByteID {
			continue // keepalives: status goes out every second anyway
		}
		x, err := pglogrepl.ParseXLogData(cd.Data[1:])
		if err != nil {
			return res, err
		}
		m, err := dec.Decode(x.WALData)
		if err != nil {
			return res, err
		}
		tx, err := asm.Add(m, len(x.WALData))
		if err != nil {
			return res, err
		}
		if tx != nil {
			res.rows += len(tx.Changes)
			res.end = tx.EndLSN
		}
	}
	return res, nil
}
