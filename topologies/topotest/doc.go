// Package topotest checks a started cluster the way the runner uses it,
// for the tests of topology implementations: every link sends windows of
// batches and then the end-of-stream marker, and every result must verify,
// every task come back once, and the marker come back after every result
// of its link.
package topotest
