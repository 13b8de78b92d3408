// Command mailgen generates realistic complaint emails for keluhan's
// crash check and benchmark, delivers them into a test mailbox, and
// waits until keluhan has processed them. It talks to the test servers
// that testenv/mail-up.sh starts on loopback, without TLS.
//
//	mailgen generate -n 500 -out DIR        writes DIR/eml/*.eml and DIR/truth.json
//	mailgen deliver -set DIR -via append    APPENDs the set into the helpdesk INBOX
//	mailgen wait -expect 500                waits until no message lacks $KeluhanProcessed
//
// A set has three kinds of email. Complaints come from many senders, in
// Indonesian, 2-20 KB each, and about half carry a small PDF. Replies
// answer an earlier complaint or reply, with In-Reply-To and References
// set. Duplicates deliver an earlier message a second time. truth.json
// records every message's Message-ID and kind, the complaint each reply
// belongs to, and the delivery order with the duplicates, so that a
// checker can compare keluhan's store with it.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

const usage = `usage: mailgen generate|deliver|wait [flags]

  generate  write a set of complaint emails and its ground truth
  deliver   deliver a set into a mailbox by IMAP APPEND, SMTP or both
  wait      wait until every message in a mailbox has the processed keyword

Run "mailgen COMMAND -h" for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}

	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "generate":
		err = runGenerate(args, os.Stdout)
	case "deliver":
		err = runDeliver(args, os.Stdout)
	case "wait":
		err = runWait(args, os.Stdout, os.Stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(os.Stdout, usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "mailgen: unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}

	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mailgen %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func runGenerate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	cfg := genConfig{}
	fs.IntVar(&cfg.emails, "n", 500, "number of emails (deliveries), duplicates included")
	fs.Float64Var(&cfg.replyShare, "replies", 0.15, "share of emails that are replies to an earlier complaint or reply")
	fs.Float64Var(&cfg.duplicateShare, "duplicates", 0.03, "share of emails that deliver an earlier message a second time")
	fs.IntVar(&cfg.perSender, "per-sender", 3, "maximum complaints from one sender")
	fs.Uint64Var(&cfg.seed, "seed", 1, "random seed; the same seed and -run give the same set")
	fs.StringVar(&cfg.run, "run", "", "run tag mixed into the seed, so that sets for one server differ (default: random)")
	fs.StringVar(&cfg.helpdesk.Address, "helpdesk", "helpdesk@layanan.example.go.id", "address in the To header")
	fs.StringVar(&cfg.helpdesk.Name, "helpdesk-name", "Helpdesk Layanan Kekayaan Intelektual", "display name in the To header")
	fs.StringVar(&cfg.dir, "out", "", "folder to write the set into (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.dir == "" || cfg.emails < 1 || cfg.perSender < 1 {
		return errors.New("missing -out, or -n or -per-sender below 1")
	}
	if cfg.replyShare < 0 || cfg.duplicateShare < 0 || cfg.replyShare+cfg.duplicateShare >= 1 {
		return fmt.Errorf("invalid shares -replies %.2f and -duplicates %.2f: each must be at least 0 and their sum below 1", cfg.replyShare, cfg.duplicateShare)
	}
	if cfg.run == "" {
		cfg.run = randomTag()
	}

	truth, err := generate(cfg, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "mailgen: wrote %d emails to %s: %d complaints, %d replies, %d duplicates, %d with a PDF, %s\n",
		truth.Emails, cfg.dir, truth.Complaints, truth.Replies, truth.Duplicates, countAttachments(truth), sizeSummary(truth))
	return nil
}

func runDeliver(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("deliver", flag.ContinueOnError)
	cfg := deliverConfig{}
	fs.StringVar(&cfg.dir, "set", "", "folder of a generated set (required)")
	addIMAPFlags(fs, &cfg.imapAddr, &cfg.user, &cfg.password, &cfg.mailbox)
	fs.StringVar(&cfg.smtpAddr, "smtp", "", "host:port of the SMTP server, for -via smtp and mixed")
	fs.StringVar(&cfg.to, "to", "", "envelope recipient for SMTP (default: the set's helpdesk address)")
	fs.StringVar(&cfg.via, "via", viaAppend, "delivery method: append (IMAP APPEND), smtp, or mixed (alternating chunks)")
	fs.IntVar(&cfg.first, "first", 0, "first delivery to make, from 0")
	fs.IntVar(&cfg.count, "count", -1, "number of deliveries to make; -1 means to the end")
	fs.Float64Var(&cfg.rate, "rate", 0, "maximum deliveries per second; 0 means no limit")
	fs.IntVar(&cfg.chunk, "chunk", 20, "deliveries in a row by one method with -via mixed")
	fs.DurationVar(&cfg.arrival, "arrival-timeout", 2*time.Minute, "how long to wait for SMTP deliveries to reach the mailbox")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.password = testPassword(cfg.password, cfg.user)

	if cfg.dir == "" {
		return errors.New("missing -set")
	}
	if cfg.via != viaAppend && cfg.via != viaSMTP && cfg.via != viaMixed {
		return fmt.Errorf("invalid -via %q: use append, smtp or mixed", cfg.via)
	}
	if cfg.via != viaAppend && cfg.smtpAddr == "" {
		return fmt.Errorf("missing -smtp: -via %s sends by SMTP", cfg.via)
	}

	if cfg.to == "" {
		truth, err := readTruth(cfg.dir)
		if err != nil {
			return err
		}
		cfg.to = truth.Helpdesk
	}
	return deliver(cfg, out)
}

func runWait(args []string, out, log io.Writer) error {
	fs := flag.NewFlagSet("wait", flag.ContinueOnError)
	cfg := waitConfig{}
	addIMAPFlags(fs, &cfg.imapAddr, &cfg.user, &cfg.password, &cfg.mailbox)
	fs.StringVar(&cfg.keyword, "keyword", "$KeluhanProcessed", "keyword keluhan sets on processed messages (imap.processed_flag)")
	fs.StringVar(&cfg.quarantine, "quarantine", "Quarantine", "folder keluhan moves quarantined messages to; empty to ignore it")
	fs.IntVar(&cfg.expect, "expect", 0, "least number of messages in the mailbox and quarantine together")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "how long to wait; 0 looks once and fails unless done")
	fs.DurationVar(&cfg.interval, "interval", 100*time.Millisecond, "pause between looks")
	fs.DurationVar(&cfg.progress, "progress", 10*time.Second, "interval of progress lines on standard error; 0 turns them off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.password = testPassword(cfg.password, cfg.user)
	return wait(cfg, out, log)
}

func addIMAPFlags(fs *flag.FlagSet, addr, user, password, mailbox *string) {
	fs.StringVar(addr, "imap", "127.0.0.1:1143", "host:port of the IMAP server (no TLS)")
	fs.StringVar(user, "user", "helpdesk@layanan.example.go.id", "IMAP user")
	fs.StringVar(password, "password", "", "IMAP password (default: \"<local part>-pass\", the test servers' rule)")
	fs.StringVar(mailbox, "mailbox", "INBOX", "mailbox to deliver to or watch")
}

// testPassword returns password, or the test servers' password of user
// when it is empty.
func testPassword(password, user string) string {
	if password != "" {
		return password
	}
	local, _, _ := strings.Cut(user, "@")
	return local + "-pass"
}

// countAttachments returns how many distinct messages carry a PDF.
func countAttachments(t *Truth) int {
	n := 0
	for _, m := range t.Messages {
		if m.Attachment {
			n++
		}
	}
	return n
}

// sizeSummary describes the sizes of the distinct messages.
func sizeSummary(t *Truth) string {
	sizes := make([]int, len(t.Messages))
	total := 0
	for i, m := range t.Messages {
		sizes[i] = m.Size
		total += m.Size
	}
	slices.Sort(sizes)
	return fmt.Sprintf("sizes %.1f-%.1f KB, median %.1f KB, %.1f MB in all",
		kb(sizes[0]), kb(sizes[len(sizes)-1]), kb(sizes[len(sizes)/2]), float64(total)/(1<<20))
}

func kb(n int) float64 { return float64(n) / 1024 }

func randomTag() string {
	b := make([]byte, 4)
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
