// Package buildinfo reads what the Go toolchain stamped into the running
// binary: the module version (a tag for `go install ...@v1.2.3`,
// "(devel)" for a build from a clone), the VCS revision and whether the
// working tree had uncommitted changes, and the Go version. `snbench
// version` prints it and results.json records it (env.version,
// env.commit, env.dirty, env.go_version).
package buildinfo
