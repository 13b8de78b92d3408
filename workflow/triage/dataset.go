package triage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrInvalidItem is wrapped by ReadJSONL errors about an item's content,
// as opposed to errors reading the input.
var ErrInvalidItem = errors.New("invalid labelled item")

// Item is one labelled complaint of an evaluation set.
type Item struct {
	ID      string `json:"id"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Label is Technical or NonTechnical.
	Label string `json:"label"`
	// Lang is "id", "en" or "mixed"; Difficulty is "easy", "medium" or
	// "hard". Neither is checked.
	Lang       string `json:"lang"`
	Difficulty string `json:"difficulty"`
	// Application is the expected application, or empty when the set
	// names none.
	Application string `json:"application"`
}

// ReadJSONL reads labelled items, one JSON object per line. Blank lines
// are skipped and unknown fields ignored. Every item needs a unique id and
// a label of Technical or NonTechnical. Errors name the line number,
// counting from 1, and content errors wrap ErrInvalidItem. A reader with
// no items yields an empty slice and no error.
func ReadJSONL(r io.Reader) ([]Item, error) {
	br := bufio.NewReader(r)
	items := []Item{}
	firstLine := map[string]int{}

	for n := 1; ; n++ {
		line, readErr := br.ReadBytes('\n')
		if readErr != nil && !errors.Is(readErr, io.EOF) {
			return nil, fmt.Errorf("read line %d: %w", n, readErr)
		}

		if len(bytes.TrimSpace(line)) > 0 {
			item, err := parseItem(line, n, firstLine)
			if err != nil {
				return nil, err
			}
			items = append(items, item)
		}

		if readErr != nil {
			return items, nil
		}
	}
}

// parseItem decodes and checks the item on line n. firstLine maps the ids
// seen so far to their line.
func parseItem(line []byte, n int, firstLine map[string]int) (Item, error) {
	var item Item
	if err := json.Unmarshal(line, &item); err != nil {
		return Item{}, fmt.Errorf("line %d: %w: %w", n, ErrInvalidItem, err)
	}

	if item.ID == "" {
		return Item{}, fmt.Errorf("line %d: %w: missing id", n, ErrInvalidItem)
	}
	if first, dup := firstLine[item.ID]; dup {
		return Item{}, fmt.Errorf("line %d: %w: duplicate id %q, first on line %d", n, ErrInvalidItem, item.ID, first)
	}
	if item.Label != Technical && item.Label != NonTechnical {
		return Item{}, fmt.Errorf("line %d: %w: item %s: invalid label %q, want %s or %s",
			n, ErrInvalidItem, item.ID, item.Label, Technical, NonTechnical)
	}

	firstLine[item.ID] = n
	return item, nil
}
