package compare

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchunit"
)

// Output formats of Write.
const (
	OutputText     = "text"     // aligned columns, as benchstat prints
	OutputMarkdown = "markdown" // tables for a pull request or $GITHUB_STEP_SUMMARY
	OutputJSON     = "json"     // the report as data
)

// Outputs lists the output formats.
func Outputs() []string { return []string{OutputText, OutputMarkdown, OutputJSON} }

// Write writes r in format (OutputText, OutputMarkdown or OutputJSON).
func Write(w io.Writer, r *Report, format string) error {
	bw := bufio.NewWriter(w)
	switch format {
	case OutputText:
		writeText(bw, r)
	case OutputMarkdown:
		writeMarkdown(bw, r)
	case OutputJSON:
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r.jsonView()); err != nil {
			return fmt.Errorf("writing comparison: %w", err)
		}
	default:
		return fmt.Errorf("writing comparison: unknown format %q (want %s)", format, strings.Join(Outputs(), ", "))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing comparison: %w", err)
	}
	return nil
}

// Summary is the one-line outcome, e.g. "1 regression, 0 improvements".
func (r *Report) Summary() string {
	return fmt.Sprintf("%s, %s", plural(r.Regressions, "regression"), plural(r.Improvements, "improvement"))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// method describes the test and correction in words.
func (r *Report) method() string {
	return fmt.Sprintf("Mann-Whitney U test, Holm-Bonferroni over %s at alpha %g, threshold %s",
		plural(r.Tests, "comparison"), r.Alpha, pct(r.Threshold))
}

func writeText(w io.Writer, r *Report) {
	short, common := shortNames(r)
	fmt.Fprintf(w, "old: %s\nnew: %s\n", r.Old, r.New)
	if common != "" {
		fmt.Fprintf(w, "common: %s\n", common)
	}
	fmt.Fprintf(w, "result: %s (%s)\n", r.Summary(), r.method())
	for _, t := range r.Tables {
		fmt.Fprintln(w)
		rows := [][]string{{t.Unit, "old", "new", "change", fmt.Sprintf("%.0f%% CI", 100*r.Confidence), "p", "p (Holm)", "n", ""}}
		rows = append(rows, tableRows(t, r, short, false)...)
		writeAligned(w, rows)
		fmt.Fprintf(w, "(%s)\n", tableNote(t))
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, s := range r.Warnings {
			fmt.Fprintf(w, "warning: %s\n", s)
		}
	}
}

func writeMarkdown(w io.Writer, r *Report) {
	short, common := shortNames(r)
	mark := "✅ no regression"
	if r.Regressions > 0 {
		mark = "❌ " + plural(r.Regressions, "regression")
	}
	fmt.Fprintf(w, "### snbench compare: %s\n\n", mark)
	fmt.Fprintf(w, "%s. Old `%s`, new `%s`; %s.\n", r.Summary(), mdEscape(r.Old), mdEscape(r.New), r.method())
	if common != "" {
		fmt.Fprintf(w, "Common to every benchmark: `%s`.\n", mdEscape(common))
	}
	for _, t := range r.Tables {
		fmt.Fprintf(w, "\n#### %s (%s)\n\n", t.Unit, tableNote(t))
		fmt.Fprintf(w, "| benchmark | old | new | change | %.0f%% CI | p | p (Holm) | n | |\n", 100*r.Confidence)
		fmt.Fprintln(w, "|:--|--:|--:|--:|:-:|--:|--:|--:|:--|")
		for _, row := range tableRows(t, r, short, true) {
			for i := range row {
				row[i] = mdEscape(row[i])
			}
			row[0] = "`" + row[0] + "`"
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, s := range r.Warnings {
			fmt.Fprintf(w, "> ⚠️ %s\n>\n", mdEscape(s))
		}
	}
}

// tableRows formats a table's rows and its geomean.
func tableRows(t *Table, r *Report, short map[string]string, md bool) [][]string {
	var vals []float64
	for _, row := range t.Rows {
		vals = append(vals, row.Old.Value, row.New.Value)
	}
	sc := benchunit.CommonScale(finite(vals), benchunit.ClassOf(t.Unit))
	all := t.Rows
	if t.Geomean != nil {
		all = append(all[:len(all):len(all)], t.Geomean)
	}
	var out [][]string
	for _, row := range all {
		name := row.Name
		if s, ok := short[name]; ok {
			name = s
		}
		change := signedPct(row.Change)
		switch {
		case row.Verdict == VerdictSame:
			change = "~"
		case md && row.Verdict == VerdictRegression:
			change = "**" + change + "**"
		}
		n := fmt.Sprintf("%d+%d", row.Old.N, row.New.N)
		if row.Method == "" {
			n = ""
		}
		out = append(out, []string{name, centre(sc, row.Old), centre(sc, row.New), change,
			interval(row), pValue(row.P), pValue(row.PAdj), n, verdictWords(row, md)})
	}
	return out
}

func finite(xs []float64) []float64 {
	var out []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return []float64{0}
	}
	return out
}

// centre formats a summary as benchstat does: "1.016µ ± 2%".
func centre(sc benchunit.Scaler, c Center) string {
	if math.IsNaN(c.Value) {
		return "-"
	}
	v := sc.Format(c.Value)
	if math.IsNaN(c.Lo) || math.IsNaN(c.Hi) {
		return v
	}
	if math.IsInf(c.Lo, 0) || math.IsInf(c.Hi, 0) {
		return v + " ± ∞"
	}
	if c.Value == 0 || math.Signbit(c.Lo) != math.Signbit(c.Value) || math.Signbit(c.Hi) != math.Signbit(c.Value) {
		return v + " ± ?"
	}
	return fmt.Sprintf("%s ± %.0f%%", v, 100*math.Max(c.Hi/c.Value-1, 1-c.Lo/c.Value))
}

func interval(row *Row) string {
	if math.IsNaN(row.ChangeLo) || math.IsNaN(row.ChangeHi) {
		if row.Method == "" {
			return ""
		}
		return "n/a"
	}
	return fmt.Sprintf("[%s, %s]", signedPct(row.ChangeLo), signedPct(row.ChangeHi))
}

func signedPct(f float64) string {
	if math.IsNaN(f) {
		return "?"
	}
	return fmt.Sprintf("%+.2f%%", 100*f)
}

func pct(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", 100*f), "0"), ".0") + "%"
}

func pValue(p float64) string {
	switch {
	case math.IsNaN(p):
		return ""
	case p < 0.001:
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.3f", p)
}

func verdictWords(row *Row, md bool) string {
	switch row.Verdict {
	case VerdictRegression:
		if md {
			return "❌ regression"
		}
		return "REGRESSION"
	case VerdictImprovement:
		return "improvement"
	case VerdictWithin:
		return "within threshold"
	case VerdictUngated:
		return "changed (direction unknown)"
	}
	return ""
}

func betterWords(better int) string {
	switch better {
	case 1:
		return "higher is better"
	case -1:
		return "lower is better"
	}
	return "better direction unknown: never a regression"
}

// tableNote says how to read a table: direction, threshold, and where
// the intervals come from.
func tableNote(t *Table) string {
	s := betterWords(t.Better)
	if t.Better != 0 {
		s += "; threshold " + pct(t.Threshold)
	}
	if slices.ContainsFunc(t.Rows, func(r *Row) bool { return r.Method == "bootstrap" }) {
		s += "; percentiles of the merged repetitions, bootstrap CIs"
	}
	return s
}

// mdEscape makes s safe in a Markdown table cell. Most cells need
// nothing: only those that do pay for a replacement (a strings.Replacer
// built per call cost a third of compare's fuzz target, per cell).
func mdEscape(s string) string {
	if !strings.ContainsAny(s, "|\n") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// writeAligned writes rows as columns: the first left-aligned, the others
// right-aligned, the last left-aligned.
func writeAligned(w io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			switch {
			case i == 0:
				b.WriteString(c + pad)
			case i == len(r)-1:
				b.WriteString("  " + c)
			default:
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
