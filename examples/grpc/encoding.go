package grpctopology

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/snbench/snbench/workloads"
)

// Bounds on what a peer may send, checked before anything is allocated.
const (
	maxTasks   = 1 << 20 // tasks per batch
	maxPayload = 1 << 12 // values per task
	// maxMessage is the largest message either end accepts (gRPC's own
	// limit is set to it too).
	maxMessage = 64 << 20
)

// A batch is tag u64, k u32, n u32, then n ids (u64) and n*k values
// (i64), little-endian. A result is the same with the node's service
// time (u64 ns) after n. n = 0 is the end marker, answered in kind.
const (
	batchHeader  = 16
	resultHeader = 24
)

func encodeBatch(dst []byte, b *workloads.Batch) []byte {
	n := len(b.IDs)
	dst = binary.LittleEndian.AppendUint64(dst[:0], b.Tag)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(b.K))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	for _, id := range b.IDs {
		dst = binary.LittleEndian.AppendUint64(dst, id)
	}
	for _, v := range b.Values[:n*b.K] {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
	}
	return dst
}

func encodeResult(dst []byte, r *workloads.Result) []byte {
	n := len(r.IDs)
	dst = binary.LittleEndian.AppendUint64(dst[:0], r.Tag)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(r.K))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(r.Service))
	for _, id := range r.IDs {
		dst = binary.LittleEndian.AppendUint64(dst, id)
	}
	for _, v := range r.Values[:n*r.K] {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
	}
	return dst
}

// header reads tag, k and n, and checks that the message is exactly as
// long as they say.
func header(b []byte, head int) (tag uint64, k, n int, err error) {
	if len(b) < head {
		return 0, 0, 0, fmt.Errorf("message of %d bytes, shorter than its %d-byte header", len(b), head)
	}
	tag = binary.LittleEndian.Uint64(b)
	k, n = int(binary.LittleEndian.Uint32(b[8:])), int(binary.LittleEndian.Uint32(b[12:]))
	switch {
	case n > maxTasks:
		return 0, 0, 0, fmt.Errorf("%d tasks in one message, more than %d", n, maxTasks)
	case n > 0 && (k < 1 || k > maxPayload):
		return 0, 0, 0, fmt.Errorf("payload %d values per task, want 1 to %d", k, maxPayload)
	}
	if want := head + 8*n*(1+k); len(b) != want {
		return 0, 0, 0, fmt.Errorf("message of %d bytes for %d tasks of %d values, want %d", len(b), n, k, want)
	}
	return tag, k, n, nil
}

func decodeBatch(b []byte, into *workloads.Batch) error {
	tag, k, n, err := header(b, batchHeader)
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	into.Tag = tag
	into.Resize(n, k)
	decodeTasks(b[batchHeader:], into.IDs, into.Values)
	return nil
}

func decodeResult(b []byte, into *workloads.Result) error {
	tag, k, n, err := header(b, resultHeader)
	if err != nil {
		return fmt.Errorf("result: %w", err)
	}
	into.Tag, into.Service = tag, time.Duration(binary.LittleEndian.Uint64(b[16:]))
	into.Resize(n, k)
	decodeTasks(b[resultHeader:], into.IDs, into.Values)
	return nil
}

func decodeTasks(b []byte, ids []uint64, values []int64) {
	for i := range ids {
		ids[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	b = b[8*len(ids):]
	for i := range values {
		values[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
}
