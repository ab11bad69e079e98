package grpctopology

import (
	"slices"
	"testing"
	"time"

	"github.com/snbench/snbench/workloads"
)

// TestEncodingRoundTrip: batches and results come back as they were sent,
// the end marker included; messages of the wrong length are refused.
func TestEncodingRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    workloads.Batch
	}{
		{"end marker", workloads.Batch{Tag: 1 << 63, K: 1}},
		{"one task", workloads.Batch{Tag: 7, K: 1, IDs: []uint64{42}, Values: []int64{-3}}},
		{"payload 3", workloads.Batch{Tag: 9, K: 3, IDs: []uint64{1, 2}, Values: []int64{1, 2, 3, 4, 5, 6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got workloads.Batch
			enc := encodeBatch(nil, &tc.b)
			if err := decodeBatch(enc, &got); err != nil {
				t.Fatal(err)
			}
			if got.Tag != tc.b.Tag || !slices.Equal(got.IDs, tc.b.IDs) && len(tc.b.IDs) > 0 || !slices.Equal(got.Values, tc.b.Values) && len(tc.b.Values) > 0 {
				t.Fatalf("batch %+v came back as %+v", tc.b, got)
			}
			r := workloads.Result{Tag: tc.b.Tag, K: tc.b.K, IDs: tc.b.IDs, Values: tc.b.Values, Service: 5 * time.Microsecond}
			var gr workloads.Result
			if err := decodeResult(encodeResult(nil, &r), &gr); err != nil {
				t.Fatal(err)
			}
			if gr.Tag != r.Tag || gr.Service != r.Service || len(gr.IDs) != len(r.IDs) {
				t.Fatalf("result %+v came back as %+v", r, gr)
			}
			if err := decodeBatch(enc[:len(enc)-1], &got); err == nil {
				t.Fatal("a truncated batch was accepted")
			}
			if err := decodeBatch(append(enc, 0), &got); err == nil {
				t.Fatal("a batch with a trailing byte was accepted")
			}
		})
	}
}

// FuzzDecode: whatever a peer sends, decoding neither panics nor
// allocates beyond the message's own size, and what decodes re-encodes
// to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(encodeBatch(nil, &workloads.Batch{Tag: 3, K: 2, IDs: []uint64{1}, Values: []int64{4, 5}}))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b workloads.Batch
		if err := decodeBatch(data, &b); err == nil {
			if again := encodeBatch(nil, &b); !slices.Equal(again, data) {
				t.Fatalf("%x decoded and re-encoded as %x", data, again)
			}
		}
		var r workloads.Result
		_ = decodeResult(data, &r)
	})
}
