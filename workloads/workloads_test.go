package workloads_test

import (
	"testing"
	"time"

	"github.com/snbench/snbench/workloads"
)

func TestDoublingServeVerify(t *testing.T) {
	t.Parallel()
	for _, k := range []int{1, 3, 64} {
		spec := workloads.DefaultSpec()
		spec.Payload = k
		coord, err := workloads.NewDoubling(spec)
		if err != nil {
			t.Fatal(err)
		}
		node, _ := workloads.NewDoubling(spec)
		b := workloads.Batch{Tag: 7, IDs: []uint64{0, 1, 2, 1 << 40}}
		coord.Fill(&b)
		if b.K != k || len(b.Values) != len(b.IDs)*k {
			t.Fatalf("k=%d: Fill gave K=%d and %d values", k, b.K, len(b.Values))
		}
		var r workloads.Result
		node.Serve(&b, &r)
		if r.Tag != 7 || len(r.IDs) != 4 {
			t.Fatalf("k=%d: result tag %d with %d ids", k, r.Tag, len(r.IDs))
		}
		for i, v := range r.Values {
			if v != 2*b.Values[i] {
				t.Fatalf("k=%d: value %d is %d, want %d", k, i, v, 2*b.Values[i])
			}
		}
		if wrong := coord.Verify(&r); wrong != 0 {
			t.Fatalf("k=%d: %d wrong in a correct result", k, wrong)
		}
		r.Values[len(r.Values)-1]++
		r.Values[0] = 0
		if wrong := coord.Verify(&r); wrong != 2 {
			t.Fatalf("k=%d: Verify found %d wrong tasks, want 2", k, wrong)
		}
	}
}

func TestVerifyRejectsWrongPayloadSize(t *testing.T) {
	t.Parallel()
	spec := workloads.DefaultSpec()
	spec.Payload = 2
	w, _ := workloads.NewDoubling(spec)
	r := workloads.Result{K: 1, IDs: []uint64{1, 2}, Values: []int64{2, 4}}
	if got := w.Verify(&r); got != 2 {
		t.Fatalf("Verify of a K=1 result for a K=2 workload: %d wrong, want 2", got)
	}
}

func TestValuesDependOnSeedAndFitDoubling(t *testing.T) {
	t.Parallel()
	same := 0
	for id := range uint64(1000) {
		a, b := workloads.Value(1, id, 0), workloads.Value(2, id, 0)
		if a == b {
			same++
		}
		if 2*a/2 != a {
			t.Fatalf("value %d of id %d overflows when doubled", a, id)
		}
	}
	if same > 1 {
		t.Fatalf("%d of 1000 values equal under different seeds", same)
	}
	if v1, v2 := workloads.Value(1, 5, 0), workloads.Value(1, 5, 0); v1 != v2 {
		t.Fatal("Value is not deterministic")
	}
}

func TestSpecValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec workloads.Spec
		ok   bool
	}{
		{name: "default", spec: workloads.DefaultSpec(), ok: true},
		{name: "no name", spec: workloads.Spec{Payload: 1}},
		{name: "zero payload", spec: workloads.Spec{Name: "doubling"}},
		{name: "huge payload", spec: workloads.Spec{Name: "doubling", Payload: workloads.MaxPayload + 1}},
		{name: "negative cpu", spec: workloads.Spec{Name: "doubling", Payload: 1, CPU: -1}},
		{name: "negative wait", spec: workloads.Spec{Name: "doubling", Payload: 1, Wait: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	r := workloads.DefaultRegistry()
	if _, err := r.New(workloads.Spec{Name: "nope", Payload: 1}); err == nil {
		t.Fatal("unknown workload accepted")
	}
	r.Register("custom", "a test workload", workloads.NewDoubling)
	if !r.Has("custom") || len(r.Names()) != 2 {
		t.Fatalf("names after Register: %v", r.Names())
	}
}

func TestBurnTakesAtLeastItsTime(t *testing.T) {
	t.Parallel()
	start := time.Now()
	workloads.Burn(2 * time.Millisecond)
	if d := time.Since(start); d < 2*time.Millisecond {
		t.Fatalf("Burn(2ms) returned after %v", d)
	}
}

func TestDurationJSON(t *testing.T) {
	t.Parallel()
	var d workloads.Duration
	for in, want := range map[string]time.Duration{`"1.5ms"`: 1500 * time.Microsecond, `2000`: 2000} {
		if err := d.UnmarshalJSON([]byte(in)); err != nil || d.D() != want {
			t.Fatalf("UnmarshalJSON(%s) = %v, %v; want %v", in, d, err, want)
		}
	}
	for _, bad := range []string{`"5 parsecs"`, `true`} {
		if err := d.UnmarshalJSON([]byte(bad)); err == nil {
			t.Fatalf("UnmarshalJSON(%s) accepted", bad)
		}
	}
	b, _ := workloads.Duration(time.Second).MarshalJSON()
	if string(b) != `"1s"` {
		t.Fatalf("MarshalJSON = %s", b)
	}
}

func TestSleepIsAccurate(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{100 * time.Microsecond, time.Millisecond} {
		start := time.Now()
		workloads.Sleep(d)
		if got := time.Since(start); got < d {
			t.Errorf("Sleep(%v) returned after %v", d, got)
		}
	}
}

func TestVerifyBatchAgreesWithVerify(t *testing.T) {
	t.Parallel()
	spec := workloads.DefaultSpec()
	spec.Payload = 2
	w, _ := workloads.NewDoubling(spec)
	b := workloads.Batch{IDs: []uint64{4, 5, 6}}
	w.Fill(&b)
	var r workloads.Result
	w.Serve(&b, &r)
	bv := w.(workloads.BatchVerifier)
	if bv.VerifyBatch(&b, &r) != 0 || w.Verify(&r) != 0 {
		t.Fatal("a correct result does not verify")
	}
	r.Values[3]++
	if a, v := bv.VerifyBatch(&b, &r), w.Verify(&r); a != 1 || v != 1 {
		t.Fatalf("one wrong task: VerifyBatch %d, Verify %d", a, v)
	}
}
