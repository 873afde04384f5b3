package apitype

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxAPIKeyNameLength is the maximum length of an API key name, in characters.
const MaxAPIKeyNameLength = 100

// APIKey is an API key as GET /api/api-keys lists it. It never contains
// the key itself, only its first characters.
type APIKey struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Prefix is the first characters of the key, so people can tell keys
	// apart.
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"createdAt"`
	// LastUsedAt is nil for a key that was never used. It may lag behind
	// the last request by up to a minute.
	LastUsedAt *time.Time `json:"lastUsedAt"`
	// RevokedAt is nil for an active key.
	RevokedAt *time.Time `json:"revokedAt"`
}

// APIKeyInput is the body of POST /api/api-keys.
type APIKeyInput struct {
	Name string `json:"name"`
}

// CreatedAPIKey is the response of POST /api/api-keys, the only response
// that contains the full key.
type CreatedAPIKey struct {
	APIKey APIKey `json:"apiKey"`
	Key    string `json:"key"`
}

// NormalizeAPIKeyName trims surrounding white space from an API key name
// and checks that it has 1 to MaxAPIKeyNameLength characters and no
// invisible characters.
func NormalizeAPIKeyName(name string) (string, *ValidationError) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &ValidationError{Field: "name", Message: "Name is required, such as CRM integration."}
	}
	if utf8.RuneCountInString(name) > MaxAPIKeyNameLength {
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("Name is too long: use at most %d characters.", MaxAPIKeyNameLength)}
	}
	if r, ok := hiddenCharacter(name, false); ok {
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("Name contains %s: remove it.", HiddenCharacterName(r))}
	}
	return name, nil
}
