package node_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// script is a coordinator's side of a session, played from bytes: reads
// come from in, writes go to out.
type script struct {
	in  io.Reader
	out bytes.Buffer
}

func (s *script) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *script) Write(p []byte) (int, error) { return s.out.Write(p) }

func helloFrame(t testing.TB, nonce []byte) []byte {
	b, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "tcp-1", Workload: workloads.DefaultSpec(), Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// frameTypes returns the types of the frames in out, in order.
func frameTypes(out []byte) []wire.Type {
	var ts []wire.Type
	r := wire.NewReader(bytes.NewReader(out), 0)
	for {
		h, _, err := r.Next()
		if err != nil {
			return ts
		}
		ts = append(ts, h.Type)
	}
}

// FuzzServeHandshake plays arbitrary bytes as the coordinator against a
// node that holds a token. Nobody without the token can make a valid
// proof, so whatever the bytes, the node must never send a Welcome or
// serve a task, and must refuse with an error, which the node logs: one
// printable line of at most a few KiB, whatever the peer's text in it.
func FuzzServeHandshake(f *testing.F) {
	tasks := wire.AppendTasks(nil, &workloads.Batch{Tag: 1, K: 1, IDs: []uint64{1}, Values: []int64{2}})
	f.Add(helloFrame(f, nil))
	f.Add(append(helloFrame(f, auth.NewNonce()), tasks...))
	f.Add(append(helloFrame(f, auth.NewNonce()), wire.AppendControl(nil, wire.TypeAuth, auth.NewNonce())...))
	f.Add(append(append(helloFrame(f, auth.NewNonce()), wire.AppendControl(nil, wire.TypeAuth, auth.NewNonce())...), tasks...))
	f.Add(append(helloFrame(f, auth.NewNonce()), wire.AppendControl(nil, wire.TypeError, []byte("no"))...))
	f.Add(append(helloFrame(f, auth.NewNonce()), wire.AppendControl(nil, wire.TypeError, []byte("a\nb\x1b\xff"))...))
	badDuration := []byte("{\"node\":\"a\",\"workload\":{\"name\":\"doubling\",\"payload\":1,\"cpu\":\"\xff\u001b\"}}")
	f.Add(append(rawHeader(wire.Version, wire.TypeHello, 0, 0, uint32(len(badDuration))), badDuration...))
	token := []byte("the-node-token-0123456789")
	reg := workloads.DefaultRegistry()
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &script{in: bytes.NewReader(in)}
		err := node.Serve(context.Background(), s, node.SessionConfig{Registry: reg, Token: token})
		if err == nil {
			t.Fatalf("session ended cleanly without the token")
		}
		if msg := err.Error(); len(msg) > 2*wire.MaxHandshakeFrame || strings.ContainsFunc(msg, unprintable) {
			t.Fatalf("error of %d bytes, not one printable line: %q", len(msg), msg)
		}
		for _, ty := range frameTypes(s.out.Bytes()) {
			if ty == wire.TypeWelcome || ty == wire.TypeResults || ty == wire.TypeStats {
				t.Fatalf("node sent a %s frame to a coordinator without the token", ty)
			}
		}
	})
}

// unprintable reports a rune that could break or forge a log line.
func unprintable(r rune) bool {
	return r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError || r == '\u2028' || r == '\u2029'
}

func TestServeRefusesWithoutToken(t *testing.T) {
	t.Parallel()
	token := []byte("the-node-token-0123456789")
	tests := []struct {
		name      string
		in        []byte
		wantTypes []wire.Type
	}{
		{"no nonce", helloFrame(t, nil), []wire.Type{wire.TypeError}},
		{"a made-up proof", append(helloFrame(t, auth.NewNonce()), wire.AppendControl(nil, wire.TypeAuth, auth.NewNonce())...),
			[]wire.Type{wire.TypeChallenge, wire.TypeError}},
		{"tasks instead of a proof", append(helloFrame(t, auth.NewNonce()), wire.AppendTasks(nil, &workloads.Batch{Tag: 1, K: 1, IDs: []uint64{1}, Values: []int64{2}})...),
			[]wire.Type{wire.TypeChallenge, wire.TypeError}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{in: bytes.NewReader(tt.in)}
			err := node.Serve(context.Background(), s, node.SessionConfig{Registry: workloads.DefaultRegistry(), Token: token})
			if err == nil {
				t.Fatal("served")
			}
			got := frameTypes(s.out.Bytes())
			if len(got) != len(tt.wantTypes) {
				t.Fatalf("node sent %v, want %v", got, tt.wantTypes)
			}
			for i := range got {
				if got[i] != tt.wantTypes[i] {
					t.Fatalf("node sent %v, want %v", got, tt.wantTypes)
				}
			}
			if tt.name != "tasks instead of a proof" && !errors.Is(err, auth.ErrRefused) {
				t.Errorf("error %v does not wrap auth.ErrRefused", err)
			}
		})
	}
}
