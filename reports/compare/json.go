package compare

import "math"

// JSONSchemaVersion is the version of compare's JSON output (the
// "schema" field); it rises when a field changes meaning or goes away.
const JSONSchemaVersion = 1

// jsonReport is Report as JSON: NaN and infinities become null.
type jsonReport struct {
	Schema       int         `json:"schema"`
	Tool         string      `json:"tool"`
	Old          string      `json:"old"`
	New          string      `json:"new"`
	Alpha        float64     `json:"alpha"`
	Confidence   float64     `json:"confidence"`
	Threshold    float64     `json:"threshold"`
	Tests        int         `json:"tests"`
	Regressions  int         `json:"regressions"`
	Improvements int         `json:"improvements"`
	Tables       []jsonTable `json:"tables"`
	Warnings     []string    `json:"warnings,omitempty"`
}

type jsonTable struct {
	Unit      string    `json:"unit"`
	Better    int       `json:"better"`
	Threshold float64   `json:"threshold"`
	Rows      []jsonRow `json:"rows"`
	Geomean   *jsonRow  `json:"geomean,omitempty"`
}

type jsonRow struct {
	Name     string     `json:"name"`
	Old      jsonCenter `json:"old"`
	New      jsonCenter `json:"new"`
	Change   *float64   `json:"change"`
	ChangeLo *float64   `json:"change_lo"`
	ChangeHi *float64   `json:"change_hi"`
	Method   string     `json:"method,omitempty"`
	P        *float64   `json:"p,omitempty"`
	PAdj     *float64   `json:"p_holm,omitempty"`
	Verdict  string     `json:"verdict,omitempty"`
}

type jsonCenter struct {
	Value *float64 `json:"value"`
	Lo    *float64 `json:"lo"`
	Hi    *float64 `json:"hi"`
	N     int      `json:"n"`
}

func num(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func (r *Report) jsonView() jsonReport {
	j := jsonReport{Schema: JSONSchemaVersion, Tool: "snbench compare", Old: r.Old, New: r.New, Alpha: r.Alpha, Confidence: r.Confidence, Threshold: r.Threshold,
		Tests: r.Tests, Regressions: r.Regressions, Improvements: r.Improvements, Warnings: r.Warnings,
		Tables: []jsonTable{}}
	row := func(x *Row) jsonRow {
		c := func(c Center) jsonCenter {
			return jsonCenter{Value: num(c.Value), Lo: num(c.Lo), Hi: num(c.Hi), N: c.N}
		}
		return jsonRow{Name: x.Name, Old: c(x.Old), New: c(x.New), Change: num(x.Change), ChangeLo: num(x.ChangeLo),
			ChangeHi: num(x.ChangeHi), Method: x.Method, P: num(x.P), PAdj: num(x.PAdj), Verdict: x.Verdict}
	}
	for _, t := range r.Tables {
		jt := jsonTable{Unit: t.Unit, Better: t.Better, Threshold: t.Threshold}
		for _, x := range t.Rows {
			jt.Rows = append(jt.Rows, row(x))
		}
		if t.Geomean != nil {
			g := row(t.Geomean)
			jt.Geomean = &g
		}
		j.Tables = append(j.Tables, jt)
	}
	return j
}
