package reports

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/outdir"
)

// File names of a report directory.
const (
	// IndexFile is the self-contained HTML report.
	IndexFile = "index.html"
	// PlotDir holds each figure as PNG and SVG.
	PlotDir = "plots"
	// manifestFile lists the files snbench wrote into the directory (see
	// internal/outdir), so that a new report removes the plots the old
	// one drew and this one does not, and never touches anything else.
	manifestFile = outdir.ManifestFile
)

// Report is everything a report shows, derived from one set of results.
// Build one with New.
type Report struct {
	// Results are the results reported on.
	Results *results.Results
	// Sources name the results files merged into Results, when there was
	// more than one.
	Sources []string
	// Figures are the plots that make sense for Results, and PlotNotes
	// say which were left out and why.
	Figures   []*Figure
	PlotNotes []string
}

// New derives the report of res. sources, if any, name the files res was
// merged from.
func New(res *results.Results, sources ...string) (*Report, error) {
	figs, notes, err := Figures(res)
	if err != nil {
		return nil, err
	}
	return &Report{Results: res, Sources: sources, Figures: figs, PlotNotes: notes}, nil
}

// Write writes the report of res into dir (see Report.WriteFiles) and
// returns the path of its index.html.
func Write(dir string, res *results.Results) (string, error) {
	r, err := New(res)
	if err != nil {
		return "", err
	}
	return r.WriteFiles(dir)
}

// WriteFiles writes the report into dir: index.html; the summary, scaling,
// (when the task count varies) doubling, (in open loop) load and (after a
// capacity search) capacity tables as .txt, .md and .csv;
// and every figure under plots/ as PNG and SVG. Each file is written
// atomically. Files that an earlier report into dir wrote and this one
// does not are removed. It returns the path of index.html. It refuses to
// replace a file snbench did not write (see internal/outdir and WriteTo).
func (r *Report) WriteFiles(dir string) (string, error) {
	d, err := outdir.Open(dir, false)
	if err == nil {
		err = d.Check(IsReportFile, PlotDir)
	}
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return r.WriteTo(d)
}

// WriteTo writes the report into d, as WriteFiles describes, index.html
// last: a directory with a new index.html holds the whole new report. If a
// file cannot be written, the files of an earlier report that this one was
// replacing are removed too, so nothing stale passes for part of it, and
// the error is an *outdir.PartialError saying what was and was not written.
func (r *Report) WriteTo(d *outdir.Dir) (string, error) {
	files := map[string]func(io.Writer) error{IndexFile: r.WriteHTML}
	for ext, format := range map[string]string{".txt": FormatTerminal, ".md": FormatMarkdown, ".csv": FormatCSV} {
		files["summary"+ext] = func(w io.Writer) error { return WriteTable(w, r.Results, format) }
		files["scaling"+ext] = func(w io.Writer) error { return WriteScalingTable(w, r.Results, format) }
		if len(Growths(r.Results)) > 0 {
			files["growth"+ext] = func(w io.Writer) error { return WriteGrowthTable(w, r.Results, format) }
		}
		if HasLoad(r.Results) {
			files["load"+ext] = func(w io.Writer) error { return WriteLoadTable(w, r.Results, format) }
		}
		if len(r.Results.Capacity) > 0 {
			files["capacity"+ext] = func(w io.Writer) error { return WriteCapacityTable(w, r.Results, format) }
		}
	}
	for _, f := range r.Figures {
		files[filepath.Join(PlotDir, f.Name+".png")] = f.WritePNG
		files[filepath.Join(PlotDir, f.Name+".svg")] = f.WriteSVG
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	names = append(slices.DeleteFunc(names, func(n string) bool { return n == IndexFile }), IndexFile)
	for i, n := range names {
		var b bytes.Buffer
		err := files[n](&b)
		if err != nil {
			err = fmt.Errorf("%s: %w", n, err)
		} else {
			err = d.WriteFile(n, b.Bytes()) // names the file itself
		}
		if err != nil {
			_, _ = d.Prune(IsReportFile)
			return "", fmt.Errorf("report: %w", &outdir.PartialError{Dir: d.Path(), Written: d.Written(), NotWritten: names[i:],
				Err: err})
		}
	}
	if _, err := d.Prune(IsReportFile); err != nil {
		return "", fmt.Errorf("report: removing the last report's stale files: %w", err)
	}
	return d.Join(IndexFile), nil
}

// IsReportFile reports whether a report could write the file named n
// (slash-separated, relative to the report directory): a report replaces
// or removes nothing else, such as results.json.
func IsReportFile(n string) bool { return ours(filepath.FromSlash(n)) }

// ours reports whether a report could have written the file n: a
// manifest can then never make a report remove anything else (such as
// results.json).
func ours(n string) bool {
	if d, f := filepath.Split(n); d == PlotDir+string(filepath.Separator) {
		ext := filepath.Ext(f)
		return (ext == ".png" || ext == ".svg") && !strings.ContainsAny(f, "/\\")
	}
	for _, stem := range []string{"summary", "scaling", "growth", "load", "capacity"} {
		for _, ext := range []string{".txt", ".md", ".csv"} {
			if n == stem+ext {
				return true
			}
		}
	}
	return n == IndexFile
}
