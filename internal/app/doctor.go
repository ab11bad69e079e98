package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/bench/doctor"
	"github.com/snbench/snbench/bench/results"
)

// doctorFlags are `snbench doctor`'s flags.
type doctorFlags struct {
	format string
	step   time.Duration
}

func (a *app) doctorCmd() *cobra.Command {
	f := &doctorFlags{}
	def := doctor.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Measure what this machine can measure honestly, and run the known-answer checks",
		Long: "doctor measures this machine's timer wake-up error, clock cost, generator ceiling\n" +
			"(batch 1 and 8) and cores against GOMAXPROCS, runs the known-answer checks (a fixed\n" +
			"wait, the coordinated-omission closed form for a stall, a USL fit of a published data\n" +
			"set), and says in plain words what runs here can and cannot be trusted for.\n" +
			"It exits 1 when a known-answer check fails.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := f.options()
			if err != nil {
				return err
			}
			return a.doDoctor(cmd.Context(), o, f.format)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "output: text or json")
	fl.DurationVar(&f.step, "step", def.Step, "how long each step of the generator-ceiling search offers load")
	return cmd
}

// options validates the flags into doctor options.
func (f *doctorFlags) options() (doctor.Options, error) {
	o := doctor.DefaultOptions()
	o.Step = f.step
	if f.format != "text" && f.format != "json" {
		return o, usagef("--format: unknown %q (want text or json)", f.format)
	}
	if f.step < 10*time.Millisecond || f.step > 10*time.Second {
		return o, usagef("--step: %v: want 10ms to 10s", f.step)
	}
	if err := o.Validate(); err != nil {
		return o, &usageError{err: err}
	}
	return o, nil
}

func (a *app) doDoctor(ctx context.Context, o doctor.Options, format string) error {
	o.Log = a.stderr
	d, err := doctor.Run(ctx, o)
	if err != nil {
		return err
	}
	if err := writeDoctor(a.stdout, d, format); err != nil {
		return err
	}
	return doctorFailed(d)
}

// writeDoctor prints d as text or indented JSON.
func writeDoctor(w io.Writer, d *results.Doctor, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	return doctor.WriteText(w, d)
}

// doctorFailed returns an error naming every failed known-answer check and
// by how much it missed, or nil when all passed.
func doctorFailed(d *results.Doctor) error {
	failed := d.Failed()
	if len(failed) == 0 {
		return nil
	}
	var parts []string
	for _, c := range failed {
		parts = append(parts, c.Name+": "+doctor.Misses(c))
	}
	return fmt.Errorf("doctor: %d of %d known-answer checks failed: %s", len(failed), len(d.Checks), strings.Join(parts, "; "))
}

// captureEnv describes this machine for a run and, with withDoctor, runs
// the doctor first (its progress and verdicts on stderr) and records it.
func (a *app) captureEnv(ctx context.Context, withDoctor bool) (results.Env, error) {
	if !withDoctor {
		return bench.CaptureEnv(), nil
	}
	o := doctor.DefaultOptions()
	o.Log = a.stderr
	d, err := doctor.Run(ctx, o)
	if err != nil {
		return results.Env{}, err
	}
	for _, v := range d.Verdicts {
		fmt.Fprintf(a.stderr, "doctor: %s\n", v)
	}
	env := bench.CaptureEnv()
	env.Doctor = d
	return env, nil
}

// doctorWarnings returns the run warnings a doctor record adds: one per
// failed known-answer check, saying by how much it missed.
func doctorWarnings(d *results.Doctor) []string {
	if d == nil {
		return nil
	}
	var w []string
	for _, c := range d.Failed() {
		w = append(w, fmt.Sprintf("doctor: the %s check failed on this machine before the run (%s)", c.Name, doctor.Misses(c)))
	}
	return w
}
