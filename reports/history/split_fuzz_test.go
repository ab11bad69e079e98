package history

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzSplit: any file contents either fail with an error or give entries
// that, written back one per line, read back the same.
func FuzzSplit(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "history.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)-7])
	f.Add([]byte("\n\n{\"schema\":1}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		keep, entries, _, err := split("fuzz", in)
		if err != nil {
			return
		}
		if bytes.Count(keep, []byte("\n")) != len(entries) {
			t.Fatalf("%d lines kept for %d entries", bytes.Count(keep, []byte("\n")), len(entries))
		}
		var out []byte
		for _, e := range entries {
			line, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			out = append(append(out, line...), '\n')
		}
		_, again, torn, err := split("again", out)
		if err != nil || torn {
			t.Fatalf("entries do not read back: %v (torn %v)\n%s", err, torn, out)
		}
		if len(again) != len(entries) {
			t.Fatalf("%d entries read back, want %d", len(again), len(entries))
		}
		for i := range again {
			if !reflect.DeepEqual(again[i].Benchmarks, entries[i].Benchmarks) || again[i].Commit != entries[i].Commit {
				t.Fatalf("entry %d changed:\n%+v\n%+v", i, entries[i], again[i])
			}
		}
	})
}
