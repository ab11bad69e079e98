// Package auth holds the shared-token authentication of snbench sessions:
// loading a token (a file or SNBENCH_TOKEN), making nonces, and the
// HMAC-SHA256 proofs that a coordinator and a node exchange so that each
// shows the other it knows the token without the token crossing the wire.
//
// The handshake, in wire frames (see wire):
//
//	coordinator -> node   Hello{..., nonce: Nc}
//	node -> coordinator   Challenge: Nn
//	coordinator -> node   Auth: Prove(K, Coordinator, Nc, Nn, hello)
//	node -> coordinator   Welcome{..., proof: Prove(K, Node, Nc, Nn, hello)}
//
// Both proofs bind both nonces and the Hello's exact bytes, and carry
// different role labels, so neither side's proof can be replayed from an
// earlier session or reflected back at its sender. The token authenticates
// the session; it does not encrypt or protect the frames that follow, so on
// an untrusted network run sessions through a VPN or SSH tunnel.
package auth
