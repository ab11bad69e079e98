package topologies

import (
	"context"
	"io"
	"time"
)

// Bare transports that raw baselines measure.
const (
	TransportChannel = "channel" // Go channels between goroutines
	TransportPipe    = "pipe"    // a pipe pair to a child process
	TransportTCP     = "tcp"     // a loopback TCP connection to a child process
	TransportNATS    = "nats"    // a request through a NATS server
)

// Transporter is implemented by topologies whose bare transport snbench
// can measure as a raw baseline: the same bytes, batches and window with
// no framing, workload, verification or per-task measurement.
type Transporter interface {
	// Transport returns one of the Transport names.
	Transport() string
}

// EchoStarter is implemented by Transporters whose bare transport needs
// more than a connection per endpoint, such as a server between the two
// ends: the topology starts the echo endpoints of its raw baseline itself,
// so that the harness need not know how (nor link the server's package).
// The harness starts the channel, pipe and tcp echoes on its own.
type EchoStarter interface {
	Transporter
	// StartEcho starts cfg.Endpoints echo endpoints of the transport. It
	// stops whatever it started before returning an error.
	StartEcho(ctx context.Context, cfg EchoConfig) (EchoSet, error)
}

// EchoConfig says what an EchoStarter starts.
type EchoConfig struct {
	// Endpoints is the number of echo endpoints, one per worker.
	Endpoints int
	// Window is the most frames each endpoint will have in flight.
	Window int
	// FrameBytes, when set, is the size of each frame the raw loop
	// writes: an endpoint that can then hold Window frames written and not
	// yet read (a pipe, grown to it) says it queues (Queued), as the
	// topology's links do, so that the raw loop runs as the cell's does.
	FrameBytes int
	// Log receives the stderr of child processes; nil discards it.
	Log io.Writer
	// StartTimeout bounds the start; 0 means 10 seconds.
	StartTimeout time.Duration
}

// EchoSet is a started set of echo endpoints.
type EchoSet interface {
	// Conns returns the endpoints. What is written to one, one frame per
	// Write, comes back unchanged from its Reads, frame after frame in the
	// order the echoes answer (with several echo processes behind an
	// endpoint, not always the order sent). One goroutine may Write while
	// another Reads; Close ends both, and closing twice is harmless. The
	// raw loop reads an endpoint as it is, a frame's header and then the
	// rest: an endpoint over a byte stream that the topology's link reads
	// through a buffer should buffer its Reads the same way, so that the
	// baseline reads the transport as the harness does.
	Conns() []io.ReadWriteCloser
	// Close closes every endpoint and stops and reaps whatever the set
	// started. Calling it again does nothing.
	Close() error
}
