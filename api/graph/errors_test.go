package graph

import (
	"fmt"
	"testing"

	"customevents/app/apitype"
	"customevents/db"
)

// TestClassifyIngestErrors checks the code and message of two ingest
// errors, each wrapped twice:
//   - a trigger that the database may have stored without confirming it
//     is an internal error whose message warns that a resend may record
//     the event twice;
//   - a trigger that was not stored because too many events of its
//     account wait for a rebuild is RATE_LIMITED, so that the client
//     sends it again later.
func TestClassifyIngestErrors(t *testing.T) {
	cases := []struct {
		name        string
		err         error
		wantCode    string
		wantMessage string
	}{
		{"unconfirmed", fmt.Errorf("write event batch: %w", fmt.Errorf("wrapped: %w", db.ErrUnconfirmed)),
			apitype.CodeInternal, unconfirmedMessage},
		{"account busy", fmt.Errorf("write event: %w", fmt.Errorf("%w: 10000 events of account 1 wait", db.ErrAccountBusy)),
			apitype.CodeRateLimited, accountBusyMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, message, field, ok := classify(tc.err)
			if !ok {
				t.Fatalf("classify did not recognize %v", tc.err)
			}
			if code != tc.wantCode {
				t.Errorf("code = %q, want %q", code, tc.wantCode)
			}
			if message != tc.wantMessage {
				t.Errorf("message = %q, want %q", message, tc.wantMessage)
			}
			if field != "" {
				t.Errorf("field = %q, want none", field)
			}
		})
	}
}
