package results

// Claim is what a node claimed that contradicted what the coordinator
// measured, or could not be true, in one repetition: the claims were
// ignored (not recorded as service time, CPU or memory), and the node is
// named.
type Claim struct {
	// Node names the node, with its pid or address.
	Node string `json:"node"`
	// Kind is ClaimService, ClaimCPU or ClaimRSS.
	Kind string `json:"kind"`
	// Batches and Tasks count, for ClaimService, the batches whose claimed
	// service time was ignored and their tasks.
	Batches int64 `json:"batches,omitempty"`
	Tasks   int64 `json:"tasks,omitempty"`
	// Detail is the warning line: the claim, what the coordinator
	// measured, and what was ignored.
	Detail string `json:"detail"`
}

// Kinds of claims a node makes.
const (
	// ClaimService is a batch's service time: it cannot be negative or
	// longer than the batch's round trip as the coordinator measured it.
	ClaimService = "service"
	// ClaimCPU is a node process's CPU time: it cannot be negative, go
	// down, or grow faster than the node's cores allow.
	ClaimCPU = "cpu"
	// ClaimRSS is a node process's peak resident memory: it cannot be
	// negative, go down, or exceed the machine's memory.
	ClaimRSS = "rss"
)
