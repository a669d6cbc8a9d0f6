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

// recordSize is the bytes of rec's buffers (for a slice, of the whole
// buffers it views).
func recordSize(rec arrow.RecordBatch) int64 {
	var n int64
	for _, col := range rec.Columns() {
		n += dataSize(col.Data())
	}
	return n
}

func dataSize(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataSize(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY {
		n += dataSize(d.Dictionary())
	}
	return n
}
