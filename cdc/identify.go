package cdc

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// attributesSQL reads every attribute of a table (dropped ones included)
// with the transaction that last wrote its catalogue row, and whether the
// table is a partition whose changes the publication sends as its root's.
const attributesSQL = `
SELECT a.attnum, a.attname, a.atttypid, a.atttypmod, a.attisdropped, a.attgenerated <> '',
  a.xmin::text::bigint, (a.atthasdef OR a.attidentity <> '') AND NOT a.atthasmissing,
  c.relfilenode::bigint, c.relispartition AND coalesce((SELECT p.pubviaroot FROM pg_publication p WHERE p.pubname = $2), false),
  coalesce(a.attname = ANY ((SELECT pt.attnames FROM pg_publication_tables pt
    WHERE pt.pubname = $2 AND pt.schemaname = n.nspname AND pt.tablename = c.relname)::name[]), true)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attrelid = $1 AND a.attnum > 0
ORDER BY a.attnum`

type attribute struct {
	num            int16
	name           string
	oid            uint32
	mod            int32
	dropped, gen   bool
	xmin           uint32
	rewritten      bool // a default or identity and no missing value
	filenode       uint32
	viaRootPartion bool
	published      bool // in the publication's column list (or no list)
}

func readAttributes(ctx context.Context, conn *pgx.Conn, relID uint32, pub string) ([]attribute, error) {
	rows, err := conn.Query(ctx, attributesSQL, relID, pub)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribute, error) {
		var a attribute
		var xmin, filenode int64
		err := r.Scan(&a.num, &a.name, &a.oid, &a.mod, &a.dropped, &a.gen, &xmin, &a.rewritten, &filenode, &a.viaRootPartion, &a.published)
		a.xmin, a.filenode = uint32(xmin), uint32(filenode)
		return a, err
	})
}

// identify sets the Attnum of rel's columns from the primary's catalogue,
// read over the normal connection when the relation message arrives, or
// marks rel Ambiguous when the catalogue cannot vouch for them. xid is the
// top-level transaction the message belongs to.
//
// The catalogue is read now, not as of the message's WAL position, so it
// is trusted only when nothing can have changed the table's attributes
// between the two. A DDL statement that ran after the message's
// transaction wrote the table waited for that transaction's lock, so its
// xid — the xmin of every attribute row it wrote — is newer. Hence rel is
// Ambiguous unless
//   - no attribute row was written by a transaction newer than xid;
//   - the message's own transaction dropped no column (the message may
//     come before or after the drop);
//   - the message's columns are, in order, the first live published
//     attributes with the same names and types, and the remaining ones
//     were added by the message's own transaction (after the message:
//     an added column's attnum is above every existing one, and with no
//     drop the attributes live at the message are all still live, in the
//     same order — so the i-th column is the i-th attribute).
//
// A DDL statement of a still-running streamed transaction is invisible
// here; its new shape then fails the last rule.
//
// It returns skip=true for a partition whose changes the publication
// sends through its root: pgoutput announces such a partition beside its
// root, but no change ever names it, so it is not mirrored.
func identify(ctx context.Context, conn *pgx.Conn, rel *Relation, xid uint32, pub string) (skip bool, err error) {
	attrs, err := readAttributes(ctx, conn, rel.ID, pub)
	if err != nil {
		return false, fmt.Errorf("attributes of %s.%s: %w", rel.Schema, rel.Name, err)
	}
	if len(attrs) > 0 && attrs[0].viaRootPartion {
		return true, nil
	}
	nums, ok := matchAttributes(rel, attrs, xid)
	if !ok {
		rel.Ambiguous = true
		return false, nil
	}
	rel.Filenode = attrs[0].filenode
	for i := range rel.Columns {
		rel.Columns[i].Attnum = nums[i]
		for _, a := range attrs {
			if a.num == nums[i] {
				rel.Columns[i].Rewritten = a.rewritten
			}
		}
	}
	return false, nil
}

// matchAttributes applies identify's rules; nums[i] is the attnum of
// rel.Columns[i] when ok.
func matchAttributes(rel *Relation, attrs []attribute, xid uint32) (nums []int16, ok bool) {
	if len(attrs) == 0 || xid == 0 {
		return nil, false // the table is gone, or no transaction to compare with
	}
	var live []attribute // published, in attnum order
	for _, a := range attrs {
		if int32(a.xmin-xid) > 0 || (a.dropped && a.xmin == xid) {
			return nil, false
		}
		if !a.dropped && !a.gen && a.published {
			live = append(live, a)
		}
	}
	if len(rel.Columns) > len(live) {
		return nil, false
	}
	for i, c := range rel.Columns {
		a := live[i]
		if a.name != c.Name || a.oid != c.TypeOID || a.mod != c.TypeMod {
			return nil, false
		}
		nums = append(nums, a.num)
	}
	for _, a := range live[len(rel.Columns):] {
		if a.xmin != xid {
			return nil, false
		}
	}
	return nums, true
}
