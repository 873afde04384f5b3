package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"customevents/app/apitype"
	"customevents/db"
)

const (
	// liveHeartbeat is how often an idle live stream sends a comment line,
	// so proxies keep it open, and checks that the session is still valid.
	liveHeartbeat = 20 * time.Second
	// liveWriteTimeout bounds each write to a live stream. A client that
	// does not read for that long is disconnected.
	liveWriteTimeout = 30 * time.Second
	// liveBatch is the largest number of events written between two
	// flushes.
	liveBatch = 100
)

// getLiveEvents streams the account's committed occurrences as server-sent
// events, all of them or, with ?event=SLUG, one custom event's. The stream
// starts with a ready event once it is subscribed, then sends an
// occurrence event per occurrence. It sends a dropped event when it fell
// behind and lost some, and an end event before it closes on sign-out or
// server shutdown. See apitype.LiveEventReady and the events after it.
func (s *Server) getLiveEvents(c echo.Context) error {
	info := currentSession(c)
	accountID := info.Account.ID
	ctx := c.Request().Context()
	slug := strings.TrimSpace(c.QueryParam("event"))
	if slug != "" {
		if verr := apitype.ValidateSlug(slug); verr != nil {
			verr.Field = "event"
			return verr
		}
		if _, err := s.store.CustomEventBySlug(ctx, accountID, slug); err != nil {
			if nferr, ok := errors.AsType[*db.NotFoundError](err); ok {
				nferr.Field = "event"
			}
			return err
		}
	}

	sub, err := s.store.SubscribeLive(accountID, slug, 0)
	if errors.Is(err, db.ErrTooManyLiveSubscriptions) {
		return &echo.HTTPError{
			Code:    http.StatusTooManyRequests,
			Message: fmt.Sprintf("This account already has %d live event streams open: close a Live events page in another tab, then try again.", db.MaxLiveSubscriptions),
		}
	}
	if err != nil {
		return err
	}
	defer sub.Close()

	header := c.Response().Header()
	header.Set(echo.HeaderContentType, "text/event-stream")
	header.Set(echo.HeaderCacheControl, "no-store")
	// Tells nginx not to buffer the stream.
	header.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	stream := &eventStream{res: c.Response(), rc: http.NewResponseController(c.Response())}
	if err := stream.send(apitype.LiveEventReady, apitype.LiveReady{Event: slug}); err != nil {
		return nil
	}
	if err := stream.flush(); err != nil {
		return nil
	}
	s.log.Debug("live event stream opened", "account_id", accountID, "event", slug)

	ticker := time.NewTicker(liveHeartbeat)
	defer ticker.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-s.streamsClosing:
			stream.send(apitype.LiveEventEnd, apitype.LiveNotice{Message: "The server is restarting: reload the page in a minute."})
			stream.flush()
			return nil
		case first := <-sub.Events():
			err = s.sendLiveEvents(c, stream, accountID, first, sub)
		case <-ticker.C:
			if ended := s.sessionEnded(c, accountID); ended != "" {
				stream.send(apitype.LiveEventEnd, apitype.LiveNotice{Message: ended})
				stream.flush()
				return nil
			}
			err = stream.comment("keepalive")
		}
		if err == nil {
			err = sendLosses(stream, sub)
		}
		if err == nil {
			err = stream.flush()
		}
		if err != nil {
			s.log.Debug("live event stream closed", "account_id", accountID, "error", err)
			return nil
		}
	}
}

// sendLiveEvents writes first and the events already waiting behind it, up
// to liveBatch, with their contacts' labels.
func (s *Server) sendLiveEvents(c echo.Context, stream *eventStream, accountID int64, first db.LiveEvent, sub *db.LiveSubscription) error {
	batch := []db.LiveEvent{first}
fill:
	for len(batch) < liveBatch {
		select {
		case event := <-sub.Events():
			batch = append(batch, event)
		default:
			break fill
		}
	}

	ids := make([]int64, len(batch))
	for i, event := range batch {
		ids[i] = event.ContactID
	}
	names, err := s.store.ContactNames(c.Request().Context(), accountID, ids)
	if err != nil {
		// The events still go out, labelled by contact id.
		s.log.Error("live event contacts not loaded", "error", err, "account_id", accountID)
	}
	for _, event := range batch {
		out := apitype.LiveEvent{
			OccurrenceID: event.OccurrenceID,
			Slug:         event.Slug,
			ContactID:    event.ContactID,
			Contact:      "Contact #" + strconv.FormatInt(event.ContactID, 10),
			PageURL:      event.PageURL,
			Channel:      apitype.MarketingChannel(event.Channel),
			Source:       event.Source,
			OccurredAt:   event.OccurredAt.UTC(),
		}
		if name, ok := names[event.ContactID]; ok {
			out.Contact = apitype.ContactLabel(name.ID, name.Email, name.FirstName, name.LastName)
			out.Test = name.Email != nil && *name.Email == apitype.TestContactEmail
		}
		if err := stream.send(apitype.LiveEventOccurrence, out); err != nil {
			return err
		}
	}
	return nil
}

// sendLosses writes a dropped event when the subscription lost events
// since the previous call.
func sendLosses(stream *eventStream, sub *db.LiveSubscription) error {
	dropped, gap := sub.TakeLosses()
	switch {
	case dropped > 0:
		return stream.send(apitype.LiveEventDropped, apitype.LiveNotice{
			Dropped: dropped,
			Message: fmt.Sprintf("%d events were left out because this page fell behind. The report and contact pages have every event.", dropped),
		})
	case gap:
		return stream.send(apitype.LiveEventDropped, apitype.LiveNotice{
			Message: "Some events may be missing here because the server lost its database connection for a while. The report and contact pages have every event.",
		})
	}
	return nil
}

// sessionEnded returns why the request's session may no longer read the
// stream of accountID, or "" while it may: the session was signed out or
// expired, the member left the account, or the session switched to
// another account. A failed lookup counts as valid, so that a database
// hiccup does not end every stream.
func (s *Server) sessionEnded(c echo.Context, accountID int64) string {
	cookie, err := c.Cookie(sessionCookie)
	if err != nil {
		return "Your session ended: sign in again to see live events."
	}
	info, err := s.store.Session(c.Request().Context(), cookie.Value)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return "Your session ended: sign in again to see live events."
	case err != nil:
		s.log.Warn("live event stream session check failed", "error", err, "account_id", accountID)
		return ""
	case info.Account.ID != accountID:
		return "You switched to another account: reload the page to see its live events."
	}
	return ""
}

// CloseStreams ends every open live event stream with an end event. The
// server's http.Server calls it on shutdown through RegisterOnShutdown,
// because Shutdown waits for handlers that never return by themselves.
func (s *Server) CloseStreams() {
	s.closeStreams.Do(func() { close(s.streamsClosing) })
}

// eventStream writes server-sent events. Every write gets its own
// deadline, which replaces the http.Server's WriteTimeout for the stream.
type eventStream struct {
	res *echo.Response
	rc  *http.ResponseController
}

// send writes one event whose data is the JSON of data. JSON has no line
// breaks outside strings, and it escapes those inside, so the data is one
// line.
func (w *eventStream) send(event string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", event, err)
	}
	w.extendDeadline()
	_, err = fmt.Fprintf(w.res, "event: %s\ndata: %s\n\n", event, b)
	return err
}

// comment writes a comment line, which clients ignore.
func (w *eventStream) comment(text string) error {
	w.extendDeadline()
	_, err := fmt.Fprintf(w.res, ": %s\n\n", text)
	return err
}

func (w *eventStream) flush() error {
	w.extendDeadline()
	return w.rc.Flush()
}

func (w *eventStream) extendDeadline() {
	// http.ErrNotSupported only comes from writers without deadlines,
	// such as httptest.ResponseRecorder, where there is nothing to extend.
	_ = w.rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout))
}

// postTestEvent records an occurrence of the custom event for the test
// contact through the normal ingest path, so it shows on the live stream,
// the report and the test contact's timeline.
func (s *Server) postTestEvent(c echo.Context) error {
	account := currentSession(c).Account
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	event, err := s.store.CustomEvent(ctx, account.ID, id)
	if err != nil {
		return err
	}
	occurrence, err := s.store.RecordTestEvent(ctx, account.ID, event.Slug)
	if err != nil {
		return err
	}
	s.log.Info("test event recorded", "account_id", account.ID, "custom_event_id", event.ID, "occurrence_id", occurrence.ID)
	return c.JSON(http.StatusCreated, apitype.TestEventResult{
		OccurrenceID: occurrence.ID,
		ContactID:    occurrence.ContactID,
		Email:        apitype.TestContactEmail,
		Slug:         event.Slug,
	})
}
