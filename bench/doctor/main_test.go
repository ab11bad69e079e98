package doctor_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine behind (the
// doctor runs clusters of the goroutine topology).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
