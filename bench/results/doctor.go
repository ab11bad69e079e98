package results

import "time"

// Doctor is what `snbench doctor` measured on a machine: the figures that
// bound what runs there can resolve, the known-answer checks of the
// harness, and the plain-words verdicts derived from both. It is stored in
// Env.Doctor when `snbench run --doctor` ran it first. Every figure carries
// its one-line definition.
type Doctor struct {
	// Started is when the doctor began; ElapsedNS how long it took.
	Started   time.Time `json:"started"`
	ElapsedNS int64     `json:"elapsed_ns"`
	// CPU is the cores the harness can use and what limits them.
	CPU DoctorCPU `json:"cpu"`
	// ClockNS is the cost of one time.Now call, in ns.
	ClockNS DoctorFigure `json:"clock_ns"`
	// Wake is the timer wake-up error of each wait primitive measured.
	Wake []DoctorWake `json:"wake"`
	// Ceiling is the generator's ceiling at each batch size measured.
	Ceiling []DoctorCeiling `json:"ceiling"`
	// Checks are the known-answer checks, in the order they ran.
	Checks []DoctorCheck `json:"checks"`
	// Verdicts say in plain words what runs on this machine can and cannot
	// be trusted for; each follows from the figures above.
	Verdicts []string `json:"verdicts"`
}

// DoctorFigure is one measured number with its unit and definition.
type DoctorFigure struct {
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Definition string  `json:"definition"`
}

// DoctorCPU compares the cores with what the Go runtime and the cgroup
// allow.
type DoctorCPU struct {
	// Cores is runtime.NumCPU: the CPUs this process may run on.
	Cores int `json:"cores"`
	// GOMAXPROCS is the Go runtime's limit on goroutines running at once.
	GOMAXPROCS int `json:"gomaxprocs"`
	// QuotaCPUs is the cgroup CPU quota in CPUs (quota / period of
	// cpu.max); 0 when none limits the process.
	QuotaCPUs float64 `json:"quota_cpus,omitempty"`
	// Usable is the most CPUs a run can keep busy at once: the smallest of
	// Cores, GOMAXPROCS and QuotaCPUs (rounded down, at least 1).
	Usable int `json:"usable"`
	// Load1 is the 1-minute load average (/proc/loadavg) when the doctor
	// ran; 0 where unknown.
	Load1 float64 `json:"load1,omitempty"`
	// Warnings say where the limits disagree.
	Warnings []string `json:"warnings,omitempty"`
}

// DoctorWake is the wake-up error of one wait primitive: how late a
// Samples-long series of waits of RequestedNS each returned.
type DoctorWake struct {
	// Primitive names the wait measured, e.g. "workloads.Sleep".
	Primitive   string `json:"primitive"`
	RequestedNS int64  `json:"requested_ns"`
	Samples     int    `json:"samples"`
	// P50NS and P99NS are nearest-rank percentiles of the lateness
	// (elapsed minus requested), in ns.
	P50NS      int64  `json:"p50_ns"`
	P99NS      int64  `json:"p99_ns"`
	Definition string `json:"definition"`
}

// DoctorCeiling is the highest open-loop rate the generator held at one
// batch size.
type DoctorCeiling struct {
	Batch int `json:"batch"`
	// Held is the highest offered rate (tasks/s) whose cell was not flagged
	// unreliable; 0 when even the first step was. Failed is the lowest
	// offered rate that was flagged (0 when none was, up to the search's
	// maximum).
	Held   int `json:"held"`
	Failed int `json:"failed,omitempty"`
	// Steps are the rates tried, in order.
	Steps      []DoctorStep `json:"steps"`
	Definition string       `json:"definition"`
}

// DoctorStep is one rate of a ceiling search.
type DoctorStep struct {
	Offered  int     `json:"offered"`
	Achieved float64 `json:"achieved"`
	LagP99NS int64   `json:"lag_p99_ns"`
	Held     bool    `json:"held"`
	// Tries is how many cells ran at this rate: a flagged one is run once
	// more, so that one hiccup of a busy machine does not set the ceiling.
	// The figures are the last try's.
	Tries int `json:"tries"`
	// Reason is the cell's unreliable warning when it did not hold.
	Reason string `json:"reason,omitempty"`
}

// DoctorCheck is one known-answer check: a figure the harness measured
// (Got) against the answer known in advance (Want), with the tolerance it
// must fall within.
type DoctorCheck struct {
	Name string `json:"name"`
	Pass bool   `json:"pass"`
	// Parts are the comparisons the check makes; it passes when all do.
	Parts []DoctorPart `json:"parts"`
	// Tries is how many times the check ran (a failed check is run again,
	// up to a limit, on a busy machine); the parts are the last try's.
	Tries      int    `json:"tries"`
	Definition string `json:"definition"`
}

// DoctorPart is one comparison of a known-answer check.
type DoctorPart struct {
	// Figure names what was compared, e.g. "service p50".
	Figure string  `json:"figure"`
	Unit   string  `json:"unit"`
	Got    float64 `json:"got"`
	Want   float64 `json:"want"`
	// Lo and Hi bound the values that pass.
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	Pass bool    `json:"pass"`
}

// Failed returns the checks that did not pass.
func (d *Doctor) Failed() []DoctorCheck {
	var out []DoctorCheck
	for _, c := range d.Checks {
		if !c.Pass {
			out = append(out, c)
		}
	}
	return out
}
