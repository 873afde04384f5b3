package apitype

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ContactListInput is the body of the create and rename requests for a
// contact list.
type ContactListInput struct {
	Name string `json:"name"`
}

// Normalize trims surrounding white space from the name and description.
func (in *ActionSetInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
}

// Validate checks the name and the description, in form order. The caller
// checks Actions with segment.ValidateActionList, which this package cannot
// import. Call Normalize first.
func (in ActionSetInput) Validate() *ValidationError {
	if verr := validateName(in.Name, "Onboarding"); verr != nil {
		return verr
	}
	if utf8.RuneCountInString(in.Description) > MaxDescriptionLength {
		return &ValidationError{Field: "description", Message: fmt.Sprintf("Description is too long: use at most %d characters.", MaxDescriptionLength)}
	}
	if r, ok := hiddenCharacter(in.Description, true); ok {
		return &ValidationError{Field: "description", Message: fmt.Sprintf("Description contains %s: remove it.", HiddenCharacterName(r))}
	}
	return nil
}

// Normalize trims surrounding white space from the name.
func (in *ContactListInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
}

// Validate checks the name. Call Normalize first.
func (in ContactListInput) Validate() *ValidationError {
	return validateName(in.Name, "Newsletter subscribers")
}

// validateName checks a name of at most MaxNameLength characters on one
// line. example completes the message for a missing name.
func validateName(name, example string) *ValidationError {
	if name == "" {
		return &ValidationError{Field: "name", Message: "Name is required, such as " + example + "."}
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		return &ValidationError{Field: "name", Message: fmt.Sprintf("Name is too long: use at most %d characters.", MaxNameLength)}
	}
	if r, ok := hiddenCharacter(name, false); ok {
		return &ValidationError{Field: "name", Message: fmt.Sprintf("Name contains %s: remove it.", HiddenCharacterName(r))}
	}
	return nil
}
