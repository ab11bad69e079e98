package natsurl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// CheckURL checks a NATS server URL (or a comma-separated list of them,
// as nats.go takes): each must parse, use a NATS scheme, and carry no
// password, since plans with the URL are stored in results files.
func CheckURL(u string) error {
	if strings.TrimSpace(u) == "" {
		return errors.New("empty NATS URL")
	}
	for _, s := range strings.Split(u, ",") {
		s = strings.TrimSpace(s)
		p, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("NATS URL %q: %w", s, err)
		}
		switch p.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return fmt.Errorf("NATS URL %q: scheme %q, want nats://, tls://, ws:// or wss://", s, p.Scheme)
		}
		if p.Host == "" {
			return fmt.Errorf("NATS URL %q: no host", s)
		}
		if p.User != nil {
			return fmt.Errorf("NATS URL %q: carries credentials; give them with the token, user and password flags or environment variables instead (the URL is stored with the results)", redact(p))
		}
	}
	return nil
}

func redact(p *url.URL) string {
	q := *p
	q.User = url.User("REDACTED")
	return q.String()
}

// CheckSubject checks a subject prefix: dot-separated tokens without
// white space or wildcards.
func CheckSubject(s string) error {
	if s == "" {
		return errors.New("empty NATS subject")
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || strings.ContainsAny(tok, " \t\r\n*>") {
			return fmt.Errorf("NATS subject %q: tokens must be non-empty, without spaces or wildcards", s)
		}
	}
	return nil
}
