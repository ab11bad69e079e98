package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// CalibrationSchema is the version of the calibration file format.
const CalibrationSchema = 1

// DefaultCalibrationPath is where snbench calibrate writes and compare
// --threshold auto reads, relative to the working directory.
const DefaultCalibrationPath = "results/calibration.json"

// Calibration rules: an automatic threshold is CalibrationMargin times the
// largest change seen between two A/A runs, rounded up to half a percent,
// and at least MinAutoThreshold.
const (
	CalibrationMargin = 1.5  // threshold over the largest A/A change
	MinAutoThreshold  = 0.01 // the smallest automatic threshold, 1%
)

// Calibration is the noise of one machine, measured by A/A runs: the same
// benchmark run several times with the same code. Compare uses its
// Thresholds with --threshold auto.
type Calibration struct {
	// Schema is CalibrationSchema.
	Schema int `json:"schema"`
	// Created is when the calibration was made.
	Created time.Time `json:"created"`
	// Host and CPU say which machine was measured.
	Host string `json:"host,omitempty"`
	CPU  string `json:"cpu,omitempty"`
	// Benchmark is the benchmark the runs measured.
	Benchmark string `json:"benchmark"`
	// Runs is the number of A/A runs, Repetitions the fewest repetitions
	// any run had.
	Runs        int `json:"runs"`
	Repetitions int `json:"repetitions"`
	// Metrics is the noise per tidied unit.
	Metrics map[string]Noise `json:"metrics"`
}

// Noise is one metric's noise across A/A runs.
type Noise struct {
	// CV is the median over runs of the robust coefficient of variation
	// within a run (1.4826 MAD / median).
	CV float64 `json:"cv"`
	// MaxChange is the largest |change| Compare reported between two runs.
	MaxChange float64 `json:"max_change"`
	// Pairs is the number of run pairs compared, FalseAlarms how many of
	// them Compare judged a regression at the default options.
	Pairs       int `json:"pairs"`
	FalseAlarms int `json:"false_alarms"`
	// Threshold is the threshold --threshold auto uses for this metric.
	Threshold float64 `json:"threshold"`
}

// Thresholds returns the automatic threshold per tidied unit.
func (c *Calibration) Thresholds() map[string]float64 {
	t := make(map[string]float64, len(c.Metrics))
	for u, n := range c.Metrics {
		t[u] = n.Threshold
	}
	return t
}

// Calibrate measures noise from A/A runs: sets of the same benchmark and
// code, at least two. It compares every pair of runs with Compare at opt
// (usually DefaultOptions) and derives each metric's threshold from the
// largest change seen. It uses the first benchmark every set has.
func Calibrate(sets []*Set, opt Options) (*Calibration, error) {
	if len(sets) < 2 {
		return nil, fmt.Errorf("calibrate: %d runs: need at least 2", len(sets))
	}
	name := ""
	for _, b := range sets[0].Benchmarks {
		if !slices.ContainsFunc(sets[1:], func(s *Set) bool { return s.Lookup(b.Name) == nil }) {
			name = b.Name
			break
		}
	}
	if name == "" {
		return nil, fmt.Errorf("calibrate: no benchmark is in every run")
	}
	only := make([]*Set, len(sets))
	for i, s := range sets {
		b := *s.Lookup(name)
		only[i] = &Set{Name: s.Name, Format: s.Format, Config: s.Config, Benchmarks: []*Benchmark{&b},
			byName: map[string]*Benchmark{name: &b}, units: s.units}
	}
	opt.Metrics = slices.Clone(only[0].Benchmarks[0].Units)
	c := &Calibration{Schema: CalibrationSchema, Created: time.Now().UTC().Truncate(time.Second), Benchmark: name,
		Runs: len(sets), Repetitions: math.MaxInt, Metrics: map[string]Noise{},
		Host: sets[0].Config["host"], CPU: sets[0].Config["cpu"]}
	cvs := map[string][]float64{}
	for _, s := range only {
		b := s.Benchmarks[0]
		for _, u := range b.Units {
			c.Repetitions = min(c.Repetitions, len(b.Samples[u]))
			cvs[u] = append(cvs[u], robustCV(b.Samples[u]))
		}
	}
	for i := range only {
		for j := i + 1; j < len(only); j++ {
			r, err := Compare(only[i], only[j], opt)
			if err != nil {
				return nil, fmt.Errorf("calibrate: %w", err)
			}
			for _, t := range r.Tables {
				n := c.Metrics[t.Unit]
				for _, row := range t.Rows {
					n.Pairs++
					if !math.IsNaN(row.Change) {
						n.MaxChange = math.Max(n.MaxChange, math.Abs(row.Change))
					}
					if row.Verdict == VerdictRegression {
						n.FalseAlarms++
					}
				}
				c.Metrics[t.Unit] = n
			}
		}
	}
	for u, n := range c.Metrics {
		n.CV = median(cvs[u])
		n.Threshold = autoThreshold(n.MaxChange)
		c.Metrics[u] = n
	}
	return c, nil
}

// autoThreshold turns the largest A/A change into a threshold.
func autoThreshold(maxChange float64) float64 {
	t := math.Ceil(CalibrationMargin*maxChange*200) / 200
	return math.Max(MinAutoThreshold, t)
}

// robustCV is 1.4826 times the median absolute deviation over the median.
func robustCV(xs []float64) float64 {
	m := median(xs)
	if len(xs) < 2 || m == 0 || math.IsNaN(m) {
		return 0
	}
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - m)
	}
	return 1.4826 * median(dev) / math.Abs(m)
}

// WriteCalibration stores c at path atomically.
func WriteCalibration(path string, c *Calibration) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("writing calibration %s: %w", path, err)
	}
	return results.WriteFileAtomic(path, append(b, '\n'))
}

// ReadCalibration reads and checks a calibration file.
func ReadCalibration(path string) (*Calibration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading calibration: %w", err)
	}
	return ParseCalibration(path, b)
}

// ParseCalibration decodes and checks a calibration; name is used in
// errors.
func ParseCalibration(name string, b []byte) (*Calibration, error) {
	var c Calibration
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("calibration %s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("calibration %s: trailing data", name)
	}
	if c.Schema != CalibrationSchema {
		return nil, fmt.Errorf("calibration %s: schema %d, this snbench reads %d", name, c.Schema, CalibrationSchema)
	}
	if len(c.Metrics) == 0 {
		return nil, fmt.Errorf("calibration %s: no metrics", name)
	}
	units := make([]string, 0, len(c.Metrics))
	for u := range c.Metrics {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		n := c.Metrics[u]
		for _, v := range []float64{n.CV, n.MaxChange, n.Threshold} {
			if !(v >= 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("calibration %s: metric %s: figures must be finite and not negative", name, u)
			}
		}
		if n.Pairs < 0 || n.FalseAlarms < 0 || n.FalseAlarms > n.Pairs {
			return nil, fmt.Errorf("calibration %s: metric %s: bad pair counts", name, u)
		}
	}
	return &c, nil
}
