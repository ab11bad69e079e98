package results

import "fmt"

// FormatRate writes a rate in tasks/s with a k or M suffix and two or
// three significant digits: 1.2 M/s, 350 k/s, 800/s. Caveats and the
// doctor's verdicts print rates with it.
func FormatRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.3g M/s", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.3g k/s", r/1e3)
	}
	return fmt.Sprintf("%.3g/s", r)
}
