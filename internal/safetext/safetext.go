package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMax is the usual cap, in bytes of escaped text, for a peer's text
// in one line of output: long enough for any honest error message, short
// enough that a hostile one costs a line, not a screen.
const DefaultMax = 200

// Quote returns s made safe to print on one line. Control characters
// (C0, DEL, C1, line and paragraph separators, bidi and other format
// characters: every rune strconv.IsPrint rejects, except the space) are
// written as Go escapes (\n, \r, \t, \x1b, \u202e), each byte of invalid
// UTF-8 as \xNN, and a backslash as \\, so the result never holds a byte
// below 0x20 or a DEL, is valid UTF-8, and reads back exactly with
// strconv.Unquote once its double quotes are escaped. No quotes are added
// around it.
//
// When the escaped text would exceed max bytes, Quote keeps the longest
// prefix of whole escapes within max and appends "…(N bytes)", N being
// len(s). A max of zero or less means DefaultMax. Quote reads at most about
// max bytes of s, so a huge s costs no more than a short one.
func Quote(s string, max int) string {
	if max <= 0 {
		max = DefaultMax
	}
	if plain(s, max) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max) + 24)
	var esc [10]byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := escape(esc[:0], s[i:i+size], r, size)
		if b.Len()+len(piece) > max {
			b.WriteString("…(")
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteString(" bytes)")
			return b.String()
		}
		b.Write(piece)
		i += size
	}
	return b.String()
}

// plain reports whether s is short enough and needs no escape, so Quote
// can return it as it is.
func plain(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '\\' || c >= 0x7f {
			return false
		}
	}
	return true
}

// escape appends to dst the printable form of one decoded rune r, whose
// encoding in the input is raw (size bytes; r is utf8.RuneError with size 1
// for a byte that is not UTF-8).
func escape(dst []byte, raw string, r rune, size int) []byte {
	const hex = "0123456789abcdef"
	switch {
	case r == utf8.RuneError && size == 1:
		return append(dst, '\\', 'x', hex[raw[0]>>4], hex[raw[0]&0xf])
	case r == '\\':
		return append(dst, '\\', '\\')
	case r == '\n':
		return append(dst, '\\', 'n')
	case r == '\r':
		return append(dst, '\\', 'r')
	case r == '\t':
		return append(dst, '\\', 't')
	case r == ' ' || strconv.IsPrint(r):
		return append(dst, raw...)
	case r < utf8.RuneSelf:
		return append(dst, '\\', 'x', hex[r>>4], hex[r&0xf])
	case r < 0x10000:
		dst = append(dst, '\\', 'u')
		for shift := 12; shift >= 0; shift -= 4 {
			dst = append(dst, hex[r>>uint(shift)&0xf])
		}
		return dst
	default:
		dst = append(dst, '\\', 'U')
		for shift := 28; shift >= 0; shift -= 4 {
			dst = append(dst, hex[r>>uint(shift)&0xf])
		}
		return dst
	}
}
