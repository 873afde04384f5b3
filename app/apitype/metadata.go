package apitype

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on the metadata of an event.
const (
	MaxMetadataKeys       = 50
	MaxMetadataValueBytes = 1024 // per string value
	MaxMetadataBytes      = 8192 // the whole object as JSON
	MaxMetadataKeyLength  = 64   // in bytes

	// maxMetadataInput caps the JSON text that ParseMetadata reads.
	// MaxMetadataBytes counts the object as JSON.stringify writes it, and
	// a client may write the same object longer. A character written as a
	// \u escape takes up to six times its bytes, and white space adds more.
	maxMetadataInput = 6 * MaxMetadataBytes
)

// Metadata is the flat key-value data attached to an event. Each value is a
// string, a float64 or a bool.
type Metadata map[string]any

const metadataExample = `{"plan": "pro", "seats": 5}`

func invalidMetadata(format string, args ...any) *ValidationError {
	return &ValidationError{Field: "metadata", Message: fmt.Sprintf(format, args...)}
}

// ParseMetadata decodes and validates a JSON object of metadata. It rejects
// input that is not UTF-8, not one JSON object, or that breaks a rule of
// ValidateMetadata. MaxMetadataBytes counts the object as JSON.stringify
// writes it, without the white space and \u escapes of raw. It also
// rejects duplicate keys and raw input over six times MaxMetadataBytes.
// Numbers are returned as float64. Empty input returns nil and no error.
func ParseMetadata(raw []byte) (Metadata, *ValidationError) {
	if len(raw) == 0 {
		return nil, nil
	}
	if len(raw) > maxMetadataInput {
		return nil, invalidMetadata("Metadata is %d bytes as sent: send at most %d bytes, and at most %d bytes as compact JSON.", len(raw), maxMetadataInput, MaxMetadataBytes)
	}
	if !utf8.Valid(raw) {
		return nil, invalidMetadata("Metadata is not valid UTF-8: send the JSON encoded as UTF-8.")
	}

	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	first, err := dec.Token()
	if err != nil {
		return nil, invalidJSON(err)
	}
	if first != json.Delim('{') {
		return nil, invalidMetadata("Metadata must be a JSON object such as %s, not %s.", metadataExample, jsonKind(first))
	}

	m := Metadata{}
	for dec.More() {
		keyToken, err := dec.Token()
		if err != nil {
			return nil, invalidJSON(err)
		}
		// Inside an object, Token returns every key as a string.
		key := keyToken.(string)
		if verr := checkMetadataKey(key); verr != nil {
			return nil, verr
		}
		if _, ok := m[key]; ok {
			return nil, invalidMetadata("Metadata key %s appears more than once: keep one.", quoteKey(key))
		}
		if len(m) == MaxMetadataKeys {
			return nil, tooManyMetadataKeys()
		}

		valueToken, err := dec.Token()
		if err != nil {
			return nil, invalidJSON(err)
		}
		value, verr := normalizeMetadataValue(key, valueToken)
		if verr != nil {
			return nil, verr
		}
		m[key] = value
	}

	// The closing brace, then the end of input.
	if _, err := dec.Token(); err != nil {
		return nil, invalidJSON(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidMetadata("Metadata has more JSON after the object: send exactly one object such as %s.", metadataExample)
	}

	// Re-encoding can be longer than raw: it writes 1e20 in full, so the
	// encoded size is checked as well.
	if verr := checkMetadataSize(m); verr != nil {
		return nil, verr
	}
	return m, nil
}

// ValidateMetadata checks an already decoded metadata map, such as a GraphQL
// JSON scalar, against the rules of ParseMetadata. The map may have at most
// MaxMetadataKeys keys, each non-empty, valid UTF-8 and at most
// MaxMetadataKeyLength bytes long. Each value must be a valid UTF-8 string of
// at most MaxMetadataValueBytes bytes, a finite float64, int, int64 or
// json.Number, or a bool. The map as JSON.stringify would write it must be
// at most MaxMetadataBytes bytes of UTF-8 (see checkMetadataSize). Keys are
// checked in sorted order, so the same map always gets the same error.
func ValidateMetadata(m map[string]any) *ValidationError {
	_, verr := NormalizeMetadata(m)
	return verr
}

// NormalizeMetadata validates m as ValidateMetadata does and returns a copy
// whose numbers are float64. A nil map returns nil and no error.
func NormalizeMetadata(m map[string]any) (Metadata, *ValidationError) {
	if m == nil {
		return nil, nil
	}
	if len(m) > MaxMetadataKeys {
		return nil, tooManyMetadataKeys()
	}

	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.Sort(keys)

	normalized := make(Metadata, len(m))
	for _, key := range keys {
		if verr := checkMetadataKey(key); verr != nil {
			return nil, verr
		}
		value, verr := normalizeMetadataValue(key, m[key])
		if verr != nil {
			return nil, verr
		}
		normalized[key] = value
	}

	if verr := checkMetadataSize(normalized); verr != nil {
		return nil, verr
	}
	return normalized, nil
}

func checkMetadataKey(key string) *ValidationError {
	if key == "" {
		return invalidMetadata("Metadata key is empty: give every value a name, such as \"plan\".")
	}
	if !utf8.ValidString(key) {
		return invalidMetadata("Metadata key %s is not valid UTF-8: use UTF-8 text.", quoteKey(key))
	}
	if len(key) > MaxMetadataKeyLength {
		return invalidMetadata("Metadata key %s is %d bytes long: use at most %d bytes.", quoteKey(key), len(key), MaxMetadataKeyLength)
	}
	if strings.ContainsRune(key, 0) {
		return invalidMetadata("Metadata key %s contains a NUL character, which cannot be stored: remove it.", quoteKey(key))
	}
	return nil
}

// normalizeMetadataValue converts one value, as a json.Decoder token or as a
// Go value, to a string, float64 or bool, or returns the error for key.
func normalizeMetadataValue(key string, value any) (any, *ValidationError) {
	switch v := value.(type) {
	case string:
		if !utf8.ValidString(v) {
			return nil, invalidMetadata("Metadata key %s has a value that is not valid UTF-8: use UTF-8 text.", quoteKey(key))
		}
		if len(v) > MaxMetadataValueBytes {
			return nil, invalidMetadata("Metadata key %s has a value of %d bytes: use at most %d bytes.", quoteKey(key), len(v), MaxMetadataValueBytes)
		}
		if strings.ContainsRune(v, 0) {
			return nil, invalidMetadata("Metadata key %s has a value with a NUL character, which cannot be stored: remove it.", quoteKey(key))
		}
		return v, nil
	case bool:
		return v, nil
	case float64:
		return checkMetadataNumber(key, v, strconv.FormatFloat(v, 'g', -1, 64))
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case json.Number:
		if !isJSONNumber(string(v)) {
			return nil, invalidMetadata("Metadata key %s has %q, which is not a JSON number: use a number such as 5 or 2.5.", quoteKey(key), string(v))
		}
		// A JSON number that is too large parses as ±Inf with ErrRange and is
		// rejected below. One too small to represent rounds to 0.
		f, _ := strconv.ParseFloat(string(v), 64)
		return checkMetadataNumber(key, f, string(v))
	case nil:
		return nil, invalidMetadata("Metadata key %s is null: use a string, number or boolean, or leave the key out.", quoteKey(key))
	case json.Delim:
		if v == '[' {
			return nil, nestedMetadata(key, "an array")
		}
		return nil, nestedMetadata(key, "an object")
	case []any:
		return nil, nestedMetadata(key, "an array")
	case map[string]any:
		return nil, nestedMetadata(key, "an object")
	default:
		return nil, invalidMetadata("Metadata key %s has a value of Go type %T: use a string, number or boolean.", quoteKey(key), value)
	}
}

func checkMetadataNumber(key string, f float64, text string) (any, *ValidationError) {
	if math.IsNaN(f) {
		return nil, invalidMetadata("Metadata key %s is NaN: use a finite number such as 5 or 2.5.", quoteKey(key))
	}
	if math.IsInf(f, 0) {
		return nil, invalidMetadata("Metadata key %s has number %s, which is outside the range of a 64-bit float: use a smaller number.", quoteKey(key), text)
	}
	return f, nil
}

// isJSONNumber reports whether s is exactly one JSON number, with no white
// space around it. Every JSON number starts with '-' or a digit and ends with a
// digit.
func isJSONNumber(s string) bool {
	if s == "" || !(s[0] == '-' || isDigit(s[0])) || !isDigit(s[len(s)-1]) {
		return false
	}
	return json.Valid([]byte(s))
}

func isDigit(c byte) bool {
	return c >= '0' && c <= '9'
}

// checkMetadataSize measures m in UTF-8 bytes of the text that
// JSON.stringify writes for it, which the beacon script measures too. It
// encodes m without HTML escapes, so that <, > and & count one byte each.
// encoding/json still writes U+2028 and U+2029 as the 6-byte escapes
// \u2028 and \u2029, where JSON.stringify writes the 3-byte characters, so
// each one found in a key or string value takes 3 bytes off the size.
func checkMetadataSize(m Metadata) *ValidationError {
	var encoded bytes.Buffer
	enc := json.NewEncoder(&encoded)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		// Unreachable: m holds only strings, finite float64 values and bools.
		return invalidMetadata("Metadata cannot be encoded as JSON: %v.", err)
	}
	size := encoded.Len() - 1 // Encode ends with a newline
	for key, value := range m {
		size -= 3 * countLineSeparators(key)
		if text, ok := value.(string); ok {
			size -= 3 * countLineSeparators(text)
		}
	}
	if size > MaxMetadataBytes {
		return metadataTooLarge(size)
	}
	return nil
}

// countLineSeparators returns how many U+2028 LINE SEPARATOR and U+2029
// PARAGRAPH SEPARATOR characters s contains.
func countLineSeparators(s string) int {
	return strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}

func metadataTooLarge(size int) *ValidationError {
	return invalidMetadata("Metadata is %d bytes as JSON: use at most %d bytes.", size, MaxMetadataBytes)
}

func tooManyMetadataKeys() *ValidationError {
	return invalidMetadata("Metadata has more than %d keys: remove keys until at most %d remain.", MaxMetadataKeys, MaxMetadataKeys)
}

func nestedMetadata(key, kind string) *ValidationError {
	return invalidMetadata("Metadata key %s contains %s: use a string, number or boolean, because nested values are not supported.", quoteKey(key), kind)
}

func invalidJSON(err error) *ValidationError {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return invalidMetadata("Metadata is not valid JSON (%v): send an object such as %s.", err, metadataExample)
}

// jsonKind names the JSON type of a json.Decoder token other than '{'.
func jsonKind(token json.Token) string {
	switch token.(type) {
	case nil:
		return "null"
	case json.Delim:
		return "an array"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	default:
		return fmt.Sprintf("%T", token)
	}
}

// quoteKey quotes key for a message and shows at most MaxMetadataKeyLength
// bytes of it, followed by "..." when it is longer.
func quoteKey(key string) string {
	if len(key) <= MaxMetadataKeyLength {
		return strconv.Quote(key)
	}
	return strconv.Quote(truncateUTF8(key, MaxMetadataKeyLength)) + "..."
}
