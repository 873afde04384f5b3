package db_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"customevents/db"
	"customevents/db/dbtest"
)

// TestRecordEventsCallerLeftUnconfirmedLog writes one trigger through
// RecordEvents while its caller leaves: the caller's context ends while
// the trigger's INSERT runs, after the account lock was taken. The reply
// to COMMIT is then lost after the server committed, and the lookup of
// the outcome gives up because the caller has gone. The trigger is
// stored, and the batch's error matches ErrUnconfirmed, so the batch is
// logged at Error as any other batch whose outcome is unknown, and not as
// one that its callers stopped.
func TestRecordEventsCallerLeftUnconfirmedLog(t *testing.T) {
	f := dbtest.NewFixture(t)
	createEvent(t, f, "signup")
	ctx := context.Background()
	// A slow INSERT leaves time for the caller to leave after the batch
	// has passed the account lock and before it commits.
	_, err := f.Store.DB().ExecContext(ctx, `
		CREATE FUNCTION slow_occurrence_insert() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$;
		CREATE TRIGGER slow_occurrence_insert BEFORE INSERT ON event_occurrences
			FOR EACH ROW EXECUTE FUNCTION slow_occurrence_insert();`)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := startLostReplyProxy(t, u.Host, proxyMode{marker: batchTx})
	store := proxiedStore(t, f, proxy)

	logs := &batchLog{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	leaving, leave := context.WithCancel(ctx)
	defer leave()
	proxy.armed.Store(true)
	returned := make(chan error, 1)
	go func() {
		_, errs := store.RecordEvents(leaving, log, []db.Trigger{
			{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI},
		})
		returned <- errs[0]
	}()
	waitSessions(t, f, 1, "sleeping in the INSERT", "wait_event = 'PgSleep'")
	leave()

	select {
	case err := <-returned:
		if !errors.Is(err, db.ErrUnconfirmed) {
			t.Errorf("err = %v, want ErrUnconfirmed", err)
		}
	case <-time.After(lockedReplyTimeout):
		t.Fatalf("RecordEvents did not return within %s", lockedReplyTimeout)
	}
	if proxy.armed.Load() {
		t.Fatal("the proxy never saw the batch")
	}
	if got := countOccurrences(t, f, f.Account.ID); got != 1 {
		t.Fatalf("occurrences = %d, want 1: the server committed the batch", got)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(line, "event batch stopped") {
			t.Errorf("log line %s says the callers stopped the batch, but it was stored", line)
		}
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("no Error line for a batch whose outcome is unknown, log:\n%s", logs)
	}
}
