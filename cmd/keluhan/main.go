// Command keluhan runs a service desk's complaint procedure over email.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	_ = args // replaced by the command tree
	return 0
}
