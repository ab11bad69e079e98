// Package needs skips a test whose dependency (a browser, network
// namespaces, a tool) is missing, except in CI: with CI=true the test
// fails instead, so that a green CI run cannot hide a test that never ran.
package needs

import (
	"fmt"
	"os"
	"testing"
)

// Skip skips t with the reason, or, when the environment variable CI is
// "true", fails it with the reason: CI is meant to have every dependency.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	skipOrFail(t, os.Getenv("CI") == "true", fmt.Sprintf(format, args...))
}

// skipOrFail is Skip with the environment read.
func skipOrFail(t testing.TB, ci bool, reason string) {
	t.Helper()
	if ci {
		t.Fatalf("CI=true, but a dependency is missing: %s", reason)
		return
	}
	t.Skip(reason)
}
