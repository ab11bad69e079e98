package nats

import (
	"fmt"
	"strings"

	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/internal/natsurl"
	"github.com/snbench/snbench/topologies"
)

// The topology's options (topologies.Configurable).
const (
	// OptURL is the NATS server (or comma-separated servers of one
	// cluster) to use instead of an embedded one.
	OptURL = "nats-url"
	// OptRemote has the topology use nodes that already run on OptURL's
	// server (`snbench node --nats-url URL`) instead of starting its own.
	OptRemote = "nats-remote"
	// OptSubject is the subject prefix those nodes wait on (default
	// natsnode.DefaultSubject); giving it implies OptRemote.
	OptSubject = "nats-subject"
)

var (
	_ topologies.Configurable = Topology{}
	_ topologies.RunningNodes = Topology{}
)

// Options declares --nats-url, --nats-remote and --nats-subject.
func (Topology) Options() []topologies.Option {
	return []topologies.Option{
		{Name: OptURL, Usage: "NATS server `URL` (or URL,URL of one cluster) for the nats topology instead of an embedded one"},
		{Name: OptRemote, Kind: topologies.OptionBool, Usage: "use nodes already running on --nats-url ('snbench node --nats-url URL') instead of starting them"},
		{Name: OptSubject, Usage: "`SUBJECT` prefix of the running nodes that --nats-remote uses (default " + natsnode.DefaultSubject + "; implies --nats-remote)"},
	}
}

// CheckOptions checks the URL and subject, and that running nodes come
// with the server they use.
func (Topology) CheckOptions(o topologies.Options, _ int) error {
	url := strings.TrimSpace(o.Get(OptURL))
	if url != "" {
		if err := natsurl.CheckURL(url); err != nil {
			return fmt.Errorf("--%s: %w", OptURL, err)
		}
	}
	if s := remoteSubject(o); s != "" {
		if url == "" {
			return fmt.Errorf("--%s: the running nodes' server is needed: give --%s", OptRemote, OptURL)
		}
		if err := natsurl.CheckSubject(s); err != nil {
			return fmt.Errorf("--%s: %w", OptSubject, err)
		}
	}
	return nil
}

// UsesRunningNodes says whether o names nodes that already run.
func (Topology) UsesRunningNodes(o topologies.Options) bool { return remoteSubject(o) != "" }

// remoteSubject is the subject prefix of the running nodes o names, or ""
// when the topology starts its own.
func remoteSubject(o topologies.Options) string {
	if !o.Bool(OptRemote) && o.Get(OptSubject) == "" {
		return ""
	}
	if s := strings.TrimSpace(o.Get(OptSubject)); s != "" {
		return s
	}
	return natsnode.DefaultSubject
}
