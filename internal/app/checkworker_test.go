package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestCheckWorker: check-worker passes snbench's own node (this test
// binary, started as a subprocess node), exits 1 for a worker that is not
// one, and 2 without a worker to check.
func TestCheckWorker(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"own node", []string{"check-worker", "--", "env", "SNBENCH_NODE=stdio", os.Args[0]}, 0, "all 9 cases passed"},
		{"not a worker", []string{"check-worker", "--timeout", "500ms", "--", "cat"}, 1, "FAIL  handshake"},
		{"nothing to check", []string{"check-worker"}, 2, ""},
		{"both", []string{"check-worker", "--addr", "127.0.0.1:1", "--", "cat"}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if code := report(err, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d: %v\n%s", code, tc.code, err, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out.String())
			}
			if tc.code == 1 && !errors.Is(err, errWorkerFailed) {
				t.Errorf("err = %v, want errWorkerFailed", err)
			}
		})
	}
}
