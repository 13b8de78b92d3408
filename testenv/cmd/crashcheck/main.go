// Command crashcheck checks keluhan's store and the recipients' mailboxes
// after testenv/crash.sh has delivered a generated set of emails while
// killing keluhan many times. It compares them with the ground truth that
// mailgen wrote:
//
//   - every generated message is stored once and processed, duplicates
//     included;
//   - there is one ticket per distinct complaint, and every reply is on
//     its complaint's ticket;
//   - every outbox row is sent, each ticket has one acknowledgment row,
//     and each ticket's acknowledgment arrived in its requester's mailbox
//     exactly once, found by the ticket tag in its subject;
//   - no email arrived twice. A second copy of a row that keluhan claimed
//     more than once comes from the window between the SMTP server's
//     acceptance and the row's "sent" mark; it is reported, and counts as
//     a violation only with -strict.
//
// It prints the figures and exits with status 1 on any violation. The
// store is the embedded FerretDB in keluhan's data_dir, opened with
// store.Open, so no keluhan may be running on it. Mailboxes are read
// over IMAP without TLS with the test servers' passwords, "<local
// part>-pass".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// maxListed caps the violations printed per check; the rest are
// counted.
const maxListed = 5

// The checks, in the order they are reported.
const (
	checkStored     = "every email stored once and processed"
	checkTicketSet  = "one ticket per distinct complaint"
	checkReplies    = "replies on their complaint's ticket"
	checkOutboxSent = "every outbox row sent"
	checkAckRows    = "one acknowledgment row per ticket"
	checkDelivered  = "every sent email delivered"
	checkAcks       = "one acknowledgment delivered per ticket tag"
	checkDuplicates = "no email delivered twice"
)

var checks = []string{
	checkStored, checkTicketSet, checkReplies, checkOutboxSent,
	checkAckRows, checkDelivered, checkAcks, checkDuplicates,
}

type config struct {
	dataDir      string
	truthPath    string
	imapAddr     string
	deliveryWait time.Duration
	strict       bool
	kills        int
	elapsed      time.Duration
}

// figures are the counts the check prints.
type figures struct {
	messagesStored   int
	tickets          int
	numberGaps       int
	outbox           map[workflow.OutboxStatus]int
	acksSent         int
	acksDelivered    int
	mailsDelivered   int
	windowDuplicates int
	// windowAckDuplicates is the part of windowDuplicates that are
	// acknowledgments.
	windowAckDuplicates int
	otherDuplicates     int
}

// checker runs the checks and collects violations.
type checker struct {
	cfg   config
	truth *truth
	msgs  []truthMessage
	view  *storeView
	fig   figures
	// violations lists the failures of each check.
	violations map[string][]string
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "crashcheck: %v\n", err)
		os.Exit(2)
	}
	ok, err := run(cfg, os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crashcheck: %v\n", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("crashcheck", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.dataDir, "data-dir", "", "keluhan's data_dir with the embedded store (required)")
	fs.StringVar(&cfg.truthPath, "truth", "", "truth.json that mailgen generate wrote (required)")
	fs.StringVar(&cfg.imapAddr, "imap", "127.0.0.1:1143", "host:port of the test IMAP server (no TLS)")
	fs.DurationVar(&cfg.deliveryWait, "delivery-wait", time.Minute, "how long to wait for sent emails to reach the mailboxes")
	fs.BoolVar(&cfg.strict, "strict", false, "count duplicates from the crash window between SMTP acceptance and the sent mark as violations")
	fs.IntVar(&cfg.kills, "kills", 0, "number of SIGKILLs during the run, for the report")
	fs.DurationVar(&cfg.elapsed, "elapsed", 0, "duration of the run, for the report")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.dataDir == "" || cfg.truthPath == "" {
		return cfg, fmt.Errorf("missing -data-dir or -truth")
	}
	return cfg, nil
}

// run checks and prints; it returns false when a check failed, and an
// error when the check itself could not run.
func run(cfg config, out io.Writer) (bool, error) {
	t, msgs, err := readTruth(cfg.truthPath)
	if err != nil {
		return false, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	view, err := readStore(context.Background(), cfg.dataDir, log)
	if err != nil {
		return false, err
	}

	c := &checker{
		cfg: cfg, truth: t, msgs: msgs, view: view,
		fig:        figures{outbox: map[workflow.OutboxStatus]int{}},
		violations: map[string][]string{},
	}
	ticketOf := c.checkMessages()
	c.checkTickets(ticketOf)
	c.checkOutbox()

	mail, err := readMailboxes(cfg.imapAddr, view.outbox, cfg.deliveryWait)
	if err != nil {
		return false, err
	}
	c.checkDelivery(mail)

	c.print(out)
	return len(c.violations) == 0, nil
}

func (c *checker) violate(check, format string, args ...any) {
	c.violations[check] = append(c.violations[check], fmt.Sprintf(format, args...))
}

// windowTolerated reports whether duplicates from the crash window are
// allowed.
func (c *checker) windowTolerated() bool {
	return !c.cfg.strict
}

func (c *checker) print(out io.Writer) {
	t, f := c.truth, c.fig
	rows := [][2]string{
		{"emails delivered", fmt.Sprint(t.Emails)},
		{"distinct complaints", fmt.Sprint(t.Complaints)},
		{"replies", fmt.Sprint(t.Replies)},
		{"duplicate deliveries", fmt.Sprint(t.Duplicates)},
		{"kills (SIGKILL)", fmt.Sprint(c.cfg.kills)},
		{"messages stored", fmt.Sprintf("%d of %d distinct", f.messagesStored, len(c.msgs))},
		{"tickets", fmt.Sprintf("%d (ticket number gaps: %d)", f.tickets, f.numberGaps)},
		{"outbox rows", outboxSummary(f.outbox)},
		{"acks sent", fmt.Sprint(f.acksSent)},
		{"acks delivered", fmt.Sprint(f.acksDelivered)},
		{"emails delivered by keluhan", fmt.Sprintf("%d distinct Message-IDs", f.mailsDelivered)},
		{"duplicates delivered", fmt.Sprintf("%d (crash window: %d, other: %d)", f.windowDuplicates+f.otherDuplicates, f.windowDuplicates, f.otherDuplicates)},
		{"elapsed", c.cfg.elapsed.Round(100 * time.Millisecond).String()},
	}
	for _, r := range rows {
		fmt.Fprintf(out, "crashcheck: %-28s %s\n", r[0]+":", r[1])
	}

	failed := 0
	for _, check := range checks {
		list := c.violations[check]
		if len(list) == 0 {
			fmt.Fprintf(out, "crashcheck: ok   %s%s\n", check, c.tolerated(check))
			continue
		}
		failed++
		fmt.Fprintf(out, "crashcheck: FAIL %s: %d violations\n", check, len(list))
		for _, v := range list[:min(len(list), maxListed)] {
			fmt.Fprintf(out, "crashcheck:        %s\n", v)
		}
		if len(list) > maxListed {
			fmt.Fprintf(out, "crashcheck:        ... and %d more\n", len(list)-maxListed)
		}
	}
	if failed == 0 {
		fmt.Fprintln(out, "crashcheck: PASS")
	} else {
		fmt.Fprintf(out, "crashcheck: FAIL: %d of %d checks failed\n", failed, len(checks))
	}
}

// tolerated returns a note for a check that passed only because
// duplicates from the crash window are allowed without -strict.
func (c *checker) tolerated(check string) string {
	n := 0
	switch check {
	case checkDuplicates:
		n = c.fig.windowDuplicates
	case checkAcks:
		n = c.fig.windowAckDuplicates
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (except %d crash-window duplicates, allowed without -strict)", n)
}

func outboxSummary(counts map[workflow.OutboxStatus]int) string {
	var parts []string
	for status, n := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", status, n))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
