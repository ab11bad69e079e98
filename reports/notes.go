package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/snbench/snbench/bench/results"
)

// Notes under a table. A note names its cells by what tells them apart
// (the topology, the worker count and any scale that varies: the caption
// names the rest), and cells that carry the same caveat share one note:
// "tcp/workers=2, tcp/workers=4: * only 1 repetition: no confidence
// interval". A caveat of one kind with different figures per cell is one
// note too, the kind said once and each cell's figures after its name.

// cellLabel names c by the parts of its key that differ between res's
// cells.
func cellLabel(res *results.Results, c *results.Cell) string {
	vary := map[string]bool{}
	first := res.Cells[0].Key
	for _, x := range res.Cells[1:] {
		k := x.Key
		vary["tasks"] = vary["tasks"] || k.Tasks != first.Tasks
		vary["payload"] = vary["payload"] || k.Payload != first.Payload
		vary["window"] = vary["window"] || k.Window != first.Window
		vary["batch"] = vary["batch"] || k.Batch != first.Batch
		vary["rate"] = vary["rate"] || k.Rate != first.Rate
	}
	parts := []string{c.Topology, fmt.Sprintf("workers=%d", c.Workers)}
	for _, a := range []struct {
		name string
		v    string
	}{{"tasks", strconv.Itoa(c.Tasks)}, {"payload", strconv.Itoa(c.Payload)}, {"window", results.FormatWindow(c.Window)},
		{"batch", strconv.Itoa(c.Batch)}, {"rate", strconv.Itoa(c.Rate)}} {
		if vary[a.name] {
			parts = append(parts, a.name+"="+a.v)
		}
	}
	return strings.Join(parts, "/")
}

// caveatKind splits a warning into its kind ("only 1 repetition",
// "imprecise", "wake-late") and the rest; a warning without a short
// leading kind is all rest.
func caveatKind(w string) (kind, rest string) {
	k, r, ok := strings.Cut(w, ": ")
	if !ok || len(k) > 32 {
		return "", w
	}
	return k, r
}

// cellNotes returns the notes on res's cells: errors and failed
// verification one cell at a time, then each kind of warning once.
func cellNotes(res *results.Results) []string {
	var out []string
	var groups []*noteGroup
	byKind := map[string]*noteGroup{}
	for i := range res.Cells {
		c := &res.Cells[i]
		label := cellLabel(res, c)
		if c.Error != "" {
			what := "ERROR"
			if c.Status == results.StatusFailed {
				what = "FAILED" // its results did not verify (a window probe's pass)
			}
			out = append(out, fmt.Sprintf("%s: %s: %s", label, what, c.Error))
		}
		if !c.Verify.OK() && (len(c.Reps) > 0 || c.Status == results.StatusFailed) {
			v := c.Verify
			out = append(out, fmt.Sprintf("%s: VERIFICATION FAILED: expected %d, verified %d, lost %d, duplicate %d, wrong %d",
				label, v.Expected, v.Verified, v.Lost, v.Duplicate, v.Wrong))
		}
		for _, w := range c.Warnings {
			kind, rest := caveatKind(w)
			key := kind
			if kind == "" {
				key = "\x00" + w // no kind: group only identical text
			}
			g := byKind[key]
			if g == nil {
				g = &noteGroup{kind: kind}
				byKind[key] = g
				groups = append(groups, g)
			}
			g.labels, g.rests = append(g.labels, label), append(g.rests, rest)
		}
	}
	for _, g := range groups {
		out = append(out, g.note()...)
	}
	return out
}

// noteGroup is the cells that carry one kind of warning, and each one's
// rest of the warning.
type noteGroup struct {
	kind   string
	labels []string
	rests  []string
}

// note is the group's lines: "a, b: * kind: rest" when every cell says
// the same; else "* kind: what the cells share, … where they differ",
// then one indented line per cell with its part ("  a: 17ms").
func (g *noteGroup) note() []string {
	prefix := ""
	if g.kind != "" {
		prefix = g.kind + ": "
	}
	if len(g.rests) == 1 || allSame(g.rests) {
		return []string{strings.Join(g.labels, ", ") + ": * " + prefix + g.rests[0]}
	}
	words := make([][]string, len(g.rests))
	for i, r := range g.rests {
		words[i] = strings.Fields(r)
	}
	pre, suf := commonWords(words)
	shared := strings.TrimSpace(strings.Join(words[0][:pre], " ") + " … " + strings.Join(words[0][len(words[0])-suf:], " "))
	out := []string{"* " + prefix + shared}
	for i, w := range words {
		out = append(out, "  "+g.labels[i]+": "+strings.Join(w[pre:len(w)-suf], " "))
	}
	return out
}

func allSame(ss []string) bool {
	for _, s := range ss[1:] {
		if s != ss[0] {
			return false
		}
	}
	return true
}

// commonWords returns how many leading and trailing words every list
// shares, never overlapping in the shortest.
func commonWords(ws [][]string) (pre, suf int) {
	short := len(ws[0])
	for _, w := range ws {
		short = min(short, len(w))
	}
	for pre < short && sameAt(ws, func(w []string) string { return w[pre] }) {
		pre++
	}
	for suf < short-pre && sameAt(ws, func(w []string) string { return w[len(w)-1-suf] }) {
		suf++
	}
	return pre, suf
}

func sameAt(ws [][]string, at func([]string) string) bool {
	x := at(ws[0])
	for _, w := range ws[1:] {
		if at(w) != x {
			return false
		}
	}
	return true
}

// runNotes returns the run's own warnings that change a conclusion. The
// note that a transport, not the dispatch policy, picks the node (nats's
// queue group) matters only to a reader who chose a policy: with the
// default round-robin it is left out here (results.json keeps it).
func runNotes(res *results.Results) []string {
	var out []string
	for _, w := range res.Warnings {
		if strings.HasPrefix(w, dispatchNotePrefix) && res.Plan.Dispatch == results.DispatchRoundRobin {
			continue
		}
		out = append(out, "run: "+w)
	}
	return out
}

// dispatchNotePrefix begins the run warning bench writes for each
// topology whose transport picks the node.
const dispatchNotePrefix = "dispatch: "
