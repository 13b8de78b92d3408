package ingest

import (
	"reflect"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestBackoffDelay(t *testing.T) {
	highest := func(n int64) int64 { return n - 1 }
	lowest := func(int64) int64 { return 0 }
	tests := []struct {
		name    string
		attempt int
		lo, hi  time.Duration
		randN   func(int64) int64
		want    time.Duration
	}{
		{"first attempt waits min", 1, time.Second, time.Minute, highest, time.Second},
		{"second attempt up to double", 2, time.Second, time.Minute, highest, 2 * time.Second},
		{"fourth attempt up to eight times", 4, time.Second, time.Minute, highest, 8 * time.Second},
		{"jitter can return min", 4, time.Second, time.Minute, lowest, time.Second},
		{"ceiling stops at max", 10, time.Second, time.Minute, highest, time.Minute},
		{"huge attempt does not overflow", 1000, time.Second, 2 * time.Minute, highest, 2 * time.Minute},
		{"max equal to min", 5, time.Second, time.Second, highest, time.Second},
		{"max near the duration limit", 80, time.Second, time.Duration(1<<62 + 1), highest, time.Duration(1<<62 + 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backoffDelay(tt.attempt, tt.lo, tt.hi, tt.randN)
			if got != tt.want {
				t.Errorf("backoffDelay(%d, %s, %s) = %s, want %s", tt.attempt, tt.lo, tt.hi, got, tt.want)
			}
		})
	}
}

func TestPlanMarks(t *testing.T) {
	batch := []Fetched{{UID: 3}, {UID: 5}, {UID: 7}, {UID: 9}}
	tests := []struct {
		name            string
		verdicts        []Verdict
		wantProcessed   []imap.UID
		wantQuarantined []imap.UID
		wantUnknown     []uint32
		wantHighest     uint32
	}{
		{
			name:          "all processed",
			verdicts:      []Verdict{{UID: 9}, {UID: 3}, {UID: 5}, {UID: 7}},
			wantProcessed: []imap.UID{3, 5, 7, 9},
			wantHighest:   9,
		},
		{
			name:            "mixed with a missing verdict",
			verdicts:        []Verdict{{UID: 3}, {UID: 7, Quarantine: true}},
			wantProcessed:   []imap.UID{3},
			wantQuarantined: []imap.UID{7},
			wantHighest:     7,
		},
		{
			name:            "quarantine wins over a duplicate",
			verdicts:        []Verdict{{UID: 5}, {UID: 5, Quarantine: true}},
			wantQuarantined: []imap.UID{5},
			wantHighest:     5,
		},
		{
			name:        "uid outside the batch",
			verdicts:    []Verdict{{UID: 4}, {UID: 100}},
			wantUnknown: []uint32{4, 100},
		},
		{
			name: "no verdicts",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := planMarks(batch, tt.verdicts)
			if got := uidList(plan.processed); !reflect.DeepEqual(got, tt.wantProcessed) {
				t.Errorf("planMarks(%v).processed = %v, want %v", tt.verdicts, got, tt.wantProcessed)
			}
			if got := uidList(plan.quarantined); !reflect.DeepEqual(got, tt.wantQuarantined) {
				t.Errorf("planMarks(%v).quarantined = %v, want %v", tt.verdicts, got, tt.wantQuarantined)
			}
			if !reflect.DeepEqual(plan.unknown, tt.wantUnknown) {
				t.Errorf("planMarks(%v).unknown = %v, want %v", tt.verdicts, plan.unknown, tt.wantUnknown)
			}
			if plan.highest != tt.wantHighest {
				t.Errorf("planMarks(%v).highest = %d, want %d", tt.verdicts, plan.highest, tt.wantHighest)
			}
		})
	}
}

func uidList(set imap.UIDSet) []imap.UID {
	uids, _ := set.Nums()
	if len(uids) == 0 {
		return nil
	}
	return uids
}

func TestUIDsAbove(t *testing.T) {
	tests := []struct {
		name  string
		uids  []imap.UID
		above uint32
		want  []imap.UID
	}{
		{"nothing new returns the last old uid", []imap.UID{12}, 12, []imap.UID{}},
		{"star below the range", []imap.UID{9}, 12, []imap.UID{}},
		{"new uids kept and sorted", []imap.UID{15, 13, 12}, 12, []imap.UID{13, 15}},
		{"zero keeps everything", []imap.UID{2, 1}, 0, []imap.UID{1, 2}},
		{"empty", nil, 5, []imap.UID{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uidsAbove(tt.uids, tt.above); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("uidsAbove(%v, %d) = %v, want %v", tt.uids, tt.above, got, tt.want)
			}
		})
	}
}

func TestUnprocessedCriteria(t *testing.T) {
	tests := []struct {
		name            string
		processedFolder string
		above           uint32
		want            imap.SearchCriteria
	}{
		{
			name: "flag mode full",
			want: imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted, "$KeluhanProcessed"}},
		},
		{
			name:  "flag mode above 41",
			above: 41,
			want: imap.SearchCriteria{
				NotFlag: []imap.Flag{imap.FlagDeleted, "$KeluhanProcessed"},
				UID:     []imap.UIDSet{{{Start: 42, Stop: 0}}},
			},
		},
		{
			name:            "folder mode full",
			processedFolder: "Processed",
			want:            imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validIMAPConfig()
			cfg.ProcessedFolder = tt.processedFolder
			w, err := NewWatcher(cfg, nopHandler{}, nopStates{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.unprocessedCriteria(tt.above); !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("unprocessedCriteria(%d) = %+v, want %+v", tt.above, *got, tt.want)
			}
		})
	}
}

func TestAcceptsKeyword(t *testing.T) {
	tests := []struct {
		name      string
		permanent []imap.Flag
		want      bool
	}{
		{"no permanentflags sent", nil, true},
		{"wildcard", []imap.Flag{imap.FlagSeen, imap.FlagWildcard}, true},
		{"keyword listed in other case", []imap.Flag{"$keluhanprocessed"}, true},
		{"system flags only", []imap.Flag{imap.FlagSeen, imap.FlagDeleted}, false},
	}
	for _, tt := range tests {
		if got := acceptsKeyword(tt.permanent, "$KeluhanProcessed"); got != tt.want {
			t.Errorf("acceptsKeyword(%v) = %v, want %v", tt.permanent, got, tt.want)
		}
	}
}

func TestHasSelectable(t *testing.T) {
	tests := []struct {
		name string
		list []*imap.ListData
		want bool
	}{
		{"empty", nil, false},
		{"plain", []*imap.ListData{{Mailbox: "Quarantine"}}, true},
		{"noselect", []*imap.ListData{{Mailbox: "Quarantine", Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}}}, false},
		{"nonexistent", []*imap.ListData{{Mailbox: "Quarantine", Attrs: []imap.MailboxAttr{imap.MailboxAttrNonExistent}}}, false},
	}
	for _, tt := range tests {
		if got := hasSelectable(tt.list); got != tt.want {
			t.Errorf("hasSelectable(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
