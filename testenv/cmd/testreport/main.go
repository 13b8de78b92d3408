// Command testreport reads the output of "go test -json" on standard input
// and prints it as go test's text output, followed by a summary line such
// as "tests: 41 passed, 0 failed, 0 skipped". It exits with status 1 when
// a test or a build failed, or, with -fail-on-skip, when a test skipped.
// Lines that are not JSON events, such as go command errors, are printed
// as they are. testenv/test.sh pipes every go test run through it.
//
// Without -v it prints package results, build errors and the output of
// failed and skipped tests; with -v it prints everything, as go test -v.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	verbose := flag.Bool("v", false, "print the output of every test, as go test -v")
	failOnSkip := flag.Bool("fail-on-skip", false, "exit with status 1 when any test skipped")
	flag.Parse()

	report := NewReport(os.Stdout, *verbose)
	if err := readLines(os.Stdin, report.AddLine); err != nil {
		fmt.Fprintf(os.Stderr, "testreport: read go test output: %v\n", err)
		os.Exit(1)
	}

	if !report.Finish(*failOnSkip) {
		os.Exit(1)
	}
}

// readLines calls add with each line of r, without its newline.
func readLines(r io.Reader, add func([]byte)) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			add(line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
