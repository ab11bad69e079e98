package compare

import (
	"strings"

	"golang.org/x/perf/benchfmt"
)

// shortNames factors out of the report's benchmark names what they all
// share: the base name, key=value parts and the GOMAXPROCS suffix. It
// returns each name's short form and the shared parts, e.g. for
// "Doubling/topology=tcp/workers=4/batch=64-8" and its goroutine
// sibling: "topology=tcp/workers=4" and "Doubling/batch=64-8". With fewer
// than two names, nothing is factored out.
func shortNames(r *Report) (map[string]string, string) {
	var names []string
	seen := map[string]bool{}
	for _, t := range r.Tables {
		for _, row := range t.Rows {
			if !seen[row.Name] {
				seen[row.Name] = true
				names = append(names, row.Name)
			}
		}
	}
	if len(names) < 2 {
		return nil, ""
	}
	type split struct {
		base  string
		parts []string
	}
	splits := make([]split, len(names))
	count := map[string]int{}
	for i, n := range names {
		base, parts := benchfmt.Name(n).Parts()
		s := split{base: string(base)}
		for _, p := range parts {
			s.parts = append(s.parts, string(p))
			count[string(p)]++
		}
		splits[i] = s
	}
	sameBase := true
	for _, s := range splits {
		sameBase = sameBase && s.base == splits[0].base
	}
	var common strings.Builder
	if sameBase {
		common.WriteString(splits[0].base)
	}
	for _, p := range splits[0].parts {
		if count[p] == len(names) {
			common.WriteString(p)
		}
	}
	short := map[string]string{}
	for i, s := range splits {
		var b strings.Builder
		if !sameBase {
			b.WriteString(s.base)
		}
		for _, p := range s.parts {
			if count[p] != len(names) {
				b.WriteString(p)
			}
		}
		sh := strings.TrimPrefix(b.String(), "/")
		if sh == "" {
			sh = names[i]
		}
		short[names[i]] = sh
	}
	return short, strings.TrimPrefix(common.String(), "/")
}
