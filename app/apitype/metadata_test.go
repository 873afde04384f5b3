package apitype

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// metadataOfSize returns eight string entries whose json.Marshal encoding is
// exactly size bytes long. The minimum size is 57 + 7*1024.
func metadataOfSize(size int) map[string]any {
	m := map[string]any{}
	// Eight entries `"a":"…"` cost 6 bytes each plus their value, and the
	// braces and seven commas cost 9 bytes.
	rest := size - 57
	for _, key := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		m[key] = strings.Repeat("x", MaxMetadataValueBytes)
		rest -= MaxMetadataValueBytes
	}
	m["h"] = strings.Repeat("x", rest)
	return m
}

// separatorMetadataOfSize returns eight entries whose JSON.stringify text is
// exactly size bytes of UTF-8, as the beacon script measures it. The first
// key is U+2028, and seven values are 170 pairs of U+2028 U+2029 and four
// x's, 1,024 bytes each. The minimum size is 7227.
func separatorMetadataOfSize(size int) map[string]any {
	m := map[string]any{}
	value := strings.Repeat("\u2028\u2029", 170) + "xxxx"
	for _, key := range []string{"\u2028", "b", "c", "d", "e", "f", "g"} {
		m[key] = value
	}
	// Braces, seven commas, eight keys of 5 bytes with quotes and colon
	// and 10 bytes of key text, and seven values of 1,024 bytes with
	// quotes take 7227 bytes with an empty eighth value.
	m["h"] = strings.Repeat("x", size-7227)
	return m
}

// stringify returns the text that JSON.stringify writes for m, apart from
// the order of keys. It is exact only when no value has a backslash,
// because it turns the escapes \u2028 and \u2029 back into characters.
func stringify(t *testing.T, m map[string]any) string {
	t.Helper()
	var encoded strings.Builder
	enc := json.NewEncoder(&encoded)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatalf("encode %v: %v", m, err)
	}
	text := strings.TrimSuffix(encoded.String(), "\n")
	return strings.NewReplacer(`\u2028`, "\u2028", `\u2029`, "\u2029").Replace(text)
}

// stringifyLength returns the length in UTF-8 bytes of the text that
// JSON.stringify writes for m, whose values are strings, float64 values or
// bools. Numbers and bools count as encoding/json writes them.
func stringifyLength(m map[string]any) int {
	size := len("{}") + max(len(m)-1, 0)
	for key, value := range m {
		size += quotedLength(key) + len(":")
		if text, ok := value.(string); ok {
			size += quotedLength(text)
			continue
		}
		encoded, err := json.Marshal(value)
		if err != nil {
			panic(err)
		}
		size += len(encoded)
	}
	return size
}

// quotedLength returns the length in UTF-8 bytes of s as a JSON.stringify
// string (ECMAScript's QuoteJSONString): quotes, 2 bytes for each of the
// escapes \" \\ \b \f \n \r \t, 6 bytes for another character below
// U+0020, and the UTF-8 length of every other character, U+2028 and U+2029
// included.
func quotedLength(s string) int {
	size := len(`""`)
	for _, r := range s {
		switch {
		case strings.ContainsRune("\"\\\b\f\n\r\t", r):
			size += 2
		case r < 0x20:
			size += len(`\u0000`)
		default:
			size += utf8.RuneLen(r)
		}
	}
	return size
}

// metadataWithKeys returns n entries "k0": 0, "k1": 1 and so on.
func metadataWithKeys(n int) map[string]any {
	m := map[string]any{}
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = float64(i)
	}
	return m
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	encoded, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return string(encoded)
}

func TestMetadataOfSize(t *testing.T) {
	for _, size := range []int{MaxMetadataBytes, MaxMetadataBytes + 1} {
		if got := len(mustMarshal(t, metadataOfSize(size))); got != size {
			t.Errorf("len(json.Marshal(metadataOfSize(%d))) = %d", size, got)
		}
		if got := stringifyLength(separatorMetadataOfSize(size)); got != size {
			t.Errorf("stringifyLength(separatorMetadataOfSize(%d)) = %d", size, got)
		}
		if got := len(stringify(t, separatorMetadataOfSize(size))); got != size {
			t.Errorf("len(stringify(separatorMetadataOfSize(%d))) = %d", size, got)
		}
	}
}

func TestStringifyLength(t *testing.T) {
	tests := []struct {
		m    map[string]any
		want int
	}{
		{map[string]any{}, 2},
		{map[string]any{"a": "x"}, len(`{"a":"x"}`)},
		{map[string]any{"a": "\u2028", "\u2029": true}, len(`{"a":"`) + 3 + len(`","`) + 3 + len(`":true}`)},
		{map[string]any{"a": "<\"\\\n\x01é"}, len(`{"a":"<\"\\\n\u0001`) + 2 + len(`"}`)},
		{map[string]any{"n": 1e20, "m": -2.5}, len(`{"n":100000000000000000000,"m":-2.5}`)},
	}
	for _, tt := range tests {
		if got := stringifyLength(tt.m); got != tt.want {
			t.Errorf("stringifyLength(%q) = %d, want %d", tt.m, got, tt.want)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	key64 := strings.Repeat("k", MaxMetadataKeyLength)
	key65 := strings.Repeat("k", MaxMetadataKeyLength+1)
	value1024 := strings.Repeat("v", MaxMetadataValueBytes)
	value1025 := strings.Repeat("v", MaxMetadataValueBytes+1)
	// Raw input padded with spaces: the size limit does not count them.
	padded := func(size int) string {
		return `{"a":"x"` + strings.Repeat(" ", size-len(`{"a":"x"}`)) + `}`
	}
	// Values written with \u escapes, 6 bytes for each character: 24,192
	// bytes as sent, 8,192 as JSON.stringify writes them.
	escapedRaw := "{"
	escaped := Metadata{}
	for i := range 8 {
		key := fmt.Sprintf("k%d", i)
		escapedRaw += `"` + key + `":"` + strings.Repeat(`\u00e9`, 500) + `",`
		escaped[key] = strings.Repeat("\u00e9", 500)
	}
	pad := strings.Repeat("x", MaxMetadataBytes-stringifyLength(escaped)-len(`,"pad":""`))
	escapedRaw += `"pad":"` + pad + `"}`
	escaped["pad"] = pad
	if len(escapedRaw) != 24192 {
		t.Fatalf("escaped metadata is %d bytes as sent, want 24192", len(escapedRaw))
	}
	html := strings.Repeat("<&>", 341)
	htmlRaw := `{"a":"` + html + `","b":"` + html + `"}`
	// Raw of 8192 bytes whose number 1e20 encodes as 21 digits.
	longNumber := strings.TrimSuffix(mustMarshal(t, metadataOfSize(MaxMetadataBytes-len(`,"n":1e20`))), "}") + `,"n":1e20}`

	tests := []struct {
		name    string
		raw     string
		want    Metadata // checked when message is empty
		message string   // empty: valid
	}{
		{name: "empty input", raw: "", want: nil},
		{name: "empty object", raw: "{}", want: Metadata{}},
		{
			name: "all value types",
			raw:  `{"plan": "pro", "seats": 5, "ratio": -2.5e1, "trial": false, "note": ""}`,
			want: Metadata{"plan": "pro", "seats": 5.0, "ratio": -25.0, "trial": false, "note": ""},
		},
		{name: "escaped key", raw: `{"caf\u00e9": true}`, want: Metadata{"café": true}},
		{name: "large integer rounds", raw: `{"id": 12345678901234567890}`, want: Metadata{"id": 12345678901234567890.0}},
		{name: "tiny number rounds to zero", raw: `{"x": 1e-400}`, want: Metadata{"x": 0.0}},
		{name: "50 keys", raw: mustMarshal(t, metadataWithKeys(MaxMetadataKeys)), want: Metadata(metadataWithKeys(MaxMetadataKeys))},
		{name: "51 keys", raw: mustMarshal(t, metadataWithKeys(MaxMetadataKeys+1)), message: "Metadata has more than 50 keys: remove keys until at most 50 remain."},
		{name: "key of 64 bytes", raw: `{"` + key64 + `": 1}`, want: Metadata{key64: 1.0}},
		{name: "key of 65 bytes", raw: `{"` + key65 + `": 1}`, message: `Metadata key "` + key64 + `"... is 65 bytes long: use at most 64 bytes.`},
		{name: "empty key", raw: `{"": 1}`, message: `Metadata key is empty: give every value a name, such as "plan".`},
		{name: "value of 1024 bytes", raw: `{"note": "` + value1024 + `"}`, want: Metadata{"note": value1024}},
		{name: "value of 1025 bytes", raw: `{"note": "` + value1025 + `"}`, message: `Metadata key "note" has a value of 1025 bytes: use at most 1024 bytes.`},
		{name: "raw of 8192 bytes", raw: mustMarshal(t, metadataOfSize(MaxMetadataBytes)), want: Metadata(metadataOfSize(MaxMetadataBytes))},
		{name: "raw of 8193 bytes", raw: mustMarshal(t, metadataOfSize(MaxMetadataBytes+1)), message: "Metadata is 8193 bytes as JSON: use at most 8192 bytes."},
		{name: "padded raw of 8192 bytes", raw: padded(MaxMetadataBytes), want: Metadata{"a": "x"}},
		{name: "padded raw of 8193 bytes", raw: padded(MaxMetadataBytes + 1), want: Metadata{"a": "x"}},
		{name: "padded raw of 49152 bytes", raw: padded(6 * MaxMetadataBytes), want: Metadata{"a": "x"}},
		{name: "padded raw of 49153 bytes", raw: padded(6*MaxMetadataBytes + 1), message: "Metadata is 49153 bytes as sent: send at most 49152 bytes, and at most 8192 bytes as compact JSON."},
		{name: "escapes at 8192 bytes", raw: escapedRaw, want: escaped},
		{name: "escapes at 8193 bytes", raw: strings.Replace(escapedRaw, `"pad":"`, `"pad":"x`, 1), message: "Metadata is 8193 bytes as JSON: use at most 8192 bytes."},
		{name: "re-encoding over limit", raw: longNumber, message: "Metadata is 8209 bytes as JSON: use at most 8192 bytes."},
		{name: "line separators at 8192 bytes", raw: stringify(t, separatorMetadataOfSize(MaxMetadataBytes)), want: Metadata(separatorMetadataOfSize(MaxMetadataBytes))},
		{name: "line separators at 8193 bytes", raw: stringify(t, separatorMetadataOfSize(MaxMetadataBytes+1)), message: "Metadata is 8193 bytes as JSON: use at most 8192 bytes."},
		{name: "HTML characters count one byte", raw: htmlRaw, want: Metadata{"a": html, "b": html}},
		{name: "null", raw: "null", message: `Metadata must be a JSON object such as {"plan": "pro", "seats": 5}, not null.`},
		{name: "array", raw: `[{"a": 1}]`, message: `Metadata must be a JSON object such as {"plan": "pro", "seats": 5}, not an array.`},
		{name: "string", raw: `"plan"`, message: `Metadata must be a JSON object such as {"plan": "pro", "seats": 5}, not a string.`},
		{name: "number", raw: ` 5 `, message: `Metadata must be a JSON object such as {"plan": "pro", "seats": 5}, not a number.`},
		{name: "boolean", raw: `true`, message: `Metadata must be a JSON object such as {"plan": "pro", "seats": 5}, not a boolean.`},
		{name: "nested object", raw: `{"a": 1, "user": {"id": 1}}`, message: `Metadata key "user" contains an object: use a string, number or boolean, because nested values are not supported.`},
		{name: "nested array", raw: `{"tags": ["a"]}`, message: `Metadata key "tags" contains an array: use a string, number or boolean, because nested values are not supported.`},
		{name: "null value", raw: `{"coupon": null}`, message: `Metadata key "coupon" is null: use a string, number or boolean, or leave the key out.`},
		{name: "duplicate key", raw: `{"plan": "a", "seats": 1, "plan": "b"}`, message: `Metadata key "plan" appears more than once: keep one.`},
		{name: "number too large", raw: `{"n": 1e400}`, message: `Metadata key "n" has number 1e400, which is outside the range of a 64-bit float: use a smaller number.`},
		{name: "negative number out of range", raw: `{"n": -1e400}`, message: `Metadata key "n" has number -1e400, which is outside the range of a 64-bit float: use a smaller number.`},
		{name: "invalid UTF-8", raw: "{\"a\": \"\xff\"}", message: "Metadata is not valid UTF-8: send the JSON encoded as UTF-8."},
		{name: "trailing comma", raw: `{"a": 1,}`, message: `Metadata is not valid JSON (invalid character '}' looking for beginning of object key string): send an object such as {"plan": "pro", "seats": 5}.`},
		{name: "missing brace", raw: `{"a": 1`, message: `Metadata is not valid JSON (unexpected EOF): send an object such as {"plan": "pro", "seats": 5}.`},
		{name: "white space only", raw: "  \n", message: `Metadata is not valid JSON (unexpected EOF): send an object such as {"plan": "pro", "seats": 5}.`},
		{name: "second object", raw: `{"a": 1} {}`, message: `Metadata has more JSON after the object: send exactly one object such as {"plan": "pro", "seats": 5}.`},
		{name: "trailing garbage", raw: `{"a": 1} x`, message: `Metadata has more JSON after the object: send exactly one object such as {"plan": "pro", "seats": 5}.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMetadata([]byte(tt.raw))
			if tt.message == "" {
				if err != nil {
					t.Fatalf("ParseMetadata = %q, want valid", err.Message)
				}
				if (got == nil) != (tt.want == nil) {
					t.Errorf("ParseMetadata = %#v, want %#v", got, tt.want)
				}
				if !maps.Equal(got, tt.want) {
					t.Errorf("ParseMetadata = %#v, want %#v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseMetadata = valid, want %q", tt.message)
			}
			if err.Field != "metadata" {
				t.Errorf("field = %q, want metadata", err.Field)
			}
			if err.Message != tt.message {
				t.Errorf("message = %q, want %q", err.Message, tt.message)
			}
		})
	}
}

func TestValidateMetadata(t *testing.T) {
	key65 := strings.Repeat("k", MaxMetadataKeyLength+1)
	tests := []struct {
		name    string
		m       map[string]any
		message string // empty: valid
	}{
		{name: "nil", m: nil},
		{name: "empty", m: map[string]any{}},
		{
			name: "all accepted types",
			m: map[string]any{
				"s": "pro", "b": true, "f": 2.5, "i": 5, "i64": int64(-7),
				"n": json.Number("1e3"), "neg": json.Number("-0.5"),
			},
		},
		{name: "50 keys", m: metadataWithKeys(MaxMetadataKeys)},
		{name: "51 keys", m: metadataWithKeys(MaxMetadataKeys + 1), message: "Metadata has more than 50 keys: remove keys until at most 50 remain."},
		{name: "key of 64 bytes", m: map[string]any{strings.Repeat("k", MaxMetadataKeyLength): 1}},
		{name: "key of 65 bytes", m: map[string]any{key65: 1}, message: `Metadata key "` + key65[:MaxMetadataKeyLength] + `"... is 65 bytes long: use at most 64 bytes.`},
		{name: "empty key", m: map[string]any{"": 1}, message: `Metadata key is empty: give every value a name, such as "plan".`},
		{name: "invalid UTF-8 key", m: map[string]any{"a\xff": 1}, message: `Metadata key "a\xff" is not valid UTF-8: use UTF-8 text.`},
		{name: "value of 1024 bytes", m: map[string]any{"note": strings.Repeat("v", MaxMetadataValueBytes)}},
		{name: "value of 1025 bytes", m: map[string]any{"note": strings.Repeat("v", MaxMetadataValueBytes+1)}, message: `Metadata key "note" has a value of 1025 bytes: use at most 1024 bytes.`},
		{name: "invalid UTF-8 value", m: map[string]any{"note": "\xff"}, message: `Metadata key "note" has a value that is not valid UTF-8: use UTF-8 text.`},
		{name: "encoding of 8192 bytes", m: metadataOfSize(MaxMetadataBytes)},
		{name: "encoding of 8193 bytes", m: metadataOfSize(MaxMetadataBytes + 1), message: "Metadata is 8193 bytes as JSON: use at most 8192 bytes."},
		{name: "line separators at 8192 bytes", m: separatorMetadataOfSize(MaxMetadataBytes)},
		{name: "line separators at 8193 bytes", m: separatorMetadataOfSize(MaxMetadataBytes + 1), message: "Metadata is 8193 bytes as JSON: use at most 8192 bytes."},
		{name: "nil value", m: map[string]any{"coupon": nil}, message: `Metadata key "coupon" is null: use a string, number or boolean, or leave the key out.`},
		{name: "nested map", m: map[string]any{"user": map[string]any{"id": 1}}, message: `Metadata key "user" contains an object: use a string, number or boolean, because nested values are not supported.`},
		{name: "nested slice", m: map[string]any{"tags": []any{"a"}}, message: `Metadata key "tags" contains an array: use a string, number or boolean, because nested values are not supported.`},
		{name: "NaN", m: map[string]any{"x": math.NaN()}, message: `Metadata key "x" is NaN: use a finite number such as 5 or 2.5.`},
		{name: "infinity", m: map[string]any{"x": math.Inf(1)}, message: `Metadata key "x" has number +Inf, which is outside the range of a 64-bit float: use a smaller number.`},
		{name: "json.Number too large", m: map[string]any{"x": json.Number("1e400")}, message: `Metadata key "x" has number 1e400, which is outside the range of a 64-bit float: use a smaller number.`},
		{name: "json.Number not a number", m: map[string]any{"x": json.Number("abc")}, message: `Metadata key "x" has "abc", which is not a JSON number: use a number such as 5 or 2.5.`},
		{name: "json.Number hexadecimal", m: map[string]any{"x": json.Number("0x10")}, message: `Metadata key "x" has "0x10", which is not a JSON number: use a number such as 5 or 2.5.`},
		{name: "json.Number with space", m: map[string]any{"x": json.Number(" 1")}, message: `Metadata key "x" has " 1", which is not a JSON number: use a number such as 5 or 2.5.`},
		{name: "json.Number Inf", m: map[string]any{"x": json.Number("Inf")}, message: `Metadata key "x" has "Inf", which is not a JSON number: use a number such as 5 or 2.5.`},
		{name: "other Go type", m: map[string]any{"x": float32(1)}, message: `Metadata key "x" has a value of Go type float32: use a string, number or boolean.`},
		{name: "first sorted key reported", m: map[string]any{"b": nil, "a": []any{}}, message: `Metadata key "a" contains an array: use a string, number or boolean, because nested values are not supported.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateMetadata(tt.m)
			if tt.message == "" {
				if err != nil {
					t.Fatalf("ValidateMetadata = %q, want valid", err.Message)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateMetadata = valid, want %q", tt.message)
			}
			if err.Field != "metadata" {
				t.Errorf("field = %q, want metadata", err.Field)
			}
			if err.Message != tt.message {
				t.Errorf("message = %q, want %q", err.Message, tt.message)
			}
		})
	}
}

func TestNormalizeMetadata(t *testing.T) {
	in := map[string]any{
		"s": "pro", "b": true, "f": 2.5, "i": 5, "i64": int64(-7), "n": json.Number("1e3"),
	}
	want := Metadata{"s": "pro", "b": true, "f": 2.5, "i": 5.0, "i64": -7.0, "n": 1000.0}
	got, err := NormalizeMetadata(in)
	if err != nil {
		t.Fatalf("NormalizeMetadata = %q, want valid", err.Message)
	}
	if !maps.Equal(got, want) {
		t.Errorf("NormalizeMetadata = %#v, want %#v", got, want)
	}
	if in["i"] != 5 {
		t.Errorf("input changed: i = %#v, want 5", in["i"])
	}

	got, err = NormalizeMetadata(nil)
	if got != nil || err != nil {
		t.Errorf("NormalizeMetadata(nil) = %#v, %v, want nil, nil", got, err)
	}

	got, err = NormalizeMetadata(map[string]any{"x": nil})
	if got != nil {
		t.Errorf("NormalizeMetadata with error returned %#v, want nil", got)
	}
	if err == nil {
		t.Error("NormalizeMetadata with null value = valid, want error")
	}
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`{"plan": "pro", "seats": 5, "trial": false}`))
	f.Add([]byte(`{"a": {"b": 1}, "c": [1]}`))
	f.Add([]byte(`{"a": 1, "a": 2}`))
	f.Add([]byte(`{"n": 1e400, "m": 1e-400, "big": 12345678901234567890}`))
	f.Add([]byte(`{"a": "` + strings.Repeat("<", 1024) + `"}`))
	f.Add([]byte(`{"\ud800": "\udc00"}`))
	f.Add([]byte(`{"a": "` + strings.Repeat("\u2028", 341) + `", "b": "\u2029\\u2028"}`))
	f.Add([]byte(`{"a": 1} {}`))
	f.Add([]byte(`null`))
	f.Add([]byte(mustMarshalFuzz(metadataWithKeys(MaxMetadataKeys + 1))))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseMetadata(raw)
		if err != nil {
			if m != nil {
				t.Errorf("ParseMetadata returned %#v with error %q", m, err.Message)
			}
			if err.Field != "metadata" || err.Message == "" {
				t.Errorf("ParseMetadata error = %+v, want field metadata and a message", err)
			}
			return
		}
		if len(raw) == 0 {
			if m != nil {
				t.Errorf("ParseMetadata(empty) = %#v, want nil", m)
			}
			return
		}
		if !json.Valid(raw) {
			t.Errorf("ParseMetadata accepted invalid JSON %q", raw)
		}
		if len(m) > MaxMetadataKeys {
			t.Errorf("ParseMetadata returned %d keys, want at most %d", len(m), MaxMetadataKeys)
		}
		for key, value := range m {
			if key == "" || len(key) > MaxMetadataKeyLength || !utf8.ValidString(key) {
				t.Errorf("ParseMetadata accepted key %q", key)
			}
			switch v := value.(type) {
			case string:
				if len(v) > MaxMetadataValueBytes {
					t.Errorf("key %q: value of %d bytes accepted", key, len(v))
				}
			case float64:
				if math.IsInf(v, 0) || math.IsNaN(v) {
					t.Errorf("key %q: non-finite %v accepted", key, v)
				}
			case bool:
			default:
				t.Errorf("key %q: value of type %T accepted", key, value)
			}
		}
		if size := stringifyLength(m); size > MaxMetadataBytes {
			t.Errorf("accepted metadata is %d bytes as JSON.stringify writes it, want at most %d", size, MaxMetadataBytes)
		}
		if verr := ValidateMetadata(m); verr != nil {
			t.Errorf("ValidateMetadata rejects what ParseMetadata accepted: %q", verr.Message)
		}
		var decoded map[string]any
		if unmarshalErr := json.Unmarshal(raw, &decoded); unmarshalErr != nil {
			t.Fatalf("json.Unmarshal of accepted input: %v", unmarshalErr)
		}
		if !maps.Equal(map[string]any(m), decoded) {
			t.Errorf("ParseMetadata = %#v, json.Unmarshal = %#v", m, decoded)
		}
	})
}

func mustMarshalFuzz(v any) string {
	encoded, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(encoded)
}
