package history

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports/compare"
)

// Schema is the version of the entries this package writes; Read accepts
// only entries of this version.
const Schema = 1

// Entry is one run in a history file, stored as one JSON line.
type Entry struct {
	// Schema is Schema.
	Schema int `json:"schema"`
	// Commit is the commit the run measured; Date when it ran.
	Commit string    `json:"commit"`
	Date   time.Time `json:"date"`
	// Label tells runs of one commit apart, e.g. a branch or CI run id.
	Label string `json:"label,omitempty"`
	// Source is the results file the entry was made from.
	Source string `json:"source,omitempty"`
	// Host and CPU say where the run happened, where known.
	Host string `json:"host,omitempty"`
	CPU  string `json:"cpu,omitempty"`
	// Benchmarks are the run's samples.
	Benchmarks []Benchmark `json:"benchmarks"`
}

// Benchmark is one benchmark's samples in an entry.
type Benchmark struct {
	// Name is the benchmark name as compare reports it.
	Name string `json:"name"`
	// Samples maps a tidied unit (tasks/s, p99-sec...) to one value per
	// repetition.
	Samples map[string][]float64 `json:"samples"`
}

// FromSet makes an entry of a compare set (a results.json or Go benchmark
// format file): its samples, with commit, CPU and host from its
// configuration. Non-finite values are left out. Commit and Date are
// left for the caller where the set does not know them.
func FromSet(s *compare.Set) Entry {
	e := Entry{Schema: Schema, Source: s.Name, Commit: s.Config["commit"], CPU: s.Config["cpu"]}
	for _, b := range s.Benchmarks {
		hb := Benchmark{Name: b.Name, Samples: map[string][]float64{}}
		for _, u := range b.Units {
			var vs []float64
			for _, v := range b.Samples[u] {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					vs = append(vs, v)
				}
			}
			if len(vs) > 0 {
				hb.Samples[u] = vs
			}
		}
		if len(hb.Samples) > 0 {
			e.Benchmarks = append(e.Benchmarks, hb)
		}
	}
	return e
}

// FromResults makes an entry of snbench results: FromSet of the results,
// with the run's commit, host and start time.
func FromResults(name string, res *results.Results) (Entry, error) {
	s, err := compare.FromResults(name, res)
	if err != nil {
		return Entry{}, err
	}
	e := FromSet(s)
	e.Commit, e.Host, e.CPU = res.Env.Commit, res.Env.Host, res.Env.CPUModel
	e.Date = res.Started.UTC()
	if e.Date.IsZero() {
		e.Date = res.Env.Start.UTC()
	}
	return e, nil
}

// Set returns the entry as a compare set, its benchmarks in the entry's
// order and units sorted, so entries can be compared.
func (e Entry) Set() *compare.Set {
	s := compare.NewSet(e.Title(), map[string]string{"commit": e.Commit, "cpu": e.CPU})
	for _, b := range e.Benchmarks {
		units := make([]string, 0, len(b.Samples))
		for u := range b.Samples {
			units = append(units, u)
		}
		slices.Sort(units)
		for _, u := range units {
			s.Add(b.Name, u, b.Samples[u]...)
		}
	}
	return s
}

// Title names the entry: its short commit, else its date.
func (e Entry) Title() string {
	c := e.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	switch {
	case c != "" && e.Label != "":
		return c + " " + e.Label
	case c != "":
		return c
	case e.Label != "":
		return e.Label
	}
	return e.Date.Format(time.RFC3339)
}

// Validate reports the first thing wrong with e.
func (e Entry) Validate() error {
	if e.Schema != Schema {
		return fmt.Errorf("schema %d, this snbench reads %d", e.Schema, Schema)
	}
	if len(e.Benchmarks) == 0 {
		return fmt.Errorf("no benchmarks")
	}
	for _, b := range e.Benchmarks {
		if b.Name == "" {
			return fmt.Errorf("a benchmark without a name")
		}
		for u, vs := range b.Samples {
			if u == "" || len(vs) == 0 {
				return fmt.Errorf("benchmark %s: empty unit or samples", b.Name)
			}
		}
	}
	return nil
}
