package nats

import (
	"fmt"
	"os"

	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/topologies"
)

// The topology's credentials (topologies.CredentialOwner): what a NATS
// server given with --nats-url may ask for. An embedded server gets a
// fresh token of its own instead.
const (
	// CredToken is a NATS authorization token.
	CredToken = "nats-token"
	// CredUser and CredPassword are NATS user credentials.
	CredUser     = "nats-user"
	CredPassword = "nats-password"
	// CredCreds is a NATS credentials file (user JWT and NKey seed).
	CredCreds = "nats-creds"
)

var _ topologies.CredentialOwner = Topology{}

// Credentials declares the token, the user and password, and the
// credentials file.
func (Topology) Credentials() []topologies.Credential {
	return []topologies.Credential{
		{Name: CredToken, Env: natsconn.EnvToken, Visible: true,
			Usage: "NATS server token for --nats-url (default: $" + natsconn.EnvToken + ")"},
		{Name: CredUser, Env: natsconn.EnvUser, Kind: topologies.CredentialPublic,
			Usage: "NATS server `USER` for --nats-url (default: $" + natsconn.EnvUser + ")"},
		{Name: CredPassword, Env: natsconn.EnvPassword, Visible: true,
			Usage: "NATS server password for --nats-url (default: $" + natsconn.EnvPassword + ")"},
		{Name: CredCreds, Env: natsconn.EnvCreds, Kind: topologies.CredentialPath,
			Usage: "NATS credentials `FILE` (JWT and NKey seed) for --nats-url (default: $" + natsconn.EnvCreds + ")"},
	}
}

// CheckCredentials refuses credentials of two kinds, a password without
// a user, and a credentials file that cannot be read.
func (Topology) CheckCredentials(s topologies.Secrets) error {
	a := authOf(s)
	if err := a.Validate(); err != nil {
		return err
	}
	if a.CredsFile != "" {
		if _, err := os.Stat(a.CredsFile); err != nil {
			return fmt.Errorf("--%s: %w", CredCreds, err)
		}
	}
	return nil
}

// authOf is the NATS client's view of s.
func authOf(s topologies.Secrets) natsconn.Auth {
	return natsconn.Auth{Token: s.Get(CredToken), User: s.Get(CredUser), Password: s.Get(CredPassword), CredsFile: s.Get(CredCreds)}
}
