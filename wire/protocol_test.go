package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// The protocol's golden frames are the examples of docs/protocol.md: two
// sessions, one without a token at payload 1 and one with a token at
// payload 2, and a refusal. They live in protocolDir as annotated hex
// dumps (see hexdump_test.go), and the doc shows each one verbatim.

const protocolDir = "testdata/protocol"

// protocolToken is the shared token of the golden session with a token:
// the trimmed text of a token file, used as the HMAC key as it is.
const protocolToken = "snbench-example-token-0123456789"

// protocolGolden is one golden frame: the value the Go encoder encodes,
// and what the frame is, for the file's first line.
type protocolGolden struct {
	name  string
	about string
	want  any // *wire.Hello, *wire.Welcome, *workloads.Batch, *workloads.Result, *wire.Stats, []byte (a Challenge, Auth or Error body), nil (empty)
	typ   wire.Type
}

// protocolGoldens returns the golden frames of docs/protocol.md.
func protocolGoldens(t testing.TB) []protocolGolden {
	t.Helper()
	spec1 := workloads.DefaultSpec()                               // doubling, payload 1, seed 1
	spec2 := workloads.Spec{Name: "doubling", Payload: 2, Seed: 1} // payload 2
	hello := &wire.Hello{Node: "tcp-1", Workload: spec1}
	tokenHello := &wire.Hello{Node: "tcp-1", Workload: spec2, Nonce: seq(0x00, wire.NonceSize)}
	nn := seq(0x20, wire.NonceSize)
	helloBody := mustJSON(t, wire.TypeHello, tokenHello)[wire.HeaderSize:]
	key := []byte(protocolToken)
	welcome := &wire.Welcome{Node: "tcp-1", PID: 4242, Host: "node-a", GoVersion: "go1.26.8", GOMAXPROCS: 8}
	tokenWelcome := *welcome
	tokenWelcome.Proof = auth.Prove(key, auth.Node, tokenHello.Nonce, nn, helloBody)

	b1, r1 := served(t, spec1, 0, 850*time.Nanosecond, 0)
	b3, r3 := served(t, spec2, 1, 2100*time.Nanosecond, 3, 4, 5)
	end := topologies.EndTag | 2
	return []protocolGolden{
		{"hello.hex", "Hello, coordinator -> node: a session without a token, doubling at payload 1", hello, wire.TypeHello},
		{"welcome.hex", "Welcome, node -> coordinator: the answer to hello.hex", welcome, wire.TypeWelcome},
		{"tasks-batch1.hex", "Tasks, coordinator -> node: a batch of 1 task at payload 1 (value = Value(seed 1, id 0, 0))", b1, wire.TypeTasks},
		{"results-batch1.hex", "Results, node -> coordinator: the answer to tasks-batch1.hex, every value doubled", r1, wire.TypeResults},
		{"hello-token.hex", "Hello, coordinator -> node: a session with a token, doubling at payload 2; nonce Nc = 00 01 .. 1f", tokenHello, wire.TypeHello},
		{"challenge.hex", "Challenge, node -> coordinator: the answer to hello-token.hex from a node with a token", nn, wire.TypeChallenge},
		{"auth.hex", `Auth, coordinator -> node: HMAC-SHA256(token, "snbench-auth-v1 coordinator\0" || Nc || Nn || body of hello-token.hex), token "` + protocolToken + `"`,
			auth.Prove(key, auth.Coordinator, tokenHello.Nonce, nn, helloBody), wire.TypeAuth},
		{"welcome-token.hex", `Welcome, node -> coordinator: the answer to auth.hex; proof HMAC-SHA256(token, "snbench-auth-v1 node\0" || Nc || Nn || body of hello-token.hex)`,
			&tokenWelcome, wire.TypeWelcome},
		{"tasks-batch3-payload2.hex", "Tasks, coordinator -> node: a batch of 3 tasks at payload 2 (values = Value(seed 1, id, j))", b3, wire.TypeTasks},
		{"results-batch3-payload2.hex", "Results, node -> coordinator: the answer to tasks-batch3-payload2.hex, every value doubled", r3, wire.TypeResults},
		{"end.hex", "Tasks, coordinator -> node: the end marker after 2 batches, an empty batch", &workloads.Batch{Tag: end}, wire.TypeTasks},
		{"end-result.hex", "Results, node -> coordinator: the answer to end.hex, an empty result with the same tag", &workloads.Result{Tag: end}, wire.TypeResults},
		{"stats-request.hex", "StatsRequest, coordinator -> node: sent only while no batch is in flight", nil, wire.TypeStatsRequest},
		{"stats.hex", "Stats, node -> coordinator: the answer to stats-request.hex", &wire.Stats{UserNS: 41_000_000, SysNS: 12_000_000, MaxRSSKB: 7340, Tasks: 4}, wire.TypeStats},
		{"bye.hex", "Bye, coordinator -> node: the session is over; the node ends it without an answer", nil, wire.TypeBye},
		{"error.hex", "Error, node -> coordinator: a node that refuses the Hello of a workload it does not know, then closes",
			[]byte(`handshake: unknown workload "spin" (known: [doubling])`), wire.TypeError},
	}
}

// served returns a batch of the given ids, tagged tag and filled by the
// doubling workload of spec, and the doubling node's result for it with
// the service time svc.
func served(t testing.TB, spec workloads.Spec, tag uint64, svc time.Duration, ids ...uint64) (*workloads.Batch, *workloads.Result) {
	t.Helper()
	wl, err := workloads.NewDoubling(spec)
	if err != nil {
		t.Fatal(err)
	}
	b := &workloads.Batch{Tag: tag, IDs: ids}
	wl.Fill(b)
	r := &workloads.Result{}
	wl.Serve(b, r)
	r.Service = svc
	return b, r
}

func mustJSON(t testing.TB, typ wire.Type, v any) []byte {
	t.Helper()
	f, err := wire.AppendJSON(nil, typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// encode returns g's frame as the Go encoder writes it.
func (g protocolGolden) encode(t testing.TB) []byte {
	switch v := g.want.(type) {
	case *workloads.Batch:
		return wire.AppendTasks(nil, v)
	case *workloads.Result:
		return wire.AppendResults(nil, v)
	case []byte:
		return wire.AppendControl(nil, g.typ, v)
	case nil:
		return wire.AppendControl(nil, g.typ, nil)
	}
	return mustJSON(t, g.typ, g.want)
}

// text returns the annotated hex dump of g's frame: the golden file's
// contents.
func (g protocolGolden) text(t testing.TB) string {
	t.Helper()
	text, err := annotate(g.name, g.about, g.encode(t))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// decode decodes frame f with the decoder of g's frame type, and returns
// the value it got (of g.want's type) and that value encoded again.
func (g protocolGolden) decode(t *testing.T, f []byte) (got any, again []byte, err error) {
	r := wire.NewReader(bytes.NewReader(f), wire.DefaultMaxFrame)
	h, body, err := r.Next()
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := r.Next(); err != io.EOF {
		return nil, nil, fmt.Errorf("bytes after the frame: %v", err)
	}
	if h.Type != g.typ {
		return nil, nil, fmt.Errorf("a %s frame, want %s", h.Type, g.typ)
	}
	switch g.typ {
	case wire.TypeTasks:
		var b workloads.Batch
		err = wire.DecodeTasks(h, body, &b)
		got, again = &b, wire.AppendTasks(nil, &b)
	case wire.TypeResults:
		var res workloads.Result
		err = wire.DecodeResults(h, body, &res)
		got, again = &res, wire.AppendResults(nil, &res)
	case wire.TypeStats:
		var st wire.Stats
		err = wire.DecodeJSON(h, body, wire.TypeStats, &st)
		got, again = &st, mustJSON(t, wire.TypeStats, &st)
	case wire.TypeStatsRequest, wire.TypeBye:
		got, again = nil, wire.AppendControl(nil, h.Type, body)
	default: // the handshake's kinds, and Error
		var hs wire.Handshake
		hs, err = wire.DecodeHandshake(h, body)
		got = map[wire.Type]any{wire.TypeHello: hs.Hello, wire.TypeWelcome: hs.Welcome, wire.TypeChallenge: hs.Nonce,
			wire.TypeAuth: hs.Proof, wire.TypeError: []byte(hs.Reason)}[g.typ]
		if err == nil {
			again = reencode(t, hs)
		}
	}
	return got, again, err
}

// TestProtocolGolden pins every frame docs/protocol.md shows: each golden
// file holds exactly the bytes the Go encoder writes, annotated as
// annotate does; the Go decoder reads it back to the value it came from;
// and that value encodes again to the same bytes. go test -update
// rewrites the files (and the doc's copies, see TestProtocolDoc).
func TestProtocolGolden(t *testing.T) {
	goldens := protocolGoldens(t)
	if *update {
		if err := os.MkdirAll(protocolDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			frame, text := g.encode(t), g.text(t)
			path := filepath.Join(protocolDir, g.name)
			if *update {
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			golden, err := parseHex(string(file))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !bytes.Equal(golden, frame) {
				t.Fatalf("%s: the Go encoder writes other bytes: a change of the protocol (see docs/protocol.md, Versions), or run go test -update\n got % x\nwant % x", path, frame, golden)
			}
			if string(file) != text {
				t.Errorf("%s: the bytes agree but the annotations changed; run go test -update", path)
			}
			got, again, err := g.decode(t, golden)
			if err != nil {
				t.Fatalf("decoding %s: %v", path, err)
			}
			if !reflect.DeepEqual(got, g.want) && !(g.want == nil && got == nil) {
				t.Errorf("%s decodes to %+v, want %+v", path, got, g.want)
			}
			if !bytes.Equal(again, golden) {
				t.Errorf("%s: decoded and encoded again, it differs:\n got % x\nwant % x", path, again, golden)
			}
		})
	}
	t.Run("no stray files", func(t *testing.T) {
		names := make([]string, len(goldens))
		for i, g := range goldens {
			names[i] = g.name
		}
		entries, err := os.ReadDir(protocolDir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !slices.Contains(names, e.Name()) {
				t.Errorf("%s/%s is no golden of TestProtocolGolden: remove it", protocolDir, e.Name())
			}
		}
	})
}

// TestProtocolGoldenSession checks the goldens as the session they make
// up: the token session's proofs verify with the token, the results
// answer their batches with every value doubled, and the values are the
// doubling workload's inputs.
func TestProtocolGoldenSession(t *testing.T) {
	frames := map[string]any{}
	for _, g := range protocolGoldens(t) {
		frames[g.name] = g.want
	}
	hello := frames["hello-token.hex"].(*wire.Hello)
	nn := frames["challenge.hex"].([]byte)
	body := mustJSON(t, wire.TypeHello, hello)[wire.HeaderSize:]
	key := []byte(protocolToken)
	if !auth.Verify(key, auth.Coordinator, hello.Nonce, nn, body, frames["auth.hex"].([]byte)) {
		t.Error("auth.hex: the coordinator's proof does not verify")
	}
	if !auth.Verify(key, auth.Node, hello.Nonce, nn, body, frames["welcome-token.hex"].(*wire.Welcome).Proof) {
		t.Error("welcome-token.hex: the node's proof does not verify")
	}
	for _, pair := range [][2]string{{"tasks-batch1.hex", "results-batch1.hex"}, {"tasks-batch3-payload2.hex", "results-batch3-payload2.hex"}} {
		b, r := frames[pair[0]].(*workloads.Batch), frames[pair[1]].(*workloads.Result)
		if r.Tag != b.Tag || !slices.Equal(r.IDs, b.IDs) || r.K != b.K {
			t.Errorf("%s does not answer %s", pair[1], pair[0])
		}
		for i, id := range b.IDs {
			for j := range b.K {
				v := workloads.Value(1, id, j)
				if b.Values[i*b.K+j] != v || r.Values[i*b.K+j] != 2*v {
					t.Errorf("%s, task %d value %d: sent %d, answered %d; want Value(1, %d, %d) = %d, doubled %d",
						pair[0], id, j, b.Values[i*b.K+j], r.Values[i*b.K+j], id, j, v, 2*v)
				}
			}
		}
	}
}

// TestProtocolGoldenParse checks the reader of annotated hex dumps.
func TestProtocolGoldenParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []byte
		bad  bool
	}{
		{name: "bytes and comments", in: "53 42  # magic\n# only a comment\n01\n", want: []byte{0x53, 0x42, 0x01}},
		{name: "a hash inside a comment", in: "7b  # {\"a#b\"\n", want: []byte{0x7b}},
		{name: "three digits", in: "534\n", bad: true},
		{name: "not hex", in: "zz\n", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHex(tt.in)
			if tt.bad != (err != nil) || !tt.bad && !bytes.Equal(got, tt.want) {
				t.Fatalf("parseHex(%q) = % x, %v", tt.in, got, err)
			}
		})
	}
	if _, err := annotate("x", "y", []byte("SB")); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("annotate of half a header: %v, want ErrMalformed", err)
	}
}
