package main

import (
	"github.com/spf13/cobra"
)

// addRecordCommands adds the record-keeping commands: report, export,
// import and purge.
func (a *app) addRecordCommands(root *cobra.Command) {
	root.AddCommand(a.reportCommand(), a.exportCommand(), a.importCommand(), a.purgeCommand())
}
