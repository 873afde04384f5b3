// Package segment validates and evaluates segment condition trees and the
// action lists that use them. The admin app and the server both import it,
// so it depends on the standard library and apitype alone.
package segment

import (
	"errors"

	"customevents/app/apitype"
)

// Behaviour answers the behaviour conditions for one contact at one moment:
// the time the event being handled was recorded.
type Behaviour interface {
	// EventCount is how many times the contact triggered the event with
	// this slug in the days before the moment.
	EventCount(slug string, days int) int64
	// VisitedURL reports whether the contact was on a page whose URL
	// contains part in the days before the moment.
	VisitedURL(part string, days int) bool
}

// Facts is what conditions can test about a contact.
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

var errNotBuilt = errors.New("segment: not built yet")

// Validate checks a condition tree.
func Validate(seg apitype.Segment) *apitype.ValidationError {
	return nil
}

// ValidateActionList checks the global and conditional actions of an action
// set or of an event's on-the-fly setup.
func ValidateActionList(list apitype.ActionList) *apitype.ValidationError {
	return nil
}

// ValidateEventActions checks what an event runs when it fires.
func ValidateEventActions(ea apitype.EventActions) *apitype.ValidationError {
	return nil
}

// Evaluate reports whether the contact described by f matches seg.
func Evaluate(seg apitype.Segment, f Facts) bool {
	panic(errNotBuilt)
}
