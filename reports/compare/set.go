package compare

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"

	"github.com/snbench/snbench/bench/results"
)

// Input formats a Set can come from.
const (
	FormatSnbench = "snbench" // a results.json of snbench run
	FormatGobench = "gobench" // Go's benchmark format: go test -bench, snbench run --format gobench
)

// ErrNoBenchmarks is returned (wrapped) for input holding no benchmark
// results at all.
var ErrNoBenchmarks = errors.New("no benchmark results")

// Set is one side of a comparison: benchmarks, each with one value per
// repetition and unit. Values are in benchfmt's tidied units (sec/op,
// tasks/s, p99-sec, cpu-sec/task...).
type Set struct {
	// Name is the file the set was read from.
	Name string
	// Format is FormatSnbench or FormatGobench.
	Format string
	// Config is the file configuration of the first result: goos, goarch,
	// cpu, pkg, commit and whatever else the input gave.
	Config map[string]string
	// Benchmarks are in order of first appearance.
	Benchmarks []*Benchmark
	// Warnings are caveats about the input: lines that did not parse,
	// cells left out.
	Warnings []string

	byName map[string]*Benchmark
	units  benchfmt.UnitMetadataMap
}

// Benchmark is one benchmark's samples.
type Benchmark struct {
	// Name is the full name without the "Benchmark" prefix, with its
	// GOMAXPROCS suffix, e.g. "Doubling/topology=tcp/workers=4-8".
	Name string
	// Units are the benchmark's tidied units, in order of appearance.
	Units []string
	// Samples maps a unit to its values, one per repetition.
	Samples map[string][]float64
	// Latency holds each repetition's latency histogram, in the order of
	// the samples; only snbench results have them.
	Latency []results.Hist
	// AutoWindow is, for an auto cell of snbench results (window=auto in
	// the name), the window its probe chose; 0 otherwise.
	AutoWindow int
}

// NewSet returns an empty set called name with the given file
// configuration (may be nil); fill it with Add.
func NewSet(name string, config map[string]string) *Set {
	return &Set{Name: name, Format: FormatGobench, Config: maps.Clone(config), byName: map[string]*Benchmark{}}
}

// Add appends values in unit to the benchmark called name, creating it
// as needed. Units are tidied as benchfmt tidies them: values in ns/op
// are stored in sec/op, MB/s in B/s.
func (s *Set) Add(name, unit string, values ...float64) {
	b := s.byName[name]
	if b == nil {
		b = &Benchmark{Name: name, Samples: map[string][]float64{}}
		s.byName[name] = b
		s.Benchmarks = append(s.Benchmarks, b)
	}
	for _, v := range values {
		tv, tu := benchunit.Tidy(v, unit)
		if _, ok := b.Samples[tu]; !ok {
			b.Units = append(b.Units, tu)
		}
		b.Samples[tu] = append(b.Samples[tu], tv)
	}
}

// Lookup returns the benchmark called name, or nil.
func (s *Set) Lookup(name string) *Benchmark { return s.byName[name] }

// Better returns +1 when higher values of unit are better, -1 when lower
// are, and 0 when unknown: from the input's Unit metadata lines, else from
// the unit itself (see Direction).
func (s *Set) Better(unit string) int {
	if s.units != nil {
		if m := s.units.Get(unit, "better"); m != nil {
			switch m.Value {
			case "higher":
				return 1
			case "lower":
				return -1
			}
		}
	}
	return Direction(unit)
}

// Load reads a set from a file: snbench results JSON or Go benchmark
// format (see Parse).
func Load(path string) (*Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return Parse(path, b)
}

// Parse reads a set from data, snbench results JSON or Go benchmark format;
// name is used in errors and tells the formats apart with the data (see
// results.IsJSON): a *.json name, or a first non-blank '{', is JSON.
func Parse(name string, data []byte) (*Set, error) {
	if results.IsJSON(name, data) {
		res, err := results.Parse(name, data)
		if err != nil {
			return nil, err
		}
		return FromResults(name, res)
	}
	return parseGobench(name, data)
}

// FromResults makes a set of snbench results: one benchmark per cell,
// named as `snbench run --format gobench` names it, with the same units
// (ns/op, tasks/s, p50-ns, p99-ns, cpu-ns/task, tidied) plus each
// repetition's latency histogram. Cells that failed verification or
// stopped with an error are left out with a warning.
func FromResults(name string, res *results.Results) (*Set, error) {
	var buf bytes.Buffer
	if err := results.WriteGobench(&buf, res); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	s, err := parseGobench(name, buf.Bytes())
	if err != nil {
		return nil, err
	}
	s.Format = FormatSnbench
	suffix := ""
	if res.Env.GOMAXPROCS > 1 {
		suffix = fmt.Sprintf("-%d", res.Env.GOMAXPROCS)
	}
	for i := range res.Cells {
		c := &res.Cells[i]
		if c.Status == results.StatusFailed || c.Status == results.StatusError {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: cell %s left out: status %s", name, c.Key, c.Status))
			continue
		}
		b := s.Lookup(results.GobenchName(res.Plan.Workload, c.Key) + suffix)
		if b == nil {
			continue
		}
		if c.Window == results.WindowAuto {
			b.AutoWindow = c.WindowUsed()
		}
		for _, rep := range c.Reps {
			if rep.Tasks > 0 && rep.WallNS > 0 {
				b.Latency = append(b.Latency, rep.Latency)
			}
		}
	}
	return s, nil
}

// parseGobench reads Go benchmark format. Lines that do not parse are
// skipped with a warning; input without any result is an error.
func parseGobench(name string, data []byte) (*Set, error) {
	s := &Set{Name: name, Format: FormatGobench, byName: map[string]*Benchmark{}}
	rd := benchfmt.NewReader(bytes.NewReader(data), name)
	bad := 0
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			s.add(rec)
		case *benchfmt.SyntaxError:
			if bad++; bad <= 5 {
				s.Warnings = append(s.Warnings, rec.Error())
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if bad > 5 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s: %d more lines did not parse", name, bad-5))
	}
	if len(s.Benchmarks) == 0 {
		return nil, fmt.Errorf("reading %s: %w", name, ErrNoBenchmarks)
	}
	s.units = rd.Units()
	return s, nil
}

// add files one result line.
func (s *Set) add(rec *benchfmt.Result) {
	if s.Config == nil {
		s.Config = map[string]string{}
		for _, c := range rec.Config {
			if c.File {
				s.Config[c.Key] = string(c.Value)
			}
		}
	}
	name := rec.Name.String()
	b := s.byName[name]
	if b == nil {
		b = &Benchmark{Name: name, Samples: map[string][]float64{}}
		s.byName[name] = b
		s.Benchmarks = append(s.Benchmarks, b)
	}
	for _, v := range rec.Values {
		if _, ok := b.Samples[v.Unit]; !ok {
			b.Units = append(b.Units, v.Unit)
		}
		b.Samples[v.Unit] = append(b.Samples[v.Unit], v.Value)
	}
}
