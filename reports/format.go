package reports

import (
	"fmt"
	"math"
	"strconv"
)

// FormatDuration formats ns with a unit chosen by magnitude (ns, us, ms, s)
// and sig significant digits.
func FormatDuration(ns float64, sig int) string {
	a := math.Abs(roundSig(ns, sig))
	switch {
	case a < 1e3:
		return sigFig(ns, sig) + "ns"
	case a < 1e6:
		return sigFig(ns/1e3, sig) + "us"
	case a < 1e9:
		return sigFig(ns/1e6, sig) + "ms"
	}
	return sigFig(ns/1e9, sig) + "s"
}

// FormatRate formats a per-second rate with k, M or G and sig significant
// digits, e.g. "1.23M".
func FormatRate(v float64, sig int) string {
	a := math.Abs(roundSig(v, sig))
	switch {
	case a < 1e3:
		return sigFig(v, sig)
	case a < 1e6:
		return sigFig(v/1e3, sig) + "k"
	case a < 1e9:
		return sigFig(v/1e6, sig) + "M"
	}
	return sigFig(v/1e9, sig) + "G"
}

// SigFigsFor returns how many significant digits a figure known to within
// relErr (e.g. 0.03 for ±3%) deserves when its leading digits are not
// known: enough that the last digit is about the size of the error, between
// 2 and 4. Without an error estimate (0) it gives 3. SigFigsForError is
// exact where the value is known.
func SigFigsFor(relErr float64) int {
	if relErr <= 0 || math.IsNaN(relErr) {
		return 3
	}
	d := int(math.Ceil(-math.Log10(relErr)))
	return min(max(d, 2), 4)
}

// SigFigsForError returns how many significant digits v deserves when it
// is known to within ±absErr: the last digit shown is in the place of
// absErr's first significant digit (3.80M ± 0.15M shows as 3.8M, 1.10M ±
// 0.03M as 1.10M), between 2 and 4. Without an error estimate (absErr ≤ 0
// or NaN) it gives 3.
func SigFigsForError(v, absErr float64) int {
	if !(absErr > 0) || v == 0 || math.IsNaN(v) || math.IsInf(v, 0) || math.IsInf(absErr, 0) {
		return 3
	}
	absErr = roundSig(absErr, 1) // 99.99k is an error of 100k
	d := int(math.Floor(math.Log10(math.Abs(v)))) - int(math.Floor(math.Log10(absErr))) + 1
	return min(max(d, 2), 4)
}

// sigFig formats v with sig significant digits, without exponent notation
// and without trailing zeros after a decimal point being dropped (so 1.20
// keeps its precision).
func sigFig(v float64, sig int) string {
	if v == 0 {
		return "0"
	}
	mag := int(math.Floor(math.Log10(math.Abs(v))))
	decimals := max(sig-1-mag, 0)
	r := strconv.FormatFloat(v, 'f', decimals, 64)
	// Rounding may have added a digit (9.99 -> 10.0): drop one decimal.
	if decimals > 0 {
		if m2 := int(math.Floor(math.Log10(math.Abs(mustParse(r))))); m2 > mag {
			r = strconv.FormatFloat(v, 'f', decimals-1, 64)
		}
	}
	return r
}

// roundSig rounds v to sig significant digits, so that units are chosen
// by the value as shown (999.7us at 3 digits is 1.00ms, not 1000us).
func roundSig(v float64, sig int) float64 {
	return mustParse(strconv.FormatFloat(v, 'g', max(sig, 1), 64))
}

func mustParse(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// FormatPercent formats a fraction as a percentage with sig significant
// digits, e.g. 0.0213 -> "2.1%".
func FormatPercent(f float64, sig int) string {
	return sigFig(100*f, sig) + "%"
}

// FormatRatio formats a ratio like 1.93x.
func FormatRatio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "-"
	}
	return fmt.Sprintf("%sx", sigFig(r, 3))
}
