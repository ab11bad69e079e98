package app

import (
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/snbench/snbench/reports"
)

// tableOut returns where a command prints its tables in format: for the
// terminal table, a writer that fits it to the terminal's width (COLUMNS
// when set, else the width of stdout when it is a terminal), unless wide;
// otherwise stdout itself.
func (a *app) tableOut(format string, wide bool) io.Writer {
	if format != reports.FormatTerminal || wide {
		return a.stdout
	}
	return reports.FitTo(a.stdout, a.width())
}

// width is the terminal's width in columns, or 0 when unknown (stdout is
// not a terminal and COLUMNS is unset): no limit.
func (a *app) width() int {
	if n, err := strconv.Atoi(strings.TrimSpace(a.getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if f, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 0
}

// getenv is os.Getenv, or the test's environment.
func (a *app) getenv(key string) string {
	if a.env != nil {
		return a.env(key)
	}
	return os.Getenv(key)
}

// wideUsage is the help of --wide.
const wideUsage = "print every column of the table; by default a table wider than the terminal (COLUMNS, or the terminal's width) leaves out the least telling columns and says which"
