package results_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine behind
// (the kill test starts a child process).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
