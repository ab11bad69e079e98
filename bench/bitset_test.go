package bench

import "testing"

// TestBitsetSetAll checks the word-at-a-time path for consecutive ids
// against setting ids one by one.
func TestBitsetSetAll(t *testing.T) {
	seq := func(from, n uint64) []uint64 {
		ids := make([]uint64, n)
		for i := range ids {
			ids[i] = from + uint64(i)
		}
		return ids
	}
	tests := []struct {
		name    string
		before  [][]uint64
		ids     []uint64
		wantDup int64
	}{
		{"within a word", nil, seq(3, 10), 0},
		{"across words", nil, seq(60, 70), 0},
		{"whole words", nil, seq(64, 128), 0},
		{"overlap", [][]uint64{seq(100, 10)}, seq(95, 20), 10},
		{"one id already set", [][]uint64{{130}}, seq(128, 64), 1},
		{"past the end", nil, seq(250, 10), 4},
		{"not consecutive", [][]uint64{{7}}, []uint64{9, 7, 8, 10}, 1},
		{"same span, shuffled", nil, []uint64{0, 5, 2, 3, 4, 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fast, slow := newBitset(256), newBitset(256)
			for _, ids := range tt.before {
				fast.setAll(ids)
				for _, id := range ids {
					slow.set(id)
				}
			}
			var slowDup int64
			for _, id := range tt.ids {
				if !slow.set(id) {
					slowDup++
				}
			}
			if dup := fast.setAll(tt.ids); dup != tt.wantDup || dup != slowDup {
				t.Fatalf("setAll = %d duplicates, one by one %d, want %d", dup, slowDup, tt.wantDup)
			}
			for i := range fast {
				if fast[i] != slow[i] {
					t.Fatalf("word %d: %064b, want %064b", i, fast[i], slow[i])
				}
			}
		})
	}
}
