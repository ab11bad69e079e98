package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
)

// EnvToken is the environment variable that carries the token when no
// token file is given.
const EnvToken = "SNBENCH_TOKEN"

// MinTokenLen is the shortest token accepted, in bytes.
const MinTokenLen = 16

// NonceSize is the size of a nonce in bytes; ProofSize that of a proof.
const (
	NonceSize = 32
	ProofSize = sha256.Size
)

// ErrRefused is wrapped by the errors of a handshake that failed
// authentication, on either side; callers test it with errors.Is.
var ErrRefused = errors.New("authentication failed")

// Role says which side of a session made a proof.
type Role uint8

// Roles. Their labels differ, so a proof made by one side never verifies as
// the other's.
const (
	Coordinator Role = iota + 1
	Node
)

func (r Role) label() string {
	if r == Coordinator {
		return "snbench-auth-v1 coordinator\x00"
	}
	return "snbench-auth-v1 node\x00"
}

// Load returns the token from file, or when file is empty from the
// environment variable EnvToken (looked up with getenv, os.Getenv if nil).
// It returns nil without an error when neither is set. Surrounding white
// space is trimmed; a token shorter than MinTokenLen is an error.
func Load(file string, getenv func(string) string) ([]byte, error) {
	var tok []byte
	src := file
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("token file: %w", err)
		}
		tok = bytes.TrimSpace(b)
	default:
		if getenv == nil {
			getenv = os.Getenv
		}
		tok, src = bytes.TrimSpace([]byte(getenv(EnvToken))), EnvToken
		if len(tok) == 0 {
			return nil, nil
		}
	}
	if len(tok) < MinTokenLen {
		return nil, fmt.Errorf("token from %s: %d bytes, want at least %d (make one with: head -c 32 /dev/urandom | base64)",
			src, len(tok), MinTokenLen)
	}
	return tok, nil
}

// CheckPrivate returns an error when the file at path, which holds a
// secret, may be read by users other than its owner: its group or
// everyone (mode bits 0o077), as ssh complains of a private key. It
// returns nil when the file is private or cannot be examined (reading it
// reports that). Callers print it as a warning: the secret still works.
func CheckPrivate(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	who := "its group"
	if fi.Mode().Perm()&0o007 != 0 {
		who = "every user"
	}
	return fmt.Errorf("%s is readable by %s (mode %#o): anyone who can read it holds the secret; run chmod 600 %s",
		path, who, fi.Mode().Perm(), path)
}

// NewNonce returns NonceSize random bytes.
func NewNonce() []byte {
	b := make([]byte, NonceSize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return b
}

// NewToken returns a random token, for sessions with processes snbench
// starts itself.
func NewToken() []byte {
	b := make([]byte, 2*NonceSize)
	const hex = "0123456789abcdef"
	for i, x := range NewNonce() {
		b[2*i], b[2*i+1] = hex[x>>4], hex[x&15]
	}
	return b
}

// Prove returns the proof that role knows token, for the session opened by
// hello with the coordinator's nonce nc and the node's nonce nn.
func Prove(token []byte, role Role, nc, nn, hello []byte) []byte {
	m := hmac.New(sha256.New, token)
	m.Write([]byte(role.label()))
	m.Write(nc)
	m.Write(nn)
	m.Write(hello)
	return m.Sum(nil)
}

// Verify reports whether proof is role's proof for the session, in
// constant time.
func Verify(token []byte, role Role, nc, nn, hello, proof []byte) bool {
	return len(proof) == ProofSize && hmac.Equal(proof, Prove(token, role, nc, nn, hello))
}
