package app

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/internal/natsconn"
	"github.com/snbench/snbench/internal/natsnode"
	"github.com/snbench/snbench/internal/natsurl"
	"github.com/snbench/snbench/internal/node"
)

// nodeFlags are `snbench node`'s flags.
type nodeFlags struct {
	listen    string
	stdio     bool
	name      string
	maxConns  int
	tokenFile string
	natsURL   string
	subject   string
	idle      time.Duration
	taskWork  time.Duration
	handshake int
	nats      natsAuthFlags
}

func (a *app) nodeCmd() *cobra.Command {
	f := &nodeFlags{}
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a node that serves tasks over TCP (--listen), NATS (--nats) or stdin/stdout (--stdio)",
		Long: "node serves sessions from a coordinator, here or on other machines:\n" +
			"'snbench run --topology tcp --nodes ADDR,...' connects to nodes started with --listen, and\n" +
			"'snbench run --topology nats --nats-url URL --nats-remote' uses nodes started with --nats-url URL.\n" +
			"A node listens on loopback unless told otherwise; on any other address it requires a\n" +
			"shared token (--token-file FILE or " + auth.EnvToken + "), which the coordinator must prove\n" +
			"in the handshake and which never crosses the wire. See docs/distributed.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, err := loadToken(f.tokenFile, a.stderr)
			if err != nil {
				return err
			}
			if f.taskWork <= 0 {
				return usagef("--max-task-work %v: want a positive duration", f.taskWork)
			}
			if f.handshake < 1 {
				return usagef("--max-handshakes %d: want at least 1", f.handshake)
			}
			switch {
			case f.stdio:
				return node.Serve(cmd.Context(), stdioRW{}, node.SessionConfig{Registry: a.workloads, Name: f.name, Token: token,
					MaxTaskWork: f.taskWork})
			case f.natsURL != "":
				if cmd.Flags().Changed("listen") {
					return usagef("--listen and --nats: a node serves over TCP or NATS, not both")
				}
				return a.natsNode(cmd.Context(), f)
			}
			return a.tcpNode(cmd.Context(), f, token)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:7070", "`ADDR` to listen on (host:port; port 0 picks one); non-loopback needs a token")
	fl.BoolVar(&f.stdio, "stdio", false, "serve one session on stdin/stdout instead of listening")
	fl.StringVar(&f.name, "name", "", "node name in logs (default: the listen address, or the coordinator's name for it)")
	fl.IntVar(&f.maxConns, "max-conns", 64, "most concurrent sessions, counted from authentication; more are refused with the reason")
	fl.IntVar(&f.handshake, "max-handshakes", node.DefaultMaxHandshakes,
		"most connections still in their handshake; one more drops the one waiting longest")
	fl.DurationVar(&f.taskWork, "max-task-work", node.DefaultMaxTaskWork,
		"refuse sessions whose tasks each ask for more than this `DURATION` of cpu and wait together")
	fl.StringVar(&f.tokenFile, "token-file", "", "`FILE` holding the shared token coordinators must prove (default: $"+auth.EnvToken+")")
	// --nats-url and --nats-subject are the names `snbench run` uses;
	// --nats and --subject, their first names, still work (hidden).
	fl.StringVar(&f.natsURL, "nats-url", "", "serve sessions from the NATS server at `URL` instead of listening")
	fl.StringVar(&f.subject, "nats-subject", natsnode.DefaultSubject, "NATS `SUBJECT` prefix to wait for coordinators on")
	fl.StringVar(&f.natsURL, "nats", "", "the same as --nats-url")
	fl.StringVar(&f.subject, "subject", natsnode.DefaultSubject, "the same as --nats-subject")
	_ = fl.MarkHidden("nats")
	_ = fl.MarkHidden("subject")
	fl.DurationVar(&f.idle, "idle-timeout", node.DefaultIdleTimeout,
		"end a session (TCP or NATS) when a whole message from its coordinator has not arrived within this long")
	f.nats.register(fl)
	return cmd
}

// tcpNode listens on f.listen and serves sessions until ctx ends.
func (a *app) tcpNode(ctx context.Context, f *nodeFlags, token []byte) error {
	host, _, err := net.SplitHostPort(f.listen)
	if err != nil {
		return usagef("--listen %q: %v", f.listen, err)
	}
	if !isLoopback(host) && token == nil {
		return usagef("--listen %s: a node on a non-loopback address needs a token: --token-file FILE or %s (make one with: head -c 32 /dev/urandom | base64)",
			f.listen, auth.EnvToken)
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return usagef("--listen %s: %v", f.listen, err)
	}
	name := f.name
	if name == "" {
		name = ln.Addr().String()
	}
	logger := log.New(a.stderr, "snbench node "+name+": ", log.LstdFlags)
	mode := "without authentication (loopback only)"
	if token != nil {
		mode = "with token authentication"
	}
	logger.Printf("listening on %s %s", ln.Addr(), mode)
	fmt.Fprintf(a.stdout, "%s%s\n", node.ListenPrefix, ln.Addr())
	srv := &node.Server{Registry: a.workloads, Name: name, Token: token, Log: logger, MaxConns: f.maxConns, IdleTimeout: f.idle,
		MaxHandshakes: f.handshake, MaxTaskWork: f.taskWork}
	return srv.Serve(ctx, ln)
}

// natsNode serves NATS sessions until ctx ends, reconnecting to the
// server whenever the connection drops.
func (a *app) natsNode(ctx context.Context, f *nodeFlags) error {
	if err := natsurl.CheckURL(f.natsURL); err != nil {
		return usagef("--nats: %v", err)
	}
	if err := natsurl.CheckSubject(f.subject); err != nil {
		return usagef("--nats-subject: %v", err)
	}
	na, err := f.nats.auth(a.stderr)
	if err != nil {
		return err
	}
	name := f.name
	if name == "" {
		host, _ := os.Hostname()
		name = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	logger := log.New(a.stderr, "snbench node "+name+": ", log.LstdFlags)
	nc, err := natsconn.Connect(f.natsURL, "snbench node "+name, na, 10*time.Second,
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { logger.Printf("disconnected from NATS: %v", err) }),
		nats.ReconnectHandler(func(nc *nats.Conn) { logger.Printf("reconnected to NATS at %s", nc.ConnectedUrlRedacted()) }))
	if err != nil {
		return fmt.Errorf("node %s: %w", name, err)
	}
	defer nc.Close()
	logger.Printf("waiting for coordinators on %s at %s", natsnode.HelloSubject(f.subject), nc.ConnectedUrlRedacted())
	n := &natsnode.Node{Registry: a.workloads, Name: f.name, Subject: f.subject, Log: logger, IdleTimeout: f.idle,
		MaxTaskWork: f.taskWork}
	return n.Serve(ctx, nc)
}

// natsAuthFlags are the NATS credential flags of run and node; unset
// ones fall back to natsconn's environment variables. Every secret has a
// file form and an environment form, which ps does not show; the flags
// that take a secret itself still work, with a warning.
type natsAuthFlags struct {
	token, user, password, creds string
	tokenFile, passwordFile      string
}

func (n *natsAuthFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&n.token, "nats-token", "", "NATS server `TOKEN`, visible to ps: prefer --nats-token-file or $"+natsconn.EnvToken)
	fl.StringVar(&n.tokenFile, "nats-token-file", "", "`FILE` holding the NATS server token")
	fl.StringVar(&n.user, "nats-user", "", "NATS server `USER` (default: $"+natsconn.EnvUser+")")
	fl.StringVar(&n.password, "nats-password", "", "NATS server `PASSWORD`, visible to ps: prefer --nats-password-file or $"+natsconn.EnvPassword)
	fl.StringVar(&n.passwordFile, "nats-password-file", "", "`FILE` holding the NATS server password")
	fl.StringVar(&n.creds, "nats-creds", "", "NATS credentials `FILE` (JWT and NKey seed; default: $"+natsconn.EnvCreds+")")
}

// auth returns the credentials, flags (and the files they name) over
// environment, checked. It warns on warn about secrets given on the
// command line and secret files that others may read.
func (n *natsAuthFlags) auth(warn io.Writer) (natsconn.Auth, error) {
	token, err := secretFlag("--nats-token", n.token, n.tokenFile)
	if err != nil {
		return natsconn.Auth{}, err
	}
	password, err := secretFlag("--nats-password", n.password, n.passwordFile)
	if err != nil {
		return natsconn.Auth{}, err
	}
	a := natsconn.Auth{Token: token, User: n.user, Password: password, CredsFile: n.creds}.FromEnv(os.Getenv)
	if err := a.Validate(); err != nil {
		return natsconn.Auth{}, usagef("%v", err)
	}
	if a.CredsFile != "" {
		if _, err := os.Stat(a.CredsFile); err != nil {
			return natsconn.Auth{}, usagef("--nats-creds: %v", err)
		}
	}
	for _, f := range []struct{ flag, value, instead string }{
		{"--nats-token", n.token, "--nats-token-file FILE or " + natsconn.EnvToken},
		{"--nats-password", n.password, "--nats-password-file FILE or " + natsconn.EnvPassword},
	} {
		if f.value != "" {
			fmt.Fprintf(warn, "snbench: warning: %s puts the secret on the command line, which ps shows to every user of this machine; use %s\n",
				f.flag, f.instead)
		}
	}
	for _, file := range []string{n.tokenFile, n.passwordFile, a.CredsFile} {
		warnExposed(warn, file)
	}
	return a, nil
}

// secretFlag returns the secret given by flag (its value) or by flag-file
// (a file holding it, without the trailing line break); giving both is an
// error.
func secretFlag(flag, value, file string) (string, error) {
	if file == "" {
		return value, nil
	}
	if value != "" {
		return "", usagef("%s and %s-file: give the secret one way", flag, flag)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", usagef("%s-file: %v", flag, err)
	}
	secret := strings.TrimRight(string(b), "\r\n")
	if secret == "" {
		return "", usagef("%s-file %s: the file is empty", flag, file)
	}
	return secret, nil
}

// loadToken loads the shared token (--token-file or SNBENCH_TOKEN) and
// warns on warn when the token file is readable by others.
func loadToken(file string, warn io.Writer) ([]byte, error) {
	token, err := auth.Load(file, os.Getenv)
	if err != nil {
		return nil, usagef("--token-file: %v", err)
	}
	warnExposed(warn, file)
	return token, nil
}

// warnExposed warns on w when the secret file at path (if any) is readable
// by users other than its owner.
func warnExposed(w io.Writer, path string) {
	if path == "" {
		return
	}
	if err := auth.CheckPrivate(path); err != nil {
		fmt.Fprintf(w, "snbench: warning: %v\n", err)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type stdioRW struct{}

func (stdioRW) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdioRW) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
