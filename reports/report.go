package reports

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// File names of a report directory.
const (
	// IndexFile is the self-contained HTML report.
	IndexFile = "index.html"
	// PlotDir holds each figure as PNG and SVG.
	PlotDir = "plots"
	// manifestFile lists the files the last report wrote, so that a new
	// report into the same directory removes the plots the old one drew
	// and this one does not (and nothing else).
	manifestFile = ".snbench-report"
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
// does not are removed. It returns the path of index.html.
func (r *Report) WriteFiles(dir string) (string, error) {
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
	old := readManifest(dir)
	for _, n := range names {
		var b bytes.Buffer
		if err := files[n](&b); err != nil {
			return "", fmt.Errorf("report %s: %w", filepath.Join(dir, n), err)
		}
		if err := results.WriteFileAtomic(filepath.Join(dir, n), b.Bytes()); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
	}
	for _, n := range old {
		if !slices.Contains(names, n) {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
	manifest := "# files written by snbench's last report here\n" + strings.Join(names, "\n") + "\n"
	if err := results.WriteFileAtomic(filepath.Join(dir, manifestFile), []byte(manifest)); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return filepath.Join(dir, IndexFile), nil
}

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

// readManifest returns the files the last report into dir wrote that a
// report may remove.
func readManifest(dir string) []string {
	f, err := os.Open(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n := strings.TrimSpace(sc.Text())
		if !filepath.IsLocal(n) || !ours(n) {
			continue
		}
		out = append(out, n)
	}
	return out
}
