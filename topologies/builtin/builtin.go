// Package builtin assembles the topologies that ship with snbench into a
// registry.
package builtin

import (
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/exec"
	"github.com/snbench/snbench/topologies/goroutine"
	"github.com/snbench/snbench/topologies/nats"
	"github.com/snbench/snbench/topologies/proc"
	"github.com/snbench/snbench/topologies/tcp"
	"github.com/snbench/snbench/topologies/unix"
	"github.com/snbench/snbench/workloads"
)

// Registry returns a fresh registry of the built-in topologies; goroutine
// nodes make their workloads from wl.
func Registry(wl *workloads.Registry) *topologies.Registry {
	r := topologies.NewRegistry()
	r.Register(goroutine.New(wl), "a goroutine per node with its own inbox channel, in the coordinator's process")
	r.Register(proc.New(), "a child process per node, wire frames over its stdin/stdout pipes")
	r.Register(unix.New(), "a child process per node on a Unix domain socket in a private directory")
	r.Register(tcp.New(), "a process per node on a loopback TCP port (or --nodes that already run elsewhere)")
	r.Register(nats.New(), "a process per node in a NATS queue group, on an embedded server (or --nats-url, --nats-subject)")
	r.Register(exec.New(), "a process per node of your own worker command (--exec), speaking the node protocol on its stdin/stdout")
	return r
}
