package apitype

import "time"

// Action modes of a custom event.
const (
	// ActionModeNone tracks and reports the event and runs nothing.
	ActionModeNone = "none"
	// ActionModeOnTheFly runs the event's own global and conditional actions.
	ActionModeOnTheFly = "on_the_fly"
	// ActionModeActionSet runs one linked action set instead.
	ActionModeActionSet = "action_set"
)

// How often an event's actions run for one contact.
const (
	FrequencyEveryTime      = "every_time"
	FrequencyOncePerContact = "once_per_contact"
	// FrequencyOncePerDays runs at most once per contact within
	// EventActions.FrequencyDays days.
	FrequencyOncePerDays = "once_per_days"
)

// Action types.
const (
	ActionAdjustScore    = "adjust_score"     // Delta
	ActionSetField       = "set_field"        // Field, Value
	ActionSetStage       = "set_stage"        // Value: a lifecycle stage
	ActionAddToList      = "add_to_list"      // ListID
	ActionRemoveFromList = "remove_from_list" // ListID
	ActionAddTag         = "add_tag"          // Value: the tag
	ActionRemoveTag      = "remove_tag"       // Value: the tag
	ActionWebhook        = "webhook"          // URL, Secret
	ActionNotifyEmail    = "notify_email"     // To, Subject
)

// LifecycleStages lists the lifecycle stages in funnel order.
var LifecycleStages = []string{"subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist", "other"}

// Action is one step that runs for the contact who triggered an event. Type
// selects which of the other fields it reads.
type Action struct {
	Type string `json:"type"`
	// Delta is the lead score change of adjust_score, positive or negative.
	Delta int64 `json:"delta,omitempty"`
	// Field is the contact field set_field writes: first_name, last_name,
	// company, job_title, or custom.NAME for a custom field.
	Field string `json:"field,omitempty"`
	// Value is the new field value, the lifecycle stage or the tag.
	Value  string `json:"value,omitempty"`
	ListID int64  `json:"listId,omitempty"`
	// URL and Secret configure a webhook: the body is signed with
	// HMAC-SHA256 over Secret.
	URL    string `json:"url,omitempty"`
	Secret string `json:"secret,omitempty"`
	// To and Subject configure an internal notification email.
	To      []string `json:"to,omitempty"`
	Subject string   `json:"subject,omitempty"`
}

// Condition kinds.
const (
	// ConditionGroup combines Conditions with Match "all" (AND) or "any" (OR).
	ConditionGroup = "group"
	// ConditionField compares a contact field (Field: email, first_name,
	// last_name, company, job_title or custom.NAME) with Op equals,
	// contains, starts_with, is_empty or in_list (Values).
	ConditionField = "field"
	// ConditionLeadScore compares the lead score with Op eq, lt, gt or
	// between (Number to Number2, both included).
	ConditionLeadScore = "lead_score"
	// ConditionLifecycleStage matches Op equals (Value) or in_list (Values).
	ConditionLifecycleStage = "lifecycle_stage"
	// ConditionList matches Op member or not_member of ListID.
	ConditionList = "list"
	// ConditionTag matches Op has or not_has of the tag in Value.
	ConditionTag = "tag"
	// ConditionEventCount matches contacts that triggered the event with
	// slug Event at least Number times in the last Days days.
	ConditionEventCount = "event_count"
	// ConditionVisitedURL matches contacts that were on a page whose URL
	// contains Value in the last Days days.
	ConditionVisitedURL = "visited_url"
)

// Condition is one node of a segment condition tree: a group of conditions
// or one test of the contact.
type Condition struct {
	Kind       string      `json:"kind"`
	Match      string      `json:"match,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
	Field      string      `json:"field,omitempty"`
	Op         string      `json:"op,omitempty"`
	Value      string      `json:"value,omitempty"`
	Values     []string    `json:"values,omitempty"`
	Number     int64       `json:"number,omitempty"`
	Number2    int64       `json:"number2,omitempty"`
	ListID     int64       `json:"listId,omitempty"`
	Event      string      `json:"event,omitempty"`
	Days       int         `json:"days,omitempty"`
}

// SegmentVersion is the version of the condition JSON this build writes.
const SegmentVersion = 1

// Segment is a stored condition tree. Version lets later builds read trees
// written by earlier ones.
type Segment struct {
	Version int       `json:"version"`
	Root    Condition `json:"root"`
}

// ConditionalActions runs Actions for contacts that match Condition.
type ConditionalActions struct {
	Condition Segment  `json:"condition"`
	Actions   []Action `json:"actions"`
}

// ActionList is what an event's on-the-fly setup or an action set runs:
// Global for every contact, each Conditional entry for matching contacts.
type ActionList struct {
	Global      []Action             `json:"global"`
	Conditional []ConditionalActions `json:"conditional"`
}

// EventActions is the body of PUT /api/custom-events/:id/actions and its
// response: the actions that run when the event fires.
type EventActions struct {
	Mode          string     `json:"mode"`
	OnTheFly      ActionList `json:"onTheFly"`
	ActionSetID   int64      `json:"actionSetId,omitempty"`
	Frequency     string     `json:"frequency"`
	FrequencyDays int        `json:"frequencyDays,omitempty"`
}

// ActionSetInput is the body of the create and update requests for an
// action set.
type ActionSetInput struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Actions     ActionList `json:"actions"`
}

// EventRef names a custom event in lists such as the events that link an
// action set.
type EventRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// ActionSet is an action set as the admin API returns it.
type ActionSet struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Actions      ActionList `json:"actions"`
	LinkedEvents []EventRef `json:"linkedEvents"`
	CreatedAt    time.Time  `json:"createdAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
}

// ContactList is a static list of contacts.
type ContactList struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Members int64  `json:"members"`
}

// SegmentCount is the response of POST /api/segments/count: how many contacts of the
// account match a condition tree now.
type SegmentCount struct {
	Contacts int64 `json:"contacts"`
}

// Outcomes of one action run.
const (
	RunPending   = "pending"
	RunSucceeded = "succeeded"
	RunSkipped   = "skipped" // its condition did not match, or a merge made it a repeat (see Error)
	RunFailed    = "failed"  // will be retried
	RunDead      = "dead"    // out of attempts
)

// ActionRun is one line of the run log of an event occurrence.
type ActionRun struct {
	OccurrenceID int64     `json:"occurrenceId"`
	Position     int       `json:"position"`
	ActionType   string    `json:"actionType"`
	Outcome      string    `json:"outcome"`
	Attempts     int       `json:"attempts"`
	Error        string    `json:"error,omitempty"`
	UpdatedAt    time.Time `json:"updatedAt"`
	// CustomEventID and OccurredAt name the occurrence, for run logs that
	// span several occurrences.
	CustomEventID int64     `json:"customEventId"`
	OccurredAt    time.Time `json:"occurredAt"`
	// NextAttemptAt is when a pending or failed run is due, nil once it
	// has finished.
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
}
