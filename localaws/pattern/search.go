package pattern

import (
	"encoding/binary"
	"sort"
)

// Matching one alternative is a search: for each field in path order pick
// a leaf that satisfies it (or find the path absent), keeping every pick
// array-consistent with the earlier ones. Events without arrays, and most
// with them, finish in one pass; an event whose arrays make the search
// branch widely falls back to a memoised search, so no event costs more
// than (fields × leaves × array positions).

// searchBudget is how many steps the plain search may take before the
// memoised one takes over.
const searchBudget = 4096

func matchBranch(e *Event, fields []*field) bool {
	s := plainSearch{e: e, budget: searchBudget}
	ok := s.from(fields, nil)
	if s.budget >= 0 {
		return ok
	}
	m := newMemoSearch(e, fields)
	return m.from(0, nil)
}

type plainSearch struct {
	e      *Event
	budget int
}

func (s *plainSearch) from(fields []*field, in []arrayPos) bool {
	if len(fields) == 0 {
		return true
	}
	if s.budget--; s.budget < 0 {
		return false
	}
	f := fields[0]
	cands := s.e.byPath[f.path]
	if f.absent && !present(s.e, cands, in) && s.from(fields[1:], in) {
		return true
	}
	for _, i := range cands {
		l := &s.e.leaves[i]
		if !consistent(in, l.in) || !f.matchesValue(&l.v) {
			continue
		}
		if s.from(fields[1:], merge(in, l.in)) {
			return true
		}
		if s.budget < 0 {
			return false
		}
	}
	return false
}

// present reports whether any candidate leaf is consistent with in.
func present(e *Event, cands []int32, in []arrayPos) bool {
	for _, i := range cands {
		if consistent(in, e.leaves[i].in) {
			return true
		}
	}
	return false
}

// memoSearch remembers which (field, relevant array positions) states
// failed. Only positions in arrays that the remaining fields' leaves sit in
// can change the outcome, so states differing elsewhere share a result.
type memoSearch struct {
	e        *Event
	fields   []*field
	relevant []map[int32]bool // relevant[k]: array ids used by fields[k:]
	failed   map[string]bool
	key      []byte
}

func newMemoSearch(e *Event, fields []*field) *memoSearch {
	m := &memoSearch{e: e, fields: fields, failed: map[string]bool{}}
	m.relevant = make([]map[int32]bool, len(fields)+1)
	m.relevant[len(fields)] = map[int32]bool{}
	for k := len(fields) - 1; k >= 0; k-- {
		r := make(map[int32]bool, len(m.relevant[k+1]))
		for id := range m.relevant[k+1] {
			r[id] = true
		}
		for _, i := range e.byPath[fields[k].path] {
			for _, p := range e.leaves[i].in {
				r[p.id] = true
			}
		}
		m.relevant[k] = r
	}
	return m
}

func (m *memoSearch) stateKey(k int, in []arrayPos) string {
	var kept []arrayPos
	for _, p := range in {
		if m.relevant[k][p.id] {
			kept = append(kept, p)
		}
	}
	sort.Slice(kept, func(a, b int) bool { return kept[a].id < kept[b].id })
	m.key = binary.AppendUvarint(m.key[:0], uint64(k))
	for _, p := range kept {
		m.key = binary.AppendUvarint(m.key, uint64(p.id))
		m.key = binary.AppendUvarint(m.key, uint64(p.idx))
	}
	return string(m.key)
}

func (m *memoSearch) from(k int, in []arrayPos) bool {
	if k == len(m.fields) {
		return true
	}
	key := m.stateKey(k, in)
	if m.failed[key] {
		return false
	}
	f := m.fields[k]
	cands := m.e.byPath[f.path]
	if f.absent && !present(m.e, cands, in) && m.from(k+1, in) {
		return true
	}
	for _, i := range cands {
		l := &m.e.leaves[i]
		if consistent(in, l.in) && f.matchesValue(&l.v) && m.from(k+1, merge(in, l.in)) {
			return true
		}
	}
	m.failed[key] = true
	return false
}
