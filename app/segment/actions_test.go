package segment

import (
	"fmt"
	"strings"
	"testing"

	"customevents/app/apitype"
)

var validActions = []apitype.Action{
	{Type: apitype.ActionAdjustScore, Delta: 10},
	{Type: apitype.ActionAdjustScore, Delta: -MaxScoreDelta},
	{Type: apitype.ActionSetField, Field: FieldFirstName, Value: "Ann"},
	{Type: apitype.ActionSetField, Field: FieldJobTitle},
	{Type: apitype.ActionSetField, Field: "custom.plan", Value: strings.Repeat("é", MaxValueLength)},
	{Type: apitype.ActionSetStage, Value: "opportunity"},
	{Type: apitype.ActionAddToList, ListID: 3},
	{Type: apitype.ActionRemoveFromList, ListID: 3},
	{Type: apitype.ActionAddTag, Value: "vip"},
	{Type: apitype.ActionRemoveTag, Value: "trial user"},
	{Type: apitype.ActionWebhook, URL: "https://example.com/hooks/contact?x=1", Secret: strings.Repeat("s", MinWebhookSecret)},
	{Type: apitype.ActionWebhook, URL: "http://127.0.0.1:8080/", Secret: strings.Repeat("s", MaxWebhookSecret)},
	{Type: apitype.ActionNotifyEmail, To: []string{"sales@example.com"}},
	{Type: apitype.ActionNotifyEmail, To: []string{"a@example.com", "b@example.com"}, Subject: "New demo request"},
}

func TestValidateActionListAcceptsEveryType(t *testing.T) {
	for i, a := range validActions {
		t.Run(fmt.Sprintf("%d %s", i, a.Type), func(t *testing.T) {
			list := apitype.ActionList{
				Global: []apitype.Action{a},
				Conditional: []apitype.ConditionalActions{
					{Condition: tree(tagCond(OpHas, "vip")), Actions: []apitype.Action{a}},
				},
			}
			if verr := ValidateActionList(list); verr != nil {
				t.Errorf("ValidateActionList = %v, want valid", verr)
			}
		})
	}
	if verr := ValidateActionList(apitype.ActionList{}); verr != nil {
		t.Errorf("ValidateActionList of an empty list = %v, want valid", verr)
	}
}

func TestValidateActionRejects(t *testing.T) {
	secret := strings.Repeat("s", MinWebhookSecret)
	tests := []struct {
		name    string
		action  apitype.Action
		field   string
		message string // empty: not checked
	}{
		{
			name:    "missing type",
			action:  apitype.Action{},
			field:   "global[0].type",
			message: "Action type is required: use one of adjust_score, set_field, set_stage, add_to_list, remove_from_list, add_tag, remove_tag, webhook or notify_email.",
		},
		{name: "unknown type", action: apitype.Action{Type: "send_sms"}, field: "global[0].type"},
		{
			name:    "score change zero",
			action:  apitype.Action{Type: apitype.ActionAdjustScore},
			field:   "global[0].delta",
			message: "Score change is required: use a positive number to add points or a negative one to remove them.",
		},
		{
			name:    "score change too large",
			action:  apitype.Action{Type: apitype.ActionAdjustScore, Delta: MaxScoreDelta + 1},
			field:   "global[0].delta",
			message: "Score change 1000001 is out of range: use -1000000 to 1000000.",
		},
		{name: "score change too small", action: apitype.Action{Type: apitype.ActionAdjustScore, Delta: -MaxScoreDelta - 1}, field: "global[0].delta"},
		{
			name:    "score with value",
			action:  apitype.Action{Type: apitype.ActionAdjustScore, Delta: 1, Value: "1"},
			field:   "global[0].value",
			message: "value does not apply to adjust_score actions: remove it.",
		},
		{
			name:    "set email",
			action:  apitype.Action{Type: apitype.ActionSetField, Field: FieldEmail, Value: "a@example.com"},
			field:   "global[0].field",
			message: "Email identifies the contact and cannot be set by an action: choose another field.",
		},
		{name: "set missing field", action: apitype.Action{Type: apitype.ActionSetField, Value: "x"}, field: "global[0].field"},
		{name: "set unknown field", action: apitype.Action{Type: apitype.ActionSetField, Field: "phone", Value: "x"}, field: "global[0].field"},
		{name: "set bad custom field", action: apitype.Action{Type: apitype.ActionSetField, Field: "custom.Plan", Value: "x"}, field: "global[0].field"},
		{name: "set value too long", action: apitype.Action{Type: apitype.ActionSetField, Field: FieldCompany, Value: strings.Repeat("x", MaxValueLength+1)}, field: "global[0].value"},
		{name: "set value with NUL", action: apitype.Action{Type: apitype.ActionSetField, Field: FieldCompany, Value: "a\x00"}, field: "global[0].value"},
		{name: "set unknown stage", action: apitype.Action{Type: apitype.ActionSetStage, Value: "hot"}, field: "global[0].value"},
		{name: "set stage missing", action: apitype.Action{Type: apitype.ActionSetStage}, field: "global[0].value"},
		{name: "add to list without id", action: apitype.Action{Type: apitype.ActionAddToList}, field: "global[0].listId", message: "List id is required: choose a list."},
		{name: "remove from list negative id", action: apitype.Action{Type: apitype.ActionRemoveFromList, ListID: -2}, field: "global[0].listId"},
		{name: "add tag missing", action: apitype.Action{Type: apitype.ActionAddTag}, field: "global[0].value", message: "Tag is required, such as vip."},
		{
			name:    "add tag uppercase",
			action:  apitype.Action{Type: apitype.ActionAddTag, Value: "Hot Lead "},
			field:   "global[0].value",
			message: `Tag "Hot Lead " must be lowercase with no spaces at either end: use "hot lead".`,
		},
		{
			name:    "remove tag too long",
			action:  apitype.Action{Type: apitype.ActionRemoveTag, Value: strings.Repeat("t", MaxTagLength+1)},
			field:   "global[0].value",
			message: "Tag is 65 characters long: use at most 64.",
		},
		{
			name:    "webhook without URL",
			action:  apitype.Action{Type: apitype.ActionWebhook, Secret: secret},
			field:   "global[0].url",
			message: "Webhook URL is required, such as https://example.com/hooks/contact.",
		},
		{
			name:    "webhook relative URL",
			action:  apitype.Action{Type: apitype.ActionWebhook, URL: "/hooks", Secret: secret},
			field:   "global[0].url",
			message: "Webhook URL is not an absolute http or https URL: use the form https://example.com/path.",
		},
		{name: "webhook ftp URL", action: apitype.Action{Type: apitype.ActionWebhook, URL: "ftp://example.com/x", Secret: secret}, field: "global[0].url"},
		{name: "webhook javascript URL", action: apitype.Action{Type: apitype.ActionWebhook, URL: "javascript:alert(1)", Secret: secret}, field: "global[0].url"},
		{name: "webhook URL without host", action: apitype.Action{Type: apitype.ActionWebhook, URL: "https:///x", Secret: secret}, field: "global[0].url"},
		{
			name:    "webhook URL with space",
			action:  apitype.Action{Type: apitype.ActionWebhook, URL: "https://example.com/a b", Secret: secret},
			field:   "global[0].url",
			message: "Webhook URL contains white space or a control character at byte 21: percent-encode it, as %20 for a space.",
		},
		{
			name:    "webhook URL too long",
			action:  apitype.Action{Type: apitype.ActionWebhook, URL: "https://example.com/" + strings.Repeat("a", MaxWebhookURLLength), Secret: secret},
			field:   "global[0].url",
			message: "Webhook URL is 2020 characters long: use at most 2000.",
		},
		{
			name:    "webhook secret too short",
			action:  apitype.Action{Type: apitype.ActionWebhook, URL: "https://example.com/", Secret: "short"},
			field:   "global[0].secret",
			message: "Secret is 5 characters long: use 16 to 200, such as a random string from a password generator.",
		},
		{name: "webhook secret missing", action: apitype.Action{Type: apitype.ActionWebhook, URL: "https://example.com/"}, field: "global[0].secret"},
		{name: "webhook secret too long", action: apitype.Action{Type: apitype.ActionWebhook, URL: "https://example.com/", Secret: strings.Repeat("s", MaxWebhookSecret+1)}, field: "global[0].secret"},
		{name: "webhook secret with control character", action: apitype.Action{Type: apitype.ActionWebhook, URL: "https://example.com/", Secret: secret + "\x7f"}, field: "global[0].secret"},
		{name: "webhook with list id", action: apitype.Action{Type: apitype.ActionWebhook, URL: "https://example.com/", Secret: secret, ListID: 1}, field: "global[0].listId"},
		{
			name:    "notify without recipients",
			action:  apitype.Action{Type: apitype.ActionNotifyEmail, Subject: "Hi"},
			field:   "global[0].to",
			message: "Recipients are required: add at least one email address.",
		},
		{
			name:    "notify too many recipients",
			action:  apitype.Action{Type: apitype.ActionNotifyEmail, To: strings.Split(strings.Repeat("a@example.com,", MaxNotifyRecipients+1), ",")[:MaxNotifyRecipients+1]},
			field:   "global[0].to",
			message: "There are 11 recipients, over the limit of 10: remove some, or send to a group address.",
		},
		{
			name:    "notify invalid recipient",
			action:  apitype.Action{Type: apitype.ActionNotifyEmail, To: []string{"a@example.com", "not an email"}},
			field:   "global[0].to[1]",
			message: `Email "not an email" is not a valid address: use the form name@example.com.`,
		},
		{
			name:    "notify repeated recipient",
			action:  apitype.Action{Type: apitype.ActionNotifyEmail, To: []string{"a@example.com", "A@Example.com"}},
			field:   "global[0].to[1]",
			message: "Recipient a@example.com is listed twice: remove one.",
		},
		{
			name:    "notify subject too long",
			action:  apitype.Action{Type: apitype.ActionNotifyEmail, To: []string{"a@example.com"}, Subject: strings.Repeat("s", MaxSubjectLength+1)},
			field:   "global[0].subject",
			message: "Subject is 201 characters long: use at most 200.",
		},
		{name: "notify subject with line break", action: apitype.Action{Type: apitype.ActionNotifyEmail, To: []string{"a@example.com"}, Subject: "a\r\nBcc: x@example.com"}, field: "global[0].subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := ValidateActionList(apitype.ActionList{Global: []apitype.Action{tt.action}})
			if verr == nil {
				t.Fatal("ValidateActionList = valid, want an error")
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q (message %q)", verr.Field, tt.field, verr.Message)
			}
			if tt.message != "" && verr.Message != tt.message {
				t.Errorf("message = %q, want %q", verr.Message, tt.message)
			}
			if strings.Contains(verr.Message, tt.action.Secret) && tt.action.Secret != "" {
				t.Errorf("message %q repeats the webhook secret", verr.Message)
			}
		})
	}
}

func TestValidateActionListStructure(t *testing.T) {
	score := apitype.Action{Type: apitype.ActionAdjustScore, Delta: 1}
	bad := apitype.Action{Type: apitype.ActionAdjustScore}
	actions := func(n int) []apitype.Action {
		out := make([]apitype.Action, n)
		for i := range out {
			out[i] = score
		}
		return out
	}
	entry := func(acts ...apitype.Action) apitype.ConditionalActions {
		return apitype.ConditionalActions{Condition: tree(tagCond(OpHas, "vip")), Actions: acts}
	}
	entries := func(n int) []apitype.ConditionalActions {
		out := make([]apitype.ConditionalActions, n)
		for i := range out {
			out[i] = entry(score)
		}
		return out
	}
	tests := []struct {
		name    string
		list    apitype.ActionList
		field   string // empty: valid
		message string // empty: not checked
	}{
		{name: "max global", list: apitype.ActionList{Global: actions(MaxGlobalActions)}},
		{
			name:    "over max global",
			list:    apitype.ActionList{Global: actions(MaxGlobalActions + 1)},
			field:   "global",
			message: "There are 51 global actions, over the limit of 50: remove some.",
		},
		{name: "max conditional entries", list: apitype.ActionList{Conditional: entries(MaxConditionalEntries)}},
		{
			name:    "over max conditional entries",
			list:    apitype.ActionList{Conditional: entries(MaxConditionalEntries + 1)},
			field:   "conditional",
			message: "There are 21 conditional entries, over the limit of 20: remove some, or merge entries with the same condition.",
		},
		{name: "max conditional actions", list: apitype.ActionList{Conditional: []apitype.ConditionalActions{entry(actions(MaxConditionalActions)...)}}},
		{
			name:    "over max conditional actions",
			list:    apitype.ActionList{Conditional: []apitype.ConditionalActions{entry(actions(MaxConditionalActions + 1)...)}},
			field:   "conditional[0].actions",
			message: "Conditional entry has 51 actions, over the limit of 50: remove some.",
		},
		{
			name:    "conditional without actions",
			list:    apitype.ActionList{Conditional: []apitype.ConditionalActions{entry(score), entry()}},
			field:   "conditional[1].actions",
			message: "Conditional entry has no actions: add one, or remove the entry.",
		},
		{
			name: "conditional condition invalid",
			list: apitype.ActionList{Conditional: []apitype.ConditionalActions{
				entry(score), entry(score),
				{Condition: tree(group(MatchAll, tagCond(OpHas, "vip"), fieldCond(FieldCompany, OpContains, ""))), Actions: []apitype.Action{score}},
			}},
			field: "conditional[2].condition.root.conditions[1].value",
		},
		{
			name:  "conditional condition without version",
			list:  apitype.ActionList{Conditional: []apitype.ConditionalActions{{Condition: apitype.Segment{Root: tagCond(OpHas, "vip")}, Actions: []apitype.Action{score}}}},
			field: "conditional[0].condition.version",
		},
		{
			name:  "bad conditional action",
			list:  apitype.ActionList{Conditional: []apitype.ConditionalActions{entry(score), entry(score, bad)}},
			field: "conditional[1].actions[1].delta",
		},
		{name: "bad global action", list: apitype.ActionList{Global: []apitype.Action{score, score, bad}}, field: "global[2].delta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := ValidateActionList(tt.list)
			if tt.field == "" {
				if verr != nil {
					t.Errorf("ValidateActionList = %v, want valid", verr)
				}
				return
			}
			if verr == nil {
				t.Fatalf("ValidateActionList = valid, want an error on %s", tt.field)
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q (message %q)", verr.Field, tt.field, verr.Message)
			}
			if tt.message != "" && verr.Message != tt.message {
				t.Errorf("message = %q, want %q", verr.Message, tt.message)
			}
		})
	}
}

func TestValidateEventActions(t *testing.T) {
	score := apitype.Action{Type: apitype.ActionAdjustScore, Delta: 5}
	onTheFly := apitype.ActionList{Global: []apitype.Action{score}}
	every := apitype.FrequencyEveryTime
	tests := []struct {
		name    string
		ea      apitype.EventActions
		field   string // empty: valid
		message string // empty: not checked
	}{
		{name: "none", ea: apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: every}},
		{name: "on the fly", ea: apitype.EventActions{Mode: apitype.ActionModeOnTheFly, OnTheFly: onTheFly, Frequency: apitype.FrequencyOncePerContact}},
		{name: "on the fly empty", ea: apitype.EventActions{Mode: apitype.ActionModeOnTheFly, Frequency: every}},
		{name: "action set", ea: apitype.EventActions{Mode: apitype.ActionModeActionSet, ActionSetID: 4, Frequency: apitype.FrequencyOncePerDays, FrequencyDays: 7}},
		{name: "max frequency days", ea: apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyOncePerDays, FrequencyDays: MaxDays}},
		{
			name:    "missing mode",
			ea:      apitype.EventActions{Frequency: every},
			field:   "mode",
			message: `Mode "" is invalid: use one of none, on_the_fly or action_set.`,
		},
		{name: "unknown mode", ea: apitype.EventActions{Mode: "auto", Frequency: every}, field: "mode"},
		{
			name:    "action set without id",
			ea:      apitype.EventActions{Mode: apitype.ActionModeActionSet, Frequency: every},
			field:   "actionSetId",
			message: "Action set is required for mode action_set: choose one.",
		},
		{
			name:    "action set with on the fly actions",
			ea:      apitype.EventActions{Mode: apitype.ActionModeActionSet, ActionSetID: 4, OnTheFly: onTheFly, Frequency: every},
			field:   "onTheFly",
			message: "Mode action_set runs the linked action set only: remove the on-the-fly actions, or use mode on_the_fly.",
		},
		{
			name:    "action set with conditional actions",
			ea:      apitype.EventActions{Mode: apitype.ActionModeActionSet, ActionSetID: 4, OnTheFly: apitype.ActionList{Conditional: []apitype.ConditionalActions{{}}}, Frequency: every},
			field:   "onTheFly",
			message: "Mode action_set runs the linked action set only: remove the on-the-fly actions, or use mode on_the_fly.",
		},
		{
			name:    "none with actions",
			ea:      apitype.EventActions{Mode: apitype.ActionModeNone, OnTheFly: onTheFly, Frequency: every},
			field:   "onTheFly",
			message: "Mode none runs no actions: remove the actions, or use mode on_the_fly.",
		},
		{
			name:    "none with action set",
			ea:      apitype.EventActions{Mode: apitype.ActionModeNone, ActionSetID: 4, Frequency: every},
			field:   "actionSetId",
			message: "Action set applies only to mode action_set: remove it, or use mode action_set.",
		},
		{name: "on the fly with action set", ea: apitype.EventActions{Mode: apitype.ActionModeOnTheFly, ActionSetID: 4, Frequency: every}, field: "actionSetId"},
		{
			name: "on the fly bad conditional",
			ea: apitype.EventActions{Mode: apitype.ActionModeOnTheFly, Frequency: every, OnTheFly: apitype.ActionList{Conditional: []apitype.ConditionalActions{
				{Condition: tree(tagCond(OpHas, "vip")), Actions: []apitype.Action{score}},
				{Condition: tree(group(MatchAny, tagCond(OpHas, "VIP"))), Actions: []apitype.Action{score}},
			}}},
			field: "onTheFly.conditional[1].condition.root.conditions[0].value",
		},
		{
			name:  "on the fly bad global",
			ea:    apitype.EventActions{Mode: apitype.ActionModeOnTheFly, Frequency: every, OnTheFly: apitype.ActionList{Global: []apitype.Action{{Type: apitype.ActionSetStage, Value: "hot"}}}},
			field: "onTheFly.global[0].value",
		},
		{
			name:    "missing frequency",
			ea:      apitype.EventActions{Mode: apitype.ActionModeNone},
			field:   "frequency",
			message: `Frequency "" is invalid: use one of every_time, once_per_contact or once_per_days.`,
		},
		{
			name:    "once per days without days",
			ea:      apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyOncePerDays},
			field:   "frequencyDays",
			message: "Frequency days 0 is out of range: use 1 to 3650.",
		},
		{name: "once per days too many days", ea: apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyOncePerDays, FrequencyDays: MaxDays + 1}, field: "frequencyDays"},
		{
			name:    "every time with days",
			ea:      apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: every, FrequencyDays: 3},
			field:   "frequencyDays",
			message: "Frequency days applies only to frequency once_per_days: remove it.",
		},
		{name: "once per contact with days", ea: apitype.EventActions{Mode: apitype.ActionModeNone, Frequency: apitype.FrequencyOncePerContact, FrequencyDays: 3}, field: "frequencyDays"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := ValidateEventActions(tt.ea)
			if tt.field == "" {
				if verr != nil {
					t.Errorf("ValidateEventActions = %v, want valid", verr)
				}
				return
			}
			if verr == nil {
				t.Fatalf("ValidateEventActions = valid, want an error on %s", tt.field)
			}
			if verr.Field != tt.field {
				t.Errorf("field = %q, want %q (message %q)", verr.Field, tt.field, verr.Message)
			}
			if tt.message != "" && verr.Message != tt.message {
				t.Errorf("message = %q, want %q", verr.Message, tt.message)
			}
		})
	}
}

func TestNormalizeTag(t *testing.T) {
	tests := []struct {
		in, want string
		message  string // empty: valid
	}{
		{in: "vip", want: "vip"},
		{in: "  Hot Lead\t", want: "hot lead"},
		{in: "ÉTÉ", want: "été"},
		{in: strings.Repeat("A", MaxTagLength), want: strings.Repeat("a", MaxTagLength)},
		{in: "   ", message: "Tag is required, such as vip."},
		{in: strings.Repeat("a", MaxTagLength+1), message: "Tag is 65 characters long: use at most 64."},
		{in: "a\x00b", message: "Tag contains the control character U+0000: remove it."},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, verr := NormalizeTag(tt.in)
			if tt.message == "" {
				if verr != nil || got != tt.want {
					t.Errorf("NormalizeTag(%q) = %q, %v, want %q", tt.in, got, verr, tt.want)
				}
				return
			}
			if verr == nil {
				t.Fatalf("NormalizeTag(%q) = %q, want an error", tt.in, got)
			}
			if verr.Field != "tag" || verr.Message != tt.message {
				t.Errorf("NormalizeTag(%q) error = %s: %s, want tag: %s", tt.in, verr.Field, verr.Message, tt.message)
			}
		})
	}
}
