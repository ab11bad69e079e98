package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/snbench/snbench/bench/results"
)

//go:embed report.html.tmpl
var pageTemplate string

// page is the parsed template, parsed on first use rather than when every
// process of this binary starts (node processes included).
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Parse(pageTemplate))
})

// htmlTable is a table as the page template draws it.
type htmlTable struct {
	ID     string
	Header []string
	Rows   []htmlRow
	Left   []bool // left-aligned (text) columns; the others are numbers
}

type htmlRow struct {
	Cells []string
	Class string // "", "fail" or "warn"
}

type htmlFigure struct {
	Name, Caption, PNG, SVGFile string
	SVG                         template.HTML
}

type htmlProblem struct {
	Class, Tag, What string
	Details          []string
}

// pageData is what the page template reads.
type pageData struct {
	Title, Subtitle, Alert, Command string
	Plan, Env                       [][2]string
	Sources                         []string
	Findings                        []string
	Summary                         htmlTable
	SummaryCaption                  string
	Figures                         []htmlFigure
	PlotNotes                       []string
	Scaling                         htmlTable
	Verdicts                        []string
	Growth                          *htmlTable
	Problems                        []htmlProblem
	ProblemCount                    int
	Schema                          int
	Extra                           []extraTable
	// ClosedLoop is set when some cell ran closed loop (see closedLoop).
	ClosedLoop bool
	// Ties are the comparisons the summary's intervals do not establish
	// (see tieNotes).
	Ties []string
	// SummaryLegend explains the marks in the summary table, if any.
	SummaryLegend string
	// GoTest is set for results read from go test -bench output, and
	// Across where their topologies compare (see acrossTopologies).
	GoTest, Across bool
}

// extraTable is a table of a run mode the summary does not cover (open
// loop, capacity search, raw baselines): an HTML table with a caption,
// or, where it has none, the text the terminal prints.
type extraTable struct {
	Title, Caption, Text string
	Table                *htmlTable
}

// extraTables returns the tables of res's other run modes: for a
// capacity search the rate each topology sustained at each scale, each
// search's outcome and every step with its verdict; for open loop the load
// table; and the raw baselines.
func extraTables(res *results.Results) ([]extraTable, error) {
	var out []extraTable
	if len(res.Capacity) > 0 {
		outcome, steps := capacityTables(res)
		out = append(out,
			extraTable{Title: "Capacity across topologies and scales", Table: capacityMatrix(res),
				Caption: "The highest offered rate (tasks/s) each topology sustained at each scale. " +
					strings.ToUpper(passRule(res.Plan)[:1]) + passRule(res.Plan)[1:] + ". '<' marks a search " +
					"whose first step already failed; '*' one that stopped early (see the next table)."},
			extraTable{Title: "Capacity search", Table: outcome,
				Caption: "Each search's outcome: the highest passing rate, what that step achieved, and how many steps it took."},
			extraTable{Title: "Capacity steps", Table: steps,
				Caption: "Every rate each search tried, in order: doubling until a step fails, then bisecting. " +
					"Failed steps are in red, the highest passing one in bold." + stepLegend(res)})
	}
	if HasLoad(res) {
		out = append(out, extraTable{Title: "Open-loop load", Table: loadTable(res),
			Caption: strings.ToUpper(loadCaption[:1]) + loadCaption[1:] + ". Rows shaded amber carry warnings, " +
				"red failed (see Problems)." + loadLegend(res)})
	}
	if HasAutoWindows(res) {
		out = append(out, extraTable{Title: "Window probes", Table: autoWindowTable(res), Caption: autoWindowCaption})
	}
	if HasBaselines(res) {
		var b bytes.Buffer
		if err := WriteBaselineTable(&b, res, FormatTerminal); err != nil {
			return nil, fmt.Errorf("html report: raw transport baselines: %w", err)
		}
		out = append(out, extraTable{Title: "Raw transport baselines", Text: b.String()})
	}
	return out, nil
}

// closedLoop reports whether any cell of res ran closed loop: only
// those have a throughput to fit a scaling law to.
func closedLoop(res *results.Results) bool {
	for i := range res.Cells {
		if res.Cells[i].Rate == 0 {
			return true
		}
	}
	return false
}

// WriteHTML writes the report as one self-contained HTML page: plots
// inline as SVG, styles inline, no scripts and nothing fetched. It links
// each plot's PNG and SVG files under plots/, where WriteFiles puts them.
func (r *Report) WriteHTML(w io.Writer) error {
	res := r.Results
	d := pageData{
		Title:    "snbench report: " + strings.Join(topologiesOf(res), " vs "),
		Subtitle: subtitle(res), Command: command(res.Plan),
		Plan: planRows(res.Plan), Env: envRows(res), Sources: r.Sources,
		GoTest: res.GoTest != nil, Across: acrossTopologies(res),
		Findings: Findings(res), Ties: tieNotes(res), PlotNotes: r.PlotNotes,
		Scaling: scalingTable(res), Growth: growthTable(res),
		Problems: problems(res), Schema: res.Schema, ClosedLoop: closedLoop(res),
	}
	if res.GoTest != nil {
		// Nothing snbench ran: no command line, the go test facts.
		d.Title, d.Subtitle, d.Command = goTestTitle(res), goTestSubtitle(res), ""
		d.Plan, d.Env = goTestPlanRows(res), goTestEnvRows(res)
	}
	d.Summary, d.SummaryCaption = summaryTable(res)
	for _, s := range Scalings(res) {
		d.Verdicts = append(d.Verdicts, withScale(s.Topology, s.Scale)+": "+s.Verdict()+".")
	}
	var err error
	if d.Extra, err = extraTables(res); err != nil {
		return err
	}
	d.SummaryLegend = htmlLegend(res)
	d.ProblemCount = len(d.Problems)
	if p := problemCount(res); p != "" && hasFailure(res) {
		d.Alert = strings.TrimSuffix(p, ": see Problems.") + "."
	}
	for _, f := range r.Figures {
		var b bytes.Buffer
		if err := f.WriteSVG(&b); err != nil {
			return err
		}
		d.Figures = append(d.Figures, htmlFigure{Name: f.Name, Caption: f.Caption,
			PNG: path.Join(PlotDir, f.Name+".png"), SVGFile: path.Join(PlotDir, f.Name+".svg"),
			SVG: template.HTML(inlineSVG(b.Bytes(), f.Title))})
	}
	if err := page().Execute(w, d); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// The patterns inlineSVG replaces, compiled on first use.
var (
	xmlProlog = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?s)^<\?xml[^>]*\?>\s*(<!--.*?-->\s*)?`)
	})
	svgSize = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^<svg width="[^"]*" height="[^"]*"`) })
)

// inlineSVG prepares a standalone SVG document for inclusion in HTML: no
// XML prolog, no fixed size (CSS scales it), and a title for screen
// readers.
func inlineSVG(svg []byte, title string) string {
	s := xmlProlog().ReplaceAllString(string(svg), "")
	s = svgSize().ReplaceAllString(s, `<svg role="img" aria-label="`+template.HTMLEscapeString(title)+`"`)
	return s
}

func hasFailure(res *results.Results) bool {
	for i := range res.Cells {
		if c := &res.Cells[i]; !usable(c) || c.Status != results.StatusOK {
			return true
		}
	}
	return res.Incomplete
}

func subtitle(res *results.Results) string {
	p := res.Plan
	s := fmt.Sprintf("workload %s, %d topolog%s, %d cells, %d repetitions each", p.Workload,
		len(topologiesOf(res)), map[bool]string{true: "y", false: "ies"}[len(topologiesOf(res)) == 1],
		len(res.Cells), p.Repetitions)
	if !res.Started.IsZero() {
		s += ", run " + res.Started.UTC().Format("2006-01-02 15:04 UTC")
		if d := res.Finished.Sub(res.Started); d > 0 {
			s += " (" + d.Round(100*time.Millisecond).String() + ")"
		}
	}
	return s
}

// command is the snbench run command line that repeats the plan.
func command(p results.Plan) string {
	ints := func(vs []int) string {
		s := make([]string, len(vs))
		for i, v := range vs {
			s[i] = fmt.Sprint(v)
		}
		return strings.Join(s, ",")
	}
	c := fmt.Sprintf("snbench run --topology %s --workload %s --workers %s --tasks %s --payload %s --batch %s --window %s \\\n"+
		"  --dispatch %s --repetitions %d --warmup %d --seed %d --task-timeout %s",
		strings.Join(p.Topologies, ","), p.Workload, ints(p.Workers), ints(p.Tasks), ints(p.Payload), ints(p.Batch),
		p.Window.String(), p.Dispatch, p.Repetitions, p.Warmup, p.Seed, p.TaskTimeout.D())
	if p.CPU > 0 {
		c += " --cpu " + p.CPU.D().String()
	}
	if p.Wait > 0 {
		c += " --wait " + p.Wait.D().String()
	}
	if len(p.Rate) > 0 {
		c += " \\\n  --rate " + ints(p.Rate) + " --duration " + p.Duration.D().String()
		if p.Arrivals != "" {
			c += " --arrivals " + p.Arrivals
		}
	}
	if s := p.Search; s != nil {
		c += fmt.Sprintf(" \\\n  --rate-steps --rate-start %d --rate-max %d --precision %g --duration %s", s.Start, s.Max, s.Precision, p.Duration.D())
		if p.SLO != "" {
			c += " --slo '" + p.SLO + "'"
		}
	}
	if p.Baselines {
		c += " --baselines"
	}
	topos := make([]string, 0, len(p.Options))
	for t := range p.Options {
		topos = append(topos, t)
	}
	slices.Sort(topos)
	for _, t := range topos {
		names := make([]string, 0, len(p.Options[t]))
		for n := range p.Options[t] {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if v := p.Options[t][n]; v == "true" {
				c += " --" + n
			} else {
				c += " --" + n + " " + v
			}
		}
	}
	return c
}

func planRows(p results.Plan) [][2]string {
	ints := func(vs []int) string { return strings.Trim(fmt.Sprint(vs), "[]") }
	rows := [][2]string{
		{"topologies", strings.Join(p.Topologies, ", ")}, {"workload", p.Workload},
		{"workers", ints(p.Workers)}, {"tasks per repetition", ints(p.Tasks)},
		{"payload (int64 values per task)", ints(p.Payload)}, {"batch (tasks per frame)", ints(p.Batch)},
		{"window (batches in flight per node)", windowsText(p.Window)}, {"dispatch", p.Dispatch},
		{"repetitions", fmt.Sprint(p.Repetitions)}, {"warm-up tasks", fmt.Sprint(p.Warmup)},
		{"seed", fmt.Sprint(p.Seed)},
	}
	if p.CPU > 0 {
		rows = append(rows, [2]string{"CPU per task", p.CPU.D().String()})
	}
	if p.Wait > 0 {
		rows = append(rows, [2]string{"wait per task", p.Wait.D().String()})
	}
	if len(p.Rate) > 0 {
		rows = append(rows, [2]string{"offered rates (tasks/s)", ints(p.Rate)})
	}
	if len(p.Rate) > 0 || p.Search != nil {
		arr := p.Arrivals
		if arr == "" {
			arr = results.ArrivalsConstant
		}
		rows = append(rows, [2]string{"open-loop duration", p.Duration.D().String()}, [2]string{"arrivals", arr})
	}
	if s := p.Search; s != nil {
		slo := p.SLO
		if slo == "" {
			slo = "none"
		}
		rows = append(rows, [2]string{"capacity search", fmt.Sprintf("from %d tasks/s, doubling up to %d, bisecting to %g%%",
			s.Start, s.Max, 100*s.Precision)}, [2]string{"SLO", slo},
			[2]string{"achieved rate required", fmt.Sprintf("%g%% of offered", 100*s.MinAchieved)})
	}
	return rows
}

func envRows(res *results.Results) [][2]string {
	e := res.Env
	rows := [][2]string{
		{"host", e.Host}, {"CPU", fmt.Sprintf("%s (%d cores, GOMAXPROCS %d)", e.CPUModel, e.Cores, e.GOMAXPROCS)},
		{"OS", strings.TrimSpace(e.OS + "/" + e.Arch + " " + e.Kernel)}, {"Go", e.GoVersion},
	}
	if e.Commit != "" || e.Version != "" {
		commit := e.Commit
		if e.Dirty {
			commit += "+dirty"
		}
		rows = append(rows, [2]string{"snbench", strings.TrimSpace(e.Version + " " + commit)})
	}
	if !res.Started.IsZero() {
		rows = append(rows, [2]string{"started", res.Started.UTC().Format(time.RFC3339)},
			[2]string{"finished", res.Finished.UTC().Format(time.RFC3339)})
	}
	return rows
}

// windowsText is the plan's windows for the page: "auto" with what it
// means, and the explicit ones.
func windowsText(ws results.Windows) string {
	s := strings.ReplaceAll(ws.String(), ",", " ")
	if ws.HasAuto() {
		s = strings.Replace(s, "auto", fmt.Sprintf("auto (per cell, the smallest window of 1, 2, 4 … %d whose every probe pass reached %.0f%% of the best window's throughput; the summary gives each cell's)", results.AutoMaxWindow, 100*results.AutoShare), 1)
	}
	return s
}
