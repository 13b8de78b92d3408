package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestIndonesianHelpHasNoCobraEnglish walks every command's help in
// Indonesian and looks for the English that cobra and pflag write
// themselves: the usage line's "[flags]", "(default ...)" and value
// type names.
func TestIndonesianHelpHasNoCobraEnglish(t *testing.T) {
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: &out, configPath: "keluhan.yaml", env: func(string) string { return "" }, p: printer{lang: "id"}}
	root := a.rootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		var help bytes.Buffer
		c.SetOut(&help)
		if err := c.Usage(); err != nil {
			t.Fatalf("%s: Usage() error: %v", c.CommandPath(), err)
		}
		text := help.String()
		for _, english := range []string{"[flags]", "(default ", " string ", " stringArray ", " int ", " duration "} {
			if strings.Contains(text, english) {
				t.Errorf("%s help contains %q:\n%s", c.CommandPath(), english, text)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
