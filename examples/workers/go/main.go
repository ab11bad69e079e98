// Command go is a node for snbench written against the public protocol
// package only (github.com/snbench/snbench/wire, with the batch types of
// github.com/snbench/snbench/workloads): the way to serve snbench from Go
// code of your own, outside snbench's module. It serves the doubling
// workload on its stdin and stdout, one session, and exits when the
// session ends.
//
//	go build -o worker-go ./go
//	snbench run --exec go=./worker-go
//	snbench check-worker -- ./worker-go
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

func main() {
	name := os.Getenv("SNBENCH_NODE_NAME")
	if err := serve(os.Stdin, os.Stdout, name); err != nil {
		fmt.Fprintf(os.Stderr, "worker %s: %v\n", name, err)
		os.Exit(1)
	}
}

// processTask is the work: a task's value, doubled (wrapping around).
func processTask(v int64) int64 { return v * 2 }

// serve runs one session: the handshake, then batches, stats and Bye.
func serve(in io.Reader, out io.Writer, name string) error {
	r := wire.NewReader(in, wire.MaxHandshakeFrame)
	w := bufio.NewWriterSize(out, 64<<10)
	defer w.Flush()
	refuse := func(err error) error {
		_, _ = w.Write(wire.AppendControl(nil, wire.TypeError, []byte(err.Error())))
		return err
	}

	h, body, err := r.Next()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return refuse(fmt.Errorf("handshake: %w", err))
	}
	var hello wire.Hello
	if err := wire.DecodeJSON(h, body, wire.TypeHello, &hello); err != nil {
		return refuse(fmt.Errorf("handshake: %w", err))
	}
	if s := hello.Workload; s.Name != "doubling" || s.CPU != 0 || s.Wait != 0 || s.Payload < 1 || s.Payload > workloads.MaxPayload {
		return refuse(fmt.Errorf("handshake: this worker serves doubling at payload 1 to %d, without cpu or wait; got %+v", workloads.MaxPayload, s))
	}
	wel, err := wire.AppendJSON(nil, wire.TypeWelcome, wire.Welcome{Node: name, PID: os.Getpid(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0)})
	if err != nil {
		return err
	}
	if _, err := w.Write(wel); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	r.SetMaxFrame(wire.DefaultMaxFrame)

	var (
		batch  workloads.Batch
		result workloads.Result
		buf    []byte
		served uint64
	)
	for {
		// Answer a burst of batches with one write: flush when nothing
		// more is already read.
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
		h, body, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return refuse(err)
		}
		switch h.Type {
		case wire.TypeTasks:
			start := time.Now()
			if err := wire.DecodeTasks(h, body, &batch); err != nil {
				return refuse(err)
			}
			result.Tag, result.K = batch.Tag, batch.K
			result.IDs = append(result.IDs[:0], batch.IDs...)
			result.Values = result.Values[:0]
			for _, v := range batch.Values {
				result.Values = append(result.Values, processTask(v))
			}
			result.Service = time.Since(start)
			buf = wire.AppendResults(buf[:0], &result)
			if _, err := w.Write(buf); err != nil {
				return err
			}
			served += uint64(len(batch.IDs))
		case wire.TypeStatsRequest:
			var ru syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			st, err := wire.AppendJSON(nil, wire.TypeStats, wire.Stats{UserNS: ru.Utime.Nano(), SysNS: ru.Stime.Nano(), MaxRSSKB: ru.Maxrss, Tasks: served})
			if err != nil {
				return err
			}
			if _, err := w.Write(st); err != nil {
				return err
			}
		case wire.TypeBye, wire.TypeError:
			return nil
		default:
			return refuse(fmt.Errorf("unexpected %s frame", h.Type))
		}
	}
}
