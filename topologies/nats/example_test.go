package nats_test

import (
	"context"
	"fmt"
	"time"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/nats"
	"github.com/snbench/snbench/workloads"
)

// Example starts two NATS nodes on an embedded server, sends each link one
// batch and the end marker, and reads the answers back.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := nats.New().Start(ctx, topologies.Config{Workers: 2, Workload: workloads.DefaultSpec(), Window: 1, Batch: 2,
		StartTimeout: 10 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	for i, l := range c.Links() {
		b := &workloads.Batch{Tag: 1, K: 1, IDs: []uint64{uint64(2 * i), uint64(2*i + 1)}, Values: []int64{10, 20}}
		end := &workloads.Batch{Tag: 1 << 63}
		var r, marker workloads.Result
		if err := l.Send(b); err != nil {
			fmt.Println(err)
			return
		}
		if err := l.Send(end); err != nil {
			fmt.Println(err)
			return
		}
		if err := l.Recv(&r); err != nil {
			fmt.Println(err)
			return
		}
		if err := l.Recv(&marker); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: ids %v -> values %v, then the end marker (tag %#x)\n", l.Info().Name, r.IDs, r.Values, marker.Tag)
	}
	fmt.Println("dispatch by:", nats.New().DispatchBy())
	// Output:
	// nats-1: ids [0 1] -> values [20 40], then the end marker (tag 0x8000000000000000)
	// nats-2: ids [2 3] -> values [20 40], then the end marker (tag 0x8000000000000000)
	// dispatch by: nats queue group
}
