// Package workloads defines what a task is, how a node serves it and how the
// coordinator verifies its result.
//
// A task is an id plus a payload of K int64 values. Tasks travel in batches
// (Batch) and come back as results (Result); both are plain data that a
// topology copies or encodes, so a node never sees the coordinator's memory.
//
// The built-in workload is "doubling", the reference design's: a node returns
// every value doubled, optionally after spending a fixed CPU time on real
// arithmetic and waiting (sleeping) a fixed time per task. Input values are a
// pure function of the seed, the task id and the value's index, so a run is
// reproducible and the coordinator verifies a result without storing what it
// sent.
//
// Workloads are looked up by name in a Registry; users add their own with
// Registry.Register.
package workloads
