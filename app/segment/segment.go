// Package segment validates and evaluates segment condition trees and the
// action lists that use them. The admin app and the server both import it,
// so it depends on the standard library, golang.org/x/text/unicode/norm and
// apitype alone.
//
// Text comparison rules, which the SQL form of a tree in package db follows
// as well:
//   - equals, contains, starts_with and in_list ignore case. Both sides are
//     folded with Fold, which maps every character to its Unicode simple
//     lowercase, so "ACME" equals "acme" and "Élodie" equals "élodie".
//   - Condition values are also put in Unicode NFC (FoldValue), the form
//     of stored emails and names, so "jo\u0308rg@example.com" with a
//     combining diaeresis equals the stored "jörg@example.com". Email
//     values also have their whole punycode domain labels decoded
//     (ConditionValue), as stored emails have.
//   - No side is trimmed, except for is_empty: a value is empty when only
//     white space (Unicode White_Space, see Blank) remains after trimming.
//   - A missing custom field and a contact without email compare as "".
//   - Lifecycle stages and tags compare exactly. Stages come from a fixed
//     list, and tags are stored in lowercase (see NormalizeTag).
//   - visited_url matches when the page URL, folded, contains the folded
//     value. No character in the value is a wildcard.
//   - A day in event_count and visited_url is 24 hours.
package segment

import (
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"customevents/app/apitype"
)

// Behaviour evaluates the behaviour conditions for one contact at one moment:
// the time the event being handled was recorded.
type Behaviour interface {
	// EventCount is how many times the contact triggered the event with
	// this slug in the days before the moment.
	EventCount(slug string, days int) int64
	// VisitedURL reports whether the contact was on a page whose URL
	// contains part in the days before the moment.
	VisitedURL(part string, days int) bool
}

// Facts is what conditions can test about a contact. Tags are lowercase, as
// stored. A nil Behaviour counts no events and no visits.
type Facts struct {
	Email          string
	FirstName      string
	LastName       string
	Company        string
	JobTitle       string
	CustomFields   map[string]string
	LeadScore      int64
	LifecycleStage string
	ListIDs        []int64
	Tags           []string
	Behaviour      Behaviour
}

// Blank lists the characters that is_empty trims: exactly the runes for
// which unicode.IsSpace is true, so strings.TrimSpace trims the same set.
// The SQL form passes this string to btrim.
const Blank = "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005" +
	"\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

// Fold maps each character of s to its Unicode simple lowercase
// (unicode.ToLower), the case folding of every text comparison. For valid
// UTF-8 it is strings.ToLower.
func Fold(s string) string {
	return strings.ToLower(s)
}

// FoldValue folds the value of a text condition and puts it in NFC, the
// form of stored emails, names, companies and the fields that actions set.
// Values are not trimmed, unlike stored emails.
func FoldValue(value string) string {
	return norm.NFC.String(Fold(value))
}

// ConditionValue folds the value of a text condition on field as FoldValue
// does. Stored emails have their punycode domain labels decoded, so the
// labels of an email value are decoded too: ann@xn--bcher-kva.example
// finds ann@bücher.example.
func ConditionValue(field, value string) string {
	folded := FoldValue(value)
	if field != FieldEmail {
		return folded
	}
	return apitype.DecodePunycodeLabels(folded)
}

// Evaluate reports whether the contact described by f matches seg. It
// expects a tree that Validate accepts. A node it cannot read, such as an
// unknown kind or operator, does not match.
func Evaluate(seg apitype.Segment, f Facts) bool {
	return evaluate(seg.Root, &f)
}

func evaluate(c apitype.Condition, f *Facts) bool {
	switch c.Kind {
	case apitype.ConditionGroup:
		return evaluateGroup(c, f)
	case apitype.ConditionField:
		value, ok := fieldValue(c.Field, f)
		return ok && matchText(c, value)
	case apitype.ConditionLeadScore:
		return matchScore(c, f.LeadScore)
	case apitype.ConditionLifecycleStage:
		return matchStage(c, f.LifecycleStage)
	case apitype.ConditionList:
		return matchMembership(c.Op, OpMember, OpNotMember, slices.Contains(f.ListIDs, c.ListID))
	case apitype.ConditionTag:
		return matchMembership(c.Op, OpHas, OpNotHas, slices.Contains(f.Tags, c.Value))
	case apitype.ConditionEventCount:
		return f.Behaviour != nil && f.Behaviour.EventCount(c.Event, c.Days) >= c.Number
	case apitype.ConditionVisitedURL:
		return f.Behaviour != nil && f.Behaviour.VisitedURL(c.Value, c.Days)
	}
	return false
}

// evaluateGroup applies Match to the children. An empty "all" group matches
// and an empty "any" group does not, as with an empty AND and OR.
func evaluateGroup(c apitype.Condition, f *Facts) bool {
	switch c.Match {
	case MatchAll:
		for _, child := range c.Conditions {
			if !evaluate(child, f) {
				return false
			}
		}
		return true
	case MatchAny:
		for _, child := range c.Conditions {
			if evaluate(child, f) {
				return true
			}
		}
	}
	return false
}

// fieldValue returns the contact field that a field condition names.
func fieldValue(field string, f *Facts) (string, bool) {
	switch field {
	case FieldEmail:
		return f.Email, true
	case FieldFirstName:
		return f.FirstName, true
	case FieldLastName:
		return f.LastName, true
	case FieldCompany:
		return f.Company, true
	case FieldJobTitle:
		return f.JobTitle, true
	}
	if name, ok := CustomFieldName(field); ok {
		return f.CustomFields[name], true
	}
	return "", false
}

func matchText(c apitype.Condition, value string) bool {
	switch c.Op {
	case OpEquals:
		return Fold(value) == ConditionValue(c.Field, c.Value)
	case OpContains:
		return strings.Contains(Fold(value), ConditionValue(c.Field, c.Value))
	case OpStartsWith:
		return strings.HasPrefix(Fold(value), ConditionValue(c.Field, c.Value))
	case OpIsEmpty:
		return strings.TrimSpace(value) == ""
	case OpInList:
		folded := Fold(value)
		return slices.ContainsFunc(c.Values, func(v string) bool { return ConditionValue(c.Field, v) == folded })
	}
	return false
}

func matchScore(c apitype.Condition, score int64) bool {
	switch c.Op {
	case OpEq:
		return score == c.Number
	case OpLt:
		return score < c.Number
	case OpGt:
		return score > c.Number
	case OpBetween:
		return c.Number <= score && score <= c.Number2
	}
	return false
}

func matchStage(c apitype.Condition, stage string) bool {
	switch c.Op {
	case OpEquals:
		return stage == c.Value
	case OpInList:
		return slices.Contains(c.Values, stage)
	}
	return false
}

// matchMembership applies a positive or negative membership operator.
func matchMembership(op, positive, negative string, isMember bool) bool {
	switch op {
	case positive:
		return isMember
	case negative:
		return !isMember
	}
	return false
}
