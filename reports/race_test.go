//go:build race

package reports

// raceEnabled is true under the race detector, where rendering a PNG
// takes about a second: tests then render fewer of them.
const raceEnabled = true
