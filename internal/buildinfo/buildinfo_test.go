package buildinfo

import (
	"fmt"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"release", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/snbench/snbench", Version: "v1.2.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "false"}}},
			"snbench v1.2.0 (revision 0123abcd, 2026-01-02T03:04:05Z, go1.26.8)"},
		{"dirty clone", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}},
			"snbench (devel) (revision 0123abcd+dirty, go1.26.8)"},
		{"no vcs", debug.BuildInfo{GoVersion: "go1.26.8"}, "snbench (unknown version) (revision unknown, go1.26.8)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := FromBuildInfo(&tt.bi).String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTagged(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{"v1.2.0": "v1.2.0", "(devel)": "", "": ""} {
		if got := (Info{Version: v}).Tagged(); got != want {
			t.Errorf("Tagged(%q) = %q, want %q", v, got, want)
		}
	}
}

func ExampleInfo_String() {
	in := Info{Version: "v1.2.0", Revision: "0123abcd", Dirty: true, GoVersion: "go1.26.8"}
	fmt.Println(in)
	// Output: snbench v1.2.0 (revision 0123abcd+dirty, go1.26.8)
}
