package compare

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/perf/benchunit"
)

// Tidied units of the metrics snbench reports.
const (
	UnitSecPerOp   = "sec/op"       // ns/op: time per op (per task for snbench)
	UnitTasksPerS  = "tasks/s"      // throughput
	UnitP50        = "p50-sec"      // p50-ns: median latency
	UnitP99        = "p99-sec"      // p99-ns: 99th percentile latency
	UnitCPUPerTask = "cpu-sec/task" // cpu-ns/task: CPU time per task
)

// metricAliases are the short names --metric accepts.
var metricAliases = map[string]string{
	"time": UnitSecPerOp, "ns/op": UnitSecPerOp,
	"throughput": UnitTasksPerS, "tput": UnitTasksPerS,
	"p50": UnitP50, "median": UnitP50,
	"p99": UnitP99,
	"cpu": UnitCPUPerTask,
}

// ResolveMetric turns a --metric name into a tidied unit: an alias
// (time, throughput, p50, p99, cpu), a unit as go test prints it (ns/op,
// p99-ns, MB/s) or a tidied unit (sec/op, p99-sec, B/s).
func ResolveMetric(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", fmt.Errorf("metric: empty name")
	}
	if strings.ContainsAny(name, " \t\n") {
		return "", fmt.Errorf("metric %q: units contain no spaces", name)
	}
	if u, ok := metricAliases[strings.ToLower(name)]; ok {
		return u, nil
	}
	_, u := benchunit.Tidy(1, name)
	return u, nil
}

// Direction guesses from a tidied unit whether higher values are better
// (+1), lower (-1), or neither is known (0): rates (…/s) are better higher;
// times (sec/op, p99-sec, cpu-sec/task, any unit with a time in its
// numerator), B/op and allocs/op lower. Unit metadata in the input
// (`Unit x better=higher`) takes precedence; see Set.Better.
func Direction(unit string) int {
	switch unit {
	case UnitSecPerOp, "B/op", "allocs/op":
		return -1
	case "B/s":
		return 1
	}
	num, den, _ := strings.Cut(unit, "/")
	if den == "s" || den == "sec" {
		return 1
	}
	for _, tok := range strings.FieldsFunc(num, func(r rune) bool { return r == '-' || r == '*' }) {
		switch tok {
		case "sec", "ns", "us", "µs", "ms", "s":
			return -1
		}
	}
	return 0
}

// selectMetrics returns the units to compare: the requested ones, or by
// default every unit both sets share, in the old set's order of appearance.
func selectMetrics(old, new *Set, requested []string) ([]string, error) {
	if len(requested) > 0 {
		var out []string
		for _, r := range requested {
			u, err := ResolveMetric(r)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
		return out, nil
	}
	var out []string
	for _, b := range old.Benchmarks {
		nb := new.Lookup(b.Name)
		if nb == nil {
			continue
		}
		for _, u := range b.Units {
			if _, ok := nb.Samples[u]; ok && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// Redundant reports whether, in the default selection, unit is left out
// for benchmark b because another of its units carries the same
// information: sec/op where tasks/s is reported too (one is the inverse of
// the other), and B/s (SetBytes over sec/op) where sec/op is. Counting
// both would only weaken the multiple-comparison correction.
func Redundant(b *Benchmark, unit string) bool {
	_, tput := b.Samples[UnitTasksPerS]
	_, perOp := b.Samples[UnitSecPerOp]
	return (unit == UnitSecPerOp && tput) || (unit == "B/s" && perOp && !tput)
}
