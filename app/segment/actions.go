package segment

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"customevents/app/apitype"
)

// Limits on action lists. Lengths count characters.
const (
	MaxGlobalActions      = 50
	MaxConditionalEntries = 20
	MaxConditionalActions = 50 // per conditional entry
	MaxScoreDelta         = 1_000_000
	MaxTagLength          = 64
	MaxWebhookURLLength   = 2000
	MinWebhookSecret      = 16
	MaxWebhookSecret      = 200
	MaxNotifyRecipients   = 10
	MaxSubjectLength      = 200
)

var (
	actionTypes = []string{
		apitype.ActionAdjustScore, apitype.ActionSetField, apitype.ActionSetStage,
		apitype.ActionAddToList, apitype.ActionRemoveFromList, apitype.ActionAddTag,
		apitype.ActionRemoveTag, apitype.ActionWebhook, apitype.ActionNotifyEmail,
	}
	actionModes = []string{apitype.ActionModeNone, apitype.ActionModeOnTheFly, apitype.ActionModeActionSet}
	frequencies = []string{apitype.FrequencyEveryTime, apitype.FrequencyOncePerContact, apitype.FrequencyOncePerDays}
)

// NormalizeTag returns tag as it is stored and compared: without white
// space at either end and in lowercase (Fold). It rejects a tag that is
// then empty, longer than MaxTagLength characters, or contains a control
// character.
func NormalizeTag(tag string) (string, *apitype.ValidationError) {
	normalized := Fold(strings.TrimSpace(tag))
	if verr := checkTag("tag", normalized); verr != nil {
		return "", verr
	}
	return normalized, nil
}

// checkTag accepts a tag only in its normalized form, so a stored action
// or condition names the tag exactly as contact_tags holds it.
func checkTag(path, tag string) *apitype.ValidationError {
	if strings.TrimSpace(tag) == "" {
		return fieldError(path, "Tag is required, such as vip.")
	}
	if verr := checkText(path, "Tag", tag, MaxTagLength); verr != nil {
		return verr
	}
	if normalized := Fold(strings.TrimSpace(tag)); normalized != tag {
		return fieldError(path, "Tag %q must be lowercase with no spaces at either end: use %q.", tag, normalized)
	}
	return nil
}

// ValidateActionList checks the global and conditional actions of an action
// set or of an event's on-the-fly setup. Error paths are relative to the
// list, such as global[0].delta or conditional[2].condition.root.value, so
// callers prefix the name of the field that holds the list.
func ValidateActionList(list apitype.ActionList) *apitype.ValidationError {
	if len(list.Global) > MaxGlobalActions {
		return fieldError("global", "There are %d global actions, over the limit of %d: remove some.", len(list.Global), MaxGlobalActions)
	}
	if len(list.Conditional) > MaxConditionalEntries {
		return fieldError("conditional", "There are %d conditional entries, over the limit of %d: remove some, or merge entries with the same condition.", len(list.Conditional), MaxConditionalEntries)
	}
	for i, action := range list.Global {
		if verr := checkAction(fmt.Sprintf("global[%d]", i), action); verr != nil {
			return verr
		}
	}
	for i, entry := range list.Conditional {
		path := fmt.Sprintf("conditional[%d]", i)
		if verr := Validate(entry.Condition); verr != nil {
			verr.Field = path + "." + verr.Field
			return verr
		}
		if len(entry.Actions) == 0 {
			return fieldError(path+".actions", "Conditional entry has no actions: add one, or remove the entry.")
		}
		if len(entry.Actions) > MaxConditionalActions {
			return fieldError(path+".actions", "Conditional entry has %d actions, over the limit of %d: remove some.", len(entry.Actions), MaxConditionalActions)
		}
		for j, action := range entry.Actions {
			if verr := checkAction(fmt.Sprintf("%s.actions[%d]", path, j), action); verr != nil {
				return verr
			}
		}
	}
	return nil
}

// ValidateEventActions checks what an event runs when it fires. A mode of
// none or action_set needs an empty on-the-fly list, and only action_set
// takes an action set id. Frequency once_per_days needs FrequencyDays from
// 1 to MaxDays, and the other frequencies need 0.
func ValidateEventActions(ea apitype.EventActions) *apitype.ValidationError {
	if !slices.Contains(actionModes, ea.Mode) {
		return fieldError("mode", "Mode %q is invalid: use one of %s.", ea.Mode, orList(actionModes))
	}
	hasOnTheFly := len(ea.OnTheFly.Global) > 0 || len(ea.OnTheFly.Conditional) > 0
	switch ea.Mode {
	case apitype.ActionModeActionSet:
		if ea.ActionSetID <= 0 {
			return fieldError("actionSetId", "Action set is required for mode action_set: choose one.")
		}
		if hasOnTheFly {
			return fieldError("onTheFly", "Mode action_set runs the linked action set only: remove the on-the-fly actions, or use mode on_the_fly.")
		}
	case apitype.ActionModeNone, apitype.ActionModeOnTheFly:
		if ea.ActionSetID != 0 {
			return fieldError("actionSetId", "Action set applies only to mode action_set: remove it, or use mode action_set.")
		}
		if ea.Mode == apitype.ActionModeNone && hasOnTheFly {
			return fieldError("onTheFly", "Mode none runs no actions: remove the actions, or use mode on_the_fly.")
		}
		if verr := ValidateActionList(ea.OnTheFly); verr != nil {
			verr.Field = "onTheFly." + verr.Field
			return verr
		}
	}
	return checkFrequency(ea.Frequency, ea.FrequencyDays)
}

func checkFrequency(frequency string, days int) *apitype.ValidationError {
	if !slices.Contains(frequencies, frequency) {
		return fieldError("frequency", "Frequency %q is invalid: use one of %s.", frequency, orList(frequencies))
	}
	if frequency == apitype.FrequencyOncePerDays {
		if days < 1 || days > MaxDays {
			return fieldError("frequencyDays", "Frequency days %d is out of range: use 1 to %d.", days, MaxDays)
		}
		return nil
	}
	if days != 0 {
		return fieldError("frequencyDays", "Frequency days applies only to frequency once_per_days: remove it.")
	}
	return nil
}

// checkAction checks one action: its type, the fields that type reads,
// and that it sets no other field.
func checkAction(path string, a apitype.Action) *apitype.ValidationError {
	switch a.Type {
	case apitype.ActionAdjustScore:
		return checkAdjustScore(path, a)
	case apitype.ActionSetField:
		return checkSetField(path, a)
	case apitype.ActionSetStage:
		if verr := onlyActionFields(path, a, "value"); verr != nil {
			return verr
		}
		return checkStageName(path+".value", a.Value)
	case apitype.ActionAddToList, apitype.ActionRemoveFromList:
		if verr := onlyActionFields(path, a, "listId"); verr != nil {
			return verr
		}
		return checkListID(path+".listId", a.ListID)
	case apitype.ActionAddTag, apitype.ActionRemoveTag:
		if verr := onlyActionFields(path, a, "value"); verr != nil {
			return verr
		}
		return checkTag(path+".value", a.Value)
	case apitype.ActionWebhook:
		return checkWebhook(path, a)
	case apitype.ActionNotifyEmail:
		return checkNotifyEmail(path, a)
	case "":
		return fieldError(path+".type", "Action type is required: use one of %s.", orList(actionTypes))
	}
	return fieldError(path+".type", "Action type %q is unknown: use one of %s.", a.Type, orList(actionTypes))
}

func checkAdjustScore(path string, a apitype.Action) *apitype.ValidationError {
	if verr := onlyActionFields(path, a, "delta"); verr != nil {
		return verr
	}
	if a.Delta == 0 {
		return fieldError(path+".delta", "Score change is required: use a positive number to add points or a negative one to remove them.")
	}
	if a.Delta < -MaxScoreDelta || a.Delta > MaxScoreDelta {
		return fieldError(path+".delta", "Score change %d is out of range: use %d to %d.", a.Delta, -MaxScoreDelta, MaxScoreDelta)
	}
	return nil
}

func checkSetField(path string, a apitype.Action) *apitype.ValidationError {
	if verr := onlyActionFields(path, a, "field", "value"); verr != nil {
		return verr
	}
	if a.Field == FieldEmail {
		return fieldError(path+".field", "Email identifies the contact and cannot be set by an action: choose another field.")
	}
	if a.Field == "" || !isContactField(a.Field) {
		return fieldError(path+".field", "Field %q cannot be set: use first_name, last_name, company, job_title, or custom.NAME where NAME is 1 to %d characters from a-z, 0-9 and _.", a.Field, MaxCustomFieldNameLength)
	}
	return checkText(path+".value", "Value", a.Value, MaxValueLength)
}

func checkWebhook(path string, a apitype.Action) *apitype.ValidationError {
	if verr := onlyActionFields(path, a, "url", "secret"); verr != nil {
		return verr
	}
	if verr := checkWebhookURL(path+".url", a.URL); verr != nil {
		return verr
	}
	// The messages never repeat the secret.
	n := utf8.RuneCountInString(a.Secret)
	if n < MinWebhookSecret || n > MaxWebhookSecret {
		return fieldError(path+".secret", "Secret is %d characters long: use %d to %d, such as a random string from a password generator.", n, MinWebhookSecret, MaxWebhookSecret)
	}
	if verr := checkText(path+".secret", "Secret", a.Secret, MaxWebhookSecret); verr != nil {
		return verr
	}
	return nil
}

func checkWebhookURL(path, raw string) *apitype.ValidationError {
	if raw == "" {
		return fieldError(path, "Webhook URL is required, such as https://example.com/hooks/contact.")
	}
	if n := utf8.RuneCountInString(raw); n > MaxWebhookURLLength {
		return fieldError(path, "Webhook URL is %d characters long: use at most %d.", n, MaxWebhookURLLength)
	}
	if i := strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return fieldError(path, "Webhook URL contains white space or a control character at byte %d: percent-encode it, as %%20 for a space.", i)
	}
	if verr := checkText(path, "Webhook URL", raw, MaxWebhookURLLength); verr != nil {
		return verr
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL is not repeated: it may carry a password.
		return fieldError(path, "Webhook URL is not an absolute http or https URL: use the form https://example.com/path.")
	}
	return nil
}

func checkNotifyEmail(path string, a apitype.Action) *apitype.ValidationError {
	if verr := onlyActionFields(path, a, "to", "subject"); verr != nil {
		return verr
	}
	if len(a.To) == 0 {
		return fieldError(path+".to", "Recipients are required: add at least one email address.")
	}
	if len(a.To) > MaxNotifyRecipients {
		return fieldError(path+".to", "There are %d recipients, over the limit of %d: remove some, or send to a group address.", len(a.To), MaxNotifyRecipients)
	}
	seen := make([]string, 0, len(a.To))
	for i, to := range a.To {
		p := fmt.Sprintf("%s.to[%d]", path, i)
		email, verr := apitype.NormalizeEmail(p, to)
		if verr != nil {
			return verr
		}
		if slices.Contains(seen, email) {
			return fieldError(p, "Recipient %s is listed twice: remove one.", email)
		}
		seen = append(seen, email)
	}
	return checkText(path+".subject", "Subject", a.Subject, MaxSubjectLength)
}

// onlyActionFields rejects an action that sets a field, other than type,
// that is not in allowed.
func onlyActionFields(path string, a apitype.Action, allowed ...string) *apitype.ValidationError {
	set := []struct {
		name  string
		isSet bool
	}{
		{"delta", a.Delta != 0},
		{"field", a.Field != ""},
		{"value", a.Value != ""},
		{"listId", a.ListID != 0},
		{"url", a.URL != ""},
		{"secret", a.Secret != ""},
		{"to", len(a.To) > 0},
		{"subject", a.Subject != ""},
	}
	for _, field := range set {
		if field.isSet && !slices.Contains(allowed, field.name) {
			return fieldError(path+"."+field.name, "%s does not apply to %s actions: remove it.", field.name, a.Type)
		}
	}
	return nil
}
