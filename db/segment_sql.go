package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"customevents/app/apitype"
	"customevents/app/segment"
)

// CompileSegment validates seg and returns it as a SQL condition over
// `contacts AS c`, with bun `?` placeholders and their arguments in order.
// Behaviour conditions look at the days before now(). The condition does
// not filter on the account: callers add c.account_id = ?. Text tests use
// segment_fold, which folds case exactly as segment.Fold does. An invalid
// tree returns its *apitype.ValidationError.
func CompileSegment(seg apitype.Segment) (string, []any, error) {
	if verr := segment.Validate(seg); verr != nil {
		return "", nil, verr
	}
	q := segmentSQL{at: "now()"}
	q.condition(seg.Root)
	return q.b.String(), q.args, nil
}

// CountSegment counts the account's contacts that match seg now.
func CountSegment(ctx context.Context, idb bun.IDB, accountID int64, seg apitype.Segment) (int64, error) {
	where, args, err := CompileSegment(seg)
	if err != nil {
		return 0, err
	}
	var n int64
	query := "SELECT count(*) FROM contacts AS c WHERE c.account_id = ? AND (" + where + ")"
	if err := idb.NewRaw(query, append([]any{accountID}, args...)...).Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("count segment of account %d: %w", accountID, err)
	}
	return n, nil
}

// SegmentContactIDs returns the ids of the account's contacts that match seg
// now, in ascending order.
func SegmentContactIDs(ctx context.Context, idb bun.IDB, accountID int64, seg apitype.Segment) ([]int64, error) {
	where, args, err := CompileSegment(seg)
	if err != nil {
		return nil, err
	}
	ids := []int64{}
	query := "SELECT c.id FROM contacts AS c WHERE c.account_id = ? AND (" + where + ") ORDER BY c.id"
	if err := idb.NewRaw(query, append([]any{accountID}, args...)...).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("list segment contacts of account %d: %w", accountID, err)
	}
	return ids, nil
}

// segmentSQL writes the SQL form of a validated tree. Every value from the
// tree goes into args; the SQL text holds only fixed fragments.
type segmentSQL struct {
	b    strings.Builder
	args []any
	// at is the SQL for the moment behaviour conditions look back from:
	// now(), or a placeholder whose value atArg holds.
	at    string
	atArg any
}

func (q *segmentSQL) write(sql string, args ...any) {
	q.b.WriteString(sql)
	q.args = append(q.args, args...)
}

func (q *segmentSQL) condition(c apitype.Condition) {
	switch c.Kind {
	case apitype.ConditionGroup:
		q.group(c)
	case apitype.ConditionField:
		q.field(c)
	case apitype.ConditionLeadScore:
		q.leadScore(c)
	case apitype.ConditionLifecycleStage:
		if c.Op == segment.OpInList {
			q.write("c.lifecycle_stage IN (?)", bun.In(c.Values))
		} else {
			q.write("c.lifecycle_stage = ?", c.Value)
		}
	case apitype.ConditionList:
		q.write(notIf(c.Op == segment.OpNotMember)+"EXISTS (SELECT 1 FROM contact_list_members AS m"+
			" WHERE m.account_id = c.account_id AND m.list_id = ? AND m.contact_id = c.id)", c.ListID)
	case apitype.ConditionTag:
		q.write(notIf(c.Op == segment.OpNotHas)+"EXISTS (SELECT 1 FROM contact_tags AS t"+
			" WHERE t.account_id = c.account_id AND t.contact_id = c.id AND t.tag = ?)", c.Value)
	case apitype.ConditionEventCount:
		q.eventCount(c.Event, c.Days, c.Number)
		q.write(" >= ?", c.Number)
	case apitype.ConditionVisitedURL:
		q.visitedURL(c.Value, c.Days)
	default:
		// Validate accepts no other kind.
		panic(fmt.Sprintf("segment SQL: unknown condition kind %q", c.Kind))
	}
}

func notIf(negate bool) string {
	if negate {
		return "NOT "
	}
	return ""
}

func (q *segmentSQL) group(c apitype.Condition) {
	joiner := " AND "
	if c.Match == segment.MatchAny {
		joiner = " OR "
	}
	q.write("(")
	for i, child := range c.Conditions {
		if i > 0 {
			q.write(joiner)
		}
		q.condition(child)
	}
	q.write(")")
}

// field writes a text test. Both sides are folded as segment.Evaluate
// folds them: the column by segment_fold, which is segment.Fold, and the
// value in Go by segment.ConditionValue.
func (q *segmentSQL) field(c apitype.Condition) {
	column, columnArgs := fieldColumn(c.Field)
	folded := "segment_fold(" + column + ")"
	switch c.Op {
	case segment.OpEquals:
		q.write(folded+" = ?", append(columnArgs, segment.ConditionValue(c.Field, c.Value))...)
	case segment.OpContains:
		q.write("strpos("+folded+", ?) > 0", append(columnArgs, segment.ConditionValue(c.Field, c.Value))...)
	case segment.OpStartsWith:
		q.write("starts_with("+folded+", ?)", append(columnArgs, segment.ConditionValue(c.Field, c.Value))...)
	case segment.OpIsEmpty:
		q.write("btrim("+column+", ?) = ''", append(columnArgs, segment.Blank)...)
	case segment.OpInList:
		values := make([]string, len(c.Values))
		for i, v := range c.Values {
			values[i] = segment.ConditionValue(c.Field, v)
		}
		q.write(folded+" IN (?)", append(columnArgs, bun.In(values))...)
	}
}

// fieldColumn returns the SQL for a contact field, "" when it is unset.
func fieldColumn(field string) (string, []any) {
	switch field {
	case segment.FieldEmail:
		return "coalesce(c.email, '')", nil
	case segment.FieldFirstName:
		return "c.first_name", nil
	case segment.FieldLastName:
		return "c.last_name", nil
	case segment.FieldCompany:
		return "c.company", nil
	case segment.FieldJobTitle:
		return "c.job_title", nil
	}
	name, _ := segment.CustomFieldName(field)
	return "coalesce(c.custom_fields ->> ?, '')", []any{name}
}

func (q *segmentSQL) leadScore(c apitype.Condition) {
	switch c.Op {
	case segment.OpEq:
		q.write("c.lead_score = ?", c.Number)
	case segment.OpLt:
		q.write("c.lead_score < ?", c.Number)
	case segment.OpGt:
		q.write("c.lead_score > ?", c.Number)
	case segment.OpBetween:
		q.write("c.lead_score BETWEEN ? AND ?", c.Number, c.Number2)
	}
}

// window writes the test that occurrence o happened in the days before the
// moment: in (at - days, at], a day being 24 hours.
func (q *segmentSQL) window(days int) {
	q.write(" AND o.occurred_at > " + q.at)
	if q.atArg != nil {
		q.args = append(q.args, q.atArg)
	}
	q.write(" - make_interval(hours => 24 * ?) AND o.occurred_at <= "+q.at, days)
	if q.atArg != nil {
		q.args = append(q.args, q.atArg)
	}
}

// eventCount writes how many times contact c triggered the account's live
// custom event with this slug in the window, counting at most limit
// occurrences when limit is above 0.
func (q *segmentSQL) eventCount(slug string, days int, limit int64) {
	q.write("(SELECT count(*) FROM (SELECT 1 FROM event_occurrences AS o"+
		" JOIN custom_events AS e ON e.id = o.custom_event_id"+
		" WHERE o.account_id = c.account_id AND o.contact_id = c.id"+
		" AND e.account_id = c.account_id AND e.slug = ? AND e.deleted_at IS NULL", slug)
	q.window(days)
	if limit > 0 {
		q.write(" LIMIT ?", limit)
	}
	q.write(") AS hits)")
}

// visitedURL writes whether an occurrence of any event by contact c in the
// window has a page URL that contains part, both folded. strpos matches
// part literally, so % and _ are no wildcards.
func (q *segmentSQL) visitedURL(part string, days int) {
	q.write("EXISTS (SELECT 1 FROM event_occurrences AS o"+
		" WHERE o.account_id = c.account_id AND o.contact_id = c.id"+
		" AND strpos(segment_fold(o.page_url), ?) > 0", segment.Fold(part))
	q.window(days)
	q.write(")")
}

// ContactBehaviour returns the behaviour of one contact of the account as of
// at, read from event_occurrences: a condition over the last N days counts
// occurrences with occurred_at in (at - N days, at]. Each result is cached,
// so a tree that tests the same event twice queries once. A failed query
// returns 0 or false and records its error for Err. Check Err after
// segment.Evaluate, and retry the evaluation when it is not nil.
func ContactBehaviour(ctx context.Context, idb bun.IDB, accountID, contactID int64, at time.Time) *BehaviourLookup {
	return &BehaviourLookup{
		ctx: ctx, idb: idb, accountID: accountID, contactID: contactID, at: at,
		counts: map[behaviourKey]int64{},
		visits: map[behaviourKey]bool{},
	}
}

// BehaviourLookup implements segment.Behaviour with queries that use the SQL
// of CompileSegment, so the evaluator and CountSegment read behaviour alike.
type BehaviourLookup struct {
	ctx       context.Context
	idb       bun.IDB
	accountID int64
	contactID int64
	at        time.Time
	counts    map[behaviourKey]int64
	visits    map[behaviourKey]bool
	err       error
}

type behaviourKey struct {
	text string
	days int
}

var _ segment.Behaviour = (*BehaviourLookup)(nil)

// Err returns the first query error, or nil.
func (l *BehaviourLookup) Err() error {
	return l.err
}

// EventCount counts the contact's occurrences of the live event with this
// slug in the days before the moment. A contact that no longer exists has 0.
func (l *BehaviourLookup) EventCount(slug string, days int) int64 {
	key := behaviourKey{slug, days}
	if n, ok := l.counts[key]; ok {
		return n
	}
	q := l.builder()
	q.eventCount(slug, days, 0)
	var counts []int64
	if err := l.scan(q, &counts); err != nil {
		l.fail(fmt.Errorf("count event %q of contact %d: %w", slug, l.contactID, err))
		return 0
	}
	var n int64
	if len(counts) == 1 {
		n = counts[0]
	}
	l.counts[key] = n
	return n
}

// VisitedURL reports whether the contact was on a page whose URL contains
// part in the days before the moment.
func (l *BehaviourLookup) VisitedURL(part string, days int) bool {
	key := behaviourKey{part, days}
	if v, ok := l.visits[key]; ok {
		return v
	}
	q := l.builder()
	q.visitedURL(part, days)
	var visits []bool
	if err := l.scan(q, &visits); err != nil {
		l.fail(fmt.Errorf("look up visits of contact %d: %w", l.contactID, err))
		return false
	}
	visited := len(visits) == 1 && visits[0]
	l.visits[key] = visited
	return visited
}

func (l *BehaviourLookup) builder() *segmentSQL {
	return &segmentSQL{at: "?::timestamptz", atArg: l.at}
}

// scan runs the expression that q holds for the contact's row.
func (l *BehaviourLookup) scan(q *segmentSQL, dest any) error {
	query := "SELECT " + q.b.String() + " FROM contacts AS c WHERE c.account_id = ? AND c.id = ?"
	args := append(q.args, l.accountID, l.contactID)
	return l.idb.NewRaw(query, args...).Scan(l.ctx, dest)
}

func (l *BehaviourLookup) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

// ContactFacts loads what segment conditions test about one contact of the
// account, except behaviour: set Facts.Behaviour, for example to
// ContactBehaviour. A missing contact returns an error matching ErrNotFound.
func ContactFacts(ctx context.Context, idb bun.IDB, accountID, contactID int64) (segment.Facts, error) {
	var c Contact
	err := idb.NewSelect().Model(&c).Where("account_id = ? AND id = ?", accountID, contactID).Scan(ctx)
	if isNoRows(err) {
		return segment.Facts{}, &NotFoundError{Resource: "Contact with id", Key: fmt.Sprint(contactID)}
	}
	if err != nil {
		return segment.Facts{}, fmt.Errorf("load contact %d: %w", contactID, err)
	}
	f := segment.Facts{
		FirstName:      c.FirstName,
		LastName:       c.LastName,
		Company:        c.Company,
		JobTitle:       c.JobTitle,
		CustomFields:   c.CustomFields,
		LeadScore:      c.LeadScore,
		LifecycleStage: c.LifecycleStage,
		ListIDs:        []int64{},
		Tags:           []string{},
	}
	if c.Email != nil {
		f.Email = *c.Email
	}

	err = idb.NewRaw("SELECT list_id FROM contact_list_members WHERE account_id = ? AND contact_id = ? ORDER BY list_id",
		accountID, contactID).Scan(ctx, &f.ListIDs)
	if err != nil {
		return segment.Facts{}, fmt.Errorf("load lists of contact %d: %w", contactID, err)
	}
	err = idb.NewRaw("SELECT tag FROM contact_tags WHERE account_id = ? AND contact_id = ? ORDER BY tag",
		accountID, contactID).Scan(ctx, &f.Tags)
	if err != nil {
		return segment.Facts{}, fmt.Errorf("load tags of contact %d: %w", contactID, err)
	}
	return f, nil
}
