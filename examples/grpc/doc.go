// Package grpctopology is a gRPC topology for snbench, built outside
// snbench's module through its public API only: each node is a process of
// the same binary (a test binary, or the custom snbench in
// cmd/snbench-grpc) serving a gRPC service on a loopback port, and the
// coordinator talks to it with two unary calls (Hello: the workload spec,
// once; Stats: the node's CPU and memory) and one bidirectional stream
// that carries batches one way and their results the other.
//
// No .proto file or code generator is needed: the service is declared by
// hand (serviceDesc) and messages travel as bytes through a codec of its
// own (codec), encoded by this package (encodeBatch, decodeResult ...) and
// checked, bounded, before they are believed.
//
// Register it next to snbench's built-ins:
//
//	ext := snbench.Builtin()
//	ext.Topologies.Register(grpctopology.New(), grpctopology.Summary)
//	snbench.Main(ext)
package grpctopology
