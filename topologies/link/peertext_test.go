package link

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/snbench/snbench/wire"
)

// TestPeerText: the text of an Error frame, straight from its body or
// inside an error from the wire package, comes out escaped and capped.
func TestPeerText(t *testing.T) {
	body := "\x1b]0;pwned\x07" + strings.Repeat("A", 8<<20)
	want := `peer reported: \x1b]0;pwned\a`
	decoded := wire.DecodeJSON(wire.Header{Type: wire.TypeError}, []byte(body), wire.TypeStats, &wire.Stats{})
	for name, err := range map[string]error{
		"PeerError": PeerError([]byte(body)),
		"SafePeer":  SafePeer(fmt.Errorf("node x: reading stats: %w", decoded)),
	} {
		var pe *wire.PeerError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: %v is not a PeerError", name, err)
		}
		if s := pe.Error(); !strings.HasPrefix(s, want) || len(s) > 300 || strings.ContainsAny(s, "\x1b\x07") {
			t.Errorf("%s: %d bytes, starting %.60q: want it escaped and capped", name, len(s), s)
		}
	}
	if got := SafePeer(nil); got != nil {
		t.Errorf("SafePeer(nil) = %v", got)
	}
}
