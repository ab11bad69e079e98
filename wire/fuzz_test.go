package wire_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// FuzzReader feeds arbitrary bytes to the frame reader and decoders: they
// must never panic or allocate past the limit, and every frame they accept
// must re-encode to the same bytes.
func FuzzReader(f *testing.F) {
	for _, name := range []string{"tasks.bin", "results.bin", "hello.bin", "bye.bin"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("SB\x01\x03\xff\xff\xff\xff\x01\x00\x00\x00\x08\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const limit = 1 << 16
		r := wire.NewReader(bytes.NewReader(in), limit)
		for range 8 {
			h, body, err := r.Next()
			if err != nil {
				return
			}
			if len(body)+wire.HeaderSize > limit {
				t.Fatalf("accepted a %d-byte body over the %d limit", len(body), limit)
			}
			switch h.Type {
			case wire.TypeTasks:
				var b workloads.Batch
				if err := wire.DecodeTasks(h, body, &b); err != nil {
					continue
				}
				if b.Len() > 0 {
					again := wire.AppendTasks(nil, &b)
					if !bytes.Equal(again[wire.HeaderSize:], body) {
						t.Fatalf("tasks frame does not round-trip")
					}
				}
			case wire.TypeResults:
				var res workloads.Result
				if err := wire.DecodeResults(h, body, &res); err != nil {
					continue
				}
				if res.Len() > 0 {
					again := wire.AppendResults(nil, &res)
					if !bytes.Equal(again[wire.HeaderSize:], body) {
						t.Fatalf("results frame does not round-trip")
					}
				}
			}
		}
	})
}
