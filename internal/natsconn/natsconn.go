package natsconn

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Environment variables that carry NATS credentials to node processes, and
// that `snbench run` and `snbench node` read when the flags are not given,
// so that secrets need not appear on a command line.
const (
	EnvToken    = "SNBENCH_NATS_TOKEN"
	EnvUser     = "SNBENCH_NATS_USER"
	EnvPassword = "SNBENCH_NATS_PASSWORD"
	EnvCreds    = "SNBENCH_NATS_CREDS"
)

// Auth is what a NATS server may ask a client for. The zero value
// connects without credentials.
type Auth struct {
	// Token is a NATS authorization token.
	Token string
	// User and Password are NATS user credentials.
	User, Password string
	// CredsFile is a NATS credentials file (user JWT and NKey seed).
	CredsFile string
}

// Validate reports credentials that contradict each other.
func (a Auth) Validate() error {
	n := 0
	for _, set := range []bool{a.Token != "", a.User != "" || a.Password != "", a.CredsFile != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return errors.New("nats credentials: give a token, a user and password, or a creds file, not several")
	case a.Password != "" && a.User == "":
		return errors.New("nats credentials: a password needs a user")
	}
	return nil
}

// FromEnv fills the fields a is missing from the environment variables
// above, looked up with getenv.
func (a Auth) FromEnv(getenv func(string) string) Auth {
	for _, f := range []struct {
		dst *string
		env string
	}{{&a.Token, EnvToken}, {&a.User, EnvUser}, {&a.Password, EnvPassword}, {&a.CredsFile, EnvCreds}} {
		if *f.dst == "" {
			*f.dst = getenv(f.env)
		}
	}
	return a
}

// Env returns a as environment entries for a node process. Every variable
// is set, empty where a has no value, so that the coordinator's own
// environment does not leak other credentials into the child.
func (a Auth) Env() []string {
	return []string{EnvToken + "=" + a.Token, EnvUser + "=" + a.User, EnvPassword + "=" + a.Password, EnvCreds + "=" + a.CredsFile}
}

// options returns the nats.go options for a.
func (a Auth) options() []nats.Option {
	var o []nats.Option
	switch {
	case a.Token != "":
		o = append(o, nats.Token(a.Token))
	case a.User != "":
		o = append(o, nats.UserInfo(a.User, a.Password))
	case a.CredsFile != "":
		o = append(o, nats.UserCredentials(a.CredsFile))
	}
	return o
}

// Connect connects to the server(s) at url as name, with a's credentials,
// within timeout, adding extra options. Errors name the URL.
func Connect(url, name string, a Auth, timeout time.Duration, extra ...nats.Option) (*nats.Conn, error) {
	opts := append([]nats.Option{nats.Name(name), nats.Timeout(timeout)}, a.options()...)
	nc, err := nats.Connect(url, append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	return nc, nil
}

// ReconnectWait is how long a Reconnect connection waits between attempts
// to reach its server again.
const ReconnectWait = 50 * time.Millisecond

// Reconnect returns options that make a connection reconnect after it
// loses its server, trying every ReconnectWait (with a little jitter) for
// about bound before it gives up and closes. nats.go then restores the
// connection's subscriptions; messages published while it is down are
// buffered, and messages sent to it meanwhile are lost.
func Reconnect(bound time.Duration) []nats.Option {
	n := max(int(bound/ReconnectWait), 1)
	return []nats.Option{nats.MaxReconnects(n), nats.ReconnectWait(ReconnectWait),
		nats.ReconnectJitter(ReconnectWait/5, ReconnectWait/5)}
}
