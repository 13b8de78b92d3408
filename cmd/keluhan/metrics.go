package main

import (
	"context"
	"time"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/store"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics holds the daemon's Prometheus metrics. Ticket and outbox
// figures are read from the store when scraped, so every instance
// reports the same totals.
type metrics struct {
	registry *prometheus.Registry
	received *prometheus.CounterVec
	poll     prometheus.Histogram
	polled   prometheus.Counter
	lastPoll prometheus.Gauge
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keluhan_messages_received_total",
			Help: "Inbound messages processed, by classification and disposition.",
		}, []string{"class", "disposition"}),
		poll: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "keluhan_poll_duration_seconds",
			Help:    "Duration of one mailbox scan, fetch to marking.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
		polled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keluhan_poll_messages_total",
			Help: "Messages handled by mailbox scans.",
		}),
		lastPoll: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keluhan_last_poll_timestamp_seconds",
			Help: "Unix time of the last successful mailbox scan.",
		}),
	}
	m.registry.MustRegister(m.received, m.poll, m.polled, m.lastPoll, storeCollector{store: st})
	return m
}

func (m *metrics) observePoll(d time.Duration, n int) {
	m.poll.Observe(d.Seconds())
	m.polled.Add(float64(n))
	m.lastPoll.SetToCurrentTime()
}

func (m *metrics) observeBatch(in []*ingest.Inbound, out []ingest.Outcome) {
	for i, o := range out {
		m.received.WithLabelValues(string(in[i].Msg.Class), string(o.Disposition)).Inc()
	}
}

// storeCollector reads ticket and outbox counts at scrape time.
type storeCollector struct {
	store *store.Store
}

var (
	ticketsDesc = prometheus.NewDesc("keluhan_tickets", "Tickets by state.", []string{"state"}, nil)
	outboxDesc  = prometheus.NewDesc("keluhan_outbox", "Outbox rows by status (pending is the queue depth, failed the delivery failures).", []string{"status"}, nil)
)

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- ticketsDesc
	ch <- outboxDesc
}

// Collect sends nothing for a count the store could not answer within
// the scrape; Prometheus then shows the series as absent, not zero.
func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if tickets, err := c.store.CountTickets(ctx); err == nil {
		for state, n := range tickets {
			ch <- prometheus.MustNewConstMetric(ticketsDesc, prometheus.GaugeValue, float64(n), string(state))
		}
	}
	if rows, err := c.store.OutboxCounts(ctx); err == nil {
		for status, n := range rows {
			ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n), string(status))
		}
	}
}
