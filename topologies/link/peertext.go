package link

import (
	"errors"

	"github.com/snbench/snbench/internal/safetext"
	"github.com/snbench/snbench/wire"
)

// PeerText returns text a node sent (an Error frame's reason, a host name)
// with control characters escaped and its length capped (see
// internal/safetext), so that every place it lands (terminal, logs,
// results.json, reports) gets the safe version. Call it where the text
// enters the coordinator.
func PeerText(s string) string { return safetext.Quote(s, safetext.DefaultMax) }

// PeerError returns a *wire.PeerError whose reason is body made safe by
// PeerText.
func PeerError(body []byte) error {
	return &wire.PeerError{Reason: PeerText(string(body))}
}

// SafePeer makes the reason of a *wire.PeerError in err's chain safe (see
// PeerText) and returns err.
func SafePeer(err error) error {
	var pe *wire.PeerError
	if errors.As(err, &pe) {
		pe.Reason = PeerText(pe.Reason)
	}
	return err
}
