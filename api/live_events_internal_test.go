package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// TestSendLossesReportsDropped fills a subscription of one slot with three
// events and checks the notice that the stream writes for the two lost.
func TestSendLossesReportsDropped(t *testing.T) {
	f := dbtest.NewFixture(t)
	ctx := context.Background()
	if _, err := f.Store.CreateCustomEvent(ctx, f.Account.ID, apitype.CustomEventInput{Name: "Signup", Slug: "signup"}); err != nil {
		t.Fatal(err)
	}
	sub, err := f.Store.SubscribeLive(f.Account.ID, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	triggers := make([]db.Trigger, 3)
	for i := range triggers {
		triggers[i] = db.Trigger{AccountID: f.Account.ID, Slug: "signup", Email: "ann@example.com", Source: db.SourceAPI}
	}
	_, errs := f.Store.RecordEvents(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), triggers)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/api/live-events", nil), rec)
	stream := &eventStream{res: c.Response(), rc: http.NewResponseController(c.Response())}
	if err := sendLosses(stream, sub); err != nil {
		t.Fatal(err)
	}
	want := "event: dropped\n" +
		`data: {"dropped":2,"message":"2 events were left out because this page fell behind. The report and contact pages have every event."}` + "\n\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("stream = %q, want %q", got, want)
	}

	// Nothing more was lost, so the next call writes nothing.
	rec.Body.Reset()
	if err := sendLosses(stream, sub); err != nil {
		t.Fatal(err)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("second call wrote %q, want nothing", rec.Body.String())
	}
}
