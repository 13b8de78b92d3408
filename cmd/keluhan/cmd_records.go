package main

import (
	"context"

	"github.com/spf13/cobra"
)

// addRecordCommands adds the record-keeping commands: report, export,
// import and purge.
func (a *app) addRecordCommands(root *cobra.Command) {}

func (a *app) ticketOpenCommand() *cobra.Command {
	return a.newCommand("open", text{"buka tiket dari telepon, WhatsApp atau loket", "open a ticket from telephone, WhatsApp or the counter"})
}

// runReports sends the weekly digest and the monthly report when due.
func (d *daemon) runReports(ctx context.Context) {}
