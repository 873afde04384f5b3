package graph

import (
	"fmt"
	"testing"

	"customevents/app/apitype"
	"customevents/db"
)

// TestClassifyUnconfirmedTrigger checks the error for a trigger that the
// database may have stored without confirming it: an internal error whose
// message warns that a resend may record the event twice.
func TestClassifyUnconfirmedTrigger(t *testing.T) {
	err := fmt.Errorf("write event batch: %w", fmt.Errorf("wrapped: %w", db.ErrUnconfirmed))
	code, message, field, ok := classify(err)
	if !ok {
		t.Fatal("classify did not recognize the unconfirmed batch error")
	}
	if code != apitype.CodeInternal {
		t.Errorf("code = %q, want %q", code, apitype.CodeInternal)
	}
	if message != unconfirmedMessage {
		t.Errorf("message = %q, want %q", message, unconfirmedMessage)
	}
	if field != "" {
		t.Errorf("field = %q, want none", field)
	}
}

// TestClassifyAccountBusy checks the error for a trigger that was not
// stored because too many events of its account wait for a rebuild:
// RATE_LIMITED, so that the client sends it again later.
func TestClassifyAccountBusy(t *testing.T) {
	err := fmt.Errorf("write event: %w", fmt.Errorf("%w: 10000 events of account 1 wait", db.ErrAccountBusy))
	code, message, field, ok := classify(err)
	if !ok {
		t.Fatal("classify did not recognize the busy account error")
	}
	if code != apitype.CodeRateLimited {
		t.Errorf("code = %q, want %q", code, apitype.CodeRateLimited)
	}
	if message != accountBusyMessage {
		t.Errorf("message = %q, want %q", message, accountBusyMessage)
	}
	if field != "" {
		t.Errorf("field = %q, want none", field)
	}
}
