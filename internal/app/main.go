package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/workloads"
)

// Main is snbench's main with the given topologies and workloads (see the
// root package's Main): it serves as a node when started as one, and
// otherwise runs the command line and exits with its status.
func Main(topos *topologies.Registry, wl *workloads.Registry) {
	if code, ok := topos.ServeIfNode(wl); ok {
		os.Exit(code)
	}
	ctx, stop := signalContext()
	err := runWith(ctx, os.Args[1:], os.Stdout, os.Stderr, topos, wl)
	stop()
	os.Exit(report(err, os.Stderr))
}

// signalContext returns a context cancelled by the first SIGINT or SIGTERM,
// with a cause that says which. A second signal exits at once; node
// processes die with snbench (they run with a parent-death signal).
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(&interrupted{sig: s.(syscall.Signal)})
		case <-done:
			return
		}
		select {
		case s := <-ch:
			fmt.Fprintf(os.Stderr, "snbench: second %v: stopping now\n", s)
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interrupted is the cause of a run stopped by a signal.
type interrupted struct{ sig syscall.Signal }

// Error names the signal, as the cause of "run interrupted: SIGINT".
func (e *interrupted) Error() string { return signalName(e.sig) }

// signalName is "SIGINT" for syscall.SIGINT, "SIGTERM" for SIGTERM, and
// the signal's description for any other.
func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return fmt.Sprintf("signal %d (%v)", int(s), s)
}

// usageError is bad input: a flag, argument or file the user gave. It
// exits with code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// report prints err as one line and returns the exit code: 0 without an
// error, 2 for bad input, 128+signal for an interrupted run, 1 otherwise.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "snbench: %v\n", err)
	var ue *usageError
	var ie *interrupted
	switch {
	case errors.As(err, &ie):
		return 128 + int(ie.sig)
	case errors.As(err, &ue):
		return 2
	}
	return 1
}
