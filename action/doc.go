// Package action holds the tests of snbench's GitHub Action: action.yml at
// the repository root, whose shell steps live in steps.sh here.
// TestActionSteps runs those steps, as action.yml wires them, against a
// fake GitHub: a pull request and a push of a small Go project that is not
// snbench, an event file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a
// bare repository as origin, and a stub of the issue comments API.
// TestLint runs actionlint over action.yml and every workflow.
package action
