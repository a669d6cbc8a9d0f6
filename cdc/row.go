package cdc

import "fmt"

func (d *Decoder) row(kind byte, r *reader) (Message, error) {
	m := &RowMessage{Xid: d.xid(r)}
	id := r.u32()
	if r.err != nil {
		return nil, r.err
	}
	rel := d.rels[id]
	if rel == nil {
		return nil, fmt.Errorf("%w %d", ErrUnknownRelation, id)
	}
	m.Change.Rel = rel
	var err error
	switch kind {
	case 'I':
		m.Change.Op = OpInsert
		m.Change.New, err = d.tupleAfter(r, rel, 'N')
	case 'U':
		m.Change.Op = OpUpdate
		err = d.update(r, rel, &m.Change)
	case 'D':
		m.Change.Op = OpDelete
		m.Change.Old, err = d.oldTuple(r, rel)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (d *Decoder) update(r *reader, rel *Relation, c *Change) error {
	if len(r.b) > 0 && (r.b[0] == 'K' || r.b[0] == 'O') {
		old, err := d.oldTuple(r, rel)
		if err != nil {
			return err
		}
		c.Old = old
	}
	var err error
	c.New, err = d.tupleAfter(r, rel, 'N')
	return err
}

func (d *Decoder) oldTuple(r *reader, rel *Relation) ([]any, error) {
	switch k := r.u8(); k {
	case 'K', 'O':
		return d.tuple(r, rel)
	default:
		if r.err != nil {
			return nil, r.err
		}
		return nil, fmt.Errorf("old tuple marker %q, want 'K' or 'O'", k)
	}
}

func (d *Decoder) tupleAfter(r *reader, rel *Relation, marker byte) ([]any, error) {
	if k := r.u8(); k != marker {
		if r.err != nil {
			return nil, r.err
		}
		return nil, fmt.Errorf("tuple marker %q, want %q", k, marker)
	}
	return d.tuple(r, rel)
}

// tuple decodes TupleData into typed values per the relation's columns.
func (d *Decoder) tuple(r *reader, rel *Relation) ([]any, error) {
	n := int(r.u16())
	if r.err != nil {
		return nil, r.err
	}
	if n != len(rel.Columns) {
		return nil, fmt.Errorf("tuple has %d columns, relation %s.%s has %d",
			n, rel.Schema, rel.Name, len(rel.Columns))
	}
	vals := make([]any, n)
	for i := range vals {
		v, err := d.column(r, rel.Columns[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", rel.Columns[i].Name, err)
		}
		vals[i] = v
	}
	return vals, nil
}

func (d *Decoder) column(r *reader, col Column) (any, error) {
	switch kind := r.u8(); kind {
	case 'n':
		return nil, r.err
	case 'u':
		return Unchanged{}, r.err
	case 't', 'b':
		n := int32(r.u32())
		data := r.take(int(n))
		if r.err != nil {
			return nil, r.err
		}
		if kind == 'b' {
			return DecodeBinary(col.TypeOID, data)
		}
		return DecodeText(col.TypeOID, data)
	default:
		if r.err != nil {
			return nil, r.err
		}
		return nil, fmt.Errorf("tuple data kind %q", kind)
	}
}
