package db_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
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
// it lets the next query that contains its marker run on the server,
// drops the reply that reports the commit (the first one that ends with
// ReadyForQuery outside a transaction block), and then closes the
// client's side. With reset set, the client's read fails with ECONNRESET,
// and otherwise it returns io.EOF. With detach set, it closes the client's
// side as soon as it has passed the query on, and drops whatever the
// server sends on that connection, so the query may still be running
// when the client sees the connection break. With drop set, it does the
// same without passing the query on, and the server's side stays open.
// With outage set, dropping the reply also closes every other connection
// and sets down, and while down is set the proxy closes each new
// connection as soon as it accepts it, as a database that is out of reach.
type lostReplyProxy struct {
	listener net.Listener
	target   string
	proxyMode
	armed atomic.Bool
	down  atomic.Bool
	wg    sync.WaitGroup

	mu   sync.Mutex
	open map[net.Conn]bool
}

// proxyMode selects how a lostReplyProxy breaks the connection that
// carries the first query with marker after it is armed.
type proxyMode struct {
	reset, detach, drop, outage bool
	marker                      string
}

// batchTx marks the first statement of a batch transaction, and commit its
// COMMIT. A worker's batch outside a transaction uses a prepared statement
// whose text is not sent again, so tests mark it by a trigger value.
const (
	batchTx = "pg_backend_pid(), txid_current()"
	commit  = "COMMIT"
)

func startLostReplyProxy(t *testing.T, target string, mode proxyMode) *lostReplyProxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &lostReplyProxy{listener: listener, target: target, proxyMode: mode, open: make(map[net.Conn]bool)}
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
		if p.down.Load() {
			client.Close()
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.track(client, server)
		go p.serve(client.(*net.TCPConn), server)
	}
}

// track records open connections, which an outage closes.
func (p *lostReplyProxy) track(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		p.open[c] = true
	}
}

// startOutage sets down and closes every connection that the proxy has
// opened.
func (p *lostReplyProxy) startOutage() {
	p.down.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.open {
		c.Close()
	}
}

// readyForQueryIdle is the ReadyForQuery message with status idle, which
// the server sends after an implicit transaction has committed.
var readyForQueryIdle = []byte{'Z', 0, 0, 0, 5, 'I'}

func (p *lostReplyProxy) serve(client *net.TCPConn, server net.Conn) {
	var poisoned, detached atomic.Bool
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				if bytes.Contains(buf[:n], []byte(p.marker)) && p.armed.CompareAndSwap(true, false) {
					poisoned.Store(true)
					if p.drop {
						detached.Store(true)
						client.Close()
						return
					}
				}
				if _, werr := server.Write(buf[:n]); werr != nil {
					return
				}
				if poisoned.Load() && p.detach {
					detached.Store(true)
					client.Close()
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
		if detached.Load() {
			if err != nil {
				return
			}
			continue
		}
		if n > 0 {
			// The first reply that ends outside a transaction block
			// after the poisoned query is the one that reports the
			// commit: the statement's own reply under autocommit, or
			// the COMMIT's reply inside BEGIN and COMMIT.
			if poisoned.Load() && bytes.HasSuffix(buf[:n], readyForQueryIdle) {
				if p.reset {
					client.SetLinger(0)
				}
				if p.outage {
					// The proxy is down before the client sees the break,
					// so the client's lookups find the database out of reach.
					p.startOutage()
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
// store's ingester with one worker, logging to log, until the test ends.
func startProxiedIngester(t *testing.T, mode proxyMode, log *slog.Logger) (*dbtest.Fixture, *lostReplyProxy, *db.Store) {
	t.Helper()
	f := dbtest.NewFixture(t)
	createEvent(t, f, "signup")
	u, err := url.Parse(os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := startLostReplyProxy(t, u.Host, mode)
	store := proxiedStore(t, f, proxy)
	t.Cleanup(store.StartIngester(log, db.IngestConfig{Workers: 1}))
	return f, proxy, store
}

// recordThroughBreak arms proxy and records a trigger of "signup" for
// email, which the proxy marks, through store. It fails the test when the
// proxy never saw the trigger or the trigger failed.
func recordThroughBreak(t *testing.T, f *dbtest.Fixture, proxy *lostReplyProxy, store *db.Store, email string) *db.EventOccurrence {
	t.Helper()
	proxy.armed.Store(true)
	occurrence, err := store.RecordEvent(context.Background(), db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: email, Source: db.SourceAPI})
	if proxy.armed.Load() {
		t.Fatalf("the proxy never saw %s", email)
	}
	if err != nil {
		t.Fatalf("trigger of %s: %v", email, err)
	}
	return occurrence
}

// TestIngesterLostReplyStoresOnce sends a trigger through the ingester and
// loses the reply after the server committed its batch, once with the
// connection closed and once with it reset. The worker finds the batch's
// receipt on a new connection, so the trigger is stored once and
// acknowledged with its occurrence.
func TestIngesterLostReplyStoresOnce(t *testing.T) {
	for _, reset := range []bool{false, true} {
		name := "eof"
		if reset {
			name = "reset"
		}
		t.Run(name, func(t *testing.T) {
			const first = "first@example.com"
			f, proxy, store := startProxiedIngester(t, proxyMode{reset: reset, marker: first}, discardLog)
			ctx := context.Background()

			occurrence := recordThroughBreak(t, f, proxy, store, first)
			if stored := dbtest.Count(t, f.Store.DB(), "event_occurrences"); stored != 1 {
				t.Errorf("occurrences stored after the lost reply = %d, want 1", stored)
			}
			var storedID, storedContact int64
			if err := f.Store.DB().NewRaw("SELECT id, contact_id FROM event_occurrences").Scan(ctx, &storedID, &storedContact); err != nil {
				t.Fatal(err)
			}
			if occurrence.ID != storedID || occurrence.ContactID != storedContact {
				t.Errorf("acknowledged occurrence %d of contact %d, want %d of contact %d", occurrence.ID, occurrence.ContactID, storedID, storedContact)
			}
			if occurrence.CreatedAt.IsZero() || occurrence.PageURL != "" || occurrence.Source != db.SourceAPI {
				t.Errorf("acknowledged occurrence = %+v, want created_at set and the trigger's fields", occurrence)
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

// TestIngesterSettlesBatchAfterOutage loses the reply of a committed
// batch, and the database stays out of reach until the worker has failed
// to look up the batch's receipt 6 times, 2.5 s after the first. The
// worker keeps looking for 7 s, finds the receipt once the database is
// back, and acknowledges the trigger, stored once.
func TestIngesterSettlesBatchAfterOutage(t *testing.T) {
	const first = "first@example.com"
	logs := &outageLog{endAfter: 6}
	f, proxy, store := startProxiedIngester(t, proxyMode{outage: true, marker: first}, slog.New(slog.NewJSONHandler(logs, nil)))
	logs.endOutageOf(proxy)
	ctx := context.Background()

	occurrence := recordThroughBreak(t, f, proxy, store, first)
	if failed := logs.failures(); failed != 6 {
		t.Errorf("failed receipt lookups = %d, want 6", failed)
	}
	if stored := dbtest.Count(t, f.Store.DB(), "event_occurrences"); stored != 1 {
		t.Fatalf("occurrences stored = %d, want 1", stored)
	}
	var storedID int64
	if err := f.Store.DB().NewRaw("SELECT id FROM event_occurrences").Scan(ctx, &storedID); err != nil {
		t.Fatal(err)
	}
	if occurrence.ID != storedID {
		t.Errorf("acknowledged occurrence %d, want %d", occurrence.ID, storedID)
	}
}

// outageLog counts the log lines of failed receipt lookups, and ends the
// outage of the proxy that endOutageOf names when the count reaches
// endAfter.
type outageLog struct {
	endAfter int

	mu     sync.Mutex
	proxy  *lostReplyProxy
	failed int
}

func (l *outageLog) endOutageOf(proxy *lostReplyProxy) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.proxy = proxy
}

func (l *outageLog) Write(line []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if bytes.Contains(line, []byte("event batch receipt lookup failed")) {
		l.failed++
		if l.failed == l.endAfter {
			l.proxy.down.Store(false)
		}
	}
	return len(line), nil
}

func (l *outageLog) failures() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// TestIngesterReplacesClosedConnection closes the ingest worker's
// connection from the server side while it is idle, as a server restart
// would. The worker's ping finds it closed, so the next trigger is stored
// on a new connection and acknowledged.
func TestIngesterReplacesClosedConnection(t *testing.T) {
	db.SetBatchConnIdleCheck(t, 0)
	f, _, store := startProxiedIngester(t, proxyMode{}, discardLog)
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

// TestIngesterBrokenConnectionFencesBatch breaks the worker's connection
// while its batch waits for a contact lock on the server. The worker
// fences the batch off through its receipt and writes it again. Once the
// lock is released, the first statement fails on the receipt, so the
// trigger is stored once and acknowledged.
func TestIngesterBrokenConnectionFencesBatch(t *testing.T) {
	const blocked = "0000000000000000000000000000000f"
	f, proxy, store := startProxiedIngester(t, proxyMode{detach: true, marker: blocked}, discardLog)
	ctx := context.Background()
	release := blockVisitorContact(t, f, blocked)
	defer release()

	proxy.armed.Store(true)
	type result struct {
		occurrence *db.EventOccurrence
		err        error
	}
	done := make(chan result, 1)
	go func() {
		occurrence, err := store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", VisitorID: blocked, Source: db.SourceBeacon})
		done <- result{occurrence, err}
	}()
	// The detached statement waits for the contact's row, and the one
	// written again for the visitor's lock, which the detached one holds.
	waitLockWaiters(t, f, "t%", 1)
	waitLockWaiters(t, f, "advisory", 1)
	release()

	res := <-done
	if res.err != nil {
		t.Fatalf("trigger: %v", res.err)
	}
	var ids []int64
	if err := f.Store.DB().NewRaw("SELECT id FROM event_occurrences ORDER BY id").Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	// The first occurrence is the one that blockVisitorContact recorded.
	if len(ids) != 2 {
		t.Fatalf("occurrences = %v, want 2", ids)
	}
	if res.occurrence.ID != ids[1] {
		t.Errorf("acknowledged occurrence %d, want %d", res.occurrence.ID, ids[1])
	}
	// The row that fenced the first statement off stays.
	var fences int
	if err := f.Store.DB().NewRaw("SELECT count(*) FROM ingest_receipts WHERE positions IS NULL").Scan(ctx, &fences); err != nil {
		t.Fatal(err)
	}
	if fences != 1 {
		t.Errorf("fence rows = %d, want 1", fences)
	}
}

// TestIngesterDeletesReceiptsInGroups records triggers one at a time
// through a worker: the receipts of 16 batches stay, and the 17th batch
// deletes them.
func TestIngesterDeletesReceiptsInGroups(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	createEvent(t, f, "signup")
	stop := f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1})
	defer stop()
	record := func(n int) {
		t.Helper()
		if _, err := f.Store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: fmt.Sprintf("c%d@example.com", n), Source: db.SourceAPI}); err != nil {
			t.Fatal(err)
		}
	}
	for n := range 16 {
		record(n)
	}
	if receipts := dbtest.Count(t, f.Store.DB(), "ingest_receipts"); receipts != 16 {
		t.Errorf("receipts after 16 batches = %d, want 16", receipts)
	}
	record(16)
	if receipts := dbtest.Count(t, f.Store.DB(), "ingest_receipts"); receipts != 1 {
		t.Errorf("receipts after 17 batches = %d, want 1", receipts)
	}
}

// TestStartIngesterPrunesOldReceipts checks that starting an ingester
// deletes the receipts older than a day and keeps newer ones.
func TestStartIngesterPrunesOldReceipts(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	_, err := f.Store.DB().ExecContext(ctx, `
		INSERT INTO ingest_receipts (id, created_at) VALUES
			('00000000-0000-4000-8000-000000000001', now() - interval '25 hours'),
			('00000000-0000-4000-8000-000000000002', now() - interval '23 hours')`)
	if err != nil {
		t.Fatal(err)
	}
	f.Store.StartIngester(discardLog, db.IngestConfig{Workers: 1})()
	var kept []string
	if err := f.Store.DB().NewRaw("SELECT id::text FROM ingest_receipts ORDER BY id").Scan(ctx, &kept); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0] != "00000000-0000-4000-8000-000000000002" {
		t.Errorf("receipts kept = %v, want only the one of 23 hours ago", kept)
	}
}

// TestIngesterBrokenTransactionStoresOnce breaks the connection of a batch
// transaction, which a trigger with contact fields takes, in three places:
//   - "commit-reply" loses the reply to COMMIT after the server committed;
//   - "first-statement" closes the connection after the first statement;
//   - "commit-withheld" never passes COMMIT on and leaves the server's side
//     open, so the transaction stays open until the worker ends it.
//
// In each case the trigger is stored once and acknowledged.
func TestIngesterBrokenTransactionStoresOnce(t *testing.T) {
	cases := []struct {
		name string
		mode proxyMode
	}{
		{"commit-reply", proxyMode{marker: batchTx}},
		{"first-statement", proxyMode{detach: true, marker: batchTx}},
		{"commit-withheld", proxyMode{drop: true, marker: commit}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, proxy, store := startProxiedIngester(t, tc.mode, discardLog)
			ctx := context.Background()

			proxy.armed.Store(true)
			occurrence, err := store.RecordEvent(ctx, db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com",
				Source: db.SourceAPI, Contact: db.ContactFields{FirstName: "Ann"}})
			if proxy.armed.Load() {
				t.Fatalf("the proxy never saw %s", tc.mode.marker)
			}
			if err != nil {
				t.Fatalf("trigger: %v", err)
			}
			var storedID int64
			var firstName string
			err = f.Store.DB().NewRaw("SELECT o.id, c.first_name FROM event_occurrences o JOIN contacts c ON c.id = o.contact_id").
				Scan(ctx, &storedID, &firstName)
			if err != nil {
				t.Fatal(err)
			}
			if occurrence.ID != storedID {
				t.Errorf("acknowledged occurrence %d, want %d", occurrence.ID, storedID)
			}
			if firstName != "Ann" {
				t.Errorf("first name = %q, want Ann", firstName)
			}
		})
	}
}
