package grpctopology

import "fmt"

// msg is every message of the service: bytes this package encodes.
type msg struct{ b []byte }

// codec carries msgs as they are. It copies both ways: gRPC may write a
// marshalled message after SendMsg returns (the sender reuses its
// buffer), and may reuse the buffer it hands to Unmarshal.
type codec struct{}

func (codec) Name() string { return "snbench-raw" }

func (codec) Marshal(v any) ([]byte, error) {
	m, ok := v.(*msg)
	if !ok {
		return nil, fmt.Errorf("grpc codec: cannot marshal %T", v)
	}
	return append([]byte(nil), m.b...), nil
}

func (codec) Unmarshal(data []byte, v any) error {
	m, ok := v.(*msg)
	if !ok {
		return fmt.Errorf("grpc codec: cannot unmarshal into %T", v)
	}
	m.b = append(m.b[:0], data...)
	return nil
}
