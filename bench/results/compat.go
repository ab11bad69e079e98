package results

import "encoding/json"

// legacyWarning is added to the run warnings of a results file of schema 1
// when it is read.
const legacyWarning = "results schema 1 (an older snbench): its closed-loop latency ran from after Fill to before verification, so it is shorter than this version's (submit to verified), and it has no window occupancy; compare its latencies with newer runs with care"

// migrateV1 rewrites a results file of schema 1 into the shape of the
// current schema: the latency histograms and percentiles, "latency" in
// every cell, its summary and its repetitions, are named "batch_latency"
// now. What it cannot read as objects and arrays it leaves alone, for the
// strict decoder to report; a key already renamed stays as it is.
func migrateV1(b []byte) []byte {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return b
	}
	var cells []map[string]json.RawMessage
	if err := json.Unmarshal(top["cells"], &cells); err != nil || cells == nil {
		return b
	}
	for _, c := range cells {
		renameLatency(c)
		c["summary"] = renamedIn(c["summary"])
		var reps []map[string]json.RawMessage
		if err := json.Unmarshal(c["reps"], &reps); err != nil || reps == nil {
			continue
		}
		for _, r := range reps {
			renameLatency(r)
		}
		c["reps"] = marshalOr(reps, c["reps"])
	}
	top["cells"] = marshalOr(cells, top["cells"])
	return marshalOr(top, b)
}

// renameLatency renames the key "latency" of obj to "batch_latency",
// unless that is there already.
func renameLatency(obj map[string]json.RawMessage) {
	v, ok := obj["latency"]
	if _, done := obj["batch_latency"]; !ok || done {
		return
	}
	delete(obj, "latency")
	obj["batch_latency"] = v
}

// renamedIn returns the JSON object raw with its "latency" key renamed,
// or raw itself when it is not an object.
func renamedIn(raw json.RawMessage) json.RawMessage {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return raw
	}
	renameLatency(obj)
	return marshalOr(obj, raw)
}

// marshalOr returns v as JSON, or def if it cannot be encoded.
func marshalOr[T any](v T, def []byte) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return def
	}
	return b
}
