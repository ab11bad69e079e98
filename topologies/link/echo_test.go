package link

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snbench/snbench/topologies"
)

// closeCounter counts the closes of the endpoints it hands out.
type closeCounter struct{ n atomic.Int64 }

func (c *closeCounter) Close() error {
	c.n.Add(1)
	return nil
}

// TestStreamEchoesStartAllAtOnce: the echoes start concurrently (every
// start is under way before any returns), and when one fails the others
// are told at once (their context ends), every endpoint that did start is
// closed, and the error is the failing one's.
func TestStreamEchoesStartAllAtOnce(t *testing.T) {
	const n = 6
	var closed closeCounter
	var arrived sync.WaitGroup
	arrived.Add(n)
	endpoint := func() EchoEndpoint {
		a, b := net.Pipe()
		return EchoEndpoint{Conn: a, Closers: []io.Closer{a, b, &closed}}
	}
	t.Run("all start", func(t *testing.T) {
		set, err := StartStreamEchoes(context.Background(), topologies.EchoConfig{Endpoints: n}, "echo",
			func(ctx context.Context, name string, _ time.Duration) (EchoEndpoint, error) {
				arrived.Done()
				all := make(chan struct{})
				go func() { arrived.Wait(); close(all) }()
				select { // only once all n are under way at once
				case <-all:
					return endpoint(), nil
				case <-time.After(10 * time.Second):
					return EchoEndpoint{}, errors.New(name + ": the others did not start while it did: one after another")
				}
			})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(set.Conns()); got != n {
			t.Errorf("%d endpoints, want %d", got, n)
		}
		if err := set.Close(); err != nil {
			t.Fatal(err)
		}
		if got := closed.n.Load(); got != n {
			t.Errorf("%d endpoints closed, want %d", got, n)
		}
	})
	t.Run("one fails", func(t *testing.T) {
		closed.n.Store(0)
		bad := errors.New("echo-3 exited before it announced")
		var gaveUp atomic.Int64
		start := time.Now()
		_, err := StartStreamEchoes(context.Background(), topologies.EchoConfig{Endpoints: n}, "echo",
			func(ctx context.Context, name string, _ time.Duration) (EchoEndpoint, error) {
				switch name {
				case "echo-3":
					return EchoEndpoint{}, bad
				case "echo-5": // a slow one: gives up when told
					select {
					case <-ctx.Done():
						gaveUp.Add(1)
						return EchoEndpoint{}, context.Cause(ctx)
					case <-time.After(time.Minute):
						return EchoEndpoint{}, errors.New("never told to give up")
					}
				}
				return endpoint(), nil
			})
		if !errors.Is(err, bad) {
			t.Fatalf("err = %v, want the failing echo's", err)
		}
		if gaveUp.Load() != 1 || time.Since(start) > 30*time.Second {
			t.Errorf("the slow echo gave up %d times, after %v: want once, at once", gaveUp.Load(), time.Since(start))
		}
		if got := closed.n.Load(); got != n-2 {
			t.Errorf("%d endpoints closed, want the %d that started", got, n-2)
		}
		if !strings.Contains(err.Error(), "echo-3") {
			t.Errorf("err = %v does not name echo-3", err)
		}
	})
}
