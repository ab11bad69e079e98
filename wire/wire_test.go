package wire_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

var update = flag.Bool("update", false, "rewrite the golden frames in testdata/")

func sampleBatch() *workloads.Batch {
	return &workloads.Batch{Tag: 3, K: 2, IDs: []uint64{1, 2}, Values: []int64{-5, 6, 1 << 40, -1}}
}

func sampleResult() *workloads.Result {
	return &workloads.Result{Tag: 3, K: 2, IDs: []uint64{1, 2}, Values: []int64{-10, 12, 1 << 41, -2}, Service: 1500 * time.Nanosecond}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    *workloads.Batch
	}{
		{"one task", &workloads.Batch{Tag: 1, K: 1, IDs: []uint64{42}, Values: []int64{7}}},
		{"batch of 2 with K=2", sampleBatch()},
		{"end marker", &workloads.Batch{Tag: 1<<63 | 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := wire.AppendTasks(nil, tt.b)
			r := wire.NewReader(bytes.NewReader(frame), 0)
			h, body, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			var got workloads.Batch
			if err := wire.DecodeTasks(h, body, &got); err != nil {
				t.Fatal(err)
			}
			if got.Tag != tt.b.Tag || len(got.IDs) != len(tt.b.IDs) || (len(got.IDs) > 0 && (!reflect.DeepEqual(got.IDs, tt.b.IDs) || !reflect.DeepEqual(got.Values, tt.b.Values))) {
				t.Fatalf("round trip: got %+v, want %+v", got, *tt.b)
			}
			if _, _, err := r.Next(); err != io.EOF {
				t.Fatalf("after the only frame: %v, want io.EOF", err)
			}
		})
	}
	t.Run("results", func(t *testing.T) {
		want := sampleResult()
		frame := wire.AppendResults(nil, want)
		h, body, err := wire.NewReader(bytes.NewReader(frame), 0).Next()
		if err != nil {
			t.Fatal(err)
		}
		var got workloads.Result
		if err := wire.DecodeResults(h, body, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Fatalf("got %+v, want %+v", got, *want)
		}
	})
}

// TestGolden pins the byte layout of each frame type: a change here breaks
// every node already deployed, so it must be deliberate (go test -update).
func TestGolden(t *testing.T) {
	hello, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "tcp-1", Workload: workloads.DefaultSpec()})
	if err != nil {
		t.Fatal(err)
	}
	frames := map[string][]byte{
		"tasks.bin":   wire.AppendTasks(nil, sampleBatch()),
		"results.bin": wire.AppendResults(nil, sampleResult()),
		"hello.bin":   hello,
		"bye.bin":     wire.AppendControl(nil, wire.TypeBye, nil),
	}
	for name, got := range frames {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			_ = os.WriteFile(path+".got", got, 0o644)
			t.Errorf("%s: encoding changed; got written to %s.got", name, path)
		}
	}
}

func TestReaderRejects(t *testing.T) {
	t.Parallel()
	good := wire.AppendTasks(nil, sampleBatch())
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name  string
		in    []byte
		max   int
		want  error
		wantS string
	}{
		{name: "bad magic", in: mut(func(b []byte) []byte { b[0] = 'X'; return b }), want: wire.ErrMagic},
		{name: "wrong version", in: mut(func(b []byte) []byte { b[2] = 9; return b }), want: wire.ErrVersion},
		{name: "unknown type", in: mut(func(b []byte) []byte { b[3] = 99; return b }), want: wire.ErrMalformed},
		{name: "over the size limit", in: good, max: 32, want: wire.ErrTooLarge},
		{name: "length disagrees with count", in: mut(func(b []byte) []byte { b[4] = 3; return b }), want: wire.ErrMalformed},
		{name: "huge K", in: mut(func(b []byte) []byte { b[11] = 0x7f; return b }), want: wire.ErrMalformed},
		{name: "control frame with count", in: func() []byte {
			f := wire.AppendControl(nil, wire.TypeBye, nil)
			f[4] = 1
			return f
		}(), want: wire.ErrMalformed},
		{name: "half a header", in: good[:7], want: io.ErrUnexpectedEOF},
		{name: "half a body", in: good[:len(good)-3], want: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := wire.NewReader(bytes.NewReader(tt.in), tt.max).Next()
			if !errors.Is(err, tt.want) {
				t.Fatalf("Next() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecodeJSONPeerError(t *testing.T) {
	t.Parallel()
	f := wire.AppendControl(nil, wire.TypeError, []byte("unknown workload"))
	h, body, err := wire.NewReader(bytes.NewReader(f), 0).Next()
	if err != nil {
		t.Fatal(err)
	}
	var w wire.Welcome
	var pe *wire.PeerError
	if err := wire.DecodeJSON(h, body, wire.TypeWelcome, &w); !errors.As(err, &pe) || pe.Reason != "unknown workload" {
		t.Fatalf("DecodeJSON of an error frame = %v", err)
	}
}

// The hot path reuses buffers: encoding into a buffer with room and reading
// frames of a size seen before allocate nothing.
func TestNoAllocsOnTheHotPath(t *testing.T) {
	b := &workloads.Batch{Tag: 1, K: 1, IDs: make([]uint64, 64), Values: make([]int64, 64)}
	buf := wire.AppendTasks(nil, b)
	if n := testing.AllocsPerRun(100, func() { buf = wire.AppendTasks(buf[:0], b) }); n != 0 {
		t.Errorf("AppendTasks into a reused buffer: %v allocs", n)
	}
	stream := bytes.Repeat(buf, 200)
	r := wire.NewReader(bytes.NewReader(stream), 0)
	var out workloads.Batch
	if n := testing.AllocsPerRun(100, func() {
		h, body, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if err := wire.DecodeTasks(h, body, &out); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Next+DecodeTasks of a known size: %v allocs", n)
	}
}
