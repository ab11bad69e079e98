// Package outdir is an output directory that snbench writes into without
// ever replacing or removing a file it did not write.
//
// The directory's manifest, .snbench-report, lists every file snbench
// wrote there with the SHA-256 of what it wrote (the format of sha256sum,
// so `sha256sum -c .snbench-report` checks it). A file is snbench's only
// while it still holds those bytes: a user's file, or one of snbench's
// that the user has since edited, is never overwritten or removed unless
// the user passes --force. A name is added to the manifest before its file
// is written, and every file is written atomically (temporary file, fsync,
// rename), so no partial file ever stands under a final name.
//
// A manifest of the old format (names without hashes, written by earlier
// versions for their reports) still proves the report files it names and
// the results.json beside them.
package outdir
