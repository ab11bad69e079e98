package reports_test

import (
	"fmt"

	"github.com/snbench/snbench/reports"
)

// ExampleFitUSL fits the Universal Scalability Law to throughput measured
// at 1 to 32 workers and asks where it peaks.
func ExampleFitUSL() {
	truth := reports.USL{Lambda: 1000, Sigma: 0.05, Kappa: 0.002}
	var pts []reports.Point
	for _, n := range []float64{1, 2, 4, 8, 16, 32} {
		pts = append(pts, reports.Point{N: n, X: truth.X(n)})
	}
	fit, err := reports.FitUSL(pts)
	if err != nil {
		fmt.Println(err)
		return
	}
	n, x, _ := fit.Peak()
	fmt.Printf("lambda %.0f sigma %.3f kappa %.4f R² %.3f\n", fit.Lambda, fit.Sigma, fit.Kappa, fit.R2)
	fmt.Printf("peak near %.1f workers at %s tasks/s\n", n, reports.FormatRate(x, 3))
	// Output:
	// lambda 1000 sigma 0.050 kappa 0.0020 R² 1.000
	// peak near 21.8 workers at 7.40k tasks/s
}
