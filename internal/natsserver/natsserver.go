package natsserver

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// MaxPayload is the largest message the embedded server accepts: 8 MiB,
// the size above which nats-server warns.
const MaxPayload = 8 << 20

// Server is an embedded nats-server.
type Server struct {
	s *server.Server
}

// Start starts an embedded nats-server on addr (host:port; port 0
// picks one) that accepts only clients giving token (none when token is
// empty), and waits up to timeout for it to accept connections.
func Start(addr, token string, timeout time.Duration) (*Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS server: address %q: %w", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("embedded NATS server: address %q: bad port", addr)
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	s, err := server.NewServer(&server.Options{
		Host: host, Port: p, NoLog: true, NoSigs: true, Authorization: token,
		MaxPayload: MaxPayload, ServerName: "snbench-embedded",
	})
	if err != nil {
		return nil, fmt.Errorf("embedded NATS server: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(timeout) {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, fmt.Errorf("embedded NATS server on %s: not ready within %v", addr, timeout)
	}
	return &Server{s: s}, nil
}

// URL returns the URL clients connect to.
func (s *Server) URL() string { return s.s.ClientURL() }

// Close shuts the server down and waits until it has.
func (s *Server) Close() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}
