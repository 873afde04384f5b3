package api_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/db"
	"customevents/db/dbtest"
)

// TestPrivacyPageExportEraseRetention exports a contact's data, erases the
// contact after typing its email again, and changes the retention setting
// on Settings → Privacy.
func TestPrivacyPageExportEraseRetention(t *testing.T) {
	requireWASM(t)
	ts := newTestServer(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 5, 9, 30, 0, 0, time.UTC)
	contactID := seedPrivacyContact(t, ts, at)
	if _, err := ts.Store.RecordEvent(ctx, db.Trigger{AccountID: ts.Account.ID, Slug: "signed-up", Email: "ann@example.com", Source: db.SourceAPI, OccurredAt: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var createdAt time.Time
	if err := ts.Store.DB().NewRaw("SELECT created_at FROM contacts WHERE id = ?", contactID).Scan(ctx, &createdAt); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	signInBrowser(t, browser, ts, "/settings/privacy")
	waitFor(t, browser, "navigation item", `!!document.querySelector('a[href="/settings/privacy"][aria-current="page"]')`)
	waitFor(t, browser, "retention loaded", `document.getElementById("retention-months").value === "25"`)

	t.Run("export", func(t *testing.T) {
		// Record the file name of each download link the page clicks.
		evaluate(t, browser, `(() => {
			window.downloads = [];
			const click = HTMLAnchorElement.prototype.click;
			HTMLAnchorElement.prototype.click = function () { window.downloads.push(this.download); return click.call(this); };
			return true;
		})()`)
		typeInto(t, browser, "#privacy-email", "Ann@Example.com")
		click(t, browser, "#privacy-export")
		fileName := "contact-" + strconv.FormatInt(contactID, 10) + ".json"
		waitFor(t, browser, "export status", textIs("#privacy-export-status", "Downloaded "+fileName+" with 2 events and 0 visitor ids of ann@example.com."))

		shown := evalValue[string](t, browser, `document.getElementById("privacy-export-json").textContent`)
		var got apitype.ContactExport
		if err := json.Unmarshal([]byte(shown), &got); err != nil {
			t.Fatalf("decode shown export %q: %v", shown, err)
		}
		want := apitype.ContactExport{
			ID: contactID, Email: "ann@example.com", FirstName: "Ann", Company: "Acme", CreatedAt: createdAt.UTC(),
			Visitors: []apitype.ContactVisitor{},
			Occurrences: []apitype.ContactOccurrence{
				{EventSlug: "signed-up", EventName: "Signed Up", OccurredAt: at, Source: "api", PageURL: "https://www.example.com/pricing", Channel: "DIRECT", Metadata: map[string]any{"plan": "pro"}},
				{EventSlug: "signed-up", EventName: "Signed Up", OccurredAt: at.Add(time.Hour), Source: "api", Channel: "DIRECT", Metadata: map[string]any{}},
			},
			DailyCounts: []apitype.ContactDailyCount{},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("shown export =\n%+v\nwant\n%+v", got, want)
		}
		downloads := evalValue[[]string](t, browser, `window.downloads`)
		if !reflect.DeepEqual(downloads, []string{fileName}) {
			t.Errorf("downloads = %v, want [%s]", downloads, fileName)
		}
		saveScreenshot(t, browser, "privacy-export")
	})

	t.Run("erase with confirmation", func(t *testing.T) {
		click(t, browser, "#privacy-erase")
		waitFor(t, browser, "confirmation", `!!document.getElementById("privacy-confirm-email")`)
		waitFor(t, browser, "confirm button disabled before typing", `document.getElementById("privacy-confirm-erase").disabled`)
		typeInto(t, browser, "#privacy-confirm-email", "ann@example.org")
		waitFor(t, browser, "confirm button disabled for another email", `document.getElementById("privacy-confirm-email").value === "ann@example.org" && document.getElementById("privacy-confirm-erase").disabled`)
		if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email = 'ann@example.com'"); n != 1 {
			t.Fatalf("contacts with the email before confirming = %d, want 1", n)
		}

		typeInto(t, browser, "#privacy-confirm-email", "ANN@example.com")
		waitFor(t, browser, "confirm button enabled", `!document.getElementById("privacy-confirm-erase").disabled`)
		saveScreenshot(t, browser, "privacy-erase-confirm")
		click(t, browser, "#privacy-confirm-erase")
		waitFor(t, browser, "erase notice", textIs("#privacy-notice", "Erased ann@example.com with 2 events and 0 visitor ids."))
		waitFor(t, browser, "confirmation closed and export cleared", `!document.getElementById("privacy-confirm") && !document.getElementById("privacy-export-json")`)

		if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email = 'ann@example.com'"); n != 0 {
			t.Errorf("contacts with the email = %d, want 0", n)
		}
		if n := dbtest.Count(t, ts.Store.DB(), "event_occurrences WHERE contact_id = "+itoa(contactID)); n != 0 {
			t.Errorf("occurrences of the erased contact = %d, want 0", n)
		}
		if n := dbtest.Count(t, ts.Store.DB(), "contacts WHERE email = 'bob@example.com'"); n != 1 {
			t.Errorf("contacts bob = %d, want 1 kept", n)
		}
		entries, err := ts.Store.PrivacyAudit(ctx, ts.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action+" by "+e.Actor)
		}
		if want := []string{"export by admin@example.com", "erase by admin@example.com"}; !reflect.DeepEqual(actions, want) {
			t.Errorf("audit = %v, want %v", actions, want)
		}

		// Erasing again reports that the contact is gone.
		typeInto(t, browser, "#privacy-email", "ann@example.com")
		click(t, browser, "#privacy-erase")
		waitFor(t, browser, "second confirmation", `!!document.getElementById("privacy-confirm-email")`)
		typeInto(t, browser, "#privacy-confirm-email", "ann@example.com")
		waitFor(t, browser, "confirm button enabled", `!document.getElementById("privacy-confirm-erase").disabled`)
		click(t, browser, "#privacy-confirm-erase")
		waitFor(t, browser, "not found error", textIs("#privacy-error", `ann@example.com could not be erased: Contact with email "ann@example.com" was not found in this account. Check the spelling. A contact that was already erased is not found either.`))
	})

	t.Run("invalid email", func(t *testing.T) {
		typeInto(t, browser, "#privacy-email", "ann@")
		click(t, browser, "#privacy-erase")
		waitFor(t, browser, "email error", textIs("#privacy-email-error", `Email "ann@" is not a valid address: use the form name@example.com.`))
		if evalValue[bool](t, browser, `!!document.getElementById("privacy-confirm")`) {
			t.Error("confirmation shown for an invalid email")
		}
	})

	t.Run("retention", func(t *testing.T) {
		typeInto(t, browser, "#retention-months", "0")
		click(t, browser, "#retention-save")
		waitFor(t, browser, "range error", textIs("#retention-months-error", "Retention of 0 months is out of range: choose from 1 to 120 months."))

		typeInto(t, browser, "#retention-months", "13")
		click(t, browser, "#retention-save")
		waitFor(t, browser, "saved notice", textIs("#retention-notice", "Saved: events older than 13 months are deleted once a day."))
		months, err := ts.Store.RetentionMonths(ctx, ts.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		if months != 13 {
			t.Errorf("stored retention = %d, want 13", months)
		}
		saveScreenshot(t, browser, "privacy-settings")
	})
}
