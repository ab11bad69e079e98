package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
)

// OptExec is the option that gives the commands: [LABEL=]COMMAND, once
// per command.
const OptExec = "exec"

// ModeEcho is the node mode of the raw baseline's echo processes.
const ModeEcho = "exec-echo"

// Topology starts the user's worker commands as nodes. It is stateless
// and safe for concurrent use.
type Topology struct{}

var (
	_ topologies.Topology     = Topology{}
	_ topologies.Configurable = Topology{}
	_ topologies.Rower        = Topology{}
	_ topologies.OptIn        = Topology{}
	_ topologies.EchoStarter  = Topology{}
	_ topologies.NodeModer    = Topology{}
)

// New returns the exec topology.
func New() Topology { return Topology{} }

// Name returns "exec".
func (Topology) Name() string { return "exec" }

// OptIn: there is nothing to run until --exec names a command, so the
// default comparison leaves exec out.
func (Topology) OptIn() {}

// Options declares --exec.
func (Topology) Options() []topologies.Option {
	return []topologies.Option{{Name: OptExec, Kind: topologies.OptionRepeated,
		Usage: "`[LABEL=]COMMAND` of a worker that speaks the node protocol on stdin/stdout (docs/protocol.md), for the exec topology; repeat for several, each a labelled row (exec:LABEL)"}}
}

// command is one worker command.
type command struct {
	label string   // "" only when it is the only one
	text  string   // as given, after the label
	argv  []string // split and expanded
}

// labelled matches LABEL=COMMAND; it is compiled on first use, not in every
// process of this binary.
var labelled = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-z0-9][a-z0-9_.-]*)=(.*)$`) })

// commands parses o's --exec values.
func commands(o topologies.Options) ([]command, error) {
	raw, given := o[OptExec]
	if !given {
		return nil, nil
	}
	var cmds []command
	// A YAML block ends with a newline: blank lines around the commands
	// are nothing; a blank line among them, or no command, is an error.
	for line := range strings.SplitSeq(strings.TrimSpace(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			return nil, fmt.Errorf("--%s: an empty command", OptExec)
		}
		c := command{text: line}
		if m := labelled().FindStringSubmatch(line); m != nil {
			c.label, c.text = m[1], strings.TrimSpace(m[2])
			if err := topologies.CheckLabel(c.label); err != nil {
				return nil, fmt.Errorf("--%s: %w", OptExec, err)
			}
			if c.text == "" {
				return nil, fmt.Errorf("--%s %s=: an empty command", OptExec, c.label)
			}
		}
		argv, err := fields(c.text)
		if err != nil {
			return nil, fmt.Errorf("--%s %s: %v", OptExec, quoteCommand(c), err)
		}
		if len(argv) == 0 {
			return nil, fmt.Errorf("--%s %s: no command left once its words are expanded", OptExec, quoteCommand(c))
		}
		c.argv = argv
		cmds = append(cmds, c)
	}
	if len(cmds) > 1 {
		seen := map[string]bool{}
		for _, c := range cmds {
			if c.label == "" {
				return nil, fmt.Errorf("--%s: with several commands, give each a label (--%s NAME=COMMAND); %s has none", OptExec, OptExec, quoteCommand(c))
			}
			if seen[c.label] {
				return nil, fmt.Errorf("--%s: the label %s is given twice", OptExec, c.label)
			}
			seen[c.label] = true
		}
	}
	return cmds, nil
}

// errProcSubst refuses a process substitution, <(cmd) or >(cmd): there is
// no shell to run cmd in.
var errProcSubst = errors.New("process substitution (<(...) or >(...)) is not supported: give the command itself")

// fields splits and expands a command as a shell would split its
// arguments: quotes, variables from the environment, ~, braces and
// arithmetic; command and process substitutions are refused. It is
// shell.Fields with a ProcSubst that refuses: shell.Fields leaves it nil,
// and expand calls it, a nil pointer, on <(cmd) (mvdan.cc/sh v3.14.1).
func fields(s string) ([]string, error) {
	p := syntax.NewParser()
	var words []*syntax.Word
	for w, err := range p.WordsSeq(strings.NewReader(s)) {
		if err != nil {
			return nil, err
		}
		words = append(words, w)
	}
	cfg := &expand.Config{
		Env:       expand.FuncEnviron(os.Getenv),
		ProcSubst: func(*syntax.ProcSubst) (string, error) { return "", errProcSubst },
	}
	return expand.Fields(cfg, words...)
}

func quoteCommand(c command) string {
	q := fmt.Sprintf("%q", c.text)
	if c.label != "" {
		return c.label + "=" + q
	}
	return q
}

// CheckOptions checks that at least one command is given, that every one
// parses, and that each program can be found.
func (Topology) CheckOptions(o topologies.Options, _ int) error {
	cmds, err := commands(o)
	if err != nil {
		return err
	}
	if len(cmds) == 0 {
		return fmt.Errorf("give the worker's command: --%s 'python3 worker.py' (see docs/protocol.md)", OptExec)
	}
	for _, c := range cmds {
		if _, err := osexec.LookPath(c.argv[0]); err != nil {
			return fmt.Errorf("--%s %s: %w", OptExec, quoteCommand(c), unwrapExec(err))
		}
	}
	return nil
}

// unwrapExec keeps os/exec's message short: the program and the reason.
func unwrapExec(err error) error {
	var ee *osexec.Error
	if errors.As(err, &ee) {
		return fmt.Errorf("%s: %w", ee.Name, ee.Err)
	}
	return err
}

// Rows returns the commands' labels, or nil for one unlabelled command.
func (Topology) Rows(o topologies.Options) []string {
	cmds, err := commands(o)
	if err != nil || len(cmds) == 0 || (len(cmds) == 1 && cmds[0].label == "") {
		return nil
	}
	labels := make([]string, len(cmds))
	for i, c := range cmds {
		labels[i] = c.label
	}
	return labels
}

// Start starts cfg.Workers processes of the command of row cfg.Row and
// completes the handshake with each.
func (Topology) Start(ctx context.Context, cfg topologies.Config) (topologies.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	cmds, err := commands(cfg.Options)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	i := slices.IndexFunc(cmds, func(c command) bool { return c.label == cfg.Row })
	if i < 0 {
		return nil, fmt.Errorf("exec: no command for row %q (give it with --%s %s=COMMAND)", cfg.Row, OptExec, cfg.Row)
	}
	c := cmds[i]
	prefix := "exec"
	if c.label != "" {
		prefix += "-" + c.label
	}
	timeout := cfg.StartBound()
	lc, err := link.StartCluster(ctx, cfg.Workers, func(ctx context.Context, i int) (*link.Stream, *link.Child, error) {
		name := fmt.Sprintf("%s-%d", prefix, i+1)
		cmd := link.Command{Argv: c.argv, Env: []string{topologies.EnvNodeName + "=" + name}, Foreign: true}
		return link.OpenPiped(ctx, name, cmd, cfg.Workload, timeout, link.InFlightBytes(cfg), cfg.Log)
	})
	if err != nil {
		return nil, err
	}
	return lc, nil
}

// Transport returns topologies.TransportPipe: the bare pipe is the raw
// baseline of a worker that speaks over its stdin and stdout.
func (Topology) Transport() string { return topologies.TransportPipe }

// StartEcho starts the bare pipe transport for a raw baseline: cfg.Endpoints
// echo processes of the snbench binary on pipes, as the subprocess
// topology's.
func (Topology) StartEcho(ctx context.Context, cfg topologies.EchoConfig) (topologies.EchoSet, error) {
	return link.StartStreamEchoes(ctx, cfg, "raw-pipe", func(_ context.Context, name string, _ time.Duration) (link.EchoEndpoint, error) {
		return link.StartChildEcho(ModeEcho, name, cfg.Log)
	})
}

// NodeModes returns the mode of the raw baseline's echoes; the nodes are
// the user's own programs.
func (Topology) NodeModes() []topologies.NodeMode {
	return []topologies.NodeMode{{Name: ModeEcho, Serve: node.ServeEchoStdio}}
}
