package history_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/snbench/snbench/reports/history"
)

// Append two runs to a history file and read them back.
func ExampleAppend() {
	dir, err := os.MkdirTemp("", "history")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "history.jsonl")
	for i, tput := range []float64{1.00e6, 0.98e6} {
		e := history.Entry{Schema: history.Schema, Commit: fmt.Sprintf("abc%d", i),
			Date:       time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC),
			Benchmarks: []history.Benchmark{{Name: "Doubling/topology=tcp/workers=4", Samples: map[string][]float64{"tasks/s": {tput}}}}}
		if err := history.Append(path, e); err != nil {
			fmt.Println(err)
			return
		}
	}
	entries, _, err := history.Read(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range entries {
		fmt.Println(e.Title(), e.Date.Format("2006-01-02"), e.Benchmarks[0].Samples["tasks/s"])
	}
	// Output:
	// abc0 2026-01-01 [1e+06]
	// abc1 2026-01-02 [980000]
}
