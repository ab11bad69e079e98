package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/topologies"
)

// topoFlags are the registered topologies' own options as flags of run:
// each topology declares its options (topologies.Configurable) and this
// offers each as --NAME, with no topology named here.
type topoFlags struct {
	reg   *topologies.Registry
	owner map[string]string // flag name -> topology
	kinds map[string]topologies.OptionKind
	str   map[string]*string
	list  map[string]*[]string
	rep   map[string]*[]string
	on    map[string]*bool
}

// register adds a flag for every option of every registered topology.
// Two topologies declaring the same option name is a programming error of
// the build that registered them.
func (tf *topoFlags) register(fl *pflag.FlagSet, reg *topologies.Registry) {
	tf.reg = reg
	tf.owner, tf.kinds = map[string]string{}, map[string]topologies.OptionKind{}
	tf.str, tf.list, tf.rep, tf.on = map[string]*string{}, map[string]*[]string{}, map[string]*[]string{}, map[string]*bool{}
	for _, tn := range reg.Names() {
		t, _ := reg.Get(tn)
		c, ok := t.(topologies.Configurable)
		if !ok {
			continue
		}
		for _, o := range c.Options() {
			if other, dup := tf.owner[o.Name]; dup || fl.Lookup(o.Name) != nil {
				panic(fmt.Sprintf("snbench: option --%s of topology %s is taken (by %q or a flag of run)", o.Name, tn, other))
			}
			tf.owner[o.Name], tf.kinds[o.Name] = tn, o.Kind
			switch o.Kind {
			case topologies.OptionList:
				tf.list[o.Name] = fl.StringSlice(o.Name, nil, o.Usage)
			case topologies.OptionRepeated:
				tf.rep[o.Name] = fl.StringArray(o.Name, nil, o.Usage)
			case topologies.OptionBool:
				tf.on[o.Name] = fl.Bool(o.Name, false, o.Usage)
			default:
				tf.str[o.Name] = fl.String(o.Name, "", o.Usage)
			}
		}
	}
}

// apply puts the options the user gave into p.Options, by topology, and
// returns the topologies they belong to, sorted.
func (tf *topoFlags) apply(changed func(string) bool, p *bench.Plan) ([]string, error) {
	var owners []string
	for name, tn := range tf.owner {
		if !changed(name) {
			continue
		}
		var v string
		switch tf.kinds[name] {
		case topologies.OptionList:
			v = strings.Join(splitNames(*tf.list[name]), ",")
		case topologies.OptionRepeated:
			// One value per line: a value may hold commas, not a newline.
			var vals []string
			for _, x := range *tf.rep[name] {
				if strings.ContainsAny(x, "\n\r") {
					return nil, usagef("--%s: a value must be one line, got %q", name, x)
				}
				vals = append(vals, strings.TrimSpace(x))
			}
			v = strings.Join(vals, "\n")
		case topologies.OptionBool:
			v = strconv.FormatBool(*tf.on[name])
			if v == "false" {
				continue // absent is off
			}
		default:
			v = strings.TrimSpace(*tf.str[name])
		}
		if p.Options == nil {
			p.Options = map[string]map[string]string{}
		}
		if p.Options[tn] == nil {
			p.Options[tn] = map[string]string{}
		}
		p.Options[tn][name] = v
		if !slices.Contains(owners, tn) {
			owners = append(owners, tn)
		}
	}
	slices.Sort(owners)
	return owners, nil
}

// defaultWorkers is what the one topology whose options were given says
// its workers should be when the user gave none (topologies.DefaultWorkers).
func (tf *topoFlags) defaultWorkers(owners []string, p bench.Plan) []int {
	if len(owners) != 1 {
		return nil
	}
	t, err := tf.reg.Get(owners[0])
	if err != nil {
		return nil
	}
	if dw, ok := t.(topologies.DefaultWorkers); ok {
		return dw.DefaultWorkers(p.Options[owners[0]])
	}
	return nil
}

// preflight runs every planned topology's Preflight on its options.
func preflight(ctx context.Context, reg *topologies.Registry, p bench.Plan) error {
	for _, tn := range topologies.Bases(p.Topologies) {
		t, err := reg.Get(tn)
		if err != nil {
			continue
		}
		if pf, ok := t.(topologies.Preflighter); ok {
			if err := pf.Preflight(ctx, p.Options[tn]); err != nil {
				return usagef("%v", err)
			}
		}
	}
	return nil
}
