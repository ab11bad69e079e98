package topologies

import (
	"fmt"
	"slices"
	"strings"
)

// CredentialKind is how a credential is given.
type CredentialKind int

const (
	// CredentialSecret is a secret: `snbench run` reads it from the file
	// --NAME-file names (its trailing line break dropped), else from the
	// environment variable Env. --NAME VALUE works too where Visible is
	// set, with a warning: ps shows a command line to every user.
	CredentialSecret CredentialKind = iota
	// CredentialPath is the path of a file the topology reads itself (a
	// NATS credentials file): --NAME FILE, else Env. The harness checks
	// that the file exists and warns when others can read it.
	CredentialPath
	// CredentialPublic is part of a credential that is not secret (a user
	// name): --NAME VALUE, else Env.
	CredentialPublic
)

// Credential is a secret, or part of one, that a topology declares and
// owns, as it owns its options (Configurable), but apart from them: its
// value comes from a file or the environment, never from a plan, and it
// is never written to results. It reaches only its topology, in
// Config.Secrets.
type Credential struct {
	// Name names it, unique among the registry's options and
	// credentials: the flag is --NAME (--NAME-file for a secret).
	Name string
	// Env is the environment variable read when no flag gives it.
	Env string
	// Usage is the flag's help.
	Usage string
	// Kind is how it is given.
	Kind CredentialKind
	// Visible, for a secret, also accepts --NAME VALUE.
	Visible bool
}

// FileFlag is the flag that names a secret's file (NAME-file), or the
// flag itself for the other kinds.
func (c Credential) FileFlag() string {
	if c.Kind == CredentialSecret {
		return c.Name + "-file"
	}
	return c.Name
}

// Secrets are the values of one topology's credentials, by name; a
// credential not given is absent.
type Secrets map[string]string

// Get returns the value of name, or "".
func (s Secrets) Get(name string) string { return s[name] }

// String never shows a value: secrets do not reach logs by accident.
func (s Secrets) String() string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	slices.Sort(names)
	return "secrets{" + strings.Join(names, ", ") + "}"
}

// GoString is String, for %#v.
func (s Secrets) GoString() string { return s.String() }

// CredentialOwner is implemented by topologies whose nodes, or whatever
// they reach (a NATS server), may ask for credentials.
type CredentialOwner interface {
	// Credentials declares them.
	Credentials() []Credential
	// CheckCredentials reports the first thing wrong with s, credentials
	// that contradict each other say.
	CheckCredentials(s Secrets) error
}

// CheckSecrets runs the CheckCredentials of every topology in topos that
// owns credentials, on its secrets in s.
func (r *Registry) CheckSecrets(s map[string]Secrets, topos []string) error {
	for _, tn := range Bases(topos) {
		t, err := r.Get(tn)
		if err != nil {
			continue
		}
		if co, ok := t.(CredentialOwner); ok {
			if err := co.CheckCredentials(s[tn]); err != nil {
				return fmt.Errorf("%s: %w", tn, err)
			}
		}
	}
	return nil
}
