// Package compare decides whether a benchmark got slower: it compares two
// sets of measurements (snbench results JSON, or Go's benchmark format as
// `go test -bench` and `snbench run --format gobench` print it) benchmark
// by benchmark and metric by metric, as benchstat does, and adds what a CI
// check needs to stay quiet on noise and fail on a real regression.
//
// For each benchmark both sets have and each metric (tasks/s, p50, p99,
// cpu/task, or any unit of the input), Compare reports both sides' median
// with its confidence interval, the change with a distribution-free 95%
// interval (Hodges-Lehmann on the log ratio, the interval that matches the
// test), and the two-sided Mann-Whitney U p-value from
// golang.org/x/perf/benchmath. The p-values of every comparison whose
// better direction is known are corrected together (Holm-Bonferroni), so
// a sweep of many cells and metrics does not flag one by chance. A change
// is a regression when it is significant after the correction and worse
// than the threshold (5% by default, or per metric from a Calibration of
// this machine's noise). For snbench results, latency percentiles are
// compared on the merged per-repetition histograms, with bootstrap
// intervals that resample whole repetitions.
//
// Compare warns when samples are too small for any change to reach
// significance after the correction. Write renders a Report as text,
// Markdown (for a pull request or $GITHUB_STEP_SUMMARY) or JSON.
package compare
