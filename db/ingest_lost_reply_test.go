package db_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"os"
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

// proxiedStore returns a store whose connections to the test database of f
// go through proxy.
func proxiedStore(t *testing.T, f *dbtest.Fixture, proxy *lostReplyProxy) *db.Store {
	t.Helper()
	ctx := context.Background()
	var database string
	if err := f.Store.DB().NewRaw("SELECT current_database()").Scan(ctx, &database); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = proxy.listener.Addr().String()
	u.Path = "/" + database
	proxied, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxied.Close() })
	return db.NewStore(proxied)
}

// startProxiedIngester creates a fixture with the event "signup" and a
// store that reaches its database through a lostReplyProxy, and starts the
// store's ingester with one worker until the test ends.
func startProxiedIngester(t *testing.T, reset bool) (*dbtest.Fixture, *lostReplyProxy, *db.Store) {
	t.Helper()
	f := dbtest.NewFixture(t)
	createEvent(t, f, "signup")
	u, err := url.Parse(os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := startLostReplyProxy(t, u.Host, reset)
	store := proxiedStore(t, f, proxy)
	t.Cleanup(store.StartIngester(discardLog, db.IngestConfig{Workers: 1}))
	return f, proxy, store
}

// TestIngesterLostReplyStoresOnce sends a trigger through the ingester and
// loses the reply after the server committed its batch, once with the
// connection closed and once with it reset. The trigger must be stored
// once and not acknowledged. The next trigger then gets a new connection.
func TestIngesterLostReplyStoresOnce(t *testing.T) {
	for _, reset := range []bool{false, true} {
		name := "eof"
		if reset {
			name = "reset"
		}
		t.Run(name, func(t *testing.T) {
			f, proxy, store := startProxiedIngester(t, reset)
			ctx := context.Background()

			proxy.armed.Store(true)
			_, err := store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "first@example.com", Source: db.SourceAPI})
			if proxy.armed.Load() {
				t.Fatal("the proxy never saw record_simple_triggers")
			}
			if !errors.Is(err, db.ErrUnconfirmed) {
				t.Errorf("first trigger: err = %v, want ErrUnconfirmed", err)
			}
			if stored := dbtest.Count(t, f.Store.DB(), "event_occurrences"); stored != 1 {
				t.Errorf("occurrences stored after the lost reply = %d, want 1", stored)
			}

			if _, err := store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "second@example.com", Source: db.SourceAPI}); err != nil {
				t.Errorf("second trigger: %v", err)
			}
			if stored := dbtest.Count(t, f.Store.DB(), "event_occurrences"); stored != 2 {
				t.Errorf("occurrences stored after the second trigger = %d, want 2", stored)
			}
		})
	}
}

// TestIngesterReplacesClosedConnection closes the ingest worker's
// connection from the server side while it is idle, as a server restart
// would. The worker's ping finds it closed, so the next trigger is stored
// on a new connection and acknowledged.
func TestIngesterReplacesClosedConnection(t *testing.T) {
	db.SetBatchConnIdleCheck(t, 0)
	f, _, store := startProxiedIngester(t, false)
	ctx := context.Background()

	if _, err := store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "first@example.com", Source: db.SourceAPI}); err != nil {
		t.Fatalf("first trigger: %v", err)
	}
	// Every connection of the proxied store is closed. The query's own
	// connection comes from the fixture's store and stays open.
	var terminated int
	err := f.Store.DB().NewRaw(`
		SELECT count(*) FILTER (WHERE pg_terminate_backend(others.pid))
		FROM (
			SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			-- OFFSET 0 keeps the filter apart from the call above, which
			-- must never reach this connection's own backend.
			OFFSET 0
		) others`).Scan(ctx, &terminated)
	if err != nil {
		t.Fatal(err)
	}
	if terminated == 0 {
		t.Fatal("terminated no connection of the proxied store")
	}

	if _, err := store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "second@example.com", Source: db.SourceAPI}); err != nil {
		t.Errorf("trigger after the connection closed: %v", err)
	}
	if stored := dbtest.Count(t, f.Store.DB(), "event_occurrences"); stored != 2 {
		t.Errorf("occurrences stored = %d, want 2", stored)
	}
}
