package wire_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// TestReaderGrowsWithTheBody: a frame that announces nearly the size limit
// and then ends costs about the bytes that arrived, not the limit; a large
// frame that does arrive is read whole and intact.
func TestReaderGrowsWithTheBody(t *testing.T) {
	const tasks = 3_900_000 // 16 bytes each with K=1: 62.4 MB, under the 64 MiB limit
	hdr := make([]byte, wire.HeaderSize)
	wire.Header{Version: wire.Version, Type: wire.TypeTasks, Count: tasks, Aux: 1, Length: 8 + tasks*16}.Put(hdr)
	sent := append(hdr, make([]byte, 100<<10)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := wire.NewReader(bytes.NewReader(sent), 0).Next()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Next = %v, want io.ErrUnexpectedEOF", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 2<<20 {
		t.Errorf("a frame announcing 62 MB that sent 100 KB cost %d bytes of allocation", got)
	}

	b := workloads.Batch{Tag: 7, K: 1}
	for i := range 200_000 {
		b.IDs = append(b.IDs, uint64(i))
		b.Values = append(b.Values, int64(3*i))
	}
	r := wire.NewReader(bytes.NewReader(wire.AppendTasks(nil, &b)), 0)
	h, body, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	var got workloads.Batch
	if err := wire.DecodeTasks(h, body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Tag != 7 || len(got.IDs) != 200_000 || got.IDs[199_999] != 199_999 || got.Values[123_456] != 3*123_456 {
		t.Fatalf("large frame damaged: tag %d, %d ids", got.Tag, len(got.IDs))
	}
}

// TestReaderSetMaxFrame: a Reader under MaxHandshakeFrame refuses a larger
// frame from its header, and reads it once the limit is raised.
func TestReaderSetMaxFrame(t *testing.T) {
	big := wire.AppendControl(nil, wire.TypeError, make([]byte, wire.MaxHandshakeFrame))
	small := wire.AppendControl(nil, wire.TypeError, []byte("ok"))
	r := wire.NewReader(bytes.NewReader(append(append(small, big...), big...)), wire.MaxHandshakeFrame)
	if _, body, err := r.Next(); err != nil || string(body) != "ok" {
		t.Fatalf("small frame: %q, %v", body, err)
	}
	if _, _, err := r.Next(); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("frame over MaxHandshakeFrame: %v, want ErrTooLarge", err)
	}
	r = wire.NewReader(bytes.NewReader(big), wire.MaxHandshakeFrame)
	r.SetMaxFrame(0)
	if _, body, err := r.Next(); err != nil || len(body) != wire.MaxHandshakeFrame {
		t.Fatalf("after SetMaxFrame(0): %d bytes, %v", len(body), err)
	}
}
