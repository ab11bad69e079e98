package syncbuf

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentWrites has writers and a reader race (run it with -race):
// every line must arrive whole.
func TestConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 100 {
				fmt.Fprintf(&b, "writer %d line %d\n", w, i)
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			_ = b.String()
		}
	})
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	for _, l := range lines {
		var w, i int
		if n, err := fmt.Sscanf(l, "writer %d line %d", &w, &i); n != 2 || err != nil {
			t.Fatalf("torn line %q", l)
		}
	}
}

// TestWaitFor: WaitFor sees text written while it waits, and gives up
// after its bound when the text never comes.
func TestWaitFor(t *testing.T) {
	var b Buffer
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = b.Write([]byte("node ready\n"))
	}()
	if !b.WaitFor("ready", 10*time.Second) {
		t.Fatal("WaitFor missed text written while it waited")
	}
	start := time.Now()
	if b.WaitFor("never", 50*time.Millisecond) {
		t.Fatal("WaitFor found text that was never written")
	}
	if took := time.Since(start); took < 50*time.Millisecond || took > 5*time.Second {
		t.Errorf("WaitFor gave up after %v, want about its bound of 50ms", took)
	}
}
