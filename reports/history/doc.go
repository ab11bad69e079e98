// Package history keeps a benchmark's results across commits and charts
// them: an append-only JSON Lines file with one entry per run (its commit,
// date and per-repetition samples of every benchmark and metric), and
// trend charts per benchmark and metric with the steps that snbench
// compare would call a regression marked.
//
// Appends rewrite the file atomically under a lock, so a crash or kill
// mid-append never loses earlier entries, and a torn last line left by
// some other writer is skipped when reading.
package history
