package wire_test

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/auth"
	"github.com/snbench/snbench/wire"
	"github.com/snbench/snbench/workloads"
)

// protocolDoc is the public contract whose examples the goldens are.
const protocolDoc = "../docs/protocol.md"

// goldenBlock is a golden's copy in docs/protocol.md: a marker line naming
// the file, then a fenced block holding its text.
var goldenBlock = regexp.MustCompile("(?s)<!-- golden (testdata/protocol/[^ ]+) -->\n```text\n(.*?)```\n")

// TestProtocolDoc keeps docs/protocol.md and the goldens together: the doc
// shows every golden file, verbatim, under a marker naming it, and names
// no golden that does not exist; its table of frame types and its table of
// limits hold the values the code has. go test -update rewrites the
// doc's copies of the goldens (the prose is left alone).
func TestProtocolDoc(t *testing.T) {
	raw, err := os.ReadFile(protocolDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	want := map[string]string{}
	for _, g := range protocolGoldens(t) {
		// The text the golden file must hold (TestProtocolGolden checks
		// the file), so that one -update run brings both up to date.
		want[protocolDir+"/"+g.name] = g.text(t)
	}
	if *update {
		doc = goldenBlock.ReplaceAllStringFunc(doc, func(m string) string {
			name := goldenBlock.FindStringSubmatch(m)[1]
			if text, ok := want[name]; ok {
				return "<!-- golden " + name + " -->\n```text\n" + text + "```\n"
			}
			return m
		})
		if doc != string(raw) {
			if err := os.WriteFile(protocolDoc, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	shown := map[string]int{}
	for _, m := range goldenBlock.FindAllStringSubmatch(doc, -1) {
		name, text := m[1], m[2]
		shown[name]++
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("docs/protocol.md shows %s, which is no golden", name)
		case text != w:
			t.Errorf("docs/protocol.md shows %s other than the file; run go test -update", name)
		}
	}
	for name := range want {
		if shown[name] != 1 {
			t.Errorf("docs/protocol.md shows %s %d times, want once, as\n<!-- golden %s -->\n```text\n...\n```", name, shown[name], name)
		}
	}
	checkTypeTable(t, doc)
	checkLimitTable(t, doc)
}

// checkTypeTable checks the doc's table of frame types: a row
// "| code | `name` | ..." for every type, with the code the type has.
func checkTypeTable(t *testing.T, doc string) {
	row := regexp.MustCompile("(?m)^\\| (\\d+) \\| `([a-z-]+)` \\|")
	got := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		got[m[2]] = m[1]
	}
	for typ := wire.TypeHello; typ <= wire.TypeMove; typ++ {
		if code := strconv.Itoa(int(typ)); got[typ.String()] != code {
			t.Errorf("docs/protocol.md: frame type %s has code %q in the table of types, want %s", typ, got[typ.String()], code)
		}
		delete(got, typ.String())
	}
	for name := range got {
		t.Errorf("docs/protocol.md: the table of types names %q, which is no frame type", name)
	}
}

// checkLimitTable checks the doc's table of limits: rows whose last cell
// names a Go constant hold its value in the first.
func checkLimitTable(t *testing.T, doc string) {
	consts := map[string]int64{
		"wire.Version":           wire.Version,
		"wire.HeaderSize":        wire.HeaderSize,
		"wire.MaxHandshakeFrame": wire.MaxHandshakeFrame,
		"wire.DefaultMaxFrame":   wire.DefaultMaxFrame,
		"wire.NonceSize":         wire.NonceSize,
		"wire.ProofSize":         wire.ProofSize,
		"workloads.MaxPayload":   workloads.MaxPayload,
		"auth.MinTokenLen":       auth.MinTokenLen,
		"results.MaxBatch":       results.MaxBatch,
		"results.MaxWindow":      results.MaxWindow,
	}
	row := regexp.MustCompile("(?m)^\\| ([0-9]+) \\|.*\\| `([a-z]+\\.[A-Za-z]+)` \\|$")
	seen := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		v, ok := consts[m[2]]
		if !ok {
			t.Errorf("docs/protocol.md: the table of limits names %s, which this test does not know: add it", m[2])
			continue
		}
		seen[m[2]] = true
		if n, err := strconv.ParseInt(m[1], 10, 64); err != nil || n != v {
			t.Errorf("docs/protocol.md: the table of limits says %s is %s, the code %d", m[2], m[1], v)
		}
	}
	for name := range consts {
		if !seen[name] {
			t.Errorf("docs/protocol.md: the table of limits has no row for %s", name)
		}
	}
}
