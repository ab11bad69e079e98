package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Info is what the build recorded about itself. Empty fields were not
// recorded (a binary built by `go test`, or with -buildvcs=false).
type Info struct {
	// Module is the main module's path.
	Module string
	// Version is the module version: a tag such as "v1.2.0", a
	// pseudo-version, or "(devel)" for a build from a clone.
	Version string
	// Revision is the VCS commit the binary was built from.
	Revision string
	// Time is the commit's time, RFC 3339.
	Time string
	// Dirty is set when the working tree had uncommitted changes.
	Dirty bool
	// GoVersion is the Go release that built the binary.
	GoVersion string
}

// Read returns the running binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{GoVersion: runtime.Version()}
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo extracts an Info from bi.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	in := Info{Module: bi.Main.Path, Version: bi.Main.Version, GoVersion: bi.GoVersion}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Dirty = s.Value == "true"
		}
	}
	if in.GoVersion == "" {
		in.GoVersion = runtime.Version()
	}
	return in
}

// Tagged returns Version when it names a release or pseudo-version, and
// "" for "(devel)" or no version.
func (in Info) Tagged() string {
	if in.Version == "" || in.Version == "(devel)" {
		return ""
	}
	return in.Version
}

// RevisionText is the revision with "+dirty" when the tree had changes,
// or "unknown".
func (in Info) RevisionText() string {
	if in.Revision == "" {
		return "unknown"
	}
	if in.Dirty {
		return in.Revision + "+dirty"
	}
	return in.Revision
}

// String is the one line `snbench --version` prints, e.g.
// "snbench v1.2.0 (revision 0123abcd+dirty, 2026-01-02T03:04:05Z, go1.26.8)".
func (in Info) String() string {
	v := in.Version
	if v == "" {
		v = "(unknown version)"
	}
	var parts []string
	parts = append(parts, "revision "+in.RevisionText())
	if in.Time != "" {
		parts = append(parts, in.Time)
	}
	parts = append(parts, in.GoVersion)
	return fmt.Sprintf("snbench %s (%s)", v, strings.Join(parts, ", "))
}
