// Package cli holds the flag value types snbench's commands share: scale
// lists ("1,2,4,8", "1..64x2") and name lists.
package cli
