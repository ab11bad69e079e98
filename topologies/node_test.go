package topologies

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// moder is a topology with node modes, and nothing else.
type moder struct {
	Topology
	name  string
	modes []string
	ran   *string
}

func (m moder) Name() string { return m.name }

func (m moder) NodeModes() []NodeMode {
	var out []NodeMode
	for _, n := range m.modes {
		out = append(out, NodeMode{Name: n, Serve: func(context.Context, NodeProcess) error {
			*m.ran = n
			if n == "failing" {
				return errors.New("it failed")
			}
			return nil
		}})
	}
	return out
}

// TestNodeModes: the mode a process was started in is found among every
// registered topology's modes; an unknown one is an error that lists the
// modes this binary has; a mode's error comes back as it is.
func TestNodeModes(t *testing.T) {
	var ran string
	r := NewRegistry()
	r.Register(moder{name: "a", modes: []string{"a", "a-echo"}, ran: &ran}, "")
	r.Register(moder{name: "b", modes: []string{"b", "failing"}, ran: &ran}, "")
	for _, tc := range []struct {
		mode, ran, err string
	}{
		{"a-echo", "a-echo", ""},
		{"b", "b", ""},
		{"failing", "failing", "it failed"},
		{"c", "", `unknown SNBENCH_NODE="c": this binary's node modes are a, a-echo, b, failing`},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			ran = ""
			err := r.serveNode(context.Background(), tc.mode, NodeProcess{})
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			if ran != tc.ran {
				t.Errorf("ran mode %q, want %q", ran, tc.ran)
			}
		})
	}
}

// TestRegistryOrder: names come back in registration order, and a
// topology registered again keeps its place.
func TestRegistryOrder(t *testing.T) {
	var ran string
	r := NewRegistry()
	for _, n := range []string{"z", "a", "m", "a"} {
		r.Register(moder{name: n, ran: &ran}, "")
	}
	if got := strings.Join(r.Names(), ","); got != "z,a,m" {
		t.Errorf("Names() = %s, want z,a,m", got)
	}
}

// TestNodeEnv: the environment that starts a node names its mode and name.
func TestNodeEnv(t *testing.T) {
	if got := strings.Join(NodeEnv("tcp", "tcp-1"), " "); got != "SNBENCH_NODE=tcp SNBENCH_NODE_NAME=tcp-1" {
		t.Errorf("NodeEnv = %s", got)
	}
}
