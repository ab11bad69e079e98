package bench

import (
	"fmt"
	"runtime"
	"time"

	"github.com/snbench/snbench/bench/results"
	"github.com/snbench/snbench/topologies"
)

// A node's claims are checked where the coordinator receives them, against
// what it measured itself: a batch's service time (the node's own clock)
// against the batch's round trip (the coordinator's), a node process's CPU
// and peak memory against the wall time between the two stats requests and
// the machine. A claim that cannot be true is not recorded; the node is
// named in the repetition's Claims and the cell's warnings.

// serviceSlack is what a claimed service time may exceed the round trip
// by, for two clocks' granularity: 1/64 of the round trip plus 50 µs.
const serviceSlack = 50 * time.Microsecond

// Bounds on what a node process can use, where the coordinator cannot know
// its machine (a node it did not start): cores and memory.
const (
	remoteCores    = 1024
	remoteMaxRSSKB = 64 << 30 // 64 TiB
)

// serviceClaims counts one driver's service claims that were ignored.
type serviceClaims struct {
	batches, tasks int64
	svc, rt        time.Duration // the first such claim, and its round trip
}

// recordService records a batch's claimed service time svc, of n tasks,
// whose round trip the coordinator measured as rt; a claim that cannot be
// true (negative, or longer than the round trip it is part of) is counted
// instead. The hot path is two compares.
func (d *driver) recordService(rt, svc time.Duration, n int64) {
	if svc >= 0 && svc <= rt+rt/64+serviceSlack {
		results.Record(d.svc, svc, n)
		return
	}
	c := &d.claims
	if c.batches == 0 {
		c.svc, c.rt = svc, rt
	}
	c.batches++
	c.tasks += n
}

// serviceClaimsOf returns the drivers' ignored service claims, one per
// node that made any.
func serviceClaimsOf(drivers []*driver) []results.Claim {
	var out []results.Claim
	for _, d := range drivers {
		c := d.claims
		if c.batches == 0 {
			continue
		}
		out = append(out, results.Claim{Node: d.name, Kind: results.ClaimService, Batches: c.batches, Tasks: c.tasks,
			Detail: fmt.Sprintf("node %s: claimed service time %s for a batch whose round trip was %v: claims ignored (%d batches, %d tasks, claimed a negative time or more than their round trip)",
				d.name, claimedNS(c.svc), c.rt, c.batches, c.tasks)})
	}
	return out
}

// claimedNS formats a claimed duration: as a duration when it is one a
// person would read, in ns otherwise (9.22e+18 ns).
func claimedNS(d time.Duration) string {
	if d < 0 || d > 24*time.Hour {
		return fmt.Sprintf("%.3g ns", float64(d))
	}
	return d.String()
}

// nodeUse sums the CPU and takes the largest peak RSS of the nodes that
// answered both stats requests, elapsed apart, believing only what can be
// true: a node whose CPU or RSS is negative, went down, or exceeds what
// its cores in elapsed or its machine's memory allow is left out, with a
// claim naming it. cpu is nil when no node's CPU was believed.
func nodeUse(links []topologies.Link, before, after []topologies.NodeStats, had, have []bool, elapsed time.Duration, memKB int64) (cpu *int64, rssKB int64, claims []results.Claim) {
	var sum time.Duration
	believed := 0
	for i := range after {
		if !had[i] || !have[i] {
			continue
		}
		info := links[i].Info()
		cores, maxKB := int64(remoteCores), int64(remoteMaxRSSKB)
		if info.Local { // a process the topology started on this machine
			cores, maxKB = int64(runtime.NumCPU()), memKB
		}
		b, a := before[i], after[i]
		name := info.String()
		used := a.CPU - b.CPU
		switch {
		case b.CPU < 0 || a.CPU < 0:
			claims = append(claims, useClaim(name, results.ClaimCPU, "claimed a negative CPU time (%v, then %v): CPU ignored", b.CPU, a.CPU))
		case used < 0:
			claims = append(claims, useClaim(name, results.ClaimCPU, "claimed its CPU time went down, from %v to %v: CPU ignored", b.CPU, a.CPU))
		case used > elapsed*time.Duration(cores)+10*time.Millisecond:
			claims = append(claims, useClaim(name, results.ClaimCPU, "claimed %v of CPU in %v, more than %d cores can use: CPU ignored", used, elapsed.Round(time.Millisecond), cores))
		default:
			sum += used
			believed++
		}
		switch {
		case b.MaxRSSKB < 0 || a.MaxRSSKB < 0:
			claims = append(claims, useClaim(name, results.ClaimRSS, "claimed a negative peak RSS (%d KiB, then %d KiB): RSS ignored", b.MaxRSSKB, a.MaxRSSKB))
		case a.MaxRSSKB < b.MaxRSSKB:
			claims = append(claims, useClaim(name, results.ClaimRSS, "claimed its peak RSS went down, from %d KiB to %d KiB: RSS ignored", b.MaxRSSKB, a.MaxRSSKB))
		case maxKB > 0 && a.MaxRSSKB > maxKB:
			claims = append(claims, useClaim(name, results.ClaimRSS, "claimed a peak RSS of %d KiB, more than the machine's %d KiB: RSS ignored", a.MaxRSSKB, maxKB))
		default:
			rssKB = max(rssKB, a.MaxRSSKB)
		}
	}
	if believed > 0 {
		ns := int64(sum)
		cpu = &ns
	}
	return cpu, rssKB, claims
}

func useClaim(node, kind, format string, args ...any) results.Claim {
	return results.Claim{Node: node, Kind: kind, Detail: fmt.Sprintf("node %s: "+format, append([]any{node}, args...)...)}
}

// noteClaims adds a warning to c for each claim rep ignored.
func noteClaims(c *results.Cell, rep *results.Rep) {
	for _, cl := range rep.Claims {
		c.Warnings = append(c.Warnings, fmt.Sprintf("claims in round %d: %s", rep.Round+1, cl.Detail))
	}
}

// machineMemKB returns the machine's memory in KiB (MemTotal), or 0 when
// it cannot be read.
func machineMemKB() int64 {
	kb, err := machineSources().fileKB("meminfo", "MemTotal")
	if err != nil {
		return 0
	}
	return kb
}
