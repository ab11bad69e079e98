package doctor

import (
	"fmt"
	"math"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/reports"
)

// Cisco is a published scalability data set: the throughput (queries/s) of
// a Cisco system at 1 to 32 concurrent clients, from Baron Schwartz,
// "Practical Scalability Analysis with the Universal Scalability Law"
// (VividCortex, 2015), which also publishes its USL fit: CiscoFit.
func Cisco() []reports.Point {
	xs := []float64{955.16, 1878.91, 2688.01, 3548.68, 4315.54, 5130.43, 5931.37, 6531.08,
		7219.8, 7867.61, 8278.71, 8646.7, 9047.84, 9426.55, 9645.37, 9897.24,
		10097.6, 10240.5, 10532.39, 10798.52, 11151.43, 11518.63, 11806, 12089.37,
		12075.41, 12177.29, 12211.41, 12158.93, 12155.27, 12118.04, 12140.4, 12074.39}
	pts := make([]reports.Point, len(xs))
	for i, x := range xs {
		pts[i] = reports.Point{N: float64(i + 1), X: x}
	}
	return pts
}

// CiscoFit returns the book's nonlinear least-squares fit of Cisco.
func CiscoFit() reports.USL {
	return reports.USL{Lambda: 995.6486, Sigma: 0.02671591, Kappa: 7.690945e-4}
}

// uslTolerance is how far (relative) a fitted parameter may be from the
// published one.
const uslTolerance = 0.001

// USLCheck fits pts with reports.FitUSL and compares the parameters with
// want, each within 0.1%.
func USLCheck(pts []reports.Point, want reports.USL) (results.DoctorCheck, error) {
	f, err := reports.FitUSL(pts)
	if err != nil {
		return results.DoctorCheck{}, fmt.Errorf("doctor: %s: %w", CheckUSL, err)
	}
	rel := func(name string, got, want float64) results.DoctorPart {
		d := uslTolerance * math.Abs(want)
		return part(name, "", got, want, want-d, want+d)
	}
	return check(CheckUSL,
		fmt.Sprintf("reports.FitUSL on the %d points of Schwartz's published Cisco data set (Practical Scalability Analysis with the USL, 2015): "+
			"lambda, sigma and kappa each within %.1f%% of the published fit", len(pts), 100*uslTolerance),
		rel("lambda", f.Lambda, want.Lambda), rel("sigma", f.Sigma, want.Sigma), rel("kappa", f.Kappa, want.Kappa)), nil
}
