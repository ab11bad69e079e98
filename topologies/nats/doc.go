// Package nats is the NATS topology: nodes are separate processes that
// join a queue group on a subject of the cluster's own and answer each
// request (one Tasks frame) with a reply (one Results frame); the
// coordinator publishes task batches and collects the replies.
//
// By default Start runs an embedded nats-server on a random loopback port
// (with a fresh token, so other local users cannot join) and starts the
// node processes itself. With the option --nats-url (OptURL) it uses that server or
// cluster instead, and with --nats-remote or --nats-subject it uses nodes that already
// run there (`snbench node --nats-url URL`), on any machine.
//
// Dispatch: each node's link publishes its batches to the shared task
// subject, and the NATS queue group, not snbench, decides which node
// serves each one (Topology implements topologies.Dispatcher). A link's
// Stats are those of the node that took its session, whose own control
// subject answers stats requests and Bye.
//
// Session protocol, all frames from wire, one per message:
//
//	coordinator -> PREFIX.hello (queue PREFIX.nodes)   Hello{subject, in_flight}
//	node -> reply                                      Welcome{control}
//	coordinator -> subject (queue subject)             Tasks, reply to the link's inbox
//	node -> inbox                                      Results (or Error)
//	coordinator -> control                             StatsRequest | Bye
//	node -> reply                                      Stats | Bye
//
// A free node waits in the hello queue group and leaves it before it
// answers, so each Hello reaches one free node. Nodes that already run
// share PREFIX, so the links' Hellos go to them one at a time. The node
// processes a cluster starts each get a prefix of their own (PREFIX.nodeN,
// under the cluster's own PREFIX), so that link N's Hello goes to node N
// as soon as it waits, all links at once; the links connect while the
// processes start.
//
// Node failure: a node process serves batches from every link, so when one
// that the cluster started exits, every plain Link fails at once, naming
// it. With Config.Resend (on_node_failure: redispatch) the cluster wraps
// each Link in a resendLink, a layer of its own around the plain link
// (resend.go, and probe.go for the stall probes), and the links survive
// the death while another node process lives: each keeps its outstanding
// batches and publishes them again to the survivors, and drops the second
// reply to any batch (the cluster's Incidents count both). The dead
// process's link then fails only Stats. A NATS server that goes away fails
// every plain Link: those connections do not reconnect, so no reply is
// silently lost. A resendLink's connection reconnects for up to the task
// timeout and then publishes its outstanding batches again, so a server
// restart is survived too. The plain Link carries no resend state, so
// fail mode's path is the bare one.
package nats
