package bench

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/topologies/link"
	"github.com/snbench/snbench/topologies/proc"
	"github.com/snbench/snbench/topologies/tcp"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// askLog is a stream that serves fixed bytes, as much as each Read asks
// for, and records how many bytes each Read asked for.
type askLog struct {
	r     *bytes.Reader
	asked []int
}

func (a *askLog) Read(p []byte) (int, error) {
	a.asked = append(a.asked, len(p))
	return a.r.Read(p)
}

// taskFrames returns n encoded task frames of batch tasks of one value
// each: the bytes a cell's link reads, and the frame size its raw
// baseline echoes.
func taskFrames(t *testing.T, n, batch int) ([]byte, int) {
	t.Helper()
	b := &workloads.Batch{K: 1, IDs: make([]uint64, batch), Values: make([]int64, batch)}
	for i := range batch {
		b.IDs[i], b.Values[i] = uint64(i), int64(i)
	}
	frame := wire.AppendTasks(nil, b)
	if size := wire.HeaderSize + 8 + batch*(8+8*1); len(frame) != size {
		t.Fatalf("a frame of %d tasks is %d bytes, runBaseline echoes %d", batch, len(frame), size)
	}
	return bytes.Repeat(frame, n), len(frame)
}

// TestRawReadsLikeTheLink checks that the raw loop reads a stream
// transport the way a cell's link does (wire.Reader): the same reads of
// the stream, asking for the same byte counts (for frames larger than the
// buffer, the same number of reads). The raw loop is also checked against
// reads counted by hand.
// Reading one frame per read instead made the raw baseline pay a syscall
// per frame that the harness does not, which overstated efficiency.
func TestRawReadsLikeTheLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		frames, batch int
		// want is the known answer for the raw loop where one is derived
		// by hand; nil leaves only the comparison with the link.
		want []int
	}{
		// 100 frames of 1,048 bytes = 104,800 bytes: the first read fills
		// the 64 KiB buffer (62 frames and 560 bytes), the second asks for
		// a whole buffer again once those 560 bytes are used and gets the
		// remaining 39,264. Unbuffered it took 100 reads of 1,048 bytes.
		{name: "batch 64", frames: 100, batch: 64, want: []int{65536, 65536}},
		// 1,000 frames of 40 bytes = 40,000 bytes: one read.
		{name: "batch 1", frames: 1000, batch: 1, want: []int{65536}},
		{name: "frames larger than the buffer", frames: 5, batch: 8192},
		{name: "frames not dividing the buffer", frames: 300, batch: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stream, size := taskFrames(t, tt.frames, tt.batch)

			viaLink := &askLog{r: bytes.NewReader(stream)}
			wr := wire.NewReader(viaLink, wire.DefaultMaxFrame)
			for i := range tt.frames {
				if _, _, err := wr.Next(); err != nil {
					t.Fatalf("link: frame %d: %v", i, err)
				}
			}

			raw := &askLog{r: bytes.NewReader(stream)}
			// The endpoint as a stream topology's StartEcho makes it.
			set, err := link.StartStreamEchoes(context.Background(), topologies.EchoConfig{Endpoints: 1}, "raw",
				func(context.Context, string, time.Duration) (link.EchoEndpoint, error) {
					return link.EchoEndpoint{Conn: struct {
						io.Reader
						io.Writer
					}{raw, io.Discard}}, nil
				})
			if err != nil {
				t.Fatal(err)
			}
			defer set.Close()
			p := setConn{set.Conns()[0]}
			in := make([]byte, size)
			var got []byte
			for i := range tt.frames {
				if err := readFrame(p.reader(), in); err != nil {
					t.Fatalf("raw: frame %d: %v", i, err)
				}
				got = append(got, in...)
			}
			if !bytes.Equal(got, stream) {
				t.Fatal("raw: the frames read back differ from the stream")
			}
			if tt.want != nil && !slices.Equal(raw.asked, tt.want) {
				t.Errorf("raw reads asked for %v bytes, want %v", raw.asked, tt.want)
			}
			// A frame larger than the buffer is read in as many reads,
			// but split differently while the link's body buffer grows to
			// it (the raw loop's is allocated whole); both warm up first.
			same := slices.Equal(raw.asked, viaLink.asked)
			if size > wire.ReadBufferSize {
				same = len(raw.asked) == len(viaLink.asked)
			}
			if !same {
				t.Errorf("raw reads asked for %v bytes, the link's for %v", raw.asked, viaLink.asked)
			}
		})
	}
}

// BenchmarkRawEchoRead measures the raw pipe and TCP echoes at batch 64,
// window 4 (frames of 1,048 bytes), started by their topologies and read
// as runBaseline reads them:
//
//	go test -run '^$' -bench RawEchoRead -benchtime 20000x -count 10 ./bench/
func BenchmarkRawEchoRead(b *testing.B) {
	const batch, window = 64, 4
	size := wire.HeaderSize + 8 + batch*(8+8*1)
	for _, topo := range []topologies.EchoStarter{proc.New(), tcp.New()} {
		set, err := topo.StartEcho(context.Background(), topologies.EchoConfig{Endpoints: 1, Window: window, Log: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		c := setConn{set.Conns()[0]}
		if _, err := echoAll([]rawConn{c}, size, baselineWarmup, window); err != nil { // as runBaseline does
			b.Fatal(err)
		}
		b.Run(topo.Transport(), func(b *testing.B) {
			st := &rawStats{lat: results.NewHist()}
			b.ResetTimer()
			if err := echoLoop(c, size, b.N, window, st); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "tasks/s")
		})
		if err := set.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
