package topologies

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// rowsTopo makes one row per comma-separated label of its option "rows".
type rowsTopo struct{ name string }

func (r rowsTopo) Name() string { return r.name }
func (rowsTopo) Start(context.Context, Config) (Cluster, error) {
	return nil, nil
}
func (rowsTopo) Rows(o Options) []string { return o.List("rows") }

type optIn struct{ rowsTopo }

func (optIn) OptIn() {}

// TestRows: expanding and checking rows, the default comparison without
// opt-in topologies, and row names.
func TestRows(t *testing.T) {
	reg := NewRegistry()
	reg.Register(rowsTopo{"a"}, "")
	reg.Register(optIn{rowsTopo{"b"}}, "")
	reg.Register(rowsTopo{"c"}, "")
	if got := strings.Join(reg.Defaults(), ","); got != "a,c" {
		t.Errorf("Defaults = %s, want a,c", got)
	}
	opts := map[string]Options{"b": {"rows": "x,y"}}
	if got := strings.Join(reg.ExpandRows([]string{"a", "b", "b:y"}, opts), ","); got != "a,b:x,b:y,b:y" {
		t.Errorf("ExpandRows = %s", got)
	}
	for _, tc := range []struct {
		topos []string
		err   string
	}{
		{[]string{"a", "b:x", "b:y"}, ""},
		{[]string{"b:x", "b:x"}, "listed twice"},
		{[]string{"b"}, "name one as b:x"},
		{[]string{"a:x"}, `no row "x": its options make no labelled rows`},
		{[]string{"b:z"}, `no row "z" (its options make x, y)`},
		{[]string{"zz"}, "unknown topology"},
	} {
		err := reg.CheckRows(tc.topos, opts)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("CheckRows(%v) = %v, want %q", tc.topos, err, tc.err)
		}
	}
	for row, want := range map[string][2]string{"exec:py": {"exec", "py"}, "tcp": {"tcp", ""}, "a:b:c": {"a", "b:c"}} {
		if b, l := SplitRow(row); b != want[0] || l != want[1] || RowName(b, l) != row {
			t.Errorf("SplitRow(%q) = %q, %q", row, b, l)
		}
	}
	if got := strings.Join(Bases([]string{"exec:a", "tcp", "exec:b"}), ","); got != "exec,tcp" {
		t.Errorf("Bases = %s", got)
	}
	if err := CheckLabel("py-3.11"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "Py", "-x", "a b", strings.Repeat("a", 33)} {
		if CheckLabel(bad) == nil {
			t.Errorf("CheckLabel(%q) passed", bad)
		}
	}
	if s := (Secrets{"token": "hunter2"}).String(); strings.Contains(s, "hunter2") {
		t.Errorf("Secrets print their values: %s", s)
	}
}

// labelPattern is what validLabel checks, as a regexp.
var labelPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,31}$`)

// FuzzValidLabel checks validLabel against the pattern it spells out.
func FuzzValidLabel(f *testing.F) {
	for _, s := range []string{"", "a", "py-3.11", "_a", "a_", "A", "a b", "é", strings.Repeat("a", 32), strings.Repeat("a", 33)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validLabel(s), labelPattern.MatchString(s); got != want {
			t.Errorf("validLabel(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
