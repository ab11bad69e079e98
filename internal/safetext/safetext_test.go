package safetext_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/snbench/snbench/internal/safetext"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{name: "plain", in: "bad token", max: 200, want: "bad token"},
		{name: "empty", in: "", max: 200, want: ""},
		{name: "newline forges no line", in: "x\nsnbench node 1 started", max: 200, want: `x\nsnbench node 1 started`},
		{name: "carriage return and tab", in: "a\rb\tc", max: 200, want: `a\rb\tc`},
		{name: "terminal escape", in: "\x1b[2Jgone", max: 200, want: `\x1b[2Jgone`},
		{name: "nul and del", in: "\x00\x7f", max: 200, want: `\x00\x7f`},
		{name: "backslash doubled", in: `a\nb`, max: 200, want: `a\\nb`},
		{name: "invalid utf-8 byte", in: "a\xffb", max: 200, want: `a\xffb`},
		{name: "c1 control", in: "a\u0085b", max: 200, want: `a\u0085b`},
		{name: "bidi override", in: "a\u202eb", max: 200, want: `a\u202eb`},
		{name: "line separator", in: "a\u2028b", max: 200, want: `a\u2028b`},
		{name: "printable unicode kept", in: "naïve – 東京", max: 200, want: "naïve – 東京"},
		{name: "replacement char kept", in: "\uFFFD", max: 200, want: "\uFFFD"},
		{name: "capped", in: strings.Repeat("a", 300), max: 10, want: "aaaaaaaaaa…(300 bytes)"},
		{name: "exactly max", in: "0123456789", max: 10, want: "0123456789"},
		{name: "escape not split", in: "abcdefgh\n", max: 9, want: "abcdefgh…(9 bytes)"},
		{name: "rune not split", in: "abcdefgh東", max: 10, want: "abcdefgh…(11 bytes)"},
		{name: "zero max is default", in: strings.Repeat("b", 250), max: 0,
			want: strings.Repeat("b", safetext.DefaultMax) + "…(250 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := safetext.Quote(tt.in, tt.max); got != tt.want {
				t.Errorf("Quote(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

// TestQuoteHugeInputCostsLittle checks that a 64 MiB reason is cut after
// about max bytes of work and output.
// Not parallel: AllocsPerRun refuses to run beside other tests.
func TestQuoteHugeInputCostsLittle(t *testing.T) {
	huge := strings.Repeat("\n", 64<<20)
	got := safetext.Quote(huge, safetext.DefaultMax)
	want := strings.Repeat(`\n`, safetext.DefaultMax/2) + "…(67108864 bytes)"
	if got != want {
		t.Fatalf("Quote(64 MiB of newlines) = %.60q… (%d bytes), want %d bytes", got, len(got), len(want))
	}
	allocs := testing.AllocsPerRun(10, func() { _ = safetext.Quote(huge, safetext.DefaultMax) })
	if allocs > 2 {
		t.Errorf("Quote(64 MiB) made %v allocations, want at most 2", allocs)
	}
}

// FuzzQuote checks the promises of Quote on any input: one printable line,
// within the cap, and exactly the input (or a prefix of it, when capped)
// once unescaped.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "ok", "a\nb", "\x1b[31m", "\xff\xfe", `\x41`, "\u202e\u2028", "東京\x00", `"q"`} {
		f.Add(s, 8)
		f.Add(s, 200)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < -1 || max > 1<<12 {
			return
		}
		got := safetext.Quote(s, max)
		limit := max
		if limit <= 0 {
			limit = safetext.DefaultMax
		}
		checkPrintable(t, got)
		body, capped := strings.CutSuffix(got, "…("+strconv.Itoa(len(s))+" bytes)")
		if capped && body == got {
			capped = false
		}
		if len(body) > limit {
			t.Fatalf("Quote(%q, %d) = %q: %d bytes before the suffix, over %d", s, max, got, len(body), limit)
		}
		back, err := strconv.Unquote(`"` + strings.ReplaceAll(body, `"`, `\"`) + `"`)
		if err != nil {
			t.Fatalf("Quote(%q, %d) = %q does not unquote: %v", s, max, got, err)
		}
		if !capped && back != s {
			t.Fatalf("Quote(%q, %d) = %q reads back as %q", s, max, got, back)
		}
		if capped && !strings.HasPrefix(s, back) {
			t.Fatalf("Quote(%q, %d) = %q: %q is not a prefix of the input", s, max, got, back)
		}
	})
}

// checkPrintable fails unless s is valid UTF-8 made of printable runes
// and spaces only.
func checkPrintable(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("output %q is not valid UTF-8", s)
	}
	for _, r := range s {
		if r != ' ' && !strconv.IsPrint(r) {
			t.Fatalf("output %q holds unprintable %U", s, r)
		}
	}
}

func ExampleQuote() {
	reason := "bad token\nsnbench node 127.0.0.1:7000 started\x1b[2J"
	fmt.Println("node refused: " + safetext.Quote(reason, safetext.DefaultMax))
	fmt.Println(safetext.Quote(strings.Repeat("x", 4<<20), 16))
	// Output:
	// node refused: bad token\nsnbench node 127.0.0.1:7000 started\x1b[2J
	// xxxxxxxxxxxxxxxx…(4194304 bytes)
}
