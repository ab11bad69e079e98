package changepoint_test

import (
	"context"
	"fmt"

	"github.com/snbench/snbench/reports/changepoint"
)

// Find a slowdown in a benchmark's history, a spike left alone.
func ExampleDetect() {
	ns := []float64{101, 99, 100, 102, 140, 100, 99, 101, 100, 112, 111, 113, 110, 112, 111}
	cs, err := changepoint.Detect(context.Background(), ns, changepoint.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cs {
		rel, _ := c.Relative()
		fmt.Printf("at %d: %g -> %g (%+.0f%%)\n", c.Index, c.Before, c.After, 100*rel)
	}
	// Output:
	// at 9: 100 -> 111.5 (+12%)
}
