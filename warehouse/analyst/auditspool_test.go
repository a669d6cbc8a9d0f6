package analyst_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
	"github.com/carcarehub/cch/warehouse/analyst"
)

// auditChildEnv makes the test binary run an audit log that records
// analyst queries and then waits to be killed, instead of tests.
const auditChildEnv = "CCH_ANALYST_AUDIT_CHILD"

// TestAuditSurvivesAKill SIGKILLs a process whose audit log holds
// analyst-query entries it has not written to PostgreSQL (three ended, one
// still running), restarts the log on its spool and finds every entry in
// PostgreSQL's audit log exactly once (the running one as interrupted);
// brought back the spool as it was before that write (a crash between the
// write and the spool's compaction), a second restart writes none twice.
// The hash chain verifies throughout.
func TestAuditSurvivesAKill(t *testing.T) {
	env := oltptest.New(t, workshop.Register)
	spool := filepath.Join(t.TempDir(), "w.duckdb.audit-spool")
	ids := runAuditChild(t, env, spool)
	if n := auditCount(t, env, ids); n != 0 {
		t.Fatalf("%d entries reached PostgreSQL before the kill; the test proves nothing", n)
	}
	before, err := os.ReadFile(spool)
	if err != nil {
		t.Fatal(err)
	}
	restartAuditLog(t, env, spool)
	got := auditOutcomes(t, env, ids)
	for i, id := range ids {
		want := fmt.Sprintf("1 ok %d", i)
		if i == len(ids)-1 {
			want = "1 " + analyst.InterruptedOutcome + " 0"
		}
		if got[id] != want {
			t.Errorf("entry %d (%s): %q, want %q (count, outcome, rows)", i, id, got[id], want)
		}
	}
	if fi, err := os.Stat(spool); err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("spool after the write: %v (%v); want empty, owner-only", fi, err)
	}
	if err := os.WriteFile(spool, before, 0o600); err != nil {
		t.Fatal(err)
	}
	restartAuditLog(t, env, spool)
	if n := auditCount(t, env, ids); n != len(ids) {
		t.Errorf("%d entries after a replay of the old spool, want %d", n, len(ids))
	}
	var broken int
	if err := env.Admin.QueryRow(context.Background(), "SELECT count(*) FROM audit.verify_chain(NULL)").Scan(&broken); err != nil || broken != 0 {
		t.Errorf("audit.verify_chain: %d broken links (%v)", broken, err)
	}
}

// runAuditChild starts the child, reads the ids of its entries and
// SIGKILLs it.
func runAuditChild(t *testing.T, env *oltptest.Env, spool string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), auditChildEnv+"=1", "CCH_AUDIT_CHILD_URL="+env.Pool.Config().ConnString(),
		"CCH_AUDIT_CHILD_SPOOL="+spool, fmt.Sprintf("CCH_AUDIT_CHILD_ORG=%d", env.Fix.Org),
		fmt.Sprintf("CCH_AUDIT_CHILD_STAFF=%d", env.Fix.Staff["manager"]))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
	}()
	var ids []string
	select {
	case l := <-line:
		ids = strings.Fields(l)
	case <-time.After(time.Minute):
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(ids) != 4 {
		t.Fatalf("the child recorded %v", ids)
	}
	return ids
}

// restartAuditLog opens an audit log on the spool and runs it until its
// last write.
func restartAuditLog(t *testing.T, env *oltptest.Env, spool string) {
	t.Helper()
	l, err := analyst.OpenAuditLog(context.Background(), env.Pool.Config(), analyst.AuditOptions{Spool: spool})
	if err != nil {
		t.Fatal(err)
	}
	if l.Pending() == 0 {
		t.Fatal("nothing read back from the spool")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

func auditCount(t *testing.T, env *oltptest.Env, ids []string) int {
	t.Helper()
	var n int
	if err := env.Admin.QueryRow(context.Background(), `SELECT count(*) FROM audit.staff_audit_log
		WHERE action = $1 AND new_values->>'entry_id' = ANY ($2)`, analyst.AuditAction, ids).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// auditOutcomes renders each entry as "count outcome rows".
func auditOutcomes(t *testing.T, env *oltptest.Env, ids []string) map[string]string {
	t.Helper()
	rows, err := env.Admin.Query(context.Background(), `SELECT new_values->>'entry_id',
		count(*) || ' ' || min(new_values->>'outcome') || ' ' || min(new_values->>'rows')
		FROM audit.staff_audit_log WHERE action = $1 AND new_values->>'entry_id' = ANY ($2) GROUP BY 1`, analyst.AuditAction, ids)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = v
	}
	return out
}

// auditChild records three ended queries and one running one, prints
// their ids and waits to be killed. Its log writes once an hour: nothing
// reaches PostgreSQL before the kill.
func auditChild() int {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("CCH_AUDIT_CHILD_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l, err := analyst.OpenAuditLog(ctx, cfg, analyst.AuditOptions{Interval: time.Hour, Spool: os.Getenv("CCH_AUDIT_CHILD_SPOOL")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() { _ = l.Run(ctx) }()
	org, _ := strconv.ParseInt(os.Getenv("CCH_AUDIT_CHILD_ORG"), 10, 64)
	staff, _ := strconv.ParseInt(os.Getenv("CCH_AUDIT_CHILD_STAFF"), 10, 64)
	var ids []string
	for i := range 4 {
		e := analyst.AuditEntry{Caller: analyst.Caller{Principal: oltp.Principal{StaffID: staff, OrganisationID: org, Role: "manager"},
			RequestID: fmt.Sprintf("spooled-%d", i), Channel: "sql/json"}, QuerySHA256: sha256.Sum256([]byte(fmt.Sprint("SELECT ", i))), At: time.Now()}
		if err := l.Start(&e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ids = append(ids, e.ID)
		if i < 3 { // the last query is still running when the process dies
			e.Rows, e.Outcome, e.Duration = int64(i), "ok", time.Millisecond
			l.Record(e)
		}
	}
	fmt.Println(strings.Join(ids, " "))
	select {}
}
