package needs

import (
	"testing"
)

// recorder is a testing.TB that records how the test ended.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, format
}
func (r *recorder) Skip(args ...any) { r.skipped = true }

func TestSkipOrFail(t *testing.T) {
	t.Parallel()
	for _, ci := range []bool{false, true} {
		r := &recorder{TB: t}
		skipOrFail(r, ci, "chromium is not installed")
		if r.failed != ci || r.skipped == ci {
			t.Errorf("CI=%v: failed %v, skipped %v; want failed only in CI", ci, r.failed, r.skipped)
		}
	}
}
