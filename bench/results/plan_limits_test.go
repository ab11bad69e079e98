package results

import (
	"strings"
	"testing"
)

// TestValidateProducts: each value in range, their products not: a frame
// over the limit, too many cells, too many repetitions in all. Each is one
// error naming the axes; the largest plans that fit pass.
func TestValidateProducts(t *testing.T) {
	seq := func(n int) []int {
		v := make([]int, n)
		for i := range v {
			v[i] = i + 1
		}
		return v
	}
	tests := []struct {
		name string
		edit func(p *Plan)
		want string // "" for valid
	}{
		{"defaults", func(p *Plan) {}, ""},
		{"batch 65536 x payload 65536", func(p *Plan) { p.Batch, p.Payload = []int{65536}, []int{65536} }, "batch 65536 x payload 65536 makes frames of 34360262688 bytes, over the 67108864-byte frame limit"},
		{"batch 65536 x payload 126: just fits", func(p *Plan) { p.Batch, p.Payload = []int{1, 65536}, []int{126} }, ""},
		{"batch 65536 x payload 127: just does not", func(p *Plan) { p.Batch, p.Payload = []int{65536}, []int{1, 127} }, "frame limit"},
		{"2^34 cells", func(p *Plan) {
			p.Workers, p.Tasks, p.Batch, p.Window, p.Payload = seq(1024), seq(4096), seq(16), seq(16), seq(16)
		}, "plan: cells: 1 topologies x 16 payloads x 16 batches x 16 windows x 4096 tasks x 1024 workers make more than 65536 cells"},
		{"65536 cells", func(p *Plan) { p.Workers, p.Tasks, p.Repetitions = seq(256), seq(256), 1 }, ""},
		{"rates count as cells", func(p *Plan) {
			p.Rate, p.Duration, p.Workers, p.Window = seq(1024), 1e9, seq(1024), seq(2)
		}, "x 1024 rate x 1024 workers"},
		{"too many repetitions", func(p *Plan) { p.Workers, p.Tasks, p.Repetitions = seq(256), seq(256), 17 }, "65536 cells x 17 repetitions make 1114112, over 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPlan([]string{"goroutine"})
			tt.edit(&p)
			err := p.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Validate: %v, want one line with %q", err, tt.want)
			}
		})
	}
}
