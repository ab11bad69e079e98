package safetext_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/snbench/snbench/internal/safetext"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "out of memory", 0, "out of memory"},
		{"terminal title", "\x1b]0;pwned\x07", 0, `\x1b]0;pwned\a`},
		{"newline and tab", "a\nb\tc\r", 0, `a\nb\tc\r`},
		{"backslash", `C:\x`, 0, `C:\\x`},
		{"quotes kept", `say "hi" it's`, 0, `say "hi" it's`},
		{"invalid utf-8", "a\xffb", 0, `a\xffb`},
		{"c1 control", "a\u009bb", 0, `a\u009bb`},
		{"unicode kept", "héllo 世界", 0, "héllo 世界"},
		{"capped", strings.Repeat("x", 30), 10, "xxxxxxxxxx... (30 bytes)"},
		{"cap counts escapes", strings.Repeat("\x00", 5), 9, `\x00\x00... (5 bytes)`},
		{"cap at a rune", "ééééé", 5, "éé... (10 bytes)"},
		{"exactly max", "abcde", 5, "abcde"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safetext.Quote(tt.in, tt.max); got != tt.want {
				t.Errorf("Quote(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestQuoteLarge(t *testing.T) {
	in := "\x1b]0;pwned\x07" + strings.Repeat("A", 8<<20)
	got := safetext.Quote(in, safetext.DefaultMax)
	if len(got) > safetext.DefaultMax+40 || !strings.HasSuffix(got, "... (8388618 bytes)") {
		t.Fatalf("Quote of 8 MiB: %d bytes, ends %q", len(got), got[max(0, len(got)-30):])
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]0;pwned\x07", "a\xffb", "\u009b", `\\`, "ééé"} {
		f.Add(s, 0)
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 1000
		got := safetext.Quote(s, max)
		if max < 1 {
			max = safetext.DefaultMax
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Quote(%q) = %q: not valid UTF-8", s, got)
		}
		if strings.ContainsFunc(got, unicode.IsControl) {
			t.Fatalf("Quote(%q) = %q: holds a control character", s, got)
		}
		body, _, capped := strings.Cut(got, "... (")
		if !capped {
			body = got
		}
		if len(body) > max {
			t.Fatalf("Quote(%q, %d): %d bytes before the suffix", s, max, len(body))
		}
		if !capped && !strings.Contains(s, "... (") {
			// Uncapped output unquotes back to the input.
			if back, err := unquote(got); err != nil || back != s {
				t.Fatalf("Quote(%q) = %q does not unquote back (%q, %v)", s, got, back, err)
			}
		}
	})
}

// unquote undoes Quote's escaping: the text becomes a Go string literal
// again once its double quotes are escaped.
func unquote(s string) (string, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '\\', '"')
			continue
		}
		if s[i] == '\\' && i+1 < len(s) {
			b = append(b, s[i], s[i+1])
			i++
			continue
		}
		b = append(b, s[i])
	}
	return strconv.Unquote(`"` + string(b) + `"`)
}
