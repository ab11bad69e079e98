package wire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/snbench/snbench/workloads"
)

// Version is the protocol version this package speaks.
const Version = 1

// HeaderSize is the size of a frame header in bytes.
const HeaderSize = 16

// DefaultMaxFrame is the default limit on a frame's total size: 64 MiB.
const DefaultMaxFrame = 64 << 20

// MaxHandshakeFrame is the limit on a frame's total size before a session
// is authenticated: the Hello, the Auth, an Error. A Hello is a few hundred
// bytes (names, the workload spec, a nonce), so 4 KiB leaves room for long
// names while a peer that has proved nothing can make a node hold no more
// than this per connection for its frame.
const MaxHandshakeFrame = 4 << 10

const magic0, magic1 = 'S', 'B'

// Type is a frame type.
type Type uint8

// Frame types.
const (
	TypeHello        Type = 1  // coordinator -> node: JSON Hello
	TypeWelcome      Type = 2  // node -> coordinator: JSON Welcome
	TypeTasks        Type = 3  // coordinator -> node: a batch of tasks
	TypeResults      Type = 4  // node -> coordinator: the batch's results
	TypeStatsRequest Type = 5  // coordinator -> node: empty
	TypeStats        Type = 6  // node -> coordinator: JSON Stats
	TypeError        Type = 7  // either way: UTF-8 reason, then the sender closes
	TypeBye          Type = 8  // coordinator -> node: end of session
	TypeChallenge    Type = 9  // node -> coordinator: the node's nonce (NonceSize bytes)
	TypeAuth         Type = 10 // coordinator -> node: the coordinator's proof (ProofSize bytes)
	TypeMove         Type = 11 // coordinator -> node (NATS): JSON Move; node -> coordinator: empty, once moved
	typeMax               = TypeMove
)

// NonceSize is the body size of a Challenge frame, and the size of the
// nonce a Hello may carry; ProofSize is the body size of an Auth frame and
// the size of the proof a Welcome may carry (an HMAC-SHA256).
const (
	NonceSize = 32
	ProofSize = 32
)

var typeNames = [...]string{"invalid", "hello", "welcome", "tasks", "results", "stats-request", "stats", "error", "bye", "challenge", "auth", "move"}

// String returns the frame type's name.
func (t Type) String() string {
	if t == 0 || t > typeMax {
		return fmt.Sprintf("type(%d)", uint8(t))
	}
	return typeNames[t]
}

// Errors a decoder returns; callers test them with errors.Is.
var (
	ErrMagic     = errors.New("bad magic: not an snbench frame")
	ErrVersion   = errors.New("unsupported protocol version")
	ErrTooLarge  = errors.New("frame exceeds the size limit")
	ErrMalformed = errors.New("malformed frame")
)

// Header is a decoded frame header.
type Header struct {
	Version uint8
	Type    Type
	Count   uint32
	Aux     uint32
	Length  uint32
}

// Put writes h into b[:HeaderSize] with the magic.
func (h Header) Put(b []byte) {
	_ = b[HeaderSize-1]
	b[0], b[1], b[2], b[3] = magic0, magic1, h.Version, byte(h.Type)
	binary.LittleEndian.PutUint32(b[4:], h.Count)
	binary.LittleEndian.PutUint32(b[8:], h.Aux)
	binary.LittleEndian.PutUint32(b[12:], h.Length)
}

// ParseHeader decodes and checks a header: magic, version, type, the body
// length against maxFrame, and for task and result frames that count and K
// agree with the length.
func ParseHeader(b []byte, maxFrame int) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: header is %d bytes, want %d", ErrMalformed, len(b), HeaderSize)
	}
	if b[0] != magic0 || b[1] != magic1 {
		return Header{}, fmt.Errorf("%w (got %#02x %#02x)", ErrMagic, b[0], b[1])
	}
	h := Header{
		Version: b[2],
		Type:    Type(b[3]),
		Count:   binary.LittleEndian.Uint32(b[4:]),
		Aux:     binary.LittleEndian.Uint32(b[8:]),
		Length:  binary.LittleEndian.Uint32(b[12:]),
	}
	if h.Version != Version {
		return h, fmt.Errorf("%w %d (this side speaks %d)", ErrVersion, h.Version, Version)
	}
	if h.Type == 0 || h.Type > typeMax {
		return h, fmt.Errorf("%w: unknown frame type %d", ErrMalformed, uint8(h.Type))
	}
	if uint64(h.Length)+HeaderSize > uint64(maxFrame) {
		return h, fmt.Errorf("%w: %s frame of %d bytes, limit %d", ErrTooLarge, h.Type, uint64(h.Length)+HeaderSize, maxFrame)
	}
	if n, fixed := h.Type.fixedLength(); fixed && h.Length != n {
		return h, fmt.Errorf("%w: %s frame of %d body bytes, want %d", ErrMalformed, h.Type, h.Length, n)
	}
	want, sized := h.wantLength()
	if !sized && (h.Count != 0 || h.Aux != 0) {
		return h, fmt.Errorf("%w: %s frame carries count %d and aux %d, want 0", ErrMalformed, h.Type, h.Count, h.Aux)
	}
	if sized && want != uint64(h.Length) {
		return h, fmt.Errorf("%w: %s frame with %d tasks of %d values needs %d body bytes, header says %d",
			ErrMalformed, h.Type, h.Count, h.Aux, want, h.Length)
	}
	return h, nil
}

// fixedLength returns the body length of frame types that have only one.
func (t Type) fixedLength() (uint32, bool) {
	switch t {
	case TypeChallenge:
		return NonceSize, true
	case TypeAuth:
		return ProofSize, true
	case TypeStatsRequest, TypeBye:
		return 0, true
	}
	return 0, false
}

// wantLength returns the body length that count and aux imply for task and
// result frames.
func (h Header) wantLength() (uint64, bool) {
	var fixed uint64
	switch h.Type {
	case TypeTasks:
		fixed = 8
	case TypeResults:
		fixed = 16
	default:
		return 0, false
	}
	if h.Aux > workloads.MaxPayload || (h.Count > 0 && h.Aux == 0) {
		return ^uint64(0), true
	}
	return fixed + uint64(h.Count)*(8+8*uint64(h.Aux)), true
}
