package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/snbench/snbench/bench/results"
)

// WriteScalingTable writes the Universal Scalability Law fits of res in
// format (FormatTerminal, FormatMarkdown or FormatCSV): one row per
// topology and scale, then for the terminal and Markdown a caption and a
// line per sweep saying where it stops scaling.
func WriteScalingTable(w io.Writer, res *results.Results, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	ss := Scalings(res)
	if format == FormatCSV {
		return writeScalingCSV(w, ss)
	}
	hdr, rows, left := scalingGrid(res, ss)
	if err := renderGrid(w, format, hdr, rows, left); err != nil {
		return err
	}
	if err := writeCaption(w, format, uslCaption); err != nil {
		return err
	}
	bullet := ""
	if format == FormatMarkdown {
		bullet = "- "
	}
	for _, s := range ss {
		if _, err := fmt.Fprintf(w, "%s%s: %s\n", bullet, withScale(s.Topology, s.Scale), s.Verdict()); err != nil {
			return err
		}
	}
	return nil
}

// uslCaption defines the scaling table's figures.
const uslCaption = "USL fit X(N) = lambda*N / (1 + sigma*(N-1) + kappa*N*(N-1)) " +
	"to the mean throughput at each worker count, by bounded least squares; [lo, hi] is a parameter's " +
	"approximate 95% confidence interval (estimate ± t(0.975, n-3) asymptotic standard errors, clipped to " +
	"sigma in [0, 1] and kappa ≥ 0; none with 3 points); N* = sqrt((1-sigma)/kappa) is the predicted peak, " +
	"shown only where kappa's interval excludes 0 (else throughput levels off towards lambda/sigma)."

// scalingGrid lays out the USL table: header, rows and the left-aligned
// columns.
func scalingGrid(res *results.Results, ss []Scaling) ([]string, [][]string, map[int]bool) {
	scaled := len(scalesOf(res)) > 1
	hdr := []string{"topology"}
	if !acrossTopologies(res) {
		hdr[0] = "benchmark"
	}
	if scaled {
		hdr = append(hdr, "scale")
	}
	hdr = append(hdr, "workers", "lambda (tasks/s)", "sigma", "kappa", "R²", "N*", "X(N*)", "measured best")
	rows := make([][]string, len(ss))
	for i, s := range ss {
		rows[i] = scalingRow(s, scaled)
	}
	left := map[int]bool{0: true}
	if scaled {
		left[1] = true
	}
	return hdr, rows, left
}

func scalingRow(s Scaling, scaled bool) []string {
	row := []string{s.Topology}
	if scaled {
		row = append(row, s.Scale)
	}
	row = append(row, workersRange(s.Points))
	best := "-"
	if p, ok := s.MeasuredPeak(); ok {
		best = fmt.Sprintf("%s @ %g", FormatRate(p.X, SigFigsFor(s.Noise)), p.N)
	}
	if s.Fit == nil {
		return append(row, "-", "-", "-", "-", "-", "-", best)
	}
	f := s.Fit
	nStar, xStar := "none", "-"
	if n, x, ok := f.Peak(); ok && f.KappaResolved() {
		nStar, xStar = sigFig(n, 2), FormatRate(x, SigFigsFor(s.Noise))
	}
	rate := func(v float64) string { return FormatRate(v, SigFigsFor(s.Noise)) }
	return append(row, withCI(f, f.Lambda, f.LambdaCI, rate), withCI(f, f.Sigma, f.SigmaCI, formatParam),
		withCI(f, f.Kappa, f.KappaCI, formatParam), formatR2(f.R2), nStar, xStar, best)
}

// withCI formats a fitted parameter followed by its 95% interval, where
// the fit has intervals: "0.028 [0.0027, 0.053]".
func withCI(f *USLFit, v float64, ci Interval, format func(float64) string) string {
	if !f.HasCI {
		return format(v)
	}
	return format(v) + " " + formatInterval(ci, format)
}

// workersRange formats the worker counts of pts: "1-8 (4)".
func workersRange(pts []Point) string {
	switch len(pts) {
	case 0:
		return "-"
	case 1:
		return fmt.Sprintf("%g", pts[0].N)
	}
	return fmt.Sprintf("%g-%g (%d)", pts[0].N, pts[len(pts)-1].N, len(pts))
}

// formatParam formats a USL coefficient with 2 significant digits: fits
// to a handful of noisy points do not deserve more.
func formatParam(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

func formatR2(r float64) string {
	if math.IsNaN(r) {
		return "-"
	}
	return strconv.FormatFloat(r, 'f', 2, 64)
}

func writeScalingCSV(w io.Writer, ss []Scaling) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"topology", "scale", "workers", "points", "lambda", "sigma", "kappa", "r2",
		"n_star", "x_n_star", "lambda_lo", "lambda_hi", "sigma_lo", "sigma_hi", "kappa_lo", "kappa_hi",
		"kappa_resolved", "ceiling", "best_workers", "best_tasks_per_s", "skipped", "reason"})
	for _, s := range ss {
		best, _ := s.MeasuredPeak()
		row := []string{s.Topology, s.Scale, workersRange(s.Points), strconv.Itoa(len(s.Points))}
		if f := s.Fit; f != nil {
			row = append(row, fitCSV(f)...)
		} else {
			row = append(row, make([]string, 14)...)
		}
		row = append(row, csvFloat(best.N), csvFloat(best.X), strconv.Itoa(s.Skipped), s.Reason)
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// fitCSV is a fit's columns of the scaling CSV: the parameters, R², the
// peak (inf without a resolved kappa), the intervals (empty without), and
// without a resolved kappa the ceiling lambda/sigma of the fit with kappa
// = 0.
func fitCSV(f *USLFit) []string {
	n, x, _ := f.Peak()
	if !f.KappaResolved() {
		n, x = math.Inf(1), f.Ceiling()
	}
	row := []string{csvFloat(f.Lambda), csvFloat(f.Sigma), csvFloat(f.Kappa), csvFloat(f.R2), csvFloat(n), csvFloat(x)}
	for _, ci := range []Interval{f.LambdaCI, f.SigmaCI, f.KappaCI} {
		if f.HasCI {
			row = append(row, csvFloat(ci.Lo), csvFloat(ci.Hi))
		} else {
			row = append(row, "", "")
		}
	}
	if f.KappaResolved() {
		return append(row, "true", "")
	}
	return append(row, "false", csvFloat(f.Ceiling()))
}

// csvFloat formats v for CSV: empty for NaN, "inf" for infinity.
func csvFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case math.IsInf(v, 1):
		return "inf"
	}
	return plainFloat(v)
}

// plainFloat formats v for CSV with 6 significant digits and never an
// exponent (10744000, not 1.0744e+07), so that spreadsheets and scripts
// read every figure the same way.
func plainFloat(v float64) string {
	return strconv.FormatFloat(roundSig(v, 6), 'f', -1, 64)
}

// WriteGrowthTable writes the doubling analysis of res (see Growth) in
// format. It writes nothing when the plan has a single task count.
func WriteGrowthTable(w io.Writer, res *results.Results, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	gs := Growths(res)
	if len(gs) == 0 {
		return nil
	}
	if format == FormatCSV {
		return writeGrowthCSV(w, gs)
	}
	hdr, rows, left := growthGrid(gs)
	if err := renderGrid(w, format, hdr, rows, left); err != nil {
		return err
	}
	return writeCaption(w, format, "Doubling test: T is the mean wall time of a repetition; "+
		"T(2n)/T(n) = 2 and b = log2 of it = 1 mean a constant cost per task (± is an approximate 95% CI).")
}

// growthGrid lays out the doubling table.
func growthGrid(gs []Growth) ([]string, [][]string, map[int]bool) {
	scaled := false
	for _, g := range gs {
		scaled = scaled || g.Scale != ""
	}
	hdr := []string{"topology", "workers"}
	if scaled {
		hdr = append(hdr, "scale")
	}
	hdr = append(hdr, "tasks", "T(n)", "T(n')", "T(2n)/T(n)", "order b", "reading")
	rows := make([][]string, len(gs))
	for i, g := range gs {
		row := []string{g.Topology, strconv.Itoa(g.Workers)}
		if scaled {
			row = append(row, g.Scale)
		}
		dec := 2 // digits after the point, fewer when the interval is wide
		if g.OrderErr >= 0.1 {
			dec = 1
		}
		order := strconv.FormatFloat(g.Order, 'f', dec, 64)
		if g.OrderErr > 0 {
			order += " ±" + strconv.FormatFloat(g.OrderErr, 'f', dec, 64)
		}
		rows[i] = append(row, fmt.Sprintf("%d → %d", g.N1, g.N2),
			FormatDuration(g.T1, 3), FormatDuration(g.T2, 3),
			strconv.FormatFloat(g.Ratio, 'f', dec, 64), order, g.Reading())
	}
	left := map[int]bool{0: true, len(hdr) - 1: true}
	if scaled {
		left[2] = true
	}
	return hdr, rows, left
}

func writeGrowthCSV(w io.Writer, gs []Growth) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"topology", "workers", "scale", "n1", "n2", "t1_ns", "t2_ns", "doubling_ratio", "order", "order_ci"})
	for _, g := range gs {
		_ = cw.Write([]string{g.Topology, strconv.Itoa(g.Workers), g.Scale, strconv.Itoa(g.N1), strconv.Itoa(g.N2),
			csvFloat(g.T1), csvFloat(g.T2), csvFloat(g.Ratio), csvFloat(g.Order), csvFloat(g.OrderErr)})
	}
	cw.Flush()
	return cw.Error()
}
