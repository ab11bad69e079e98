package topologies

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// OptionKind is what values an Option takes.
type OptionKind int

const (
	// OptionString is one value.
	OptionString OptionKind = iota
	// OptionList is a comma-separated list of values.
	OptionList
	// OptionBool is a switch: "true" when given.
	OptionBool
	// OptionRepeated is given once per value (--exec A --exec B); a value
	// may hold commas and spaces. The values are kept one per line, so a
	// plan file gives them as a YAML block: "exec: |" and a line each.
	OptionRepeated
)

// Option is a setting a topology declares and owns: `snbench run` offers
// it as the flag --NAME, plan files and results.json carry it under
// options.TOPOLOGY.NAME, and only the topology reads or checks its value
// (Config.Options). Secrets are never options: they travel in the
// Config's credentials, from files and the environment.
type Option struct {
	// Name is the flag's name and the plan key, unique among the
	// registry's topologies, e.g. "nodes" or "nats-url".
	Name string
	// Usage is the flag's help; a word in backquotes names its value.
	Usage string
	// Kind is what values it takes.
	Kind OptionKind
}

// Options are the values of one topology's options, by name: a list
// comma-separated, a switch "true". An option not given is absent.
type Options map[string]string

// Get returns the value of name, or "".
func (o Options) Get(name string) string { return o[name] }

// List returns the values of a list option, trimmed, empty ones left out.
func (o Options) List(name string) []string {
	var out []string
	for v := range strings.SplitSeq(o[name], ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Values returns the values of a repeated option, one per line, trimmed,
// empty ones left out.
func (o Options) Values(name string) []string {
	var out []string
	for v := range strings.SplitSeq(o[name], "\n") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Bool says whether a switch was given.
func (o Options) Bool(name string) bool { return o[name] == "true" }

// Configurable is implemented by topologies that have options.
type Configurable interface {
	// Options declares the topology's options.
	Options() []Option
	// CheckOptions reports the first thing wrong with o for a plan whose
	// largest cell has workers nodes, naming the option (--NAME).
	CheckOptions(o Options, workers int) error
}

// RunningNodes is implemented by topologies that can use nodes that
// already run (someone else's processes, perhaps on other machines)
// instead of starting their own.
type RunningNodes interface {
	// UsesRunningNodes says whether o has the topology use nodes that
	// already run: the harness then starts no extra cluster of them (such
	// as a fixed-delay cell's no-wait probe).
	UsesRunningNodes(o Options) bool
}

// DefaultWorkers is implemented by topologies whose options imply the
// node counts to measure when the user gives none (tcp: as many as the
// nodes given).
type DefaultWorkers interface {
	DefaultWorkers(o Options) []int
}

// Preflighter is implemented by topologies that can check, before a run
// starts, that what their options name can be reached (tcp: dial every
// node once), so that a typo fails in a second, not mid-run.
type Preflighter interface {
	Preflight(ctx context.Context, o Options) error
}

// CheckOptions reports the first thing wrong with a plan's topology
// options: opts maps topology names to their options, topos are the
// plan's topologies (registry names). Options of a topology that is not
// registered, or not among topos, or that the topology does not declare,
// are errors, as is whatever the topology's own CheckOptions says, of its
// options or, for a planned topology given none, of none.
func (r *Registry) CheckOptions(opts map[string]Options, topos []string, workers int) error {
	names := make([]string, 0, len(opts))
	for n := range opts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		o := opts[name]
		if len(o) == 0 {
			continue
		}
		t, err := r.Get(name)
		if err != nil {
			return fmt.Errorf("options: %w", err)
		}
		if !slices.Contains(topos, name) {
			what := "are options"
			if len(o) == 1 {
				what = "is an option"
			}
			return fmt.Errorf("%s %s of the %s topology, which the plan does not run (it runs %s)", flagList(o), what, name, strings.Join(topos, ", "))
		}
		c, ok := t.(Configurable)
		if !ok {
			return fmt.Errorf("options: the %s topology has no options, got %s", name, flagList(o))
		}
		declared := map[string]bool{}
		for _, d := range c.Options() {
			declared[d.Name] = true
		}
		for k := range o {
			if !declared[k] {
				return fmt.Errorf("options: the %s topology has no option %q", name, k)
			}
		}
		if err := c.CheckOptions(o, workers); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	// A planned topology given no options is checked too: some cannot run
	// without them (exec needs its command).
	for _, name := range topos {
		if len(opts[name]) > 0 {
			continue
		}
		if t, err := r.Get(name); err == nil {
			if c, ok := t.(Configurable); ok {
				if err := c.CheckOptions(nil, workers); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
		}
	}
	return nil
}

// OptionOwner returns the topology that declares the option called name,
// or "" when none does.
func (r *Registry) OptionOwner(name string) string {
	for _, tn := range r.Names() {
		if c, ok := r.entries[tn].t.(Configurable); ok {
			for _, o := range c.Options() {
				if o.Name == name {
					return tn
				}
			}
		}
	}
	return ""
}

// flagList names o's options as flags, sorted: "--nats-url, --nodes".
func flagList(o Options) string {
	var fs []string
	for k := range o {
		fs = append(fs, "--"+k)
	}
	slices.Sort(fs)
	return strings.Join(fs, ", ")
}
