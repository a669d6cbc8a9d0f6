package archive

import "sort"

// Customers lists the customers whose rows the manifest's files hold.
func (m Manifest) Customers() []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, e := range m.Partitions {
		for _, s := range e.Subjects {
			if !seen[s.CustomerID] {
				seen[s.CustomerID] = true
				out = append(out, s.CustomerID)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Unerased returns those of the erased customers that have a file naming
// them which no Erasure of theirs rewrote (an erasure not yet brought to
// the archive, or a month archived after it).
func (m Manifest) Unerased(erased []int64) []int64 {
	done := map[int64]map[string]bool{}
	for _, x := range m.Erasures {
		if done[x.CustomerID] == nil {
			done[x.CustomerID] = map[string]bool{}
		}
		for _, f := range x.Files {
			done[x.CustomerID][f] = true
		}
	}
	want := map[int64]bool{}
	for _, id := range erased {
		want[id] = true
	}
	var out []int64
	for _, id := range m.Customers() {
		if !want[id] {
			continue
		}
		for _, e := range m.Partitions {
			if subjectKeys(e.Subjects, id) != nil && !done[id][e.File] {
				out = append(out, id)
				break
			}
		}
	}
	return out
}
