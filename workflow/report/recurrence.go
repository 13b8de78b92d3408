package report

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/keluhan/keluhan/workflow"
)

// DefaultMinSimilarity is the similarity of two complaints' terms at or
// above which Recurrence puts them in one group when the caller gives
// no positive threshold.
const DefaultMinSimilarity = 0.35

// topicTerms is how many terms name a group.
const topicTerms = 3

// Group is a recurring complaint: tickets linked by chains of pairs
// whose terms are similar (single linkage).
type Group struct {
	// Topic is the group's most frequent terms joined with ", ".
	Topic string
	Terms []string
	// Members are in received order, at least two.
	Members []Member
}

// Member is one ticket of a group.
type Member struct {
	Number     string
	Subject    string
	State      workflow.State
	ReceivedAt time.Time
}

// Recurrence groups tickets whose triage terms have a cosine similarity
// (triage.Similarity) of at least min, following chains of such pairs,
// and returns the groups of two or more tickets, largest first, then
// by earliest member. Two tickets also pair when one lists the other in
// Similar with a score of at least min. A min of zero or less means
// DefaultMinSimilarity. A ticket number seen twice is counted once.
// Tickets without terms join a group only through Similar.
func Recurrence(tickets []*workflow.Ticket, min float64) []Group {
	c := newClusterer(min)
	var members []Member
	for _, t := range tickets {
		if c.add(t.Number, t.ReceivedAt, t.Terms, t.Similar) {
			members = append(members, Member{Number: t.Number, Subject: t.Subject, State: t.State, ReceivedAt: t.ReceivedAt})
		}
	}

	var groups []Group
	for _, cl := range c.clusters() {
		g := Group{Topic: strings.Join(cl.terms, ", "), Terms: cl.terms}
		for _, i := range cl.members {
			g.Members = append(g.Members, members[i])
		}
		groups = append(groups, g)
	}
	return groups
}

// clusterer finds recurring complaints among the tickets added to it.
// It keeps each ticket's terms as small integer ids, so that it stays
// compact for a year of tickets.
type clusterer struct {
	min     float64
	termIDs map[string]int32
	terms   []string
	index   map[string]int32 // ticket number → position
	numbers []string
	times   []time.Time
	docs    [][]int32 // distinct term ids, in the ticket's order
	similar [][]string
}

// cluster is one group as positions of added tickets, in received order.
type cluster struct {
	members []int32
	terms   []string
}

func newClusterer(min float64) *clusterer {
	if min <= 0 {
		min = DefaultMinSimilarity
	}
	return &clusterer{min: min, termIDs: map[string]int32{}, index: map[string]int32{}}
}

// add adds one ticket and reports whether it was new.
func (c *clusterer) add(number string, received time.Time, terms []string, similar []workflow.SimilarRef) bool {
	if _, seen := c.index[number]; seen {
		return false
	}
	c.index[number] = int32(len(c.numbers))
	c.numbers = append(c.numbers, number)
	c.times = append(c.times, received)
	c.docs = append(c.docs, c.intern(terms))

	var refs []string
	for _, s := range similar {
		if s.Score >= c.min {
			refs = append(refs, s.Number)
		}
	}
	c.similar = append(c.similar, refs)
	return true
}

// intern maps terms to ids, dropping repeats.
func (c *clusterer) intern(terms []string) []int32 {
	var ids []int32
	for _, term := range terms {
		id, ok := c.termIDs[term]
		if !ok {
			id = int32(len(c.terms))
			c.termIDs[term] = id
			c.terms = append(c.terms, term)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// clusters returns the groups of two or more tickets, largest first,
// then by earliest member.
func (c *clusterer) clusters() []cluster {
	sets := newUnionFind(len(c.numbers))
	c.linkByTerms(sets)
	c.linkBySimilar(sets)

	byRoot := map[int32][]int32{}
	for i := range c.numbers {
		root := sets.find(int32(i))
		byRoot[root] = append(byRoot[root], int32(i))
	}

	var out []cluster
	for _, members := range byRoot {
		if len(members) < 2 {
			continue
		}
		slices.SortFunc(members, c.compareReceived)
		out = append(out, cluster{members: members, terms: c.topic(members)})
	}
	slices.SortFunc(out, func(a, b cluster) int {
		if n := cmp.Compare(len(b.members), len(a.members)); n != 0 {
			return n
		}
		return c.compareReceived(a.members[0], b.members[0])
	})
	return out
}

func (c *clusterer) compareReceived(a, b int32) int {
	if n := c.times[a].Compare(c.times[b]); n != 0 {
		return n
	}
	return strings.Compare(c.numbers[a], c.numbers[b])
}

// linkByTerms joins every pair whose term similarity reaches min. It
// checks only candidate pairs, which prefix filtering finds.
//
// Terms are ordered rarest first and tickets taken smallest first. A
// pair x, y with |y| <= |x| and cosine similarity t shares at least
// t·sqrt(|x||y|) terms, which is at least t·|y| and at least t²·|x|. So
// the pair shares a term within the first |y| - ceil(t·|y|) + 1 terms of
// y, which are indexed, and within the first |x| - ceil(t²·|x|) + 1
// terms of x, which probe the index. The most common terms, whose
// posting lists would be longest, mostly fall outside both prefixes.
// The first shared term found is the pair's rarest, so the terms after
// it bound the overlap. A candidate that cannot reach the required
// overlap is dropped before its terms are compared.
//
// NOTE: the cost still grows about quadratically when many tickets share
// several terms without reaching min. BenchmarkRecurrence groups 20,000
// such tickets in about 0.8 s on a 2-core AMD EPYC, and the same kind of
// set took about 14 s for 50,000 and 1 min for 100,000 tickets.
func (c *clusterer) linkByTerms(sets *unionFind) {
	ranked := c.rankedDocs()
	order := make([]int32, len(ranked))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(len(ranked[a]), len(ranked[b])) })

	postings := make([][]posting, len(c.terms))
	seen := make([]int32, len(ranked))
	for i := range seen {
		seen[i] = -1
	}

	for _, x := range order {
		doc := ranked[x]
		for i, term := range doc[:prefixLength(len(doc), c.min*c.min)] {
			for _, p := range postings[term] {
				if seen[p.doc] == x {
					continue
				}
				seen[p.doc] = x
				if !sets.same(x, p.doc) && c.reaches(doc, ranked[p.doc], i, int(p.pos)) {
					sets.union(x, p.doc)
				}
			}
		}
		for pos, term := range doc[:prefixLength(len(doc), c.min)] {
			postings[term] = append(postings[term], posting{doc: x, pos: int32(pos)})
		}
	}
}

// posting is a ticket whose indexed prefix holds a term, at pos.
type posting struct {
	doc, pos int32
}

// reaches reports whether two ranked term sets, whose first shared term
// is at i in a and at j in b, reach the similarity min. It computes the
// similarity as triage.Similarity does.
func (c *clusterer) reaches(a, b []int32, i, j int) bool {
	if float64(len(b)) < c.min*c.min*float64(len(a)) {
		return false
	}
	norm := math.Sqrt(float64(len(a)) * float64(len(b)))
	need := int(math.Ceil(c.min*norm - 1e-9))
	if 1+min(len(a)-i-1, len(b)-j-1) < need {
		return false
	}
	shared := 1 + overlap(a[i+1:], b[j+1:], need-1)
	return float64(shared)/norm >= c.min
}

// rankedDocs returns each ticket's terms as ranks, rarest term first,
// sorted ascending.
func (c *clusterer) rankedDocs() [][]int32 {
	frequency := make([]int32, len(c.terms))
	for _, doc := range c.docs {
		for _, id := range doc {
			frequency[id]++
		}
	}

	order := make([]int32, len(c.terms))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if n := cmp.Compare(frequency[a], frequency[b]); n != 0 {
			return n
		}
		return cmp.Compare(a, b)
	})
	rank := make([]int32, len(c.terms))
	for r, id := range order {
		rank[id] = int32(r)
	}

	ranked := make([][]int32, len(c.docs))
	for i, doc := range c.docs {
		r := make([]int32, len(doc))
		for j, id := range doc {
			r[j] = rank[id]
		}
		slices.Sort(r)
		ranked[i] = r
	}
	return ranked
}

// prefixLength returns how many of a set's n rarest terms a pair must
// share a term within when it shares at least share·n terms. The small
// slack keeps rounding from shortening the prefix.
func prefixLength(n int, share float64) int {
	overlap := int(math.Ceil(share*float64(n) - 1e-9))
	overlap = max(overlap, 1)
	return max(min(n-overlap+1, n), 0)
}

// overlap counts the terms two sorted rank lists share. It stops early,
// returning a count below need, once the rest cannot reach need.
func overlap(a, b []int32, need int) int {
	shared := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		if shared+min(len(a)-i, len(b)-j) < need {
			return shared
		}
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			shared++
			i++
			j++
		}
	}
	return shared
}

// linkBySimilar joins each ticket to the added tickets it lists in
// Similar with a score of at least min.
func (c *clusterer) linkBySimilar(sets *unionFind) {
	for x, refs := range c.similar {
		for _, number := range refs {
			if y, ok := c.index[number]; ok {
				sets.union(int32(x), y)
			}
		}
	}
}

// topic returns the terms shared by most members: by member count, then
// by how early they stand in the members' term lists, then
// alphabetically.
func (c *clusterer) topic(members []int32) []string {
	count := map[int32]int{}
	position := map[int32]int{}
	for _, m := range members {
		for pos, id := range c.docs[m] {
			count[id]++
			position[id] += pos
		}
	}

	ids := make([]int32, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if n := cmp.Compare(count[b], count[a]); n != 0 {
			return n
		}
		if n := cmp.Compare(position[a], position[b]); n != 0 {
			return n
		}
		return strings.Compare(c.terms[a], c.terms[b])
	})

	var out []string
	for _, id := range ids[:min(len(ids), topicTerms)] {
		out = append(out, c.terms[id])
	}
	return out
}

// unionFind is a disjoint-set forest with union by size and path
// halving.
type unionFind struct {
	parent []int32
	size   []int32
}

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int32, n), size: make([]int32, n)}
	for i := range u.parent {
		u.parent[i] = int32(i)
		u.size[i] = 1
	}
	return u
}

func (u *unionFind) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *unionFind) same(a, b int32) bool { return u.find(a) == u.find(b) }

func (u *unionFind) union(a, b int32) {
	a, b = u.find(a), u.find(b)
	if a == b {
		return
	}
	if u.size[a] < u.size[b] {
		a, b = b, a
	}
	u.parent[b] = a
	u.size[a] += u.size[b]
}
