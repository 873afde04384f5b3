package db_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"customevents/db"
	"customevents/db/dbtest"
)

// lostReplyProxy forwards PostgreSQL connections on loopback. Once armed,
// it lets the next query that names record_simple_triggers run on the
// server, drops the reply that reports the commit (the first one that ends
// with ReadyForQuery outside a transaction block), and then closes the
// client's side. With reset set, the client's read fails with ECONNRESET,
// and otherwise it returns io.EOF.
type lostReplyProxy struct {
	listener net.Listener
	target   string
	reset    bool
	armed    atomic.Bool
	wg       sync.WaitGroup
}

func startLostReplyProxy(t *testing.T, target string, reset bool) *lostReplyProxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &lostReplyProxy{listener: listener, target: target, reset: reset}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		listener.Close()
		p.wg.Wait()
	})
	return p
}

func (p *lostReplyProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		go p.serve(client.(*net.TCPConn), server)
	}
}

// readyForQueryIdle is the ReadyForQuery message with status idle, which
// the server sends after an implicit transaction has committed.
var readyForQueryIdle = []byte{'Z', 0, 0, 0, 5, 'I'}

func (p *lostReplyProxy) serve(client *net.TCPConn, server net.Conn) {
	var poisoned atomic.Bool
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				if bytes.Contains(buf[:n], []byte("record_simple_triggers")) && p.armed.CompareAndSwap(true, false) {
					poisoned.Store(true)
				}
				if _, werr := server.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				server.Close()
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			// The first reply that ends outside a transaction block
			// after the poisoned query is the one that reports the
			// commit: the statement's own reply under autocommit, or
			// the COMMIT's reply inside BEGIN and COMMIT.
			if poisoned.Load() && bytes.HasSuffix(buf[:n], readyForQueryIdle) {
				if p.reset {
					client.SetLinger(0)
				}
				client.Close()
				server.Close()
				return
			}
			if _, werr := client.Write(buf[:n]); werr != nil {
				server.Close()
				return
			}
		}
		if err != nil {
			client.Close()
			return
		}
	}
}

// TestRecordEventsLostReplyStoresOnce writes a batch of simple triggers
// whose reply is lost after the server committed it, once with the
// connection closed and once with it reset. The batch must be stored once,
// and no trigger may be acknowledged.
func TestRecordEventsLostReplyStoresOnce(t *testing.T) {
	for _, reset := range []bool{false, true} {
		name := "eof"
		if reset {
			name = "reset"
		}
		t.Run(name, func(t *testing.T) {
			f := dbtest.NewFixture(t)
			ctx := context.Background()
			createEvent(t, f, "signup")

			var database string
			if err := f.Store.DB().NewRaw("SELECT current_database()").Scan(ctx, &database); err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(os.Getenv("DATABASE_URL"))
			if err != nil {
				t.Fatal(err)
			}
			proxy := startLostReplyProxy(t, u.Host, reset)
			u.Host = proxy.listener.Addr().String()
			u.Path = "/" + database
			proxied, err := db.Open(ctx, u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer proxied.Close()
			store := db.NewStore(proxied)

			const n = 5
			triggers := make([]db.Trigger, n)
			for i := range triggers {
				triggers[i] = db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: fmt.Sprintf("c%d@example.com", i), Source: db.SourceAPI}
			}
			proxy.armed.Store(true)
			_, errs := store.RecordEvents(ctx, discardLog, triggers)
			if proxy.armed.Load() {
				t.Fatal("the proxy never saw record_simple_triggers")
			}
			// The server committed the batch, but its reply was lost: the
			// batch is stored once and no trigger is acknowledged.
			for i, err := range errs {
				if err == nil || !strings.Contains(err.Error(), "the database did not confirm the batch") {
					t.Errorf("trigger %d: err = %v, want the unconfirmed batch error", i, err)
				}
			}
			if stored := dbtest.Count(t, f.Store.DB(), "event_occurrences"); stored != n {
				t.Errorf("occurrences stored = %d for %d triggers, want %d", stored, n, n)
			}
		})
	}
}
