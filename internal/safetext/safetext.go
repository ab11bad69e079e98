package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMax is the cap, in bytes of escaped output before the suffix,
// that callers use unless they have a reason for another.
const DefaultMax = 200

// Quote returns s with every control character (C0, DEL, C1), every
// non-printing rune, backslash and invalid UTF-8 byte escaped as
// strconv.Quote would escape it, minus the surrounding quotes. When the
// escaped text is longer than max bytes (max < 1 means DefaultMax), it is
// cut at a rune boundary to at most max bytes and a suffix
// "... (N bytes)" gives the length of the original s. The result is valid
// UTF-8 and holds no control character.
func Quote(s string, max int) string {
	if max < 1 {
		max = DefaultMax
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch {
		case r == utf8.RuneError && size == 1:
			esc = `\x` + strconv.FormatUint(uint64(s[i])>>4, 16) + strconv.FormatUint(uint64(s[i])&0xf, 16)
		case r == '\\':
			esc = `\\`
		case r == '"' || r == '\'' || strconv.IsPrint(r):
			esc = s[i : i+size]
		default:
			q := strconv.QuoteRune(r)
			esc = q[1 : len(q)-1]
		}
		if b.Len()+len(esc) > max {
			return b.String() + "... (" + strconv.Itoa(len(s)) + " bytes)"
		}
		b.WriteString(esc)
		i += size
	}
	return b.String()
}
