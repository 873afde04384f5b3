package db

import "customevents/app/segment"

// ActionSnapshot is the snapshot column of action_jobs: the event and the
// contact as they were when the occurrence was recorded, before any of its
// actions ran. The enqueue_event_actions trigger writes it.
type ActionSnapshot struct {
	Event   EventSnapshot   `json:"event"`
	Contact ContactSnapshot `json:"contact"`
}

// EventSnapshot names the custom event of an occurrence.
type EventSnapshot struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// ContactSnapshot is a contact with its list memberships and tags.
type ContactSnapshot struct {
	ID int64 `json:"id"`
	// Email is nil for an anonymous contact.
	Email          *string           `json:"email"`
	FirstName      string            `json:"firstName"`
	LastName       string            `json:"lastName"`
	Company        string            `json:"company"`
	JobTitle       string            `json:"jobTitle"`
	LeadScore      int64             `json:"leadScore"`
	LifecycleStage string            `json:"lifecycleStage"`
	CustomFields   map[string]string `json:"customFields"`
	ListIDs        []int64           `json:"listIds"`
	Tags           []string          `json:"tags"`
}

// Facts returns what segment conditions test about the contact. b
// evaluates the behaviour conditions.
func (c ContactSnapshot) Facts(b segment.Behaviour) segment.Facts {
	f := segment.Facts{
		FirstName:      c.FirstName,
		LastName:       c.LastName,
		Company:        c.Company,
		JobTitle:       c.JobTitle,
		CustomFields:   c.CustomFields,
		LeadScore:      c.LeadScore,
		LifecycleStage: c.LifecycleStage,
		ListIDs:        c.ListIDs,
		Tags:           c.Tags,
		Behaviour:      b,
	}
	if c.Email != nil {
		f.Email = *c.Email
	}
	return f
}
