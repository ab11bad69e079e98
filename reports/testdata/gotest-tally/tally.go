// Package tally counts words in a map, the kind of small package whose
// benchmarks snbench's report reads.
package tally

import "strings"

// Count counts the words of s; probes is the map lookups it made.
func Count(s string) (m map[string]int, probes int) {
	m = map[string]int{}
	for _, w := range strings.Fields(s) {
		m[w]++
		probes++
	}
	return m, probes
}
