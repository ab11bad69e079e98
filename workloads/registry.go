package workloads

import (
	"fmt"
	"sort"
)

// Factory makes a workload instance for a spec.
type Factory func(Spec) (Workload, error)

// Registry maps workload names to factories. It is not safe for concurrent
// Register calls; build it before a run and only read it during one.
type Registry struct {
	entries map[string]entry
}

type entry struct {
	factory Factory
	summary string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{entries: map[string]entry{}}
}

// DefaultRegistry returns a fresh registry holding the built-in workloads.
func DefaultRegistry() *Registry {
	r := NewRegistry()
	r.Register("doubling", "returns every value of the task doubled (the reference design); tunable payload, cpu and wait", NewDoubling)
	return r
}

// Register adds a workload under name with a one-line summary, replacing any
// earlier one of that name.
func (r *Registry) Register(name, summary string, f Factory) {
	r.entries[name] = entry{factory: f, summary: summary}
}

// New makes the workload that s names.
func (r *Registry) New(s Spec) (Workload, error) {
	e, ok := r.entries[s.Name]
	if !ok {
		return nil, fmt.Errorf("unknown workload %q (known: %v)", s.Name, r.Names())
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return e.factory(s)
}

// Has reports whether name is registered.
func (r *Registry) Has(name string) bool {
	_, ok := r.entries[name]
	return ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.entries))
	for n := range r.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Summary returns the one-line summary of name.
func (r *Registry) Summary(name string) string { return r.entries[name].summary }
