package main

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	tests := []struct {
		name        string
		lines       []string
		failOnSkip  bool
		wantOK      bool
		wantSummary string
		wantPrinted []string
		wantHidden  []string
	}{
		{
			name: "all pass",
			lines: []string{
				`{"Action":"start","Package":"p"}`,
				`{"Action":"run","Package":"p","Test":"TestA"}`,
				`{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}`,
				`{"Action":"output","Package":"p","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}`,
				`{"Action":"pass","Package":"p","Test":"TestA"}`,
				`{"Action":"output","Package":"p","Output":"PASS\n"}`,
				`{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}`,
				`{"Action":"pass","Package":"p"}`,
			},
			wantOK:      true,
			wantSummary: "tests: 1 passed, 0 failed, 0 skipped",
			wantPrinted: []string{"ok  \tp\t0.01s"},
			wantHidden:  []string{"=== RUN   TestA", "PASS\n"},
		},
		{
			name: "failed subtest prints its output",
			lines: []string{
				`{"Action":"run","Package":"p","Test":"TestA/case"}`,
				`{"Action":"output","Package":"p","Test":"TestA/case","Output":"    a_test.go:9: Parse(x) = 1, want 2\n"}`,
				`{"Action":"fail","Package":"p","Test":"TestA/case"}`,
				`{"Action":"fail","Package":"p","Test":"TestA"}`,
				`{"Action":"fail","Package":"p"}`,
			},
			wantOK:      false,
			wantSummary: "tests: 0 passed, 2 failed, 0 skipped",
			wantPrinted: []string{"Parse(x) = 1, want 2"},
			wantHidden:  []string{"broken packages"},
		},
		{
			name: "skip allowed",
			lines: []string{
				`{"Action":"output","Package":"p","Test":"TestIT","Output":"    it_test.go:5: set KELUHAN_IT=1\n"}`,
				`{"Action":"skip","Package":"p","Test":"TestIT"}`,
			},
			wantOK:      true,
			wantSummary: "tests: 0 passed, 0 failed, 1 skipped",
			wantPrinted: []string{"set KELUHAN_IT=1"},
		},
		{
			name: "skip fails the run with its name",
			lines: []string{
				`{"Action":"skip","Package":"p","Test":"TestIT"}`,
				`{"Action":"skip","Package":"q"}`,
			},
			failOnSkip:  true,
			wantOK:      false,
			wantSummary: "tests: 0 passed, 0 failed, 1 skipped",
			wantPrinted: []string{"p.TestIT"},
		},
		{
			name: "build failure",
			lines: []string{
				`{"ImportPath":"p [p.test]","Action":"build-output","Output":"p/a.go:3:1: syntax error\n"}`,
				`{"ImportPath":"p [p.test]","Action":"build-fail"}`,
				`{"Action":"fail","Package":"p","FailedBuild":"p [p.test]"}`,
			},
			wantOK:      false,
			wantSummary: "tests: 0 passed, 0 failed, 0 skipped",
			wantPrinted: []string{"syntax error", "broken packages (build failure or failure outside a test): p"},
		},
		{
			name: "panic in TestMain",
			lines: []string{
				`{"Action":"output","Package":"p","Output":"panic: no config\n"}`,
				`{"Action":"fail","Package":"p"}`,
			},
			wantOK:      false,
			wantSummary: "tests: 0 passed, 0 failed, 0 skipped",
			wantPrinted: []string{"panic: no config", "broken packages"},
		},
		{
			name:        "plain text passes through",
			lines:       []string{"go: no packages to test", "{not json"},
			wantOK:      true,
			wantSummary: "tests: 0 passed, 0 failed, 0 skipped",
			wantPrinted: []string{"go: no packages to test\n", "{not json\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			report := NewReport(&out, false)
			for _, line := range tt.lines {
				report.AddLine([]byte(line + "\n"))
			}

			ok := report.Finish(tt.failOnSkip)
			printed := out.String()
			if ok != tt.wantOK {
				t.Errorf("Finish(%v) = %v, want %v; output:\n%s", tt.failOnSkip, ok, tt.wantOK, printed)
			}
			if !strings.HasSuffix(printed, "\n"+tt.wantSummary+"\n") {
				t.Errorf("last line = %q, want %q", lastLine(printed), tt.wantSummary)
			}
			for _, want := range tt.wantPrinted {
				if !strings.Contains(printed, want) {
					t.Errorf("output = %q, want it to contain %q", printed, want)
				}
			}
			for _, hidden := range tt.wantHidden {
				if strings.Contains(printed, hidden) {
					t.Errorf("output = %q, want no %q", printed, hidden)
				}
			}
		})
	}
}

func TestReportVerbose(t *testing.T) {
	var out strings.Builder
	report := NewReport(&out, true)
	report.AddLine([]byte(`{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}` + "\n"))
	report.AddLine([]byte(`{"Action":"pass","Package":"p","Test":"TestA"}` + "\n"))

	if got := out.String(); got != "=== RUN   TestA\n" {
		t.Errorf("verbose output = %q, want %q", got, "=== RUN   TestA\n")
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
