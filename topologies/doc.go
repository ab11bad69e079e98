// Package topologies defines how tasks reach nodes: the Topology interface,
// the Cluster a topology starts, the Link to each node, and a Registry of
// topologies by name. A node owns its CPU, memory and state; tasks and
// results cross only as messages.
//
// # Where to add a topology
//
// A topology is one package and one registration line. Nothing in bench,
// results or the command line names a topology; they find what a topology
// can do through the interfaces below.
//
//  1. Create a package (topologies/NAME in this repository, or any package
//     of another module) with a type that implements Topology: Name, and
//     Start, which starts (or connects to) Config.Workers nodes serving
//     Config.Workload and returns their Links. Each Link copies or encodes
//     what it sends (Send, Recv), passes the end marker (EndTag) like any
//     batch, and reads its node's resource use (Stats).
//  2. If its nodes are processes of the snbench binary, implement
//     NodeModer: each NodeMode is what the binary runs when started with
//     NodeEnv(mode, name). Start them with link.StartPiped (another
//     program: link.StartPipedCommand, as exec does); the binary's
//     main (or a test binary's TestMain) calls Registry.ServeIfNode first,
//     which finds the mode. The kit in package link (child processes, their
//     stderr, framed streams with the handshake, announcements, echoes) and
//     internal/node's session server are what the built-ins use.
//  3. For a raw baseline (--baselines), implement EchoStarter: echo
//     endpoints of the bare transport, read the way the links read it.
//  4. If it has settings, implement Configurable: its options become
//     flags of `snbench run` and keys under options.NAME in plan files,
//     and reach only it, in Config.Options (RunningNodes, DefaultWorkers
//     and Preflighter let them say more). Options can make several rows
//     of one table (Rower: exec's commands, "exec:py"; Config.Row says
//     which), and a topology with nothing to run until its options are
//     given stays out of the default comparison (OptIn).
//  5. Optional: Dispatcher (the transport picks the node for each batch),
//     Incidents (faults the cluster handled itself), Resender (links that
//     send batches again themselves).
//  6. Test it with package topotest: Conformance (every result verified,
//     every task back once, the end marker last) and Echo (the raw
//     baseline), and topotest.Main as TestMain.
//  7. Register it: one line in topologies/builtin (in this repository), or
//     ext.Topologies.Register in a custom build's main (package snbench).
//
// Built in: goroutine (a goroutine per node with its own inbox channel),
// proc (the subprocess topology: a child process per node over
// stdin/stdout pipes), unix (a child process per node on a Unix domain
// socket), tcp (a process per node on a loopback port, or nodes that
// already run elsewhere), nats (processes in a NATS queue group) and exec
// (processes of the user's own worker command, link.StartPipedCommand).
// Package builtin assembles them. topologies/unix is the smallest process
// topology to copy from; examples/grpc is one built outside this module.
// docs/extending.md walks through each step.
package topologies
