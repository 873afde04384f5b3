package dbtest

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// QueryCounter is a bun query hook that counts the queries whose text
// contains Table between Start and Stop.
type QueryCounter struct {
	Table   string
	on      atomic.Bool
	queries atomic.Int64
}

// Start turns counting on.
func (c *QueryCounter) Start() { c.on.Store(true) }

// Stop turns counting off and returns the number of queries counted.
func (c *QueryCounter) Stop() int64 {
	c.on.Store(false)
	return c.queries.Load()
}

func (c *QueryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *QueryCounter) AfterQuery(_ context.Context, event *bun.QueryEvent) {
	if c.on.Load() && strings.Contains(event.Query, c.Table) {
		c.queries.Add(1)
	}
}
