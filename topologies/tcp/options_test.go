package tcp

import (
	"strings"
	"testing"

	"github.com/snbench/snbench/topologies"
)

// TestNodesLabel: --nodes-label makes the row of the nodes --nodes names
// tcp:LABEL, and is refused without nodes or with a bad label.
func TestNodesLabel(t *testing.T) {
	for _, tc := range []struct {
		o    topologies.Options
		rows string
		err  string
	}{
		{topologies.Options{OptNodes: "127.0.0.1:1"}, "", ""},
		{topologies.Options{OptNodes: "127.0.0.1:1", OptLabel: "py"}, "py", ""},
		{topologies.Options{OptLabel: "py"}, "", "--nodes-label labels the nodes --nodes names"},
		{topologies.Options{OptNodes: "127.0.0.1:1", OptLabel: "Py!"}, "py", "want 1 to 32"},
	} {
		err := New().CheckOptions(tc.o, 1)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("CheckOptions(%v) = %v, want %q", tc.o, err, tc.err)
		}
		if tc.err != "" {
			continue
		}
		if got := strings.Join(New().Rows(tc.o), ","); got != tc.rows {
			t.Errorf("Rows(%v) = %q, want %q", tc.o, got, tc.rows)
		}
	}
	reg := topologies.NewRegistry()
	reg.Register(New(), "")
	opts := map[string]topologies.Options{"tcp": {OptNodes: "127.0.0.1:1", OptLabel: "py"}}
	if got := reg.ExpandRows([]string{"tcp"}, opts); strings.Join(got, ",") != "tcp:py" {
		t.Errorf("ExpandRows = %v, want [tcp:py]", got)
	}
	if err := reg.CheckRows([]string{"tcp:other"}, opts); err == nil || !strings.Contains(err.Error(), `no row "other"`) {
		t.Errorf("CheckRows(tcp:other) = %v, want no row", err)
	}
}
