// Package syncbuf provides Buffer, text that goroutines may write while
// another reads it: the log of a run whose nodes and links write to it,
// the output of a command running in the background.
package syncbuf

import (
	"strings"
	"sync"
	"time"
)

// Buffer is an io.Writer whose text may be read at any time. Its zero
// value is empty and ready to use; it must not be copied once used.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p. It never fails.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// WaitFor waits up to d, looking every 10 ms, for the text to contain
// want, and reports whether it did.
func (b *Buffer) WaitFor(want string, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if strings.Contains(b.String(), want) {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
	}
}
