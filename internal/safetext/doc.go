// Package safetext makes text from an untrusted peer safe to print: a
// node's reason in an Error frame, a coordinator's, a task's output. Such
// text reaches terminals, logs, results.json and reports, where a newline
// could forge a line, an escape sequence could drive the terminal, and a
// few megabytes could swamp the log. Quote escapes the first two and caps
// the third.
package safetext
