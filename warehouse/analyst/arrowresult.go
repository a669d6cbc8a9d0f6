package analyst

import (
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// ArrowResult is an analyst query's answer as Arrow record batches. Its
// owner calls Release once done.
type ArrowResult struct {
	Schema    *arrow.Schema
	Batches   []arrow.RecordBatch
	Rows      int64
	Truncated bool // RowLimit cut the answer
}

// Release releases the batches.
func (r *ArrowResult) Release() {
	for _, b := range r.Batches {
		b.Release()
	}
	r.Batches = nil
}

// WriteIPC writes the result as an Arrow IPC stream.
func (r *ArrowResult) WriteIPC(w io.Writer) error {
	iw := ipc.NewWriter(w, ipc.WithSchema(r.Schema))
	for _, b := range r.Batches {
		if err := iw.Write(b); err != nil {
			iw.Close()
			return err
		}
	}
	return iw.Close()
}
