package auth_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snbench/snbench/internal/auth"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "  0123456789abcdef0123\n")
	short := write("short", "tiny\n")
	tests := []struct {
		name    string
		file    string
		env     string
		want    string
		wantErr string
	}{
		{"file, trimmed", good, "", "0123456789abcdef0123", ""},
		{"file wins over env", good, "env-token-0123456789", "0123456789abcdef0123", ""},
		{"env", "", "env-token-0123456789\n", "env-token-0123456789", ""},
		{"neither", "", "", "", ""},
		{"short file", short, "", "", "at least 16"},
		{"short env", "", "abc", "", "from SNBENCH_TOKEN: 3 bytes"},
		{"missing file", filepath.Join(dir, "nope"), "", "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.Load(tt.file, func(k string) string {
				if k == auth.EnvToken {
					return tt.env
				}
				return ""
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want || (tt.want == "" && got != nil) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestProofs(t *testing.T) {
	t.Parallel()
	tok, other := []byte("the-shared-token-0123"), []byte("another-token-0123456")
	nc, nn, hello := auth.NewNonce(), auth.NewNonce(), []byte(`{"node":"tcp-1"}`)
	proof := auth.Prove(tok, auth.Coordinator, nc, nn, hello)
	if !auth.Verify(tok, auth.Coordinator, nc, nn, hello, proof) {
		t.Fatal("a correct proof does not verify")
	}
	tests := []struct {
		name              string
		token             []byte
		role              auth.Role
		nc, nn, hello, pr []byte
	}{
		{"wrong token", other, auth.Coordinator, nc, nn, hello, proof},
		{"reflected as the node's", tok, auth.Node, nc, nn, hello, proof},
		{"nonces swapped", tok, auth.Coordinator, nn, nc, hello, proof},
		{"another session's nonce", tok, auth.Coordinator, nc, auth.NewNonce(), hello, proof},
		{"hello tampered", tok, auth.Coordinator, nc, nn, []byte(`{"node":"tcp-2"}`), proof},
		{"truncated proof", tok, auth.Coordinator, nc, nn, hello, proof[:31]},
		{"no proof", tok, auth.Coordinator, nc, nn, hello, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if auth.Verify(tt.token, tt.role, tt.nc, tt.nn, tt.hello, tt.pr) {
				t.Fatal("verified")
			}
		})
	}
	if bytes.Equal(auth.NewNonce(), auth.NewNonce()) || len(auth.NewToken()) != 64 {
		t.Fatal("nonces repeat or tokens have the wrong size")
	}
}

// Example shows both sides of the exchange: each proves the token with
// both nonces and the Hello, and checks the other's proof.
func Example() {
	token := []byte("0123456789abcdef-shared")
	hello := []byte(`{"node":"tcp-1"}`)
	nc, nn := auth.NewNonce(), auth.NewNonce() // the coordinator's, the node's

	fromCoordinator := auth.Prove(token, auth.Coordinator, nc, nn, hello)
	fmt.Println("node accepts coordinator:", auth.Verify(token, auth.Coordinator, nc, nn, hello, fromCoordinator))
	fromNode := auth.Prove(token, auth.Node, nc, nn, hello)
	fmt.Println("coordinator accepts node:", auth.Verify(token, auth.Node, nc, nn, hello, fromNode))
	fmt.Println("a wrong token passes:", auth.Verify([]byte("guess-guess-guess-guess"), auth.Node, nc, nn, hello, fromNode))
	// Output:
	// node accepts coordinator: true
	// coordinator accepts node: true
	// a wrong token passes: false
}

func TestCheckPrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		mode os.FileMode
		want string // in the error; empty: none
	}{
		{0o600, ""},
		{0o400, ""},
		{0o640, "readable by its group (mode 0640)"},
		{0o644, "readable by every user (mode 0644)"},
		{0o666, "readable by every user (mode 0666)"},
		{0o604, "readable by every user"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%#o", tt.mode), func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(dir, fmt.Sprintf("token-%o", tt.mode))
			if err := os.WriteFile(p, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			err := auth.CheckPrivate(p)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckPrivate(%#o) = %v, want nil", tt.mode, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "chmod 600")):
				t.Errorf("CheckPrivate(%#o) = %v, want %q and chmod 600", tt.mode, err, tt.want)
			}
		})
	}
	if err := auth.CheckPrivate(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("CheckPrivate(missing) = %v, want nil (reading it reports it)", err)
	}
}
