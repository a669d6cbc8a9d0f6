package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/carcarehub/cch/warehouse/scope"
)

// SocketPath is where a running warehouse serves exports of the DuckDB
// file at duckdb: DuckDB lets one process open a file for writing and no
// other process read it meanwhile, so `cch export` asks that process. It
// is the absolute file name plus ".export.sock", or, when that is too long
// for a Unix socket, a name derived from it in the temporary directory.
func SocketPath(duckdb string) string {
	abs, err := filepath.Abs(duckdb)
	if err != nil {
		abs = duckdb
	}
	if p := abs + ".export.sock"; len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(os.TempDir(), "cch-export-"+hex.EncodeToString(sum[:8])+".sock")
}

// maxSocketPath is the longest Unix socket path every platform accepts.
const maxSocketPath = 100

// Request asks a running warehouse for a Parquet export.
type Request struct {
	// Out is the output directory, absolute (written by the warehouse
	// process).
	Out string `json:"out"`
	Options
}

// Serve answers export requests on a Unix socket at path (owner-only:
// whoever may connect may make the warehouse write files) until ctx ends.
// db is the warehouse; source names it in manifests; scratch opens the
// empty in-memory DuckDB each export is written through (see
// ParquetThrough); views, for a request naming a role, are the roles'
// current views (see AsRole).
func Serve(ctx context.Context, db *sql.DB, path, source string, scratch func(context.Context) (*sql.DB, error), views Views) error {
	_ = os.Remove(path) // a socket left by a killed process
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("export socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("export socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /parquet", func(w http.ResponseWriter, r *http.Request) {
		var req Request
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || !filepath.IsAbs(req.Out) {
			http.Error(w, "want {\"out\": absolute directory, \"organisation_id\" or \"all_organisations\"}", http.StatusBadRequest)
			return
		}
		if req.Role != "" {
			set, release, err := views(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusUnprocessableEntity)
				return
			}
			defer release()
			if req.Options, err = AsRole(set, scope.Caller{Role: req.Role, StaffID: req.StaffID, OrganisationID: req.Organisation}); err != nil {
				http.Error(w, err.Error(), http.StatusUnprocessableEntity)
				return
			}
		}
		mem, err := scratch(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer mem.Close()
		m, err := ParquetThrough(r.Context(), db, mem, source, req.Out, req.Options)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(m)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	err = srv.Serve(ln)
	os.Remove(path)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Views acquires the roles' current warehouse views
// (scope.Manager.Acquire); release once the export is written.
type Views func(ctx context.Context) (set *scope.Set, release func(), err error)

// ErrNoViews answers a role export where no views are kept (a warehouse
// served without the API's database login).
var ErrNoViews = errors.New("this warehouse keeps no role views (serve it with the API's database login to export as a role)")

// ErrNoServer means no running warehouse answers at the socket.
var ErrNoServer = errors.New("no running warehouse serves exports")

// Remote asks the warehouse serving the socket at path for an export.
func Remote(ctx context.Context, path string, req Request) (*Manifest, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, ErrNoServer
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}}
	body, _ := json.Marshal(req)
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://warehouse/parquet", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(httpReq)
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return nil, ErrNoServer // a stale socket
	}
	if err != nil {
		return nil, fmt.Errorf("export by the running warehouse: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var msg bytes.Buffer
		msg.ReadFrom(resp.Body)
		return nil, fmt.Errorf("export by the running warehouse: %s", bytes.TrimSpace(msg.Bytes()))
	}
	var m Manifest
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, fmt.Errorf("export by the running warehouse: %w", err)
	}
	return &m, nil
}
