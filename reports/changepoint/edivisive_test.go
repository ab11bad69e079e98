package changepoint_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/snbench/snbench/reports/changepoint"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := changepoint.DefaultOptions()
	for _, tt := range []struct {
		name string
		edit func(*changepoint.Options)
		err  string
	}{
		{"defaults", func(*changepoint.Options) {}, ""},
		{"alpha 0", func(o *changepoint.Options) { o.Alpha = 0 }, "alpha"},
		{"alpha NaN", func(o *changepoint.Options) { o.Alpha = math.NaN() }, "alpha"},
		{"alpha 0.9", func(o *changepoint.Options) { o.Alpha = 0.9 }, "alpha"},
		{"segment 1", func(o *changepoint.Options) { o.MinSegment = 1 }, "segment"},
		{"magnitude -1", func(o *changepoint.Options) { o.MinMagnitude = -1 }, "magnitude"},
		{"magnitude Inf", func(o *changepoint.Options) { o.MinMagnitude = math.Inf(1) }, "magnitude"},
		{"permutations 5", func(o *changepoint.Options) { o.Permutations = 5 }, "permutations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			err := o.Validate()
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Validate: %v, want %q", err, tt.err)
			}
			if tt.err != "" {
				if _, err := changepoint.Detect(context.Background(), make([]float64, 20), o); err == nil {
					t.Error("Detect accepted invalid options")
				}
			}
		})
	}
}

func TestDetectInputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	opt := changepoint.DefaultOptions()
	if _, err := changepoint.Detect(ctx, []float64{1, 2, 3, 4, 5}, opt); !errors.Is(err, changepoint.ErrShort) {
		t.Errorf("5 points: %v, want ErrShort", err)
	}
	if _, err := changepoint.Detect(ctx, []float64{1, 2, math.NaN(), 4, 5, 6, 7}, opt); err == nil || !strings.Contains(err.Error(), "point 2") {
		t.Errorf("NaN: %v", err)
	}
	flat := make([]float64, 30)
	for i := range flat {
		flat[i] = 7
	}
	if cs, err := changepoint.Detect(ctx, flat, opt); err != nil || len(cs) != 0 {
		t.Errorf("constant series: %+v %v", cs, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := changepoint.Detect(cctx, flat, opt); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestTwoSteps: a regression and a later fix are both found, with their
// levels, and the answer is the same every time.
func TestTwoSteps(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 4))
	xs := series(rng, 60, 5, 0.03, func(i int) float64 {
		if i >= 20 && i < 40 {
			return 130
		}
		return 100
	})
	cs := detect(t, xs)
	if len(cs) != 2 || nearest(cs[:1], 20) > 1 || nearest(cs[1:], 40) > 1 {
		t.Fatalf("changes %+v, want two, at 20 and 40", cs)
	}
	for i, want := range []float64{0.3, -0.3 / 1.3} {
		if rel, ok := cs[i].Relative(); !ok || math.Abs(rel-want) > 0.03 {
			t.Errorf("change %d: %+.3f, want %+.3f", i, rel, want)
		}
		if cs[i].P > changepoint.DefaultOptions().Alpha {
			t.Errorf("change %d: p %g above alpha", i, cs[i].P)
		}
	}
	again := detect(t, xs)
	for i := range cs {
		if again[i] != cs[i] {
			t.Errorf("second run differs: %+v, then %+v", cs, again)
		}
	}
}

// TestMagnitudeFilter: a significant 3% step is reported at the default
// 2% filter and dropped at 5%.
func TestMagnitudeFilter(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	xs := series(rng, 40, 5, 0.005, func(i int) float64 {
		if i >= 20 {
			return 103
		}
		return 100
	})
	if cs := detect(t, xs); len(cs) != 1 || cs[0].Index != 20 {
		t.Fatalf("changes %+v, want one at 20", cs)
	}
	opt := changepoint.DefaultOptions()
	opt.MinMagnitude = 0.05
	if cs, err := changepoint.Detect(context.Background(), xs, opt); err != nil || len(cs) != 0 {
		t.Errorf("with a 5%% filter: %+v %v", cs, err)
	}
}

func TestZeroBefore(t *testing.T) {
	t.Parallel()
	xs := []float64{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}
	cs := detect(t, xs)
	if len(cs) != 1 || cs[0].Index != 8 {
		t.Fatalf("changes %+v, want one at 8", cs)
	}
	if _, ok := cs[0].Relative(); ok {
		t.Error("a relative change from 0")
	}
}
