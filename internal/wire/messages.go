package wire

import (
	"encoding/json"
	"fmt"

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
}

// Welcome is the node's answer to Hello.
type Welcome struct {
	Node       string `json:"node"`
	PID        int    `json:"pid"`
	Host       string `json:"host"`
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
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
		return fmt.Errorf("%w: %s body: %v", ErrMalformed, want, err)
	}
	return nil
}

// PeerError is the reason a peer gave in an Error frame.
type PeerError struct{ Reason string }

func (e *PeerError) Error() string { return "peer reported: " + e.Reason }
