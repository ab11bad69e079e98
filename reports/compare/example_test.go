package compare_test

import (
	"fmt"
	"os"

	"github.com/snbench/snbench/reports/compare"
)

// Compare two runs of `go test -bench` output: the new one is about 20%
// slower, a significant change beyond the 5% threshold.
func Example() {
	old, _ := compare.Parse("old.txt", []byte(`pkg: example.com/q
BenchmarkPush-8 1000000 100 ns/op
BenchmarkPush-8 1000000 101 ns/op
BenchmarkPush-8 1000000 99 ns/op
BenchmarkPush-8 1000000 100 ns/op
BenchmarkPush-8 1000000 102 ns/op
BenchmarkPush-8 1000000 98 ns/op
`))
	new, _ := compare.Parse("new.txt", []byte(`pkg: example.com/q
BenchmarkPush-8 1000000 121 ns/op
BenchmarkPush-8 1000000 119 ns/op
BenchmarkPush-8 1000000 120 ns/op
BenchmarkPush-8 1000000 122 ns/op
BenchmarkPush-8 1000000 118 ns/op
BenchmarkPush-8 1000000 120 ns/op
`))
	r, err := compare.Compare(old, new, compare.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = compare.Write(os.Stdout, r, compare.OutputText)
	fmt.Println("regressions:", r.Regressions)
	// Output:
	// old: old.txt
	// new: new.txt
	// result: 1 regression, 0 improvements (Mann-Whitney U test, Holm-Bonferroni over 1 comparison at alpha 0.05, threshold 5%)
	//
	// sec/op          old          new   change              95% CI      p  p (Holm)    n
	// Push-8  100.0n ± 2%  120.0n ± 2%  +20.00%  [+17.82%, +22.22%]  0.002     0.002  6+6  REGRESSION
	// (lower is better; threshold 5%)
	// regressions: 1
}
