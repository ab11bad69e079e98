package app

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/pflag"

	"github.com/snbench/snbench/bench"
	"github.com/snbench/snbench/topologies"
)

// credFlags are the registered topologies' credentials as flags of run
// (topologies.CredentialOwner): a secret's --NAME-file FILE (and, where
// the topology allows it, --NAME VALUE, with a warning), a path's or a
// public part's --NAME VALUE, each falling back to its environment
// variable. No topology is named here.
type credFlags struct {
	creds []credEntry
	vals  map[string]*string // flag name -> value
}

type credEntry struct {
	topology string
	c        topologies.Credential
}

// register adds the flags of every credential of every registered
// topology. A name taken twice is a programming error of the build.
func (cf *credFlags) register(fl *pflag.FlagSet, reg *topologies.Registry) {
	cf.vals = map[string]*string{}
	add := func(name, usage string) {
		if fl.Lookup(name) != nil {
			panic(fmt.Sprintf("snbench: credential flag --%s is taken", name))
		}
		cf.vals[name] = fl.String(name, "", usage)
	}
	for _, tn := range reg.Names() {
		t, _ := reg.Get(tn)
		co, ok := t.(topologies.CredentialOwner)
		if !ok {
			continue
		}
		for _, c := range co.Credentials() {
			cf.creds = append(cf.creds, credEntry{tn, c})
			switch c.Kind {
			case topologies.CredentialSecret:
				add(c.FileFlag(), "`FILE` holding the "+c.Usage)
				if c.Visible {
					add(c.Name, "the "+c.Usage+", visible to ps: prefer --"+c.FileFlag()+" or $"+c.Env)
				}
			default:
				add(c.Name, c.Usage)
			}
		}
	}
}

// load reads the credentials of p's topologies from their flags (and the
// files they name) over the environment, checks them with their
// topologies, and returns them by topology; it warns on warn about
// secrets on the command line and secret files that others can read. A
// credential flag of a topology that p does not run is bad input.
func (cf *credFlags) load(changed func(string) bool, p bench.Plan, reg *topologies.Registry, warn io.Writer) (map[string]topologies.Secrets, error) {
	planned := topologies.Bases(p.Topologies)
	out := map[string]topologies.Secrets{}
	for _, e := range cf.creds {
		c := e.c
		given := changed(c.FileFlag()) || changed(c.Name) && cf.vals[c.Name] != nil
		if !slices.Contains(planned, e.topology) {
			if given {
				return nil, usagef("--%s is a credential of the %s topology, which the plan does not run", c.FileFlag(), e.topology)
			}
			continue
		}
		var v string
		switch c.Kind {
		case topologies.CredentialSecret:
			visible := ""
			if c.Visible {
				visible = *cf.vals[c.Name]
			}
			var err error
			if v, err = secretFlag("--"+c.Name, visible, *cf.vals[c.FileFlag()]); err != nil {
				return nil, err
			}
			if visible != "" {
				fmt.Fprintf(warn, "snbench: warning: --%s puts the secret on the command line, which ps shows to every user of this machine; use --%s FILE or %s\n",
					c.Name, c.FileFlag(), c.Env)
			}
			warnExposed(warn, *cf.vals[c.FileFlag()])
		default:
			v = *cf.vals[c.Name]
		}
		if v == "" && c.Env != "" {
			v = os.Getenv(c.Env)
		}
		if c.Kind == topologies.CredentialPath {
			warnExposed(warn, v)
		}
		if v != "" {
			if out[e.topology] == nil {
				out[e.topology] = topologies.Secrets{}
			}
			out[e.topology][c.Name] = v
		}
	}
	if err := reg.CheckSecrets(out, p.Topologies); err != nil {
		return nil, usagef("%v", err)
	}
	return out, nil
}
