// Package reports turns results into what people read: tables (terminal,
// Markdown and CSV), plots, scaling fits and a self-contained HTML report.
// It reads results only (package bench/results), never a live cluster, and
// is deterministic: the same results give byte-identical tables.
package reports
