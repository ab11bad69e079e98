package nats

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
)

// TestEcho checks the raw NATS baseline's endpoints: frames come back
// unchanged through echo processes, a dead echo process fails Reads at
// once instead of leaving them waiting, and Close stops everything.
func TestEcho(t *testing.T) {
	set, err := New().StartEcho(context.Background(), topologies.EchoConfig{Endpoints: 2, Window: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	conns := set.Conns()
	if len(conns) != 2 {
		t.Fatalf("%d endpoints, want 2", len(conns))
	}
	for i, c := range conns {
		for n := range 20 {
			out := bytes.Repeat([]byte{byte(i), byte(n)}, 300+n)
			if _, err := c.Write(out); err != nil {
				t.Fatal(err)
			}
			in := make([]byte, len(out))
			// Small reads continue the same reply.
			if _, err := io.ReadFull(c, in[:7]); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, in[7:]); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(in, out) {
				t.Fatalf("endpoint %d frame %d came back changed", i, n)
			}
		}
	}

	e := set.(*echoes)
	e.children[0].Kill()
	e.children[1].Kill()
	done := make(chan error, 1)
	go func() {
		_, err := conns[0].Read(make([]byte, 1))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "echo process raw-nats-") {
			t.Fatalf("Read after the echoes died: %v, want an error naming the process", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still waits 5s after the echo processes died")
	}
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	if err := set.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := conns[1].Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}
