package api_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

// sendAndClose writes a whole POST /collect request on a new connection
// and closes it without reading the reply, as a browser may while a page
// unloads.
func sendAndClose(t *testing.T, ts *testServer, body string) {
	t.Helper()
	addr := strings.TrimPrefix(ts.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fmt.Fprintf(conn, "POST /collect HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"+
		"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n\r\n%s",
		addr, desktopChromeUserAgent, len(body), body)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCollectClosedConnectionEvents(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	const n = 20
	for i := range n {
		sendAndClose(t, ts, fmt.Sprintf(`{"k":%q,"v":"%032x","e":"signup","u":"https://www.example.com/"}`,
			ts.Account.SiteKey, i+1))
	}
	ts.waitCollected(t, n)

	var stored, contacts int
	err := ts.Store.DB().NewRaw("SELECT count(*), count(DISTINCT contact_id) FROM event_occurrences WHERE account_id = ?",
		ts.Account.ID).Scan(t.Context(), &stored, &contacts)
	if err != nil {
		t.Fatal(err)
	}
	if stored != n || contacts != n {
		t.Errorf("stored %d occurrences of %d contacts, want %d of %d", stored, contacts, n, n)
	}
}

func TestCollectClosedConnectionIdentify(t *testing.T) {
	ts := newTestServer(t)
	createEvent(t, ts, "signup")
	const n = 10
	for i := range n {
		postCollect(t, ts, fmt.Sprintf(`{"k":%q,"v":"%032x","e":"signup","u":"https://www.example.com/"}`,
			ts.Account.SiteKey, i+1), nil)
	}
	for i := range n {
		sendAndClose(t, ts, fmt.Sprintf(`{"k":%q,"v":"%032x","u":"https://www.example.com/","i":{"email":"closed%d@example.com"}}`,
			ts.Account.SiteKey, i+1, i+1))
	}
	ts.waitCollected(t, n)

	var identified int
	err := ts.Store.DB().NewRaw(`
		SELECT count(*) FROM event_occurrences o JOIN contacts c ON c.id = o.contact_id
		WHERE o.account_id = ? AND c.email LIKE 'closed%@example.com'`,
		ts.Account.ID).Scan(t.Context(), &identified)
	if err != nil {
		t.Fatal(err)
	}
	if identified != n {
		t.Errorf("occurrences of identified contacts = %d, want %d", identified, n)
	}
}
