package wire_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

func seq(from byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = from + byte(i)
	}
	return b
}

// handshakeFrames are one valid frame of each handshake kind, named by
// their golden files.
func handshakeFrames(t testing.TB) map[string][]byte {
	hello, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "tcp-1", Workload: workloads.DefaultSpec(), Nonce: seq(0, wire.NonceSize)})
	if err != nil {
		t.Fatal(err)
	}
	natsHello, err := wire.AppendJSON(nil, wire.TypeHello, wire.Hello{Node: "nats-1", Workload: workloads.DefaultSpec(),
		Subject: "snbench.s.tasks", InFlight: 20})
	if err != nil {
		t.Fatal(err)
	}
	welcome, err := wire.AppendJSON(nil, wire.TypeWelcome, wire.Welcome{Node: "tcp-1", PID: 42, Host: "h", GoVersion: "go1.26.8",
		GOMAXPROCS: 2, Proof: seq(64, wire.ProofSize), Control: "snbench.s.ctl.1"})
	if err != nil {
		t.Fatal(err)
	}
	move, err := wire.AppendJSON(nil, wire.TypeMove, wire.Move{Subject: "snbench.s.tasks.m1"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"move.bin":          move,
		"hello-nonce.bin":   hello,
		"hello-nats.bin":    natsHello,
		"welcome-proof.bin": welcome,
		"challenge.bin":     wire.AppendControl(nil, wire.TypeChallenge, seq(0, wire.NonceSize)),
		"auth.bin":          wire.AppendControl(nil, wire.TypeAuth, seq(32, wire.ProofSize)),
		"error.bin":         wire.AppendControl(nil, wire.TypeError, []byte("authentication failed")),
	}
}

// TestGoldenHandshake pins the handshake frames as TestGolden pins the
// others (go test -update rewrites them).
func TestGoldenHandshake(t *testing.T) {
	for name, got := range handshakeFrames(t) {
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

func TestDecodeHandshake(t *testing.T) {
	t.Parallel()
	frames := handshakeFrames(t)
	json := func(ty wire.Type, body string) []byte { return wire.AppendControl(nil, ty, []byte(body)) }
	tests := []struct {
		name    string
		frame   []byte
		want    wire.Type
		wantErr error // nil: decodes
	}{
		{"hello with nonce", frames["hello-nonce.bin"], wire.TypeHello, nil},
		{"nats hello", frames["hello-nats.bin"], wire.TypeHello, nil},
		{"welcome with proof", frames["welcome-proof.bin"], wire.TypeWelcome, nil},
		{"challenge", frames["challenge.bin"], wire.TypeChallenge, nil},
		{"auth", frames["auth.bin"], wire.TypeAuth, nil},
		{"error", frames["error.bin"], wire.TypeError, nil},
		{"short challenge", wire.AppendControl(nil, wire.TypeChallenge, seq(0, 31)), 0, wire.ErrMalformed},
		{"long auth", wire.AppendControl(nil, wire.TypeAuth, seq(0, 33)), 0, wire.ErrMalformed},
		{"hello with a short nonce", json(wire.TypeHello, `{"node":"x","nonce":"AAEC"}`), 0, wire.ErrMalformed},
		{"welcome with a short proof", json(wire.TypeWelcome, `{"node":"x","proof":"AAEC"}`), 0, wire.ErrMalformed},
		{"hello with negative in_flight", json(wire.TypeHello, `{"node":"x","in_flight":-1}`), 0, wire.ErrMalformed},
		{"hello that is not JSON", json(wire.TypeHello, `{"node":`), 0, wire.ErrMalformed},
		{"tasks during the handshake", wire.AppendTasks(nil, sampleBatch()), 0, wire.ErrMalformed},
		{"bye with a body", json(wire.TypeBye, "x"), 0, wire.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := wire.ParseHeader(tt.frame, wire.DefaultMaxFrame)
			var hs wire.Handshake
			if err == nil {
				hs, err = wire.DecodeHandshake(h, tt.frame[wire.HeaderSize:])
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || hs.Type != tt.want {
				t.Fatalf("got %v, %v; want a %s", hs.Type, err, tt.want)
			}
			if again := reencode(t, hs); !bytes.Equal(again, tt.frame) {
				t.Fatalf("re-encoding differs:\n got %q\nwant %q", again, tt.frame)
			}
		})
	}
}

// reencode encodes a decoded handshake frame again.
func reencode(t *testing.T, hs wire.Handshake) []byte {
	var v any
	switch hs.Type {
	case wire.TypeHello:
		v = hs.Hello
	case wire.TypeWelcome:
		v = hs.Welcome
	case wire.TypeChallenge:
		return wire.AppendControl(nil, hs.Type, hs.Nonce)
	case wire.TypeAuth:
		return wire.AppendControl(nil, hs.Type, hs.Proof)
	default:
		return wire.AppendControl(nil, hs.Type, []byte(hs.Reason))
	}
	b, err := wire.AppendJSON(nil, hs.Type, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzHandshake feeds arbitrary frames to the handshake decoder: it must
// never panic, never accept a nonce or proof of the wrong size, never
// alias its input, and everything it accepts must decode to the same
// value after encoding again.
func FuzzHandshake(f *testing.F) {
	for name := range handshakeFrames(f) {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := wire.ParseHeader(in, 1<<16)
		if err != nil || len(in) < wire.HeaderSize+int(h.Length) {
			return
		}
		body := bytes.Clone(in[wire.HeaderSize : wire.HeaderSize+int(h.Length)])
		hs, err := wire.DecodeHandshake(h, body)
		if err != nil {
			return
		}
		switch {
		case hs.Hello != nil && len(hs.Hello.Nonce) != 0 && len(hs.Hello.Nonce) != wire.NonceSize,
			hs.Welcome != nil && len(hs.Welcome.Proof) != 0 && len(hs.Welcome.Proof) != wire.ProofSize,
			hs.Type == wire.TypeChallenge && len(hs.Nonce) != wire.NonceSize,
			hs.Type == wire.TypeAuth && len(hs.Proof) != wire.ProofSize:
			t.Fatalf("accepted a nonce or proof of the wrong size: %+v", hs)
		}
		for i := range body {
			body[i] ^= 0xff
		}
		if hs.Type == wire.TypeChallenge && bytes.Equal(hs.Nonce, body) || hs.Type == wire.TypeAuth && bytes.Equal(hs.Proof, body) {
			t.Fatalf("decoded frame aliases its input")
		}
		again := reencode(t, hs)
		h2, err := wire.ParseHeader(again, wire.DefaultMaxFrame)
		if err != nil {
			t.Fatalf("re-encoded frame does not parse: %v", err)
		}
		hs2, err := wire.DecodeHandshake(h2, again[wire.HeaderSize:])
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		if !reflect.DeepEqual(hs, hs2) {
			t.Fatalf("round trip changed the frame:\n%+v\n%+v", hs, hs2)
		}
	})
}

// FuzzMove feeds arbitrary frames to the Move decoder: it must never
// panic, accept only plain subjects, and what it accepts must survive a
// round trip.
func FuzzMove(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "move.bin"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(wire.AppendControl(nil, wire.TypeMove, []byte(`{"subject":"a.*"}`)))
	f.Add(wire.AppendControl(nil, wire.TypeMove, []byte(`{"subject":"a..b"}`)))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := wire.ParseHeader(in, 1<<16)
		if err != nil || len(in) < wire.HeaderSize+int(h.Length) {
			return
		}
		m, err := wire.DecodeMove(h, in[wire.HeaderSize:wire.HeaderSize+int(h.Length)])
		if err != nil {
			return
		}
		for _, tok := range strings.Split(m.Subject, ".") {
			if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n") {
				t.Fatalf("accepted subject %q", m.Subject)
			}
		}
		again, err := wire.AppendJSON(nil, wire.TypeMove, m)
		if err != nil {
			t.Fatal(err)
		}
		h2, err := wire.ParseHeader(again, wire.DefaultMaxFrame)
		if err != nil {
			t.Fatal(err)
		}
		if m2, err := wire.DecodeMove(h2, again[wire.HeaderSize:]); err != nil || m2 != m {
			t.Fatalf("round trip: %+v, %v; want %+v", m2, err, m)
		}
	})
}
