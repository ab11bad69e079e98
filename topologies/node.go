package topologies

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/snbench/snbench/workloads"
)

// Environment variables with which a topology starts its binary again as
// a node process (see NodeEnv).
const (
	// EnvNodeMode names the node mode the process runs (see NodeMode).
	EnvNodeMode = "SNBENCH_NODE"
	// EnvNodeName is the node's name, for its log lines.
	EnvNodeName = "SNBENCH_NODE_NAME"
)

// NodeMode is one way a process can serve as a node: what a topology whose
// nodes are processes runs in them. A process topology starts its binary
// again (os.Executable) with NodeEnv(mode, name) in its environment; the
// binary's main (or its TestMain) calls Registry.ServeIfNode first thing,
// which finds the mode among its topologies' and runs it.
type NodeMode struct {
	// Name is the value of EnvNodeMode that selects the mode, unique among
	// the registry's topologies: by convention the topology's name, or
	// the name and a suffix ("tcp", "tcp-echo").
	Name string
	// Serve runs the node until its session ends, and returns nil when it
	// ended as it should. Its error is printed on the process's stderr,
	// and the process exits with status 1.
	Serve func(ctx context.Context, env NodeProcess) error
}

// NodeModer is implemented by topologies whose nodes (or raw-baseline
// echoes) are processes of the snbench binary.
type NodeModer interface {
	// NodeModes returns the topology's node modes.
	NodeModes() []NodeMode
}

// NodeProcess is what a node mode gets of the process it runs in.
type NodeProcess struct {
	// Name is the node's name (EnvNodeName), or "" if the starter gave none.
	Name string
	// Workloads makes the workloads the node serves.
	Workloads *workloads.Registry
	// Getenv reads the process's environment; the starter passes a mode's
	// settings there, and secrets too, never on a command line.
	Getenv func(string) string
	// Stdin, Stdout are the process's own: a pipe from and to the process
	// that started it.
	Stdin  io.Reader
	Stdout io.Writer
}

// NodeEnv returns the environment entries that start a process as a node
// of the given mode and name. The starter adds its mode's own settings.
func NodeEnv(mode, name string) []string {
	return []string{EnvNodeMode + "=" + mode, EnvNodeName + "=" + name}
}

// ServeIfNode turns this process into a node when it was started as one
// (EnvNodeMode is set): it runs the mode of that name among r's topologies,
// making workloads from wl, and reports ok = true with the exit code the
// caller should exit with. Otherwise it returns ok = false at once. Every
// binary that runs process topologies must call it first thing in main,
// and every test binary that does in TestMain, with the topologies and
// workloads its nodes may need:
//
//	func TestMain(m *testing.M) {
//		if code, ok := topos.ServeIfNode(wl); ok {
//			os.Exit(code)
//		}
//		os.Exit(m.Run())
//	}
func (r *Registry) ServeIfNode(wl *workloads.Registry) (code int, ok bool) {
	mode := os.Getenv(EnvNodeMode)
	if mode == "" {
		return 0, false
	}
	name := os.Getenv(EnvNodeName)
	err := r.serveNode(context.Background(), mode, NodeProcess{Name: name, Workloads: wl, Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout})
	if err != nil {
		if name == "" {
			name = fmt.Sprintf("(pid %d)", os.Getpid())
		}
		fmt.Fprintf(os.Stderr, "snbench node %s: %v\n", name, err)
		return 1, true
	}
	return 0, true
}

// serveNode runs the node mode called mode.
func (r *Registry) serveNode(ctx context.Context, mode string, p NodeProcess) error {
	m, err := r.NodeMode(mode)
	if err != nil {
		return err
	}
	return m.Serve(ctx, p)
}

// NodeMode returns the node mode called name among r's topologies.
func (r *Registry) NodeMode(name string) (NodeMode, error) {
	var known []string
	for _, tn := range r.Names() {
		nm, ok := r.entries[tn].t.(NodeModer)
		if !ok {
			continue
		}
		for _, m := range nm.NodeModes() {
			if m.Name == name {
				return m, nil
			}
			known = append(known, m.Name)
		}
	}
	slices.Sort(known)
	return NodeMode{}, fmt.Errorf("unknown %s=%q: this binary's node modes are %s", EnvNodeMode, name, strings.Join(known, ", "))
}

// NotANodeHint is what an error about a node process that ended before its
// handshake adds: the usual cause is a binary that does not serve as a
// node when started as one.
const NotANodeHint = "if this is a test binary or a custom build, it must serve as a node when started as one: call ServeIfNode first in TestMain or main (snbench.Extensions.ServeIfNode, or topologies.Registry.ServeIfNode)"
