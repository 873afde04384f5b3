package db_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
	"customevents/app/segment"
	"customevents/db"
	"customevents/db/dbtest"
)

// contactSpec describes a contact to insert; an empty Email stores NULL.
type contactSpec struct {
	Email, FirstName, LastName, Company, JobTitle string
	Custom                                        map[string]string
	Score                                         int64
	Stage                                         string
	Lists                                         []int64
	Tags                                          []string
}

func insertContact(t testing.TB, bdb bun.IDB, accountID int64, s contactSpec) int64 {
	t.Helper()
	ctx := context.Background()
	c := db.Contact{
		AccountID: accountID, FirstName: s.FirstName, LastName: s.LastName, Company: s.Company,
		JobTitle: s.JobTitle, LeadScore: s.Score, LifecycleStage: s.Stage, CustomFields: s.Custom,
	}
	if s.Email != "" {
		c.Email = &s.Email
	}
	if _, err := bdb.NewInsert().Model(&c).Returning("id").Exec(ctx); err != nil {
		t.Fatalf("insert contact %+v: %v", s, err)
	}
	for _, list := range s.Lists {
		_, err := bdb.NewRaw("INSERT INTO contact_list_members (account_id, list_id, contact_id) VALUES (?, ?, ?)", accountID, list, c.ID).Exec(ctx)
		if err != nil {
			t.Fatalf("add contact %d to list %d: %v", c.ID, list, err)
		}
	}
	for _, tag := range s.Tags {
		_, err := bdb.NewRaw("INSERT INTO contact_tags (account_id, contact_id, tag) VALUES (?, ?, ?)", accountID, c.ID, tag).Exec(ctx)
		if err != nil {
			t.Fatalf("tag contact %d with %q: %v", c.ID, tag, err)
		}
	}
	return c.ID
}

func insertList(t testing.TB, bdb bun.IDB, accountID int64, name string) int64 {
	t.Helper()
	var id int64
	err := bdb.NewRaw("INSERT INTO contact_lists (account_id, name) VALUES (?, ?) RETURNING id", accountID, name).Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("insert list %q: %v", name, err)
	}
	return id
}

func insertAccount(t testing.TB, bdb bun.IDB, siteKey string) int64 {
	t.Helper()
	var id int64
	err := bdb.NewRaw("INSERT INTO accounts (name, site_key) VALUES (?, ?) RETURNING id", "Account "+siteKey, siteKey).Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("insert account: %v", err)
	}
	return id
}

func insertEvent(t testing.TB, bdb bun.IDB, accountID int64, slug string) int64 {
	t.Helper()
	var id int64
	err := bdb.NewRaw("INSERT INTO custom_events (account_id, name, slug) VALUES (?, ?, ?) RETURNING id", accountID, "Event "+slug, slug).Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("insert event %q: %v", slug, err)
	}
	return id
}

func deleteEvent(t testing.TB, bdb bun.IDB, id int64) {
	t.Helper()
	if _, err := bdb.NewRaw("UPDATE custom_events SET deleted_at = now() WHERE id = ?", id).Exec(context.Background()); err != nil {
		t.Fatalf("delete event %d: %v", id, err)
	}
}

func insertOccurrence(t testing.TB, bdb bun.IDB, accountID, eventID, contactID int64, at time.Time, pageURL string) {
	t.Helper()
	_, err := bdb.NewRaw(`INSERT INTO event_occurrences (account_id, custom_event_id, contact_id, occurred_at, page_url, source)
		VALUES (?, ?, ?, ?, ?, 'api')`, accountID, eventID, contactID, at, pageURL).Exec(context.Background())
	if err != nil {
		t.Fatalf("insert occurrence: %v", err)
	}
}

func TestSegmentFoldMatchesGo(t *testing.T) {
	bdb := dbtest.New(t)
	ctx := context.Background()
	check := func(text string) {
		t.Helper()
		var got string
		if err := bdb.NewRaw("SELECT segment_fold(?)", text).Scan(ctx, &got); err != nil {
			t.Fatalf("segment_fold: %v", err)
		}
		want := segment.Fold(text)
		if got == want {
			return
		}
		gotRunes, wantRunes := []rune(got), []rune(want)
		for i := range min(len(gotRunes), len(wantRunes)) {
			if gotRunes[i] != wantRunes[i] {
				t.Fatalf("segment_fold(%U) = %U, segment.Fold = %U: Go's Unicode tables changed, so add a migration that redefines segment_fold from them",
					[]rune(text)[i], gotRunes[i], wantRunes[i])
			}
		}
		t.Fatalf("segment_fold returned %d characters, segment.Fold %d", len(gotRunes), len(wantRunes))
	}

	var ascii strings.Builder
	for r := rune(1); r < utf8.RuneSelf; r++ {
		ascii.WriteRune(r)
	}
	check(ascii.String())

	// Every character of the first four planes but NUL, which text cannot
	// hold, and the surrogates, which UTF-8 cannot encode, in chunks of one
	// plane. No character above them has a lowercase.
	const planes = 4
	for r := rune(planes << 16); r <= unicode.MaxRune; r++ {
		if unicode.ToLower(r) != r {
			t.Fatalf("%U has a lowercase: extend this test to its plane", r)
		}
	}
	for start := rune(0); start < planes<<16; start += 1 << 16 {
		var chunk strings.Builder
		for r := max(start, 1); r < start+1<<16; r++ {
			if r < 0xD800 || r > 0xDFFF {
				chunk.WriteRune(r)
			}
		}
		check(chunk.String())
	}
}

// segmentFixture is a small account whose contacts each test several kinds.
type segmentFixture struct {
	bdb                  *bun.DB
	account              int64
	names                map[int64]string
	customers, prospects int64 // list ids
}

func newSegmentFixture(t *testing.T, now time.Time) *segmentFixture {
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	x := &segmentFixture{bdb: bdb, account: f.Account.ID, names: map[int64]string{}}
	x.customers = insertList(t, bdb, x.account, "Customers")
	x.prospects = insertList(t, bdb, x.account, "Prospects")
	day := 24 * time.Hour

	ann := x.add(t, "ann", contactSpec{
		Email: "ann@example.com", FirstName: "Ann", LastName: "Lee", Company: "ACME Corp", JobTitle: "Head of Growth",
		Custom: map[string]string{"plan": "Pro", "city": "Zürich"}, Score: 50, Stage: "mql",
		Lists: []int64{x.customers}, Tags: []string{"vip"},
	})
	bob := x.add(t, "bob", contactSpec{
		Email: "bob@example.com", FirstName: "Bob", Company: "Initech",
		Custom: map[string]string{"plan": "free"}, Score: 10, Stage: "lead",
		Lists: []int64{x.customers, x.prospects}, Tags: []string{"trial user"},
	})
	anon := x.add(t, "anon", contactSpec{Stage: "subscriber"})
	// Cy's email is in NFC, the form apitype.NormalizeEmail stores.
	cy := x.add(t, "cy", contactSpec{
		Email: "cy.j\u00f6rg@example.com", FirstName: "ÉLODIE", Company: "  ", JobTitle: "CEO",
		Custom: map[string]string{"plan": "PRO ", "blank": " \u00a0"}, Score: -5, Stage: "customer",
		Tags: []string{"vip", "churned"},
	})

	// The deleted demo event shares its slug with the live one, and the
	// other account's demo event has the same slug as well.
	oldDemo := insertEvent(t, bdb, x.account, "demo")
	deleteEvent(t, bdb, oldDemo)
	demo := insertEvent(t, bdb, x.account, "demo")
	signup := insertEvent(t, bdb, x.account, "signup")

	for i := range 3 {
		insertOccurrence(t, bdb, x.account, demo, ann, now.Add(-time.Duration(i+1)*12*time.Hour), "https://example.com/pricing?plan=100%_off")
	}
	insertOccurrence(t, bdb, x.account, signup, ann, now.Add(-20*day), "https://example.com/signup")
	insertOccurrence(t, bdb, x.account, demo, bob, now.Add(-10*day), "https://example.com/blog/pricing-tips")
	insertOccurrence(t, bdb, x.account, oldDemo, anon, now.Add(-day/2), "https://example.com/PRICING")
	insertOccurrence(t, bdb, x.account, demo, cy, now.Add(2*day), "https://example.com/future")
	insertOccurrence(t, bdb, x.account, demo, cy, now.Add(-40*day), "https://example.com/pricing")

	// Another account's twin of ann, which no query of this account may return.
	other := insertAccount(t, bdb, "other-site")
	otherList := insertList(t, bdb, other, "Customers")
	twin := insertContact(t, bdb, other, contactSpec{
		Email: "ann@example.com", FirstName: "Ann", LastName: "Lee", Company: "ACME Corp", JobTitle: "Head of Growth",
		Custom: map[string]string{"plan": "Pro"}, Score: 50, Stage: "mql", Lists: []int64{otherList}, Tags: []string{"vip"},
	})
	otherDemo := insertEvent(t, bdb, other, "demo")
	insertOccurrence(t, bdb, other, otherDemo, twin, now.Add(-day/2), "https://example.com/pricing")
	return x
}

func (x *segmentFixture) add(t *testing.T, name string, s contactSpec) int64 {
	id := insertContact(t, x.bdb, x.account, s)
	x.names[id] = name
	return id
}

func (x *segmentFixture) nameList(ids []int64) []string {
	names := []string{}
	for _, id := range ids {
		names = append(names, x.names[id])
	}
	slices.Sort(names)
	return names
}

func TestCountSegmentEachKind(t *testing.T) {
	ctx := context.Background()
	x := newSegmentFixture(t, time.Now())
	field := func(field, op, value string, values ...string) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionField, Field: field, Op: op, Value: value, Values: values}
	}
	score := func(op string, n, n2 int64) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionLeadScore, Op: op, Number: n, Number2: n2}
	}
	count := func(slug string, n int64, days int) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionEventCount, Event: slug, Number: n, Days: days}
	}
	visited := func(part string, days int) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionVisitedURL, Value: part, Days: days}
	}
	tag := func(op, value string) apitype.Condition {
		return apitype.Condition{Kind: apitype.ConditionTag, Op: op, Value: value}
	}

	tests := []struct {
		name string
		cond apitype.Condition
		want []string
	}{
		{"email equals ignores case", field("email", "equals", "ANN@Example.com"), []string{"ann"}},
		{"email is empty", field("email", "is_empty", ""), []string{"anon"}},
		{"email contains", field("email", "contains", "@example."), []string{"ann", "bob", "cy"}},
		{"email equals combining accent", field("email", "equals", "CY.JO\u0308RG@example.com"), []string{"cy"}},
		{"email contains combining accent", field("email", "contains", "o\u0308rg@"), []string{"cy"}},
		{"email starts with combining accent", field("email", "starts_with", "cy.jo\u0308"), []string{"cy"}},
		{"email in list combining accent", field("email", "in_list", "", "cy.jo\u0308rg@example.com", "x@example.com"), []string{"cy"}},
		{"email plain o", field("email", "equals", "cy.jorg@example.com"), []string{}},
		{"first name non-ASCII case", field("first_name", "equals", "élodie"), []string{"cy"}},
		{"first name starts with", field("first_name", "starts_with", "AN"), []string{"ann"}},
		{"last name is empty", field("last_name", "is_empty", ""), []string{"anon", "bob", "cy"}},
		{"company spaces are empty", field("company", "is_empty", ""), []string{"anon", "cy"}},
		{"company contains", field("company", "contains", "corp"), []string{"ann"}},
		{"company in list", field("company", "in_list", "", "initech", "Acme Corp", "Globex"), []string{"ann", "bob"}},
		{"job title equals", field("job_title", "equals", "ceo"), []string{"cy"}},
		{"custom equals not trimmed", field("custom.plan", "equals", "pro"), []string{"ann"}},
		{"custom starts with", field("custom.plan", "starts_with", "pro"), []string{"ann", "cy"}},
		{"custom non-ASCII contains", field("custom.city", "contains", "ZÜR"), []string{"ann"}},
		{"custom missing is empty", field("custom.city", "is_empty", ""), []string{"anon", "bob", "cy"}},
		{"custom blank is empty", field("custom.blank", "is_empty", ""), []string{"ann", "anon", "bob", "cy"}},
		{"custom missing equals", field("custom.size", "equals", "l"), []string{}},
		{"score eq", score("eq", 10, 0), []string{"bob"}},
		{"score eq zero", score("eq", 0, 0), []string{"anon"}},
		{"score lt", score("lt", 10, 0), []string{"anon", "cy"}},
		{"score gt", score("gt", 10, 0), []string{"ann"}},
		{"score between inclusive", score("between", -5, 10), []string{"anon", "bob", "cy"}},
		{"stage equals", apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: "equals", Value: "lead"}, []string{"bob"}},
		{"stage in list", apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: "in_list", Values: []string{"mql", "customer"}}, []string{"ann", "cy"}},
		{"list member", apitype.Condition{Kind: apitype.ConditionList, Op: "member", ListID: x.customers}, []string{"ann", "bob"}},
		{"list not member", apitype.Condition{Kind: apitype.ConditionList, Op: "not_member", ListID: x.prospects}, []string{"ann", "anon", "cy"}},
		{"list of other account", apitype.Condition{Kind: apitype.ConditionList, Op: "member", ListID: x.customers + 2}, []string{}},
		{"tag has", tag("has", "vip"), []string{"ann", "cy"}},
		{"tag with space", tag("has", "trial user"), []string{"bob"}},
		{"tag not has", tag("not_has", "vip"), []string{"anon", "bob"}},
		{"events in window", count("demo", 3, 2), []string{"ann"}},
		{"events over number", count("demo", 1, 30), []string{"ann", "bob"}},
		{"events under number", count("demo", 4, 30), []string{}},
		{"events outside window", count("demo", 1, 5), []string{"ann"}},
		{"old events in long window", count("demo", 1, 90), []string{"ann", "bob", "cy"}},
		{"other event", count("signup", 1, 30), []string{"ann"}},
		{"unknown event", count("webinar", 1, 30), []string{}},
		{"visited ignores case", visited("/Pricing", 1), []string{"ann", "anon"}},
		{"visited in window", visited("pricing", 11), []string{"ann", "anon", "bob"}},
		{"visited literal wildcards", visited("100%_off", 30), []string{"ann"}},
		{"visited wildcard not matched", visited("pricing%tips", 30), []string{}},
		{"visited underscore not matched", visited("pricing_tips", 30), []string{}},
		{"visited future excluded", visited("/future", 30), []string{}},
		{
			"all group",
			apitype.Condition{Kind: apitype.ConditionGroup, Match: "all", Conditions: []apitype.Condition{tag("has", "vip"), score("gt", 0, 0)}},
			[]string{"ann"},
		},
		{
			"any group with nested all",
			apitype.Condition{Kind: apitype.ConditionGroup, Match: "any", Conditions: []apitype.Condition{
				field("email", "is_empty", ""),
				{Kind: apitype.ConditionGroup, Match: "all", Conditions: []apitype.Condition{tag("not_has", "vip"), count("demo", 1, 30)}},
			}},
			[]string{"anon", "bob"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg := apitype.Segment{Version: apitype.SegmentVersion, Root: tt.cond}
			ids, err := db.SegmentContactIDs(ctx, x.bdb, x.account, seg)
			if err != nil {
				t.Fatal(err)
			}
			if got := x.nameList(ids); !slices.Equal(got, tt.want) {
				t.Errorf("contacts = %q, want %q", got, tt.want)
			}
			n, err := db.CountSegment(ctx, x.bdb, x.account, seg)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tt.want)) {
				t.Errorf("CountSegment = %d, want %d", n, len(tt.want))
			}
		})
	}
}

func TestCountSegmentRejectsInvalidTree(t *testing.T) {
	bdb := dbtest.New(t)
	seg := apitype.Segment{Version: apitype.SegmentVersion, Root: apitype.Condition{Kind: apitype.ConditionTag, Op: "has", Value: "VIP'; DROP TABLE contacts; --"}}
	_, err := db.CountSegment(context.Background(), bdb, 1, seg)
	var verr *apitype.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("CountSegment error = %v, want a validation error", err)
	}
	if verr.Field != "condition.root.value" {
		t.Errorf("field = %q, want condition.root.value", verr.Field)
	}
}

func TestCountSegmentQuotesValues(t *testing.T) {
	ctx := context.Background()
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	hostile := `O'Brien "Ltd" \ ?`
	insertContact(t, bdb, f.Account.ID, contactSpec{Company: hostile, Custom: map[string]string{"it's": "yes"}, Stage: "lead"})
	insertContact(t, bdb, f.Account.ID, contactSpec{Company: "Other", Stage: "lead"})

	for _, cond := range []apitype.Condition{
		{Kind: apitype.ConditionField, Field: "company", Op: "equals", Value: hostile},
		{Kind: apitype.ConditionField, Field: "company", Op: "in_list", Values: []string{"x", hostile}},
		{Kind: apitype.ConditionField, Field: "company", Op: "contains", Value: `"Ltd" \ ?`},
	} {
		n, err := db.CountSegment(ctx, bdb, f.Account.ID, apitype.Segment{Version: apitype.SegmentVersion, Root: cond})
		if err != nil {
			t.Fatalf("CountSegment %s %s: %v", cond.Field, cond.Op, err)
		}
		if n != 1 {
			t.Errorf("CountSegment %s %s = %d, want 1", cond.Field, cond.Op, n)
		}
	}
}

func TestContactBehaviourWindow(t *testing.T) {
	ctx := context.Background()
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	contact := insertContact(t, bdb, f.Account.ID, contactSpec{Stage: "lead"})
	demo := insertEvent(t, bdb, f.Account.ID, "demo")
	oldDemo := insertEvent(t, bdb, f.Account.ID, "old-demo")
	deleteEvent(t, bdb, oldDemo)

	insertOccurrence(t, bdb, f.Account.ID, demo, contact, at, "https://example.com/a")                              // at: included
	insertOccurrence(t, bdb, f.Account.ID, demo, contact, at.Add(-7*day), "https://example.com/b")                  // exactly 7 days: excluded from 7
	insertOccurrence(t, bdb, f.Account.ID, demo, contact, at.Add(-7*day+time.Microsecond), "https://example.com/c") // just inside 7 days
	insertOccurrence(t, bdb, f.Account.ID, demo, contact, at.Add(time.Microsecond), "https://example.com/d")        // after at: excluded
	insertOccurrence(t, bdb, f.Account.ID, oldDemo, contact, at.Add(-time.Hour), "https://example.com/e")           // deleted event

	b := db.ContactBehaviour(ctx, bdb, f.Account.ID, contact, at)
	counts := []struct {
		slug string
		days int
		want int64
	}{
		{"demo", 1, 1},
		{"demo", 7, 2},
		{"demo", 8, 3},
		{"old-demo", 8, 0},
		{"missing", 8, 0},
	}
	for _, c := range counts {
		if got := b.EventCount(c.slug, c.days); got != c.want {
			t.Errorf("EventCount(%q, %d) = %d, want %d", c.slug, c.days, got, c.want)
		}
	}
	visits := []struct {
		part string
		days int
		want bool
	}{
		{"/A", 1, true},
		{"/b", 7, false},
		{"/b", 8, true},
		{"/c", 7, true},
		{"/d", 30, false},
		{"/e", 1, true}, // a visit counts whatever its event
	}
	for _, v := range visits {
		if got := b.VisitedURL(v.part, v.days); got != v.want {
			t.Errorf("VisitedURL(%q, %d) = %v, want %v", v.part, v.days, got, v.want)
		}
	}
	if err := b.Err(); err != nil {
		t.Errorf("Err = %v, want nil", err)
	}

	missingContact := db.ContactBehaviour(ctx, bdb, f.Account.ID, contact+1000, at)
	if n := missingContact.EventCount("demo", 8); n != 0 {
		t.Errorf("EventCount of a missing contact = %d, want 0", n)
	}
	if missingContact.Err() != nil {
		t.Errorf("Err of a missing contact = %v, want nil", missingContact.Err())
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	failing := db.ContactBehaviour(canceled, bdb, f.Account.ID, contact, at)
	if failing.VisitedURL("/a", 1) {
		t.Error("VisitedURL with a canceled context = true, want false")
	}
	if !errors.Is(failing.Err(), context.Canceled) {
		t.Errorf("Err with a canceled context = %v, want context.Canceled", failing.Err())
	}
}

func TestContactFacts(t *testing.T) {
	ctx := context.Background()
	x := newSegmentFixture(t, time.Now())
	var ann, anon int64
	for id, name := range x.names {
		switch name {
		case "ann":
			ann = id
		case "anon":
			anon = id
		}
	}

	got, err := db.ContactFacts(ctx, x.bdb, x.account, ann)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != "ann@example.com" || got.FirstName != "Ann" || got.LastName != "Lee" || got.Company != "ACME Corp" || got.JobTitle != "Head of Growth" {
		t.Errorf("text fields = %+v, want ann's", got)
	}
	if got.CustomFields["plan"] != "Pro" || got.CustomFields["city"] != "Zürich" || len(got.CustomFields) != 2 {
		t.Errorf("custom fields = %v, want plan and city", got.CustomFields)
	}
	if got.LeadScore != 50 || got.LifecycleStage != "mql" {
		t.Errorf("score, stage = %d, %q, want 50, mql", got.LeadScore, got.LifecycleStage)
	}
	if !slices.Equal(got.ListIDs, []int64{x.customers}) {
		t.Errorf("lists = %v, want [%d]", got.ListIDs, x.customers)
	}
	if !slices.Equal(got.Tags, []string{"vip"}) {
		t.Errorf("tags = %q, want [vip]", got.Tags)
	}

	empty, err := db.ContactFacts(ctx, x.bdb, x.account, anon)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Email != "" || len(empty.CustomFields) != 0 || len(empty.ListIDs) != 0 || len(empty.Tags) != 0 {
		t.Errorf("anonymous facts = %+v, want no email, fields, lists or tags", empty)
	}

	if _, err := db.ContactFacts(ctx, x.bdb, x.account+1, ann); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("ContactFacts in another account: err = %v, want ErrNotFound", err)
	}
}

// Stored emails have punycode domains decoded, so an email condition
// written in punycode finds them, in SQL as in Go. Other fields keep the
// value as written.
func TestCountSegmentPunycodeEmail(t *testing.T) {
	ctx := context.Background()
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	insertContact(t, bdb, f.Account.ID, contactSpec{Email: "ann@b\u00fccher.example", Company: "xn--bcher-kva", Stage: "lead"})
	insertContact(t, bdb, f.Account.ID, contactSpec{Email: "bob@example.com", Stage: "lead"})

	tests := []struct {
		cond apitype.Condition
		want int64
	}{
		{apitype.Condition{Kind: apitype.ConditionField, Field: "email", Op: "equals", Value: "ANN@XN--BCHER-KVA.example"}, 1},
		{apitype.Condition{Kind: apitype.ConditionField, Field: "email", Op: "contains", Value: "@xn--bcher-kva."}, 1},
		{apitype.Condition{Kind: apitype.ConditionField, Field: "email", Op: "in_list", Values: []string{"x@example.com", "ann@xn--bcher-kva.example"}}, 1},
		// Half a label does not decode.
		{apitype.Condition{Kind: apitype.ConditionField, Field: "email", Op: "contains", Value: "xn--bcher"}, 0},
		{apitype.Condition{Kind: apitype.ConditionField, Field: "company", Op: "equals", Value: "xn--bcher-kva"}, 1},
	}
	for _, tt := range tests {
		seg := apitype.Segment{Version: apitype.SegmentVersion, Root: tt.cond}
		n, err := db.CountSegment(ctx, bdb, f.Account.ID, seg)
		if err != nil {
			t.Fatalf("CountSegment %s %s: %v", tt.cond.Field, tt.cond.Op, err)
		}
		if n != tt.want {
			t.Errorf("CountSegment %s %s %q = %d, want %d", tt.cond.Field, tt.cond.Op, tt.cond.Value, n, tt.want)
		}
		facts := segment.Facts{Email: "ann@b\u00fccher.example", Company: "xn--bcher-kva"}
		if got := segment.Evaluate(seg, facts); got != (tt.want == 1) {
			t.Errorf("Evaluate %s %s %q = %v, want %v", tt.cond.Field, tt.cond.Op, tt.cond.Value, got, tt.want == 1)
		}
	}
}
