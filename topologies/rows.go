package topologies

import (
	"fmt"
	"slices"
	"strings"
)

// RowSep separates a topology's name from a row's label in a row name:
// "exec:py".
const RowSep = ":"

// Rower is implemented by topologies whose options can make one run
// measure several things side by side: the exec topology runs one row per
// command given (--exec py='python3 worker.py' --exec c=./worker), tcp
// labels the row of nodes that already run (--nodes-label). Each label is
// a row of its own in the same interleaved rounds, named
// "TOPOLOGY:LABEL" in plans, results and tables, and its clusters are
// started with Config.Row set to the label.
type Rower interface {
	// Rows returns the labels of the rows o makes, in table order, each a
	// valid label (CheckLabel); nil when o makes the topology's one row,
	// named as the topology.
	Rows(o Options) []string
}

// OptIn is implemented by topologies that run only when a plan names them
// or their options are given: the default comparison leaves them out (the
// exec topology has nothing to run until --exec names a command).
type OptIn interface {
	OptIn()
}

// SplitRow splits a row name into its topology and its label: "exec:py"
// is ("exec", "py"), "tcp" is ("tcp", "").
func SplitRow(row string) (topology, label string) {
	topology, label, _ = strings.Cut(row, RowSep)
	return topology, label
}

// RowName is the name of topology's row label: "topology:label", or
// topology when label is "".
func RowName(topology, label string) string {
	if label == "" {
		return topology
	}
	return topology + RowSep + label
}

// CheckLabel reports what is wrong with a row label: it is 1 to 32
// lowercase letters, digits, '_', '.' or '-', starting with a letter or
// digit, so that it reads the same in a table, a file name and a shell.
func CheckLabel(label string) error {
	if !validLabel(label) {
		return fmt.Errorf("label %q: want 1 to 32 of a-z, 0-9, '_', '.', '-', starting with a letter or digit", label)
	}
	return nil
}

// validLabel is ^[a-z0-9][a-z0-9_.-]{0,31}$, without a regexp compiled at
// start-up: every node process is this binary started again, and pays for
// its package initialisation.
func validLabel(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '_' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// Defaults returns the names of the topologies a plan runs when it names
// none: every registered one but those that opt in (OptIn), in
// registration order.
func (r *Registry) Defaults() []string {
	var out []string
	for _, n := range r.names {
		if _, ok := r.entries[n].t.(OptIn); !ok {
			out = append(out, n)
		}
	}
	return out
}

// ExpandRows returns topos with each name of a topology whose options make
// rows (Rower) replaced by those rows, labelled, in their order; a name
// already labelled is kept as it is (CheckRows checks it), and so is one
// whose options make no rows.
func (r *Registry) ExpandRows(topos []string, opts map[string]Options) []string {
	var out []string
	for _, name := range topos {
		base, label := SplitRow(name)
		e, ok := r.entries[base]
		rw, isRower := e.t.(Rower)
		if !ok || !isRower || label != "" {
			out = append(out, name)
			continue
		}
		rows := rw.Rows(opts[base])
		if len(rows) == 0 {
			out = append(out, name)
			continue
		}
		for _, l := range rows {
			out = append(out, RowName(base, l))
		}
	}
	return out
}

// CheckRows reports the first row of topos that is not a row of its
// topology under opts, or a row listed twice: a label where the topology
// makes no rows or not that one, or a topology's own row where its options
// make labelled ones.
func (r *Registry) CheckRows(topos []string, opts map[string]Options) error {
	for i, name := range topos {
		if slices.Contains(topos[:i], name) {
			return fmt.Errorf("topology %s is listed twice", name)
		}
		base, label := SplitRow(name)
		t, err := r.Get(base)
		if err != nil {
			return err
		}
		var rows []string
		if rw, ok := t.(Rower); ok {
			rows = rw.Rows(opts[base])
		}
		switch {
		case label == "" && len(rows) > 0:
			return fmt.Errorf("topology %s: its options make the rows %s: name one as %s", base,
				strings.Join(rows, ", "), RowName(base, rows[0]))
		case label != "" && len(rows) == 0:
			return fmt.Errorf("topology %s: no row %q: its options make no labelled rows", base, label)
		case label != "" && !slices.Contains(rows, label):
			return fmt.Errorf("topology %s: no row %q (its options make %s)", base, label, strings.Join(rows, ", "))
		}
	}
	return nil
}

// Bases returns the topologies of the rows in topos, each once, in order.
func Bases(topos []string) []string {
	var out []string
	for _, name := range topos {
		if b, _ := SplitRow(name); !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}
