package workloads_test

import (
	"fmt"

	"github.com/snbench/snbench/workloads"
)

// A coordinator fills a batch, a node serves it, the coordinator verifies.
func Example() {
	reg := workloads.DefaultRegistry()
	spec := workloads.DefaultSpec()
	coord, _ := reg.New(spec) // the coordinator's instance
	node, _ := reg.New(spec)  // the node's own instance: nothing shared

	b := workloads.Batch{Tag: 1, IDs: []uint64{10, 11, 12}}
	coord.Fill(&b)
	var r workloads.Result
	node.Serve(&b, &r)
	fmt.Println("tasks:", r.Len(), "wrong:", coord.Verify(&r))
	// Output: tasks: 3 wrong: 0
}
