package doctor

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/snbench/snbench/bench/results"
)

// WriteText writes d for people: the figures with their definitions, the
// known-answer checks with what they compared, and the verdicts.
func WriteText(w io.Writer, d *results.Doctor) error {
	var b strings.Builder
	fmt.Fprintf(&b, "snbench doctor: %s, %v\n\nFigures\n", d.Started.Format("2006-01-02 15:04:05 MST"), round(time.Duration(d.ElapsedNS)))
	c := d.CPU
	fmt.Fprintf(&b, "  cores              %d usable (%d cores, GOMAXPROCS %d%s", c.Usable, c.Cores, c.GOMAXPROCS, quotaNote(c.QuotaCPUs))
	if c.Load1 > 0 {
		fmt.Fprintf(&b, ", load average %.2f", c.Load1)
	}
	b.WriteString(")\n")
	define(&b, "usable: the smallest of runtime.NumCPU (the CPUs this process may run on), GOMAXPROCS and the cgroup CPU quota (cpu.max), rounded down")
	fmt.Fprintf(&b, "  clock cost         %.1f ns per time.Now\n", d.ClockNS.Value)
	define(&b, d.ClockNS.Definition)
	for i, k := range d.Wake {
		label := "wake-up error"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(&b, "  %-18s %s: p50 %v, p99 %v late\n", label, k.Primitive, round(time.Duration(k.P50NS)), round(time.Duration(k.P99NS)))
	}
	if len(d.Wake) > 0 {
		define(&b, d.Wake[0].Definition)
	}
	for i, k := range d.Ceiling {
		label := "generator ceiling"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(&b, "  %-18s batch %d: %s\n", label, k.Batch, ceilingLine(k))
	}
	if len(d.Ceiling) > 0 {
		define(&b, strings.Replace(d.Ceiling[0].Definition, fmt.Sprintf("batch %d,", d.Ceiling[0].Batch), "the batch shown,", 1))
	}
	b.WriteString("\nKnown-answer checks\n")
	for _, k := range d.Checks {
		verdict := "PASS"
		if !k.Pass {
			verdict = "FAIL"
		}
		tries := ""
		if k.Tries > 1 {
			tries = fmt.Sprintf(" (try %d)", k.Tries)
		}
		fmt.Fprintf(&b, "  %s %s%s\n", verdict, k.Name, tries)
		for _, p := range k.Parts {
			mark := "ok  "
			if !p.Pass {
				mark = "MISS"
			}
			fmt.Fprintf(&b, "       %s %-16s %s, want %s (%s to %s)\n", mark, p.Figure, num(p.Got, p.Unit), num(p.Want, p.Unit), num(p.Lo, ""), num(p.Hi, p.Unit))
		}
		define(&b, k.Definition)
	}
	b.WriteString("\nVerdict\n")
	for _, v := range d.Verdicts {
		fmt.Fprintf(&b, "  - %s\n", v)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// define writes a definition line under a figure.
func define(b *strings.Builder, def string) {
	fmt.Fprintf(b, "                     = %s\n", def)
}

func ceilingLine(c results.DoctorCeiling) string {
	s := "held " + Rate(float64(c.Held))
	if c.Held == 0 {
		s = "held none"
	}
	if c.Failed > 0 {
		s += ", flagged at " + Rate(float64(c.Failed))
	} else {
		s += ", nothing flagged up to the search's maximum"
	}
	unit := "steps"
	if len(c.Steps) == 1 {
		unit = "step"
	}
	return fmt.Sprintf("%s (%d %s)", s, len(c.Steps), unit)
}
