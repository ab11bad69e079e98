package history

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchunit"
)

// Output formats of WriteChanges.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// WriteChanges writes what Changes found in format: an aligned table, a
// Markdown table, or the result as JSON.
func WriteChanges(w io.Writer, r *ChangesResult, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("history changes: %w", err)
		}
		return nil
	case FormatText, FormatMarkdown:
	default:
		return fmt.Errorf("history changes: unknown format %q (want text, markdown or json)", format)
	}
	var b strings.Builder
	md := format == FormatMarkdown
	o := r.Options
	summary := fmt.Sprintf("%d entries, %d series (benchmark and metric); E-divisive means, permutation test at alpha %g (%d permutations), segments of at least %d entries, changes of at least %g%%: %s.",
		r.Entries, r.Series, o.Alpha, o.Permutations, o.MinSegment, 100*o.MinMagnitude, countWords(r))
	if md {
		b.WriteString("### Change points\n\n" + summary + "\n")
	} else {
		b.WriteString(summary + "\n")
	}
	if len(r.Changes) > 0 {
		head := []string{"entry", "commit", "benchmark", "metric", "before", "after", "change", "confidence", "verdict"}
		if md {
			b.WriteString("\n| " + strings.Join(head, " | ") + " |\n|--:|---|---|---|--:|--:|--:|--:|---|\n")
		}
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		if !md {
			fmt.Fprintln(tw, strings.Join(head, "\t"))
		}
		for _, c := range r.Changes {
			sc := benchunit.CommonScale([]float64{c.Before, c.After}, benchunit.ClassOf(c.Unit))
			mag := "-"
			if c.Magnitude != nil {
				mag = fmt.Sprintf("%+.1f%%", 100**c.Magnitude)
			}
			commit := c.Commit
			if md {
				commit = "`" + commit + "`"
			}
			row := []string{fmt.Sprint(c.Entry), commit, c.Benchmark, c.Unit, sc.Format(c.Before), sc.Format(c.After),
				mag, fmt.Sprintf("%.1f%%", 100*c.Confidence), c.Verdict}
			if md {
				b.WriteString("| " + strings.Join(row, " | ") + " |\n")
			} else {
				fmt.Fprintln(tw, strings.Join(row, "\t"))
			}
		}
		tw.Flush()
		for _, c := range r.Changes {
			for _, n := range c.Notes {
				fmt.Fprintf(&b, "%sentry %d (%s %s): %s\n", bullet(md), c.Entry, c.Benchmark, c.Unit, n)
			}
		}
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "%swarning: %s\n", bullet(md), wn)
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("history changes: %w", err)
	}
	return nil
}

func bullet(md bool) string {
	if md {
		return "\n- "
	}
	return ""
}

func countWords(r *ChangesResult) string {
	plural := func(n int, word string) string {
		if n == 1 {
			return "1 " + word
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	if len(r.Changes) == 0 {
		return "no change"
	}
	return plural(len(r.Changes), "change") + " (" + plural(r.Regressions(), "regression") + ")"
}
