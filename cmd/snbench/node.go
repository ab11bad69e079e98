package main

import (
	"fmt"
	"log"
	"net"
	"os"

	"github.com/spf13/cobra"

	"github.com/snbench/snbench/internal/node"
)

func (a *app) nodeCmd() *cobra.Command {
	var (
		listen   string
		stdio    bool
		name     string
		maxConns int
	)
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a node that serves tasks over TCP (--listen) or stdin/stdout (--stdio)",
		Long: "node serves sessions from a coordinator: 'snbench run --topology tcp --nodes ADDR,...'\n" +
			"connects to nodes started this way, here or on other machines.\n" +
			"A node listens on loopback unless told otherwise.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if stdio {
				return node.Serve(ctx, stdioRW{}, a.workloads, name)
			}
			host, _, err := net.SplitHostPort(listen)
			if err != nil {
				return usagef("--listen %q: %v", listen, err)
			}
			if !isLoopback(host) {
				return usagef("--listen %s: only loopback addresses are allowed; nodes on other interfaces need token authentication, which is not available yet", listen)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return usagef("--listen %s: %v", listen, err)
			}
			if name == "" {
				name = ln.Addr().String()
			}
			logger := log.New(a.stderr, "snbench node "+name+": ", log.LstdFlags)
			logger.Printf("listening on %s", ln.Addr())
			fmt.Fprintf(a.stdout, "%s%s\n", node.ListenPrefix, ln.Addr())
			srv := &node.Server{Registry: a.workloads, Name: name, Log: logger, MaxConns: maxConns}
			return srv.Serve(ctx, ln)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&listen, "listen", "127.0.0.1:7070", "`ADDR` to listen on (host:port; port 0 picks one)")
	fl.BoolVar(&stdio, "stdio", false, "serve one session on stdin/stdout instead of listening")
	fl.StringVar(&name, "name", "", "node name in logs (default: the listen address)")
	fl.IntVar(&maxConns, "max-conns", 64, "most concurrent sessions; more are refused")
	return cmd
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

