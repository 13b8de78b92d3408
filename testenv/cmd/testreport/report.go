package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// event is one line of "go test -json" output: a test event (go doc
// cmd/test2json) or a build event (go help buildjson).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	FailedBuild string
}

// Report counts test results and prints test output as events arrive. It
// is not safe for concurrent use.
type Report struct {
	out     io.Writer
	verbose bool

	passed, failed int
	skipped        []string
	// failedIn marks the packages in which a test failed.
	failedIn map[string]bool
	// testOutput holds the output of each running test, by package and
	// test name, until the test ends.
	testOutput map[string]*strings.Builder
	// brokenPackages are packages that failed to build or failed outside
	// any test, such as a panic in TestMain.
	brokenPackages []string
}

// NewReport returns a Report that prints to out; verbose prints the output
// of every test instead of only failed and skipped ones.
func NewReport(out io.Writer, verbose bool) *Report {
	return &Report{
		out:        out,
		verbose:    verbose,
		failedIn:   make(map[string]bool),
		testOutput: make(map[string]*strings.Builder),
	}
}

// AddLine processes one line of go test -json output, newline included.
func (r *Report) AddLine(line []byte) {
	var ev event
	if !bytes.HasPrefix(line, []byte("{")) || json.Unmarshal(line, &ev) != nil || ev.Action == "" {
		r.print(string(line))
		return
	}

	switch {
	case ev.Action == "build-output":
		r.print(ev.Output)
	case ev.Test == "":
		r.addPackageEvent(ev)
	default:
		r.addTestEvent(ev)
	}
}

// Finish prints the tests that skipped, when failOnSkip is set, and the
// summary line, and reports whether the run succeeded.
func (r *Report) Finish(failOnSkip bool) bool {
	ok := r.failed == 0 && len(r.brokenPackages) == 0
	if len(r.brokenPackages) > 0 {
		r.print(fmt.Sprintf("\nbroken packages (build failure or failure outside a test): %s\n",
			strings.Join(r.brokenPackages, ", ")))
	}
	if failOnSkip && len(r.skipped) > 0 {
		ok = false
		r.print(fmt.Sprintf("\n%d tests skipped, but integration tests must all run here:\n  %s\n",
			len(r.skipped), strings.Join(r.skipped, "\n  ")))
	}

	r.print(fmt.Sprintf("\ntests: %d passed, %d failed, %d skipped\n", r.passed, r.failed, len(r.skipped)))
	return ok
}

func (r *Report) addPackageEvent(ev event) {
	switch ev.Action {
	case "output":
		// The test binary runs in -v mode under -json, so it prints a
		// closing PASS line that duplicates the "ok" line.
		if r.verbose || ev.Output != "PASS\n" {
			r.print(ev.Output)
		}
	case "fail":
		r.markBroken(ev)
	}
}

// markBroken records a failed package whose failure no failed test
// explains. A build failure is reported this way too, with FailedBuild set.
func (r *Report) markBroken(ev event) {
	if r.failedIn[ev.Package] && ev.FailedBuild == "" {
		return
	}
	if !slices.Contains(r.brokenPackages, ev.Package) {
		r.brokenPackages = append(r.brokenPackages, ev.Package)
	}
}

func (r *Report) addTestEvent(ev event) {
	key := ev.Package + " " + ev.Test
	switch ev.Action {
	case "output":
		r.addTestOutput(key, ev.Output)
	case "pass":
		r.passed++
		r.endTest(key, false)
	case "fail":
		r.failed++
		r.failedIn[ev.Package] = true
		r.endTest(key, true)
	case "skip":
		r.skipped = append(r.skipped, ev.Package+"."+ev.Test)
		r.endTest(key, true)
	}
}

func (r *Report) addTestOutput(key, output string) {
	if r.verbose {
		r.print(output)
		return
	}

	buf, ok := r.testOutput[key]
	if !ok {
		buf = &strings.Builder{}
		r.testOutput[key] = buf
	}
	buf.WriteString(output)
}

// endTest prints the buffered output of a test when show is set, and drops
// it.
func (r *Report) endTest(key string, show bool) {
	if buf, ok := r.testOutput[key]; ok && show {
		r.print(buf.String())
	}
	delete(r.testOutput, key)
}

func (r *Report) print(s string) {
	// Nothing useful can be done when the terminal or pipe is gone.
	_, _ = io.WriteString(r.out, s)
}
