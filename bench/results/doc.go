// Package results holds what a run produced as plain, versioned,
// JSON-serialisable data: the plan as run, the environment, and per cell the
// per-repetition figures with their HDR histograms (HdrHistogram's V2
// compressed encoding, which the Java and C implementations also read).
//
// Everything a report shows can be recomputed from a results file; Summarize
// does so. Write stores a file atomically; Read checks one and names the
// path, field and reason of anything wrong.
package results
