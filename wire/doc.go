// Package wire encodes and decodes the frames that every process transport
// (subprocess pipes, TCP, NATS messages) speaks between the coordinator and
// a node. On NATS each message carries exactly one frame: a Tasks frame per
// request, a Results frame per reply.
//
// A frame is a fixed 16-byte little-endian header followed by a body:
//
//	offset size field
//	0      2    magic "SB"
//	2      1    protocol version (Version)
//	3      1    frame type (Type)
//	4      4    count: tasks in the frame (Tasks, Results), else 0
//	8      4    aux: values per task K (Tasks, Results), else 0
//	12     4    length of the body in bytes
//
// Bodies:
//
//	Tasks    tag u64, then count x (id u64, K x value i64)
//	Results  tag u64, service-time ns i64, then count x (id u64, K x value i64)
//	Hello, Welcome, Stats, Error   JSON or UTF-8 text
//	StatsRequest, Bye              empty
//	Challenge                      the node's nonce, NonceSize bytes
//	Auth                           the coordinator's proof, ProofSize bytes
//
// A session opens with Hello (coordinator) and Welcome (node). When the
// coordinator holds a shared token, the Hello carries its nonce, the node
// answers with a Challenge, the coordinator proves the token in an Auth
// frame, and the node's Welcome carries the node's own proof; see
// internal/auth. DecodeHandshake decodes every frame of that exchange.
//
// A Reader checks the header (magic, version, declared length against the
// frame size limit, count and K against the length) before it allocates, and
// reuses one buffer for every frame, so the hot path does not allocate.
package wire
