package store

import "container/heap"

// entryHeap orders queue entries by a time of their state and then by
// key. Each entry records its heap and position, so that a change of
// state can move it in O(log n).
type entryHeap struct {
	items []*queueEntry
	less  func(a, b *queueEntry) bool
}

func (h *entryHeap) Len() int           { return len(h.items) }
func (h *entryHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }

func (h *entryHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].at, h.items[j].at = i, j
}

func (h *entryHeap) Push(x any) {
	e := x.(*queueEntry)
	e.heap, e.at = h, len(h.items)
	h.items = append(h.items, e)
}

func (h *entryHeap) Pop() any {
	last := len(h.items) - 1
	e := h.items[last]
	h.items[last] = nil
	h.items = h.items[:last]
	e.heap, e.at = nil, -1
	return e
}

// peek returns the first entry, or nil when the heap is empty.
func (h *entryHeap) peek() *queueEntry {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

// unlink removes e from the heap that holds it, if any.
func unlink(e *queueEntry) {
	if e.heap != nil {
		heap.Remove(e.heap, e.at)
	}
}
