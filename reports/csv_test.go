package reports

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// TestSummaryCSV: the status says ok* where the table does and the
// warnings column keeps the caveats; no figure is in exponent form; a
// throughput interval never reaches below 0.
func TestSummaryCSV(t *testing.T) {
	t.Parallel()
	res := basic(t)
	c := &res.Cells[0]
	c.Warnings = []string{"only 1 repetition: no confidence interval", "noisy: x"}
	c.Summary.Throughput.Lo = -1.2484e+08
	var b bytes.Buffer
	if err := WriteTable(&b, res, FormatCSV); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "e+") || strings.Contains(b.String(), "e-0") {
		t.Errorf("exponent form in the CSV:\n%s", b.String())
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(recs[0], name) }
	row := recs[1]
	if got := row[col("status")]; got != "ok*" {
		t.Errorf("status %q, want ok*", got)
	}
	if got := row[col("warnings")]; got != "only 1 repetition: no confidence interval | noisy: x" {
		t.Errorf("warnings %q", got)
	}
	if got := row[col("ci_lo")]; got != "0" {
		t.Errorf("ci_lo %q, want 0", got)
	}
	if got := recs[2][col("status")]; got != "ok" {
		t.Errorf("a cell without warnings: status %q, want ok", got)
	}
}
