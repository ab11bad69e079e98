// Command snbench-grpc is snbench with the grpc topology: a custom build
// from a few lines of main, through snbench's public API.
//
//	go build -o snbench-grpc ./cmd/snbench-grpc
//	./snbench-grpc run --topology grpc,tcp --workers 1,2 --tasks 200000
package main

import (
	"github.com/snbench/snbench"

	"example.com/grpctopology"
)

func main() {
	ext := snbench.Builtin()
	ext.Topologies.Register(grpctopology.New(), grpctopology.Summary)
	snbench.Main(ext)
}
