// Package exec is the topology of workers that are not snbench: each node
// is a process of a command the user gives, in any language, that speaks
// the node protocol (docs/protocol.md) on its stdin and stdout, as the
// subprocess topology's nodes do.
//
//	snbench run --topology exec --exec 'python3 worker.py'
//	snbench run --exec py='python3 worker.py' --exec c=./worker --baselines
//
// Each --exec is a command, split into words as a POSIX shell would split
// them (quotes, backslashes, $VAR and ~ expanded; no pipes, globs or
// command substitution, and no shell is run). Several commands make
// several rows of one table, each labelled ("exec:py", "exec:c") and
// measured in the same interleaved rounds as every other topology; with
// one command the label is optional. A plan file gives them one per line:
//
//	topologies: [exec]
//	options:
//	  exec:
//	    exec: |
//	      py=python3 worker.py
//	      c=./worker
//
// The coordinator starts one process per worker with SNBENCH_NODE_NAME
// set to the node's name ("exec-py-2"), in snbench's working directory
// and environment, in a process group of its own that ends with the
// session (snbench closes its stdin, waits 2 s, then kills the group). Its
// stderr is the worker's own: the first lines reach snbench's log as they
// come, the whole (bounded) is kept in the output directory, and any error
// about the node quotes its first lines and its last. A command that is
// not found, a worker that exits, writes what is not a frame, or stalls
// ends the run with an error naming it, within the start bound (10 s) or
// the task timeout; `snbench check-worker -- CMD` diagnoses one in detail.
//
// The raw baseline (--baselines) is the bare pipe, as for the subprocess
// topology: an echo process of the snbench binary on the same kind of
// pipes, so a worker's efficiency says how much of the pipe it leaves.
package exec
