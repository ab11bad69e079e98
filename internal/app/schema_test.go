package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/internal/node"
	"github.com/snbench/snbench/workloads"
)

// resultsSchema compiles docs/results.schema.json.
func resultsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "docs", "results.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// validateJSON reports whether b matches sch, and the error if not.
func validateJSON(t *testing.T, sch *jsonschema.Schema, b []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst)
}

// TestResultsSchema validates the results.json of real runs against
// docs/results.schema.json: closed loop on two topologies, open loop,
// baselines, a capacity search, and a node that fails under each
// on_node_failure policy. The schema's objects are closed, so a field a
// run writes that the schema lacks fails here.
func TestResultsSchema(t *testing.T) {
	sch := resultsSchema(t)
	good := goodNodes(t, 2)
	failing := strings.Join([]string{good[0], garbageNode(t), good[1]}, ",")
	small := []string{"--tasks", "2000", "--repetitions", "2", "--warmup", "0"}
	tests := []struct {
		name string
		args []string
		code int
		want func(*results.Results) bool // what the run must have written
	}{
		{name: "closed loop", args: append([]string{"--topology", "goroutine,subprocess", "--workers", "1,2"}, small...),
			want: func(r *results.Results) bool { return len(r.Cells) == 4 && r.Cells[2].Reps[0].NodeCPUNS != nil }},
		{name: "open loop", args: []string{"--topology", "goroutine", "--workers", "1", "--rate", "20k", "--duration", "100ms", "--repetitions", "2", "--warmup", "0"},
			want: func(r *results.Results) bool { return r.Cells[0].Summary.Load != nil && r.Cells[0].Reps[0].Load != nil }},
		{name: "baselines", args: append([]string{"--topology", "goroutine,subprocess", "--workers", "1", "--baselines"}, small...),
			want: func(r *results.Results) bool { return r.Cells[0].Baseline != nil && r.Cells[1].Baseline != nil }},
		{name: "capacity search", args: []string{"--topology", "goroutine", "--workers", "1", "--rate-steps", "--duration", "50ms", "--rate-max", "4000", "--warmup", "0"},
			want: func(r *results.Results) bool {
				return len(r.Capacity) == 1 && len(r.Capacity[0].Steps) > 0 && r.Plan.Search != nil
			}},
		{name: "redispatch", args: []string{"--nodes", failing, "--tasks", "4000", "--repetitions", "1", "--warmup", "0", "--on-node-failure", "redispatch"},
			want: func(r *results.Results) bool { return r.Cells[0].Reps[0].Redispatch != nil }},
		{name: "failed node", args: []string{"--nodes", failing, "--tasks", "4000", "--repetitions", "1", "--warmup", "0"}, code: 1,
			want: func(r *results.Results) bool { return r.Cells[0].Abort != nil && r.Incomplete }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"run", "--format", "csv", "--progress", "off", "--no-report", "-o", out}, tt.args...)
			if code, _, stderr := snbench(t, args...); code != tt.code {
				t.Fatalf("run: exit %d, want %d\n%s", code, tt.code, stderr)
			}
			b, err := os.ReadFile(filepath.Join(out, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := results.Parse("results.json", b)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.want(res) {
				t.Fatalf("results.json lacks what this run is here to check")
			}
			if err := validateJSON(t, sch, b); err != nil {
				t.Errorf("results.json does not match docs/results.schema.json: %v", err)
			}
		})
	}
	t.Run("not results", func(t *testing.T) {
		if validateJSON(t, sch, []byte(`{"schema": 2, "tool": "snbench", "cells": [{"status": "fine"}]}`)) == nil {
			t.Error("the schema accepts a file with no plan and a cell of unknown status")
		}
	})
}

// TestResultsSchemaEveryField fills every field of results.Results, down
// to the doctor's and the capacity search's, with a value that is not
// zero (so that no omitempty field is left out), and validates the JSON:
// a field added to bench/results and not to the schema fails here
// without a run that writes it. The same file with one unknown field
// must fail, so that the check can fail.
func TestResultsSchemaEveryField(t *testing.T) {
	t.Parallel()
	sch := resultsSchema(t)
	var r results.Results
	fillAll(t, reflect.ValueOf(&r).Elem(), "")
	b, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(t, sch, b); err != nil {
		t.Fatalf("every field filled: does not match docs/results.schema.json: %v\n%s", err, b)
	}
	for _, path := range [][]string{{}, {"cells", "summary"}, {"cells", "reps", "load"}, {"env", "doctor", "cpu"}, {"capacity", "steps"}} {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		obj := m
		for _, k := range path {
			switch v := obj[k].(type) {
			case []any:
				obj = v[0].(map[string]any)
			default:
				obj = v.(map[string]any)
			}
		}
		obj["unknown_field"] = 1
		bad, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if validateJSON(t, sch, bad) == nil {
			t.Errorf("the schema accepts an unknown field in %s: its objects should be closed", strings.Join(append([]string{"results"}, path...), "."))
		}
	}
}

// schemaStrings are the strings fillAll writes where the schema allows
// only some, by JSON name.
var schemaStrings = map[string]string{"tool": "snbench", "status": results.StatusOK, "dispatch": results.DispatchRoundRobin,
	"arrivals": results.ArrivalsPoisson, "on_node_failure": results.OnFailureRedispatch, "pass": "measured",
	"kind": results.ClaimCPU, "thin": "p999", "go_version": "go1.26.0", "stop": results.AutoPlateau}

// fillAll sets every exported field under v to a value that is not zero:
// one element per slice, a value per pointer, and for strings the value
// the schema allows where it names them (by JSON name).
func fillAll(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2026, 12, 1, 23, 0, 0, 1, time.UTC)))
		return
	case v.Type() == reflect.TypeFor[results.Hist]():
		v.SetBytes([]byte("HISTOGRAM"))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "" && !f.Anonymous {
				t.Fatalf("%s.%s has no JSON name", v.Type(), f.Name)
			}
			fillAll(t, v.Field(i), tag)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(t, v.Elem(), name)
	case reflect.Map:
		// One entry, keyed as the map's keys are: a topology, an option or
		// a unit, say.
		m := reflect.MakeMapWithSize(v.Type(), 1)
		e := reflect.New(v.Type().Elem()).Elem()
		fillAll(t, e, name)
		m.SetMapIndex(reflect.ValueOf("key").Convert(v.Type().Key()), e)
		v.Set(m)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(t, v.Index(0), name)
	case reflect.String:
		s, ok := schemaStrings[name]
		if !ok {
			s = "x"
		}
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		v.SetInt(2)
	case reflect.Uint64:
		v.SetUint(2)
	case reflect.Float64:
		v.SetFloat(0.5)
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("fillAll: %s (%s): no rule for %s", name, v.Type(), v.Kind())
	}
	if name == "schema" {
		v.SetInt(results.SchemaVersion)
	}
}

// goodNodes starts n in-process tcp nodes that serve tasks correctly, and
// returns their addresses; they stop when the test ends.
func goodNodes(t *testing.T, n int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &node.Server{Registry: workloads.DefaultRegistry(), Name: "good", Log: log.New(io.Discard, "", 0)}
		wg.Go(func() { _ = srv.Serve(ctx, ln) })
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs
}
