package results

import "fmt"

// ImpreciseRelCI is the half-width of a cell's throughput interval (95%,
// Student's t), relative to its mean, above which the cell is flagged
// imprecise. Above it the interval runs from under half the mean to over
// 1.5 times it, a factor of more than 3, so the figure gives an order of
// magnitude and nothing finer.
//
// Note: a coefficient of variation alone raises no caveat. CV is stored
// in every Estimate, but the interval column already shows the spread,
// and whether a spread matters depends on what the figure is compared
// with; the reports say that where two cells are compared.
const ImpreciseRelCI = 0.5

// dispersionWarnings returns the caveats a cell's throughput carries by
// itself, as one-line reasons: no interval at all (a single repetition),
// or an interval wider than ImpreciseRelCI. Open-loop cells get neither:
// their throughput is the rate they were offered, and their reliability
// is judged by the generator's lag instead.
func dispersionWarnings(e Estimate, openLoop bool) []string {
	switch {
	case openLoop || e.N == 0:
		return nil
	case e.N < 2:
		return []string{"only 1 repetition: no confidence interval"}
	case e.HasCI && e.RelCI() > ImpreciseRelCI:
		return []string{fmt.Sprintf("imprecise: 95%% interval ±%.0f%% of the mean (over ±%.0f%%): the figure is an order of magnitude only",
			100*e.RelCI(), 100*ImpreciseRelCI)}
	}
	return nil
}
