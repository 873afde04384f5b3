package db_test

import (
	"context"
	"encoding/json"
	"math/rand"
	"slices"
	"testing"
	"time"

	"customevents/app/apitype"
	"customevents/app/segment"
	"customevents/db"
	"customevents/db/dbtest"
)

// Pools that the random contacts and trees draw from. Condition values mix
// case, accents, white space and LIKE wildcards, so that each text rule of
// the segment package meets data it could get wrong.
var (
	agreeFirstNames   = []string{"Ann", "ann", "ANNA", "Bob", "Élodie", "élodie", "Zoë", "", "  "}
	agreeCompanies    = []string{"Acme", "ACME Corp", "acme corp", "Initech", "Straße GmbH", "100%_Club", "", " \t"}
	agreeJobTitles    = []string{"CEO", "Head of Growth", "growth lead", "", "Ingénieur"}
	agreeCustomKeys   = []string{"plan", "city", "size"}
	agreeCustomValues = []string{"Pro", "pro", "PRO ", "free", "Zürich", "ZÜRICH", "", " "}
	agreeScores       = []int64{-10, 0, 5, 10, 50, 100}
	agreeTags         = []string{"vip", "trial user", "churned", "été"}
	agreeSlugs        = []string{"demo", "signup", "pricing-view"}
	agreePages        = []string{
		"https://example.com/pricing", "https://example.com/PRICING?x=1", "https://example.com/blog/a_b%c",
		"https://example.com/", "https://example.com/über", "",
	}
	// Occurrences sit half a day off every whole day, so a window of whole
	// days never ends within 12 hours of one, and SQL's now() and the
	// test's clock cannot disagree.
	agreeAgesInDays = []float64{-1.5, 0.5, 1.5, 2.5, 5.5, 6.5, 13.5, 29.5, 30.5, 89.5}

	agreeTextValues = []string{
		"ann", "ANN", "an", "Bob", "élodie", "ÉLO", "zoë", "acme", "Acme Corp", "corp", "straße", "STRASSE",
		"100%_club", "%", "_", "ceo", "growth", "ingÉnieur", "pro", "PRO ", "zür", "free", "x", "@example.com",
		"user1@example.com",
	}
	agreeDays     = []int{1, 2, 3, 7, 14, 30, 90}
	agreeURLParts = []string{"pricing", "/PRICING", "a_b%c", "%", "_", "über", "ÜBER", "example.com/", "?x=1"}
)

func pick[T any](r *rand.Rand, pool []T) T {
	return pool[r.Intn(len(pool))]
}

// agreementFixture inserts 30 random contacts and their occurrences.
func agreementFixture(t *testing.T, r *rand.Rand, f *dbtest.Fixture, now time.Time) (ids, lists []int64) {
	bdb := f.Store.DB()
	account := f.Account.ID
	for _, name := range []string{"A", "B", "C"} {
		lists = append(lists, insertList(t, bdb, account, name))
	}
	events := map[string]int64{}
	for _, slug := range agreeSlugs {
		events[slug] = insertEvent(t, bdb, account, slug)
	}
	// A deleted event that had the demo slug: its occurrences never count.
	oldDemo := insertEvent(t, bdb, account, "old")
	if _, err := bdb.NewRaw("UPDATE custom_events SET slug = 'demo', deleted_at = now() WHERE id = ?", oldDemo).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventIDs := []int64{events["demo"], events["signup"], events["pricing-view"], oldDemo}

	for i := range 30 {
		s := contactSpec{
			FirstName: pick(r, agreeFirstNames),
			LastName:  pick(r, agreeFirstNames),
			Company:   pick(r, agreeCompanies),
			JobTitle:  pick(r, agreeJobTitles),
			Custom:    map[string]string{},
			Score:     pick(r, agreeScores),
			Stage:     pick(r, apitype.LifecycleStages),
		}
		if r.Intn(4) > 0 {
			s.Email = "user" + itoa(int64(i)) + "@example.com"
		}
		for _, key := range agreeCustomKeys {
			if r.Intn(2) == 0 {
				s.Custom[key] = pick(r, agreeCustomValues)
			}
		}
		for _, list := range lists {
			if r.Intn(2) == 0 {
				s.Lists = append(s.Lists, list)
			}
		}
		for _, tag := range agreeTags {
			if r.Intn(3) == 0 {
				s.Tags = append(s.Tags, tag)
			}
		}
		id := insertContact(t, bdb, account, s)
		ids = append(ids, id)

		for range r.Intn(6) {
			age := time.Duration(pick(r, agreeAgesInDays) * float64(24*time.Hour))
			insertOccurrence(t, bdb, account, pick(r, eventIDs), id, now.Add(-age), pick(r, agreePages))
		}
	}
	return ids, lists
}

// randomCondition returns a valid random node at the given group depth.
func randomCondition(r *rand.Rand, lists []int64, depth int) apitype.Condition {
	if depth < segment.MaxGroupDepth-1 && r.Intn(3) == 0 {
		c := apitype.Condition{Kind: apitype.ConditionGroup, Match: pick(r, []string{segment.MatchAll, segment.MatchAny})}
		for range 1 + r.Intn(4) {
			c.Conditions = append(c.Conditions, randomCondition(r, lists, depth+1))
		}
		return c
	}
	switch r.Intn(8) {
	case 0, 1:
		c := apitype.Condition{
			Kind:  apitype.ConditionField,
			Field: pick(r, []string{"email", "first_name", "last_name", "company", "job_title", "custom.plan", "custom.city", "custom.size"}),
			Op:    pick(r, []string{segment.OpEquals, segment.OpContains, segment.OpStartsWith, segment.OpIsEmpty, segment.OpInList}),
		}
		switch c.Op {
		case segment.OpIsEmpty:
		case segment.OpInList:
			for range 1 + r.Intn(4) {
				c.Values = append(c.Values, pick(r, append(agreeTextValues, agreeCompanies[:6]...)))
			}
		default:
			c.Value = pick(r, append(agreeTextValues, agreeFirstNames[:7]...))
		}
		return c
	case 2:
		c := apitype.Condition{Kind: apitype.ConditionLeadScore, Op: pick(r, []string{segment.OpEq, segment.OpLt, segment.OpGt, segment.OpBetween})}
		c.Number = pick(r, agreeScores)
		if c.Op == segment.OpBetween {
			c.Number2 = c.Number + pick(r, []int64{0, 5, 40, 100})
		}
		return c
	case 3:
		if r.Intn(2) == 0 {
			return apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: segment.OpEquals, Value: pick(r, apitype.LifecycleStages)}
		}
		stages := slices.Clone(apitype.LifecycleStages)
		r.Shuffle(len(stages), func(i, j int) { stages[i], stages[j] = stages[j], stages[i] })
		return apitype.Condition{Kind: apitype.ConditionLifecycleStage, Op: segment.OpInList, Values: stages[:1+r.Intn(3)]}
	case 4:
		return apitype.Condition{Kind: apitype.ConditionList, Op: pick(r, []string{segment.OpMember, segment.OpNotMember}), ListID: pick(r, lists)}
	case 5:
		return apitype.Condition{Kind: apitype.ConditionTag, Op: pick(r, []string{segment.OpHas, segment.OpNotHas}), Value: pick(r, append(agreeTags, "missing"))}
	case 6:
		return apitype.Condition{Kind: apitype.ConditionEventCount, Event: pick(r, append(agreeSlugs, "webinar")), Number: 1 + int64(r.Intn(3)), Days: pick(r, agreeDays)}
	}
	return apitype.Condition{Kind: apitype.ConditionVisitedURL, Value: pick(r, agreeURLParts), Days: pick(r, agreeDays)}
}

// TestSegmentSQLAgreesWithEvaluate checks, for a few hundred random trees
// over random contacts, that SQL selects exactly the contacts that the Go
// evaluator accepts with facts and behaviour read from the database.
func TestSegmentSQLAgreesWithEvaluate(t *testing.T) {
	ctx := context.Background()
	f := dbtest.NewFixture(t)
	bdb := f.Store.DB()
	r := rand.New(rand.NewSource(20261204))
	now := time.Now()
	ids, lists := agreementFixture(t, r, f, now)

	facts := make([]segment.Facts, len(ids))
	lookups := make([]*db.BehaviourLookup, len(ids))
	for i, id := range ids {
		var err error
		if facts[i], err = db.ContactFacts(ctx, bdb, f.Account.ID, id); err != nil {
			t.Fatal(err)
		}
		lookups[i] = db.ContactBehaviour(ctx, bdb, f.Account.ID, id, time.Now())
		facts[i].Behaviour = lookups[i]
	}

	const trees = 300
	mixed := 0 // trees that match some contacts but not all
	for n := range trees {
		seg := apitype.Segment{Version: apitype.SegmentVersion, Root: randomCondition(r, lists, 0)}
		if verr := segment.Validate(seg); verr != nil {
			t.Fatalf("tree %d is invalid: %v", n, verr)
		}

		want := []int64{}
		for i, id := range ids {
			if segment.Evaluate(seg, facts[i]) {
				want = append(want, id)
			}
			if err := lookups[i].Err(); err != nil {
				t.Fatalf("behaviour of contact %d: %v", id, err)
			}
		}
		got, err := db.SegmentContactIDs(ctx, bdb, f.Account.ID, seg)
		if err != nil {
			t.Fatalf("tree %d: %v", n, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("tree %d %s:\nSQL selects %v\nEvaluate accepts %v", n, encodeSegment(t, seg), got, want)
		}
		if len(want) > 0 && len(want) < len(ids) {
			mixed++
		}
	}
	// Trees that match everyone or no one prove little, so most must split
	// the contacts.
	if mixed < trees/2 {
		t.Errorf("%d of %d trees split the contacts, want at least half", mixed, trees)
	}
	t.Logf("%d of %d trees split the contacts", mixed, trees)
}

func encodeSegment(t *testing.T, seg apitype.Segment) string {
	out, err := json.Marshal(seg)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
