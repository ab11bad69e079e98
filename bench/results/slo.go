package results

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Objective is one latency bound of an SLO: the Quantile (in [0, 1]; 1 is
// the maximum) of the corrected latency must stay below (or at, if
// Inclusive) Limit.
type Objective struct {
	Quantile  float64
	Limit     time.Duration
	Inclusive bool
	Text      string
}

// SLO is a list of objectives that must all hold.
type SLO []Objective

// ParseSLO parses "p99<5ms", "p50<=1ms,p99.9<20ms" or "max<100ms". The
// empty string is the empty SLO, which only verification and the achieved
// rate can fail.
func ParseSLO(s string) (SLO, error) {
	var slo SLO
	if strings.TrimSpace(s) == "" {
		return slo, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		o := Objective{Text: part}
		name, limit, ok := strings.Cut(part, "<")
		if !ok {
			return nil, fmt.Errorf("%q: want a bound like p99<5ms", part)
		}
		if rest, incl := strings.CutPrefix(limit, "="); incl {
			limit, o.Inclusive = rest, true
		}
		switch name = strings.TrimSpace(name); {
		case name == "max":
			o.Quantile = 1
		case strings.HasPrefix(name, "p"):
			pct, err := strconv.ParseFloat(name[1:], 64)
			if err != nil || pct <= 0 || pct >= 100 {
				return nil, fmt.Errorf("%q: percentile %q: want p followed by a number in (0, 100), or max", part, name)
			}
			o.Quantile = pct / 100
		default:
			return nil, fmt.Errorf("%q: %q: want a percentile like p99, or max", part, name)
		}
		d, err := time.ParseDuration(strings.TrimSpace(limit))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q: limit %q: want a positive duration like 5ms", part, limit)
		}
		o.Limit = d
		slo = append(slo, o)
	}
	return slo, nil
}

// Check returns "" if h meets every objective, else which it misses and by
// how much, e.g. "p99 12.1ms > 5ms".
func (s SLO) Check(h Hist) (string, error) {
	d, err := h.Decode()
	if err != nil {
		return "", err
	}
	var missed []string
	for _, o := range s {
		v := time.Duration(d.ValueAtQuantile(100 * o.Quantile))
		if o.Quantile == 1 {
			v = time.Duration(d.Max())
		}
		if v > o.Limit || (v == o.Limit && !o.Inclusive) {
			name, _, _ := strings.Cut(o.Text, "<")
			missed = append(missed, fmt.Sprintf("%s %v > %v", strings.TrimSpace(name), v, o.Limit))
		}
	}
	return strings.Join(missed, ", "), nil
}
