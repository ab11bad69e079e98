package reports

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine behind (the
// HTML tests start headless Chromium).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
