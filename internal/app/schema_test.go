package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestResultsSchema validates the results.json of a real run against
// docs/results.schema.json, and checks that the schema rejects a file
// that is not results (so that the check can fail).
func TestResultsSchema(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "docs", "results.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, _, stderr := snbench(t, "run", "--topology", "goroutine,subprocess", "--workers", "1,2", "--tasks", "2000",
		"--repetitions", "2", "--warmup", "0", "--format", "csv", "--progress", "off", "--no-report", "-o", out)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("results.json does not match docs/results.schema.json: %v", err)
	}
	bad, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"schema": 2, "tool": "snbench", "cells": [{"status": "fine"}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(bad); err == nil {
		t.Error("the schema accepts a file with no plan and a cell of unknown status")
	}
}
