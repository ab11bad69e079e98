package reports

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Fitting a terminal table to the terminal. The full summary table is
// about 140 columns wide; in an 80- or 120-column terminal every row would
// wrap onto two lines and the status column land on the second. A table
// written to a writer from FitTo drops columns, least telling first, until
// its rows fit, says under it which it left out, and, when even the key
// columns and the status do not fit in box drawing, falls back to a
// compact layout without borders. Markdown and CSV, and terminal tables
// written anywhere else (the report's summary.txt), keep every column.

// fitWriter is an io.Writer that carries the width terminal tables must
// fit. Text written to it (captions and notes, written a line or more at a
// time) is wrapped at spaces to the width; tables go to the underlying
// writer as renderGrid fitted them.
type fitWriter struct {
	w     io.Writer
	width int
}

func (f *fitWriter) Write(p []byte) (int, error) {
	lines := strings.Split(string(p), "\n")
	for i, l := range lines {
		lines[i] = wrapText(l, f.width)
	}
	if _, err := io.WriteString(f.w, strings.Join(lines, "\n")); err != nil {
		return 0, err
	}
	return len(p), nil
}

// FitTo returns a writer for w whose terminal tables (FormatTerminal) fit
// width columns: every row on one line, the status column always shown.
// A width of 0 or less means no limit, and FitTo returns w itself.
func FitTo(w io.Writer, width int) io.Writer {
	if width <= 0 {
		return w
	}
	return &fitWriter{w: w, width: width}
}

// fitWidth returns the width w's tables must fit, or 0 for no limit, and
// the writer a fitted table goes to unwrapped.
func fitWidth(w io.Writer) (int, io.Writer) {
	if f, ok := w.(*fitWriter); ok {
		return f.width, f.w
	}
	return 0, w
}

// dropOrder names the columns a fitted table may leave out, in the order
// it leaves them out: detail that another column or the report holds
// (p99.9 and max beside p99, efficiency beside speedup, the raw
// transport's own figures) before the figures a comparison reads (tasks/s,
// its interval, p50, p99, speedup). Key columns (topology, workers and the
// varying scales) and status are never left out.
func dropOrder() []string {
	return []string{
		// summary
		"p99.9", "p90", "efficiency", "max", "cpu/task", "vs best", "speedup",
		// load
		"lag p50", "unloaded rt", "window full", "p99 from send", "lag p99",
		// baseline
		"p50 / raw", "raw p50", "raw tasks/s",
		// scaling, growth, capacity
		"X(N*)", "N*", "R²", "kappa", "T(n')", "order b", "steps",
		// last resort, before the compact layout; the window only where
		// it is no key (see droppable)
		"window", "p50", "±95% CI",
	}
}

// droppable says whether column i of hdr may be left out: any named in
// dropOrder but the window, which may only where every row's is an auto
// window ("auto→16"), the plan's one window, so no key of the table.
func droppable(hdr []string, rows [][]string, i int) bool {
	if hdr[i] != "window" {
		return true
	}
	for _, r := range rows {
		if i >= len(r) || !strings.HasPrefix(r[i], "auto") {
			return false
		}
	}
	return true
}

// fitGrid returns the columns of hdr and rows that fit width in box
// drawing, and the header names it left out; compact is set when even the
// columns it may not leave out are too wide, and the table should be drawn
// without borders.
func fitGrid(width int, hdr []string, rows [][]string, left map[int]bool) (h []string, r [][]string, l map[int]bool, hidden []string, compact bool) {
	keep := make([]bool, len(hdr))
	for i := range keep {
		keep[i] = true
	}
	h, r, l = hdr, rows, left
	for _, name := range dropOrder() {
		if boxWidth(h, r) <= width {
			return h, r, l, hidden, false
		}
		i := slices.Index(hdr, name)
		if i < 0 || !keep[i] || !droppable(hdr, rows, i) {
			continue
		}
		keep[i] = false
		hidden = append(hidden, name)
		h, r, l = project(hdr, rows, left, keep)
	}
	return h, r, l, hidden, boxWidth(h, r) > width
}

// project returns the kept columns of hdr, rows and left.
func project(hdr []string, rows [][]string, left map[int]bool, keep []bool) ([]string, [][]string, map[int]bool) {
	var h []string
	l := map[int]bool{}
	for i, name := range hdr {
		if keep[i] {
			if left[i] {
				l[len(h)] = true
			}
			h = append(h, name)
		}
	}
	r := make([][]string, len(rows))
	for j, row := range rows {
		for i, v := range row {
			if i < len(keep) && keep[i] {
				r[j] = append(r[j], v)
			}
		}
	}
	return h, r, l
}

// colWidths returns each column's widest cell, header included, in
// characters.
func colWidths(hdr []string, rows [][]string) []int {
	w := make([]int, len(hdr))
	for i, s := range hdr {
		w[i] = utf8.RuneCountInString(s)
	}
	for _, row := range rows {
		for i, s := range row {
			if i < len(w) {
				w[i] = max(w[i], utf8.RuneCountInString(s))
			}
		}
	}
	return w
}

// boxWidth is the width of the box-drawing table renderGrid draws: each
// column its widest cell plus a space each side, and a rule between and
// around the columns.
func boxWidth(hdr []string, rows [][]string) int {
	n := 1
	for _, w := range colWidths(hdr, rows) {
		n += w + 3
	}
	return n
}

// renderCompact draws a table without borders: columns two spaces apart,
// the header underlined with dashes.
func renderCompact(w io.Writer, hdr []string, rows [][]string, left map[int]bool) error {
	widths := colWidths(hdr, rows)
	var b bytes.Buffer
	line := func(cells []string) {
		var parts []string
		for i, s := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
			if left[i] {
				parts = append(parts, s+pad)
			} else {
				parts = append(parts, pad+s)
			}
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, "  "), " "))
		b.WriteByte('\n')
	}
	line(hdr)
	rule := make([]string, len(hdr))
	for i, n := range widths {
		rule[i] = strings.Repeat("-", n)
	}
	line(rule)
	for _, r := range rows {
		line(r)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// hiddenNote is the line under a fitted table naming the columns it left
// out.
func hiddenNote(width int, hidden []string) string {
	return fmt.Sprintf("not shown at %d columns: %s (--wide shows every column; markdown, csv and json keep them)",
		width, strings.Join(hidden, ", "))
}

// wrapText breaks s into lines of at most width characters at spaces
// (a word longer than width stands on its own line); width ≤ 0 leaves s
// as it is. Lines after the first are indented by two spaces.
func wrapText(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	var out strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		wl := utf8.RuneCountInString(word)
		switch {
		case i == 0:
		case n+1+wl > width:
			out.WriteString("\n  ")
			n = 2
		default:
			out.WriteByte(' ')
			n++
		}
		out.WriteString(word)
		n += wl
	}
	return out.String()
}
