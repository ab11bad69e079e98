package topologies

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
