package compare

import (
	"fmt"
	"maps"
	"slices"
	"sort"
)

// LoadAll loads every path (see Load) and merges them into one set named
// name (see Merge).
func LoadAll(name string, paths ...string) (*Set, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("reading %s: no files", name)
	}
	sets := make([]*Set, len(paths))
	for i, p := range paths {
		s, err := Load(p)
		if err != nil {
			return nil, err
		}
		sets[i] = s
	}
	if len(sets) == 1 {
		return sets[0], nil
	}
	return Merge(name, sets...), nil
}

// Merge pools sets into one set called name: for every benchmark, the
// samples of every set in order, so that several runs of one side (say
// runs interleaved with the other side's, to spread a changing machine
// load over both) count as one sample. Latency histograms are kept only
// where every set has them. The configuration is the first set's; keys
// whose values differ between the sets are warned about.
func Merge(name string, sets ...*Set) *Set {
	m := NewSet(name, nil)
	if len(sets) == 0 {
		return m
	}
	m.Format, m.Config = sets[0].Format, maps.Clone(sets[0].Config)
	noHists := map[string]bool{}
	for _, s := range sets {
		m.Warnings = append(m.Warnings, s.Warnings...)
		if m.units == nil {
			m.units = s.units
		}
		for _, b := range s.Benchmarks {
			for _, u := range b.Units {
				m.Add(b.Name, u, b.Samples[u]...)
			}
			mb := m.Lookup(b.Name)
			if len(b.Latency) == 0 {
				noHists[b.Name] = true
			}
			mb.Latency = append(mb.Latency, b.Latency...)
		}
	}
	for n := range noHists {
		m.Lookup(n).Latency = nil
	}
	var differ []string
	for _, s := range sets[1:] {
		for k, v := range s.Config {
			if m.Config[k] != v && !slices.Contains(differ, k) {
				differ = append(differ, k)
			}
		}
	}
	sort.Strings(differ)
	for _, k := range differ {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s: the merged files differ in %s", name, k))
	}
	return m
}
