package main

import (
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
)

// waitConfig is the mailbox to watch and the condition under which its
// processing counts as finished.
type waitConfig struct {
	imapAddr, user, password string
	mailbox, quarantine      string
	keyword                  string
	// expect is the least number of messages in the mailbox and the
	// quarantine folder together; it keeps a wait from ending before
	// every delivery arrived.
	expect int
	// timeout bounds the wait; zero means to look once.
	timeout  time.Duration
	interval time.Duration
	// progress is how often a progress line goes to the log output; zero
	// turns progress lines off.
	progress time.Duration
}

// mailboxCounts is one look at the mailbox.
type mailboxCounts struct {
	messages, unprocessed, quarantined uint32
}

func (c mailboxCounts) String() string {
	return fmt.Sprintf("messages=%d unprocessed=%d quarantined=%d", c.messages, c.unprocessed, c.quarantined)
}

// done reports whether every message is processed and at least expect
// messages arrived.
func (c mailboxCounts) done(expect int) bool {
	return c.unprocessed == 0 && int(c.messages+c.quarantined) >= expect
}

// wait polls the mailbox until it is done, printing the final counts to
// out and progress lines to log. It returns an error on timeout.
func wait(cfg waitConfig, out, log io.Writer) error {
	box, err := dialIMAP(cfg.imapAddr, cfg.user, cfg.password)
	if err != nil {
		return err
	}
	defer box.close()

	start := time.Now()
	lastProgress := start
	for {
		counts, err := look(box, cfg)
		if err != nil {
			return err
		}
		elapsed := time.Since(start)
		if counts.done(cfg.expect) {
			fmt.Fprintf(out, "%s elapsed=%.3fs\n", counts, elapsed.Seconds())
			return nil
		}
		if elapsed >= cfg.timeout {
			fmt.Fprintln(out, counts)
			return fmt.Errorf("%s not done after %s: %s, expected at least %d messages", cfg.mailbox, cfg.timeout, counts, cfg.expect)
		}
		if cfg.progress > 0 && time.Since(lastProgress) >= cfg.progress {
			fmt.Fprintf(log, "mailgen: %s after %.0fs\n", counts, elapsed.Seconds())
			lastProgress = time.Now()
		}
		time.Sleep(cfg.interval)
	}
}

func look(box *mailbox, cfg waitConfig) (mailboxCounts, error) {
	var c mailboxCounts
	var err error
	c.messages, c.unprocessed, err = box.countWithout(cfg.mailbox, imap.Flag(cfg.keyword))
	if err != nil {
		return c, err
	}
	if cfg.quarantine == "" {
		return c, nil
	}

	ok, err := box.exists(cfg.quarantine)
	if err != nil || !ok {
		return c, err
	}
	c.quarantined, _, err = box.status(cfg.quarantine)
	return c, err
}
