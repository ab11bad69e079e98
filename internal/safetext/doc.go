// Package safetext makes text that came from a peer safe to print, log or
// store: control characters and invalid UTF-8 are escaped the way
// strconv.Quote escapes them (without the surrounding quotes), and the
// result is capped in length with a suffix giving the original length.
package safetext
