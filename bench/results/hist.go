package results

import (
	"fmt"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: 1 ns to 60 s at 3 significant digits. Values outside are
// clamped to the range by Record.
const (
	HistMin     = 1
	HistMax     = int64(60 * time.Second)
	HistSigFigs = 3
)

// NewHist returns an empty histogram with the standard range.
func NewHist() *hdr.Histogram { return hdr.New(HistMin, HistMax, HistSigFigs) }

// Record records v, n times, into h, clamping v to the histogram's range.
// It reports whether v had to be clamped.
func Record(h *hdr.Histogram, v time.Duration, n int64) (clamped bool) {
	ns := int64(v)
	if ns < HistMin {
		ns, clamped = HistMin, ns < 0
	}
	if ns > HistMax {
		ns, clamped = HistMax, true
	}
	_ = h.RecordValues(ns, n) // cannot fail inside the range
	return clamped
}

// Hist is an HDR histogram in HdrHistogram's V2 compressed encoding; in
// JSON it is the base64 of those bytes. The empty Hist is an empty
// histogram.
type Hist []byte

// EncodeHist encodes h.
func EncodeHist(h *hdr.Histogram) (Hist, error) {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("encoding histogram: %w", err)
	}
	return Hist(b), nil
}

// Decode returns the histogram.
func (h Hist) Decode() (*hdr.Histogram, error) {
	if len(h) == 0 {
		return NewHist(), nil
	}
	d, err := hdr.Decode(h)
	if err != nil {
		return nil, fmt.Errorf("decoding histogram: %w", err)
	}
	return d, nil
}

// MergeHists decodes and merges hs into one histogram.
func MergeHists(hs ...Hist) (*hdr.Histogram, error) {
	total := NewHist()
	for _, h := range hs {
		d, err := h.Decode()
		if err != nil {
			return nil, err
		}
		total.Merge(d)
	}
	return total, nil
}
