package wire

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/snbench/snbench/internal/safetext"
	"github.com/snbench/snbench/workloads"
)

// Hello opens a session: the coordinator names the node and the workload it
// is to serve.
type Hello struct {
	// Node is the name the coordinator uses for the node in errors and
	// results, e.g. "tcp-2".
	Node string `json:"node"`
	// Workload is the workload the node serves for this session.
	Workload workloads.Spec `json:"workload"`
	// Nonce is the coordinator's NonceSize random bytes when it holds a
	// token and wants the node to prove it (see internal/auth); absent
	// otherwise.
	Nonce []byte `json:"nonce,omitempty"`
	// Subject is, for NATS sessions, the subject whose queue group the node
	// joins to receive task frames; empty on byte streams.
	Subject string `json:"subject,omitempty"`
	// InFlight is, for NATS sessions, the most task frames the coordinator
	// may have in flight in the whole cluster; the node sizes its queue
	// from it.
	InFlight int `json:"in_flight,omitempty"`
}

// Welcome is the node's answer to Hello.
type Welcome struct {
	// Node is the node's name for itself.
	Node string `json:"node"`
	// PID is the node's process id, Host its host name.
	PID  int    `json:"pid"`
	Host string `json:"host"`
	// GoVersion and GOMAXPROCS describe the node's runtime.
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	// Proof is the node's ProofSize-byte proof of the shared token, present
	// when the session was authenticated.
	Proof []byte `json:"proof,omitempty"`
	// Control is, for NATS sessions, the node's own subject for stats
	// requests and Bye; empty on byte streams.
	Control string `json:"control,omitempty"`
	// Ping is, for NATS sessions, the node's subject for liveness checks:
	// it answers a stats request there at once, out of band, whatever its
	// queue of tasks holds. Empty where the node has none.
	Ping string `json:"ping,omitempty"`
}

// Stats is a node's resource use since it started.
type Stats struct {
	// UserNS and SysNS are the node process's CPU time in nanoseconds.
	UserNS int64 `json:"user_ns"`
	SysNS  int64 `json:"sys_ns"`
	// MaxRSSKB is the node process's peak resident set size in KiB.
	MaxRSSKB int64 `json:"max_rss_kb"`
	// Tasks is the number of tasks the node has served in this session.
	Tasks uint64 `json:"tasks"`
	// Queued and Serving say, in a NATS node's answer to a liveness check,
	// how many messages waited in its session's queue and whether it was
	// serving a batch: a busy node explains a coordinator's wait for
	// replies, an idle one means the replies it waits for are lost.
	Queued  int  `json:"queued,omitempty"`
	Serving bool `json:"serving,omitempty"`
}

// Move asks a NATS node to serve its session's tasks on another subject:
// to join that subject's queue group and leave the one it was in. The
// coordinator moves the nodes that still answer away from one that does
// not, which keeps its subscription but would never answer the batches the
// queue group gave it.
type Move struct {
	// Subject is the new task subject.
	Subject string `json:"subject"`
}

// DecodeMove decodes a Move frame's body. The subject must be a plain NATS
// subject: not empty, no wildcard tokens ("*", ">"), no empty tokens, no
// white space.
func DecodeMove(h Header, body []byte) (Move, error) {
	var m Move
	if err := DecodeJSON(h, body, TypeMove, &m); err != nil {
		return Move{}, err
	}
	for tok := range strings.SplitSeq(m.Subject, ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsFunc(tok, unicode.IsSpace) {
			return Move{}, fmt.Errorf("%w: move to %q: not a plain NATS subject", ErrMalformed, m.Subject)
		}
	}
	return m, nil
}

// AppendJSON appends a control frame of type t whose body is v as JSON.
func AppendJSON(dst []byte, t Type, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("encoding %s: %w", t, err)
	}
	return AppendControl(dst, t, body), nil
}

// DecodeJSON decodes the JSON body of a control frame of type want into v.
// An Error frame is returned as an error carrying the peer's reason.
func DecodeJSON(h Header, body []byte, want Type, v any) error {
	if h.Type == TypeError {
		return &PeerError{Reason: string(body)}
	}
	if h.Type != want {
		return fmt.Errorf("%w: want a %s frame, got %s", ErrMalformed, want, h.Type)
	}
	if err := json.Unmarshal(body, v); err != nil {
		// The decoder's message may quote the peer's bytes.
		return fmt.Errorf("%w: %s body: %s", ErrMalformed, want, safetext.Quote(err.Error(), safetext.DefaultMax))
	}
	return nil
}

// Handshake is one decoded frame of the kinds a handshake exchanges; Type
// says which field is set.
type Handshake struct {
	Type Type
	// Hello and Welcome are set for their frame types.
	Hello   *Hello
	Welcome *Welcome
	// Nonce is a Challenge frame's body, Proof an Auth frame's.
	Nonce []byte
	Proof []byte
	// Reason is an Error frame's text.
	Reason string
}

// DecodeHandshake decodes a Hello, Welcome, Challenge, Auth or Error frame
// whose header came from ParseHeader, and checks that nonces and proofs
// have their sizes. Any other frame type is ErrMalformed. The result does
// not alias body.
func DecodeHandshake(h Header, body []byte) (Handshake, error) {
	hs := Handshake{Type: h.Type}
	switch h.Type {
	case TypeHello:
		hs.Hello = new(Hello)
		if err := DecodeJSON(h, body, TypeHello, hs.Hello); err != nil {
			return hs, err
		}
		if n := len(hs.Hello.Nonce); n != 0 && n != NonceSize {
			return hs, fmt.Errorf("%w: hello nonce is %d bytes, want %d", ErrMalformed, n, NonceSize)
		} else if n == 0 {
			hs.Hello.Nonce = nil // "nonce": "" means none
		}
		if hs.Hello.InFlight < 0 {
			return hs, fmt.Errorf("%w: hello in_flight %d is negative", ErrMalformed, hs.Hello.InFlight)
		}
	case TypeWelcome:
		hs.Welcome = new(Welcome)
		if err := DecodeJSON(h, body, TypeWelcome, hs.Welcome); err != nil {
			return hs, err
		}
		if n := len(hs.Welcome.Proof); n != 0 && n != ProofSize {
			return hs, fmt.Errorf("%w: welcome proof is %d bytes, want %d", ErrMalformed, n, ProofSize)
		} else if n == 0 {
			hs.Welcome.Proof = nil
		}
	case TypeChallenge, TypeAuth:
		want, _ := h.Type.fixedLength()
		if uint64(len(body)) != uint64(want) {
			return hs, fmt.Errorf("%w: %s body is %d bytes, want %d", ErrMalformed, h.Type, len(body), want)
		}
		b := append([]byte(nil), body...)
		if h.Type == TypeChallenge {
			hs.Nonce = b
		} else {
			hs.Proof = b
		}
	case TypeError:
		hs.Reason = string(body)
	default:
		return hs, fmt.Errorf("%w: %s frame during the handshake", ErrMalformed, h.Type)
	}
	return hs, nil
}

// PeerError is the reason a peer gave in an Error frame.
type PeerError struct{ Reason string }

// Error returns the reason with a prefix saying the peer gave it.
func (e *PeerError) Error() string { return "peer reported: " + e.Reason }
