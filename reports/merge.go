package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// Merge combines the results of several files into one, as if a single
// plan had run all their cells: topologies and scale axes are united, and
// the cells put in that plan's order. What a cell measures must not
// differ between the files: workload, cpu, wait, seed, dispatch,
// repetitions and warm-up must match, and no two files may hold the same
// cell. Where the files ran on different machines or builds, the merged
// results carry a warning saying so. names label the files in errors and
// warnings; the first file's other fields are kept.
func Merge(names []string, rs []*results.Results) (*results.Results, error) {
	if len(rs) == 0 || len(names) != len(rs) {
		return nil, fmt.Errorf("merge: %d names for %d results", len(names), len(rs))
	}
	if len(rs) == 1 {
		return rs[0], nil
	}
	m := *rs[0]
	m.Cells, m.Warnings, m.Incomplete, m.Error = nil, nil, false, ""
	var errs []string
	owner := map[results.Key]string{}
	if rs[0].GoTest != nil {
		g := *rs[0].GoTest
		m.GoTest = &g
	}
	for i, r := range rs {
		if err := samePlan(names[0], names[i], rs[0].Plan, r.Plan); err != nil {
			return nil, err
		}
		if (r.GoTest == nil) != (m.GoTest == nil) {
			return nil, fmt.Errorf("merge: of %s and %s only one is go test -bench output, so their figures differ: report them separately",
				names[0], names[i])
		}
		if r.GoTest != nil {
			m.GoTest = uniteGoTest(m.GoTest, r.GoTest)
		}
		unite(&m.Plan, r.Plan)
		for _, c := range r.Cells {
			if prev, dup := owner[c.Key]; dup {
				return nil, fmt.Errorf("merge: %s and %s both hold cell %s: report them separately", prev, names[i], c.Key)
			}
			owner[c.Key] = names[i]
			m.Cells = append(m.Cells, c)
		}
		for _, w := range r.Warnings {
			m.Warnings = append(m.Warnings, names[i]+": "+w)
		}
		if r.Incomplete {
			m.Incomplete = true
			errs = append(errs, names[i]+": "+r.Error)
		}
		if r.Started.Before(m.Started) {
			m.Started = r.Started
		}
		if r.Finished.After(m.Finished) {
			m.Finished = r.Finished
		}
	}
	m.Error = strings.Join(errs, "; ")
	order := map[results.Key]int{}
	for i, k := range m.Plan.Keys() {
		order[k] = i
	}
	slices.SortStableFunc(m.Cells, func(a, b results.Cell) int { return cmp.Compare(order[a.Key], order[b.Key]) })
	if w := envWarning(names, rs); w != "" {
		m.Warnings = append(m.Warnings, w)
	}
	return &m, nil
}

// samePlan reports the first plan field, other than the topologies and
// scale axes, in which b differs from a.
func samePlan(an, bn string, a, b results.Plan) error {
	fields := []struct {
		name string
		a, b any
	}{
		{"workload", a.Workload, b.Workload}, {"cpu", a.CPU, b.CPU}, {"wait", a.Wait, b.Wait},
		{"seed", a.Seed, b.Seed}, {"dispatch", a.Dispatch, b.Dispatch},
		{"repetitions", a.Repetitions, b.Repetitions}, {"warmup", a.Warmup, b.Warmup},
	}
	for _, f := range fields {
		if f.a != f.b {
			return fmt.Errorf("merge: %s and %s differ in plan.%s (%v vs %v), so their cells do not compare: report them separately",
				an, bn, f.name, f.a, f.b)
		}
	}
	return nil
}

// unite adds b's topologies and axis values to p; axes stay sorted.
func unite(p *results.Plan, b results.Plan) {
	for _, t := range b.Topologies {
		if !slices.Contains(p.Topologies, t) {
			p.Topologies = append(p.Topologies, t)
		}
	}
	for _, ax := range []struct{ dst, src *[]int }{
		{&p.Workers, &b.Workers}, {&p.Tasks, &b.Tasks}, {&p.Payload, &b.Payload},
		{(*[]int)(&p.Window), (*[]int)(&b.Window)}, {&p.Batch, &b.Batch},
	} {
		u := slices.Clone(*ax.dst)
		for _, v := range *ax.src {
			if !slices.Contains(u, v) {
				u = append(u, v)
			}
		}
		slices.Sort(u)
		*ax.dst = u
	}
}

// envWarning says which files ran on different machines or builds, or
// returns "".
func envWarning(names []string, rs []*results.Results) string {
	desc := func(e results.Env) string {
		return fmt.Sprintf("%s (%s, %d cores, GOMAXPROCS %d, %s, commit %s)",
			e.Host, e.CPUModel, e.Cores, e.GOMAXPROCS, e.GoVersion, cmp.Or(e.Commit, "unknown"))
	}
	if rs[0].GoTest != nil { // only what go test's header says
		desc = func(e results.Env) string {
			return fmt.Sprintf("%s/%s, cpu %q, commit %s", e.OS, e.Arch, e.CPUModel, cmp.Or(e.Commit, "unknown"))
		}
	}
	first := desc(rs[0].Env)
	differ := false
	parts := []string{names[0] + " on " + first}
	for i := 1; i < len(rs); i++ {
		d := desc(rs[i].Env)
		differ = differ || d != first
		parts = append(parts, names[i]+" on "+d)
	}
	if !differ {
		return ""
	}
	return "merged results come from different machines or builds, so differences between them " +
		"may be the environment's: " + strings.Join(parts, "; ")
}

// uniteGoTest returns the union of a's and b's packages, units and axes,
// in first-seen order.
func uniteGoTest(a, b *results.GoTest) *results.GoTest {
	u := &results.GoTest{}
	for _, x := range []struct{ dst, a, b *[]string }{{&u.Pkgs, &a.Pkgs, &b.Pkgs}, {&u.Units, &a.Units, &b.Units}, {&u.Axes, &a.Axes, &b.Axes}} {
		for _, v := range slices.Concat(*x.a, *x.b) {
			if !slices.Contains(*x.dst, v) {
				*x.dst = append(*x.dst, v)
			}
		}
	}
	return u
}
